/*
 * Counting lines (lines.h).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "lines.h"

size_t
lines_count(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t c = 0, i = 0;

	/* Byte counters in blocks of 16, which compilers turn into vector
	 * code: about as fast as wc -l. */
	while (i < n) {
		unsigned char acc[16] = { 0 };
		size_t lim = n - i > 255 * 16 ? i + 255 * 16 : n;
		int k;

		for (; i + 16 <= lim; i += 16)
			for (k = 0; k < 16; k++)
				acc[k] += u[i + k] == '\n';
		for (; i < lim; i++)
			c += u[i] == '\n';
		for (k = 0; k < 16; k++)
			c += acc[k];
	}
	return c;
}

char *
lines_start(char *s, char *p)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t nl = ones * '\n';

	while (p - s >= 8) {
		uint64_t w, x;

		memcpy(&w, p - 8, 8);
		x = w ^ nl;
		if (((x - ones) & ~x & (ones << 7)) != 0)
			break;
		p -= 8;
	}
	while (p > s && p[-1] != '\n')
		p--;
	return p;
}

unsigned long long
lines_count_fd(int fd, off_t to)
{
	unsigned long long n = 0;
	char buf[65536];
	off_t at = 0;
	ssize_t r;

	while (at < to && (r = pread(fd, buf, (size_t)(to - at <
	    (off_t)sizeof buf ? to - at : (off_t)sizeof buf), at)) > 0) {
		n += lines_count(buf, (size_t)r);
		at += r;
	}
	return n;
}

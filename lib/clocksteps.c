/*
 * The wall clock's steps (clocksteps.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clocksteps.h"
#include "statusfile.h"
#include "wr.h"

int
clocksteps_path(const char *statedir, char *path, size_t pathsz)
{
	int n = snprintf(path, pathsz, "%s/clock.steps", statedir);

	return n < 0 || (size_t)n >= pathsz ? -1 : 0;
}

static int number(const char *s, size_t n, long long *v);

int
clocksteps_anchor_path(const char *statedir, char *path, size_t pathsz)
{
	int n = snprintf(path, pathsz, "%s/clock.anchor", statedir);

	return n < 0 || (size_t)n >= pathsz ? -1 : 0;
}

/* A boot id: 1 to 64 of [0-9a-f-]. */
static int
boot_word(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') || s[i] == '-'))
			return 0;
	return 1;
}

int
clocksteps_boot(char *boot, size_t bootsz)
{
	char buf[128];
	ssize_t n;
	int fd;

	if ((fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY |
	    O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	if (!boot_word(buf, (size_t)n) || (size_t)n >= bootsz)
		return -1;
	memcpy(boot, buf, (size_t)n);
	boot[n] = '\0';
	return 0;
}

int
clocksteps_anchor_read(const char *path, long long *off, char *boot,
    size_t bootsz)
{
	static char buf[STATUSFILE_MAX + 1];
	const char *sp, *e;
	time_t mtime;
	long n;

	if ((n = statusfile_read(path, buf, &mtime)) <= 0 ||
	    buf[n - 1] != '\n' || (sp = memchr(buf, ' ', (size_t)n)) == NULL)
		return -1;
	e = buf + n - 1;
	if (number(buf, (size_t)(sp - buf), off) < 0 ||
	    !boot_word(sp + 1, (size_t)(e - sp - 1)) ||
	    (size_t)(e - sp - 1) >= bootsz)
		return -1;
	memcpy(boot, sp + 1, (size_t)(e - sp - 1));
	boot[e - sp - 1] = '\0';
	return 0;
}

int
clocksteps_anchor_write(const char *path, long long off, const char *boot)
{
	char line[128];
	int n = snprintf(line, sizeof line, "%lld %s\n", off, boot);

	if (n < 0 || (size_t)n >= sizeof line) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return statusfile_write(path, line, (size_t)n);
}

int
clocksteps_add(const char *path, long long when, long long step)
{
	char line[64];
	int fd, n, e;

	n = snprintf(line, sizeof line, "%lld %lld\n", when, step);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) < 0)
		return -1;
	if (wr_all(fd, line, (size_t)n) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

/* A whole decimal number, optionally signed, of at most 18 digits. */
static int
number(const char *s, size_t n, long long *v)
{
	long long x = 0;
	size_t i = 0;
	int neg = 0;

	if (n > 0 && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (n == i || n - i > 18)
		return -1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = neg ? -x : x;
	return 0;
}

int
clocksteps_line(const char *s, size_t n, long long *when, long long *step)
{
	const char *sp = memchr(s, ' ', n);

	if (sp == NULL || number(s, (size_t)(sp - s), when) < 0 || *when < 0 ||
	    number(sp + 1, (size_t)(s + n - sp - 1), step) < 0 || *step == 0 ||
	    *step > CLOCKSTEPS_LIMIT || *step < -CLOCKSTEPS_LIMIT)
		return -1;
	return 0;
}

int
clocksteps_read(const char *path, struct clocksteps *cs, unsigned long *bad)
{
	char buf[8192], line[64];
	size_t ll = 0;
	ssize_t got;
	int fd, toolong = 0;

	cs->n = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? 0 : -1;
	while ((got = read(fd, buf, sizeof buf)) != 0) {
		ssize_t i;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		for (i = 0; i < got; i++) {
			long long w, st;

			if (buf[i] != '\n') {
				if (ll < sizeof line)
					line[ll++] = buf[i];
				else
					toolong = 1;
				continue;
			}
			if (toolong || clocksteps_line(line, ll, &w, &st) < 0)
				++*bad;
			else {
				/* (the latest CLOCKSTEPS_MAX kept) */
				if (cs->n == CLOCKSTEPS_MAX) {
					memmove(cs->when, cs->when + 1,
					    (CLOCKSTEPS_MAX - 1) * sizeof w);
					memmove(cs->step, cs->step + 1,
					    (CLOCKSTEPS_MAX - 1) * sizeof st);
					cs->n--;
				}
				cs->when[cs->n] = w;
				cs->step[cs->n++] = st;
			}
			ll = 0;
			toolong = 0;
		}
	}
	if (ll > 0 || toolong)
		++*bad;		/* a last line cut short */
	close(fd);
	return 0;
}

long long
clocksteps_since(const struct clocksteps *cs, long long t)
{
	long long sum = 0;
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (cs->when[i] > t)
			sum += cs->step[i];
	return sum;
}

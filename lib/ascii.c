/*
 * Mail text as ASCII (ascii.h).
 */
#include <string.h>

#include "ascii.h"

const char *
ascii_find_ci(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle), i, j;

	if (m == 0 || m > n)
		return m == 0 ? s : NULL;
	for (i = 0; i + m <= n; i++) {
		if (ascii_lower((unsigned char)s[i]) != needle[0])
			continue;
		for (j = 1; j < m; j++)
			if (ascii_lower((unsigned char)s[i + j]) != needle[j])
				break;
		if (j == m)
			return s + i;
	}
	return NULL;
}

size_t
ascii_lower_copy(char *low, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		low[i] = (char)ascii_lower((unsigned char)s[i]);
	return n;
}

int
ascii_holds_lower(const char *low, size_t n, const char *const *list)
{
	for (; *list; list++) {
		size_t m = strlen(*list);
		const char *p = low, *e = low + n;

		while (m <= (size_t)(e - p) &&
		    (p = memchr(p, (*list)[0], (size_t)(e - p) - m + 1)) != NULL) {
			if (memcmp(p, *list, m) == 0)
				return 1;
			p++;
		}
	}
	return 0;
}

int
ascii_holds_ci(const char *s, size_t n, const char *const *list)
{
	char low[ASCII_FOLD_MAX];

	return ascii_holds_lower(low, ascii_lower_copy(low, s,
	    n < sizeof low ? n : sizeof low), list);
}

void
ascii_copy_clean(char *dst, size_t dstsz, const char *s, size_t n)
{
	size_t o = 0, i;
	int blank = 0;

	for (i = 0; i < n && o + 1 < dstsz; i++) {
		unsigned char c = (unsigned char)s[i];

		if (ascii_isspace(c)) {
			blank = o > 0;
			continue;
		}
		if (blank && o + 2 < dstsz)
			dst[o++] = ' ';
		blank = 0;
		dst[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	dst[o] = '\0';
}

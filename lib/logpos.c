/*
 * Where reading the main log stopped (logpos.h).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "logpos.h"

void
logpos_format(const struct logpos *p, char line[LOGPOS_WIDTH])
{
	char text[LOGPOS_WIDTH + 1];
	int n;

	n = snprintf(text, sizeof text, "%llu %llu", p->ino, p->off);
	memcpy(line, text, (size_t)n);
	memset(line + n, ' ', (size_t)(LOGPOS_WIDTH - 1 - n));
	line[LOGPOS_WIDTH - 1] = '\n';
}

/* A whole decimal number at *s (up to e) into *v, *s after it: 0, or -1
 * when there is no digit or it does not fit. */
static int
number(const char **s, const char *e, unsigned long long *v)
{
	const char *b = *s;

	for (*v = 0; *s < e && **s >= '0' && **s <= '9'; (*s)++) {
		unsigned d = (unsigned)(**s - '0');

		if (*v > (ULLONG_MAX - d) / 10)
			return -1;
		*v = *v * 10 + d;
	}
	return *s == b ? -1 : 0;
}

int
logpos_parse(const char *s, size_t n, char sep, struct logpos *p)
{
	const char *e = s + n;
	struct logpos v;

	if (number(&s, e, &v.ino) < 0 || s == e || *s++ != sep ||
	    number(&s, e, &v.off) < 0)
		return -1;
	if (sep == ' ') {
		while (s < e && *s == ' ')
			s++;
		if (s < e && *s == '\n')
			s++;
	}
	if (s != e)
		return -1;
	*p = v;
	return 0;
}

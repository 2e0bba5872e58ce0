/*
 * Finding a token in text (an address, a header field): where it is
 * written, not whether it is one (token.c checks that).
 */
#include <string.h>

#include "token.h"

static int
lower_ascii(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

size_t
token_after(const char *s, size_t n, const char *prefix, char *out)
{
	size_t m = strlen(prefix), i, j, k = 0;
	const char *p = NULL, *e = s + n;

	for (i = 0; m > 0 && i + m <= n && p == NULL; i++) {
		for (j = 0; j < m; j++)
			if (lower_ascii((unsigned char)s[i + j]) !=
			    lower_ascii((unsigned char)prefix[j]))
				break;
		if (j == m)
			p = s + i + m;
	}
	if (p == NULL)
		return 0;
	for (; p < e && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
	    (*p >= 'A' && *p <= 'Z')); p++)
		if (k++ < TOKEN_MAX)
			out[k - 1] = *p;
	if (k > TOKEN_MAX)
		return TOKEN_MAX + 1;
	out[k] = '\0';
	return k;
}

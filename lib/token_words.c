/*
 * Finding a token in text (an address, a header field): where it is
 * written, not whether it is one (token.c checks that).
 */
#include <string.h>

#include "ascii.h"
#include "token.h"
#include "token_words.h"

size_t
token_words_after(const char *s, size_t n, const char *prefix, char *out)
{
	size_t m = strlen(prefix), i, j, k = 0;
	const char *p = NULL, *e = s + n;

	for (i = 0; m > 0 && i + m <= n && p == NULL; i++) {
		for (j = 0; j < m; j++)
			if (ascii_lower((unsigned char)s[i + j]) !=
			    ascii_lower((unsigned char)prefix[j]))
				break;
		if (j == m)
			p = s + i + m;
	}
	if (p == NULL)
		return 0;
	for (; p < e && ascii_isalnum((unsigned char)*p); p++)
		if (k++ < TOKEN_MAX)
			out[k - 1] = *p;
	if (k > TOKEN_MAX)
		return TOKEN_MAX + 1;
	out[k] = '\0';
	return k;
}

void
token_words_start(struct token_words *tw,
    void (*word)(void *, const char *, size_t, int), void *arg)
{
	tw->n = 0;
	tw->word = word;
	tw->arg = arg;
}

void
token_words_feed(struct token_words *tw, const char *s, size_t n, int where)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (ascii_isalnum(c)) {
			if (tw->n < sizeof tw->w)
				tw->w[tw->n] = (char)c;
			tw->n++;
			continue;
		}
		token_words_end(tw, where);
	}
}

void
token_words_end(struct token_words *tw, int where)
{
	if (tw->n == TOKEN_V4_LEN || tw->n == TOKEN_V6_LEN)
		tw->word(tw->arg, tw->w, tw->n, where);
	tw->n = 0;
}

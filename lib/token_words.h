/*
 * Finding tokens in text: where one is written (after a prefix, in an
 * address or a header field), and the words of a text that may be
 * tokens; not whether they are (token.h checks that).
 */
#ifndef RW_TOKEN_WORDS_H
#define RW_TOKEN_WORDS_H

#include <stddef.h>

#include "token.h"

/*
 * The token written after the first prefix in s[0..n) (both in any case):
 * the run of letters and digits there, copied into out (TOKEN_MAX + 1
 * bytes, NUL-terminated) and its length; 0 when the prefix is not there,
 * TOKEN_MAX + 1 when the run is longer than any token.  Not checked:
 * token_check says whether it is one.
 */
size_t token_words_after(const char *s, size_t n, const char *prefix,
    char *out);

/*
 * The words of a text fed in any pieces that may be tokens: runs of
 * letters and digits TOKEN_V4_LEN or TOKEN_V6_LEN long, each given to
 * word(arg, w, n, where) when it ends, where being the feeder's at that
 * moment.  token_words_end ends a word where the text ends.
 */
struct token_words {
	char w[TOKEN_MAX + 1];
	size_t n;		/* letters and digits so far (any number) */
	void (*word)(void *arg, const char *w, size_t n, int where);
	void *arg;
};

void token_words_start(struct token_words *tw,
    void (*word)(void *arg, const char *w, size_t n, int where), void *arg);
void token_words_feed(struct token_words *tw, const char *s, size_t n,
    int where);
void token_words_end(struct token_words *tw, int where);

#endif

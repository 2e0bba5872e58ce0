/*
 * Reading small text files (configuration, netblocks, keys) line by line,
 * with the line number, in bounded memory.  Lines longer than
 * TEXTFILE_LINE_MAX, NUL bytes and read errors are reported, never skipped.
 */
#ifndef RW_TEXTFILE_H
#define RW_TEXTFILE_H

#include <stdio.h>

#define TEXTFILE_LINE_MAX 4096

struct textfile {
	FILE *f;
	const char *path;
	unsigned long lineno;
	char buf[TEXTFILE_LINE_MAX + 1];
};

/* Open path; returns 0, or -1 with errno set. */
int textfile_open(struct textfile *tf, const char *path);
/* Read the standard input, however it is connected (a pipe from another
 * user cannot be opened again as /dev/stdin), named name in messages. */
void textfile_stdin(struct textfile *tf, const char *name);
void textfile_close(struct textfile *tf);

/*
 * Next line, without its newline (a CR before it is kept), NUL-terminated.
 * Returns 1 with *line and *len set, 0 at the end, or -1 with *why set:
 * an over-long line, a NUL byte, or a read error.  A last line without a
 * newline is returned like the others.
 */
int textfile_next(struct textfile *tf, char **line, size_t *len,
    const char **why);

/* Strip a comment ('#' at the start or after white space) and the white
 * space around what is left, NUL-terminating it (s must have room for
 * s[len]); returns the new length. */
size_t text_strip(char *s, size_t len, char **start);

/* s[0..n) made fit to show in a message: non-printable bytes as \xHH,
 * cut with "..." to fit bufsz (at least 8).  Returns buf. */
const char *text_quote(const char *s, size_t n, char *buf, size_t bufsz);

/* The value of a hexadecimal digit, or -1. */
int text_hexval(int c);

/* The directory part of path ("." for none, "/" for the root) into dir
 * (dirsz bytes); 0, or -1 when it does not fit. */
int path_dir(const char *path, char *dir, size_t dirsz);

/*
 * A bad input line, said on the standard error as "WHERE:LINE: "TEXT":
 * WHAT: WHY" ("...: WHY" when what is NULL) for the first 100 (counted in
 * *count), then once that the rest are not reported.
 */
void text_warn_line(unsigned long long *count, const char *where,
    unsigned long long lineno, const char *line, size_t len,
    const char *what, const char *why);

#endif

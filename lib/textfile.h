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

#endif

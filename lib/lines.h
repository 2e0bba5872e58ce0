/*
 * Counting lines and finding where one starts, at memory speed.
 */
#ifndef RW_LINES_H
#define RW_LINES_H

#include <sys/types.h>

#include <stddef.h>

/* The number of newlines in n bytes at p. */
size_t lines_count(const char *p, size_t n);

/* The number of newlines in fd before offset to (read with pread). */
unsigned long long lines_count_fd(int fd, off_t to);

/* The start of the line that holds p: just after the last newline
 * before p, or s (eight bytes at a time). */
char *lines_start(char *s, char *p);

#endif

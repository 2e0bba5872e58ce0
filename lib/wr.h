/*
 * The filters' writer: it writes only when its buffer is full, or when
 * the reader pauses (wr_pause_hook, rd.h), so that output reaches the
 * next filter as soon as input pauses without a write(2) per line.
 */
#ifndef RW_WR_H
#define RW_WR_H

#include <stddef.h>

struct writer {
	int fd;
	size_t len;
	char buf[65536];
};

void wr_init(struct writer *w, int fd);
/* Both return 0, or -1 with errno set. */
int wr_write(struct writer *w, const char *s, size_t n);
int wr_flush(struct writer *w);

/* The pause hook that flushes a writer (arg: struct writer *). */
int wr_pause_hook(void *arg);

/* write(2) all n bytes, through short writes and EINTR; 0 or -1. */
int wr_all(int fd, const char *s, size_t n);

#endif

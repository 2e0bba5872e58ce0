/*
 * Line streams for the filters.  They live in "tail -F mainlog | ..."
 * pipelines: output must reach the next filter as soon as input pauses,
 * yet bulk input must go at full speed, without a write(2) per line.  The
 * reader calls a hook (flushing the writer) whenever the next read would
 * block; the writer otherwise writes only when its buffer is full.
 */
#ifndef RW_STREAM_H
#define RW_STREAM_H

#include <stddef.h>

#define RD_TOOLONG 1	/* the line was longer than the limit: no content */
#define RD_NOEOL 2	/* the last line had no newline */

struct reader {
	int fd;
	char *buf;
	size_t cap, maxline;
	size_t start, end, scan;
	int eof, skipping;
	unsigned long long lineno;
	int (*on_pause)(void *);
	void *pause_arg;
};

/* Returns 0, or -1 (out of memory).  Lines longer than maxline bytes are
 * not returned whole: rd_line reports them with RD_TOOLONG. */
int rd_init(struct reader *r, int fd, size_t maxline);
void rd_free(struct reader *r);

/*
 * Next line, without its newline, in *line and *len (valid until the next
 * call; not NUL-terminated).  Returns 1 for a line (with *flags), 0 at the
 * end of input, -1 on a read error (errno set) or when the pause hook
 * returned non-zero.
 */
int rd_line(struct reader *r, char **line, size_t *len, int *flags);

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

#endif

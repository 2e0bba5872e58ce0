#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "textfile.h"

int
textfile_open(struct textfile *tf, const char *path)
{
	tf->path = path;
	tf->lineno = 0;
	tf->f = fopen(path, "r");
	return tf->f ? 0 : -1;
}

void
textfile_stdin(struct textfile *tf, const char *name)
{
	tf->path = name;
	tf->lineno = 0;
	tf->f = stdin;
}

void
textfile_close(struct textfile *tf)
{
	if (tf->f && tf->f != stdin)
		fclose(tf->f);
	tf->f = NULL;
}

int
textfile_next(struct textfile *tf, char **line, size_t *len, const char **why)
{
	size_t n = 0;
	int c, nul = 0, toolong = 0;

	for (;;) {
		c = getc_unlocked(tf->f);
		if (c == EOF) {
			if (ferror(tf->f)) {
				*why = strerror(errno ? errno : EIO);
				return -1;
			}
			if (n == 0 && !toolong && !nul)
				return 0;
			break;
		}
		if (c == '\n')
			break;
		if (c == '\0')
			nul = 1;
		if (n < TEXTFILE_LINE_MAX)
			tf->buf[n++] = (char)c;
		else
			toolong = 1;
	}
	tf->lineno++;
	tf->buf[n] = '\0';
	if (toolong) {
		*why = "line too long";
		return -1;
	}
	if (nul) {
		*why = "NUL byte in line";
		return -1;
	}
	*line = tf->buf;
	*len = n;
	return 1;
}

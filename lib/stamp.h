/*
 * A file as last seen, to notice when it is replaced or changed.
 */
#ifndef RW_STAMP_H
#define RW_STAMP_H

#include <sys/stat.h>

struct stamp {
	int exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

void stamp_of(const struct stat *st, struct stamp *s);

/* Has path changed since *s (another file, size or time, come or gone)?
 * Updates *s. */
int stamp_changed(const char *path, struct stamp *s);

/* Is st the file *s saw? */
int stamp_is(const struct stamp *s, const struct stat *st);

#endif

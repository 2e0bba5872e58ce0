/*
 * A file as last seen (stamp.h).
 */
#include <sys/stat.h>

#include "stamp.h"

void
stamp_of(const struct stat *st, struct stamp *s)
{
	s->exists = 1;
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->size = st->st_size;
	s->mtime = st->st_mtim;
}

int
stamp_changed(const char *path, struct stamp *s)
{
	struct stamp was = *s;
	struct stat st;

	if (stat(path, &st) < 0)
		s->exists = 0;
	else
		stamp_of(&st, s);
	if (was.exists != s->exists)
		return 1;
	return s->exists && (was.dev != s->dev || was.ino != s->ino ||
	    was.size != s->size || was.mtime.tv_sec != s->mtime.tv_sec ||
	    was.mtime.tv_nsec != s->mtime.tv_nsec);
}

int
stamp_is(const struct stamp *s, const struct stat *st)
{
	return s->exists && s->dev == st->st_dev && s->ino == st->st_ino;
}

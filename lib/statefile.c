/*
 * The state file, locked: opened never through a link, appended to in
 * whole lines and fsync'd, mapped to be read (statefile.h).
 */
#define _DEFAULT_SOURCE		/* flock(2) */
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "lines.h"
#include "statefile.h"
#include "wr.h"

int
statefile_paths(const char *statedir, char *state, size_t statesz, char *cdb,
    size_t cdbsz)
{
	return (size_t)snprintf(state, statesz, "%s/state", statedir) >=
	    statesz || (size_t)snprintf(cdb, cdbsz, "%s/state.cdb",
	    statedir) >= cdbsz ? -1 : 0;
}


int
statefile_open(struct statefile *sf, const char *path, int exclusive)
{
	struct stat a, b;

	sf->path = path;
	sf->text = NULL;
	sf->len = 0;
	for (;;) {
		/* Never through a link. */
		sf->fd = open(path, exclusive ?
		    O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW :
		    O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (sf->fd < 0) {
			if (!exclusive && errno == ENOENT)
				return 0;	/* no state yet: empty */
			return -1;
		}
		while (flock(sf->fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
			if (errno != EINTR)
				goto fail;
		/* compact may have put a new file in place while we waited
		 * for the lock on the old one: then lock the new one. */
		if (fstat(sf->fd, &a) < 0)
			goto fail;
		if (stat(path, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			return 0;
		close(sf->fd);
	}
fail:
	{
		int e = errno;

		close(sf->fd);
		sf->fd = -1;
		errno = e;
		return -1;
	}
}

int
statefile_map(struct statefile *sf)
{
	struct stat st;

	if (sf->text)
		munmap(sf->text, sf->len);
	sf->text = NULL;
	sf->len = 0;
	if (sf->fd < 0)
		return 0;
	if (fstat(sf->fd, &st) < 0)
		return -1;
	if (st.st_size == 0)
		return 0;
	sf->text = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, sf->fd,
	    0);
	if (sf->text == MAP_FAILED) {
		sf->text = NULL;
		return -1;
	}
	sf->len = (size_t)st.st_size;
	return 0;
}

int
statefile_append(struct statefile *sf, const char *buf, size_t n)
{
	struct stat st;
	char last;

	if (fstat(sf->fd, &st) < 0)
		return -1;
	/* A line cut short by a crash is ended so that it cannot parse (no
	 * field may start with '#'): "10.3.2.110 UNKNOWN 1795839" must not
	 * be read as a verdict with a wrong time. */
	if (st.st_size > 0 && pread(sf->fd, &last, 1, st.st_size - 1) == 1 &&
	    last != '\n') {
		warnx("%s:%llu: last line cut short (no newline); marked so "
		    "that it does not parse", sf->path,
		    lines_count_fd(sf->fd, st.st_size) + 1);
		if (wr_all(sf->fd, STATE_CUT_MARK "\n",
		    sizeof STATE_CUT_MARK) < 0)
			goto undo;
		st.st_size += (off_t)sizeof STATE_CUT_MARK;
	}
	if (wr_all(sf->fd, buf, n) < 0)
		goto undo;
	return fsync(sf->fd);
undo:
	/* A write that failed part way (a full disk) leaves nothing: we
	 * hold the lock, and the file ends where it ended. */
	{
		int e = errno;

		(void)!ftruncate(sf->fd, st.st_size);
		errno = e;
		return -1;
	}
}

int
statefile_unlock(struct statefile *sf)
{
	return flock(sf->fd, LOCK_UN);
}

void
statefile_close(struct statefile *sf)
{
	if (sf->text)
		munmap(sf->text, sf->len);
	if (sf->fd >= 0)
		close(sf->fd);	/* and the lock */
	sf->text = NULL;
	sf->fd = -1;
}

int
statefile_position(const struct statefile *sf, struct statepos *pos)
{
	struct stat st;

	if (sf->fd < 0 || fstat(sf->fd, &st) < 0)
		return -1;
	pos->dev = (unsigned long long)st.st_dev;
	pos->ino = (unsigned long long)st.st_ino;
	pos->off = sf->len;
	return 0;
}


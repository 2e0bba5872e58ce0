/*
 * Files replaced whole: a unique temp file beside the target, written,
 * fsync'd and renamed over it, the directory fsync'd; the temp files of
 * writers that died are removed by the next writer.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "path.h"

/* Remove the temp files ".NAME.XXXXXX" in dir that no live writer holds
 * locked and that are older than a minute: left by a writer that was
 * killed. */
static void
remove_dead_temps(const char *dir, const char *name)
{
	size_t nlen = strlen(name);
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;
		int fd;

		if (de->d_name[0] != '.' || strlen(de->d_name) != nlen + 8 ||
		    memcmp(de->d_name + 1, name, nlen) != 0 ||
		    de->d_name[nlen + 1] != '.')
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir,
		    de->d_name) >= sizeof path)
			continue;
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
			continue;
		/* Unlocked and a minute old: a new one may not be locked yet
		 * (mkstemp, then flock). */
		if (fstat(fd, &st) == 0 && st.st_mtime < time(NULL) - 60 &&
		    flock(fd, LOCK_EX | LOCK_NB) == 0)
			unlink(path);
		close(fd);
	}
	closedir(d);
}

void
atomic_remove_dead_temps(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];

	if (path_dir(path, dir, sizeof dir) == 0)
		remove_dead_temps(dir, slash ? slash + 1 : path);
}

int
atomic_prepare(struct atomic_file *af, const char *path,
    int (*fill)(int fd, void *arg), void *arg, int mode)
{
	const char *slash = strrchr(path, '/');
	int e;

	af->fd = -1;
	if (strlen(path) + 16 >= sizeof af->tmp ||
	    path_dir(path, af->dir, sizeof af->dir) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	af->path = path;
	/* The temp file beside the target. */
	snprintf(af->tmp, sizeof af->tmp, "%.*s.%s.XXXXXX",
	    slash ? (int)(slash - path + 1) : 0, path, slash ? slash + 1 : path);
	remove_dead_temps(af->dir, slash ? slash + 1 : path);
	if ((af->fd = mkstemp(af->tmp)) < 0)
		return -1;
	/* Locked while written: a writer that died leaves it unlocked. */
	while (flock(af->fd, LOCK_EX) < 0 && errno == EINTR)
		;
	if (fchmod(af->fd, (mode_t)mode) < 0 || fill(af->fd, arg) < 0 ||
	    fsync(af->fd) < 0) {
		e = errno;
		atomic_abandon(af);
		errno = e;
		return -1;
	}
	return 0;
}

void
atomic_abandon(struct atomic_file *af)
{
	if (af->fd < 0)
		return;
	close(af->fd);
	unlink(af->tmp);
	af->fd = -1;
}

int
atomic_commit(struct atomic_file *af, int *held)
{
	int dfd, e;

	if ((held == NULL && close(af->fd) < 0) ||
	    rename(af->tmp, af->path) < 0) {
		e = errno;
		if (held)
			close(af->fd);
		unlink(af->tmp);
		af->fd = -1;
		errno = e;
		return -1;
	}
	if (held)
		*held = af->fd;
	af->fd = -1;
	if ((dfd = open(af->dir, O_RDONLY | O_CLOEXEC)) >= 0) {
		if (fsync(dfd) < 0) {
			e = errno;
			close(dfd);
			if (held) {
				close(*held);
				*held = -1;
			}
			errno = e;
			return -1;
		}
		close(dfd);
	}
	return 0;
}

int
atomic_write(const char *path, int (*fill)(int fd, void *arg), void *arg,
    int mode)
{
	return atomic_write_held(path, fill, arg, mode, NULL);
}

int
atomic_write_held(const char *path, int (*fill)(int fd, void *arg),
    void *arg, int mode, int *held)
{
	struct atomic_file af;

	if (atomic_prepare(&af, path, fill, arg, mode) < 0)
		return -1;
	return atomic_commit(&af, held);
}

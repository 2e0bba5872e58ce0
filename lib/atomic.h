/*
 * Files replaced whole, so that a reader sees the old file or the new one,
 * never half of one.
 */
#ifndef RW_ATOMIC_H
#define RW_ATOMIC_H

/* Write a file atomically: a unique temp file in the same directory,
 * written by fill(fd, arg), fsync'd, closed and renamed over path; the
 * directory is fsync'd.  On failure the old file stays and errno is set.
 * Returns 0 or -1. */
int atomic_write(const char *path, int (*fill)(int fd, void *arg),
    void *arg, int mode);

/* The same, the new file still open and locked (flock, exclusive) in
 * *held after the rename, for a caller that must finish work that goes
 * with it before anyone else writes it: close *held then. */
int atomic_write_held(const char *path, int (*fill)(int fd, void *arg),
    void *arg, int mode, int *held);

/* The same in two steps, for a caller that writes the new file before it
 * may put it in place: atomic_prepare writes and fsyncs the temp file
 * (kept open and locked, so that no other writer takes it for a dead
 * one's); then atomic_commit renames it over path and fsyncs the
 * directory (held as above, or NULL), or atomic_abandon removes it.
 * Both return 0, or -1 with errno set and the temp file removed. */
struct atomic_file {
	const char *path;
	char tmp[4096], dir[4096];
	int fd;
};
int atomic_prepare(struct atomic_file *af, const char *path,
    int (*fill)(int fd, void *arg), void *arg, int mode);
int atomic_commit(struct atomic_file *af, int *held);
void atomic_abandon(struct atomic_file *af);

/* Remove the temp files of atomic_write for path that a writer killed
 * left behind (unlocked, a minute old). */
void atomic_remove_dead_temps(const char *path);

#endif

/*
 * The state file (relaywatch-state(5)).  Writers append whole lines under
 * an exclusive flock(2); readers read under a shared one.
 */
#ifndef RW_STATEFILE_H
#define RW_STATEFILE_H

#include <stddef.h>

/* The paths of the state and its CDB in statedir; 0, or -1 when too
 * long for the buffers. */
int statefile_paths(const char *statedir, char *state, size_t statesz,
    char *cdb, size_t cdbsz);
/*
 * A locked state file.  statefile_open locks path (creating it), exclusively
 * or shared; statefile_map maps what it holds now (text, len; len 0 for an
 * empty file).  Returns 0, or -1 with errno set.
 */
struct statefile {
	int fd;
	const char *path;
	char *text;
	size_t len;
};

int statefile_open(struct statefile *sf, const char *path, int exclusive);
int statefile_map(struct statefile *sf);
/* What ends a line that a crash cut short, so that it does not parse. */
#define STATE_CUT_MARK " #cut"

/* Append n bytes of whole lines, and fsync; a line left cut short before
 * them is ended with STATE_CUT_MARK first.  When a write fails part way
 * the file is cut back to where it ended. */
int statefile_append(struct statefile *sf, const char *buf, size_t n);
/* Let go of the lock, the file still open and mapped (a reader that has
 * what it needs: the text up to a newline never changes). */
int statefile_unlock(struct statefile *sf);
void statefile_close(struct statefile *sf);

/* A place in a state file: the file (device and inode) and an offset. */
struct statepos {
	unsigned long long dev, ino, off;
};

/* sf's file and the end of its text as mapped; 0, or -1 without a file. */
int statefile_position(const struct statefile *sf, struct statepos *pos);

#endif

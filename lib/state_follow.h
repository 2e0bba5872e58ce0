/*
 * The state followed by a long-running reader (relaywatch-due): each
 * address's last line, learned from state.cdb and then from the lines the
 * state has had since the CDB was built, or from the whole state when
 * there is no CDB built from it; and the lines appended after, as they
 * come.  A new state.cdb (compile, compact) means learning it all again.
 */
#ifndef RW_STATE_FOLLOW_H
#define RW_STATE_FOLLOW_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

#include "stamp.h"
#include "state.h"

struct state_follow {
	const char *state_path, *cdb_path;
	/* All forgotten: about n addresses are to be learned. */
	void (*forget)(void *arg, size_t n);
	/* A line of the state (or a record of the CDB) is ip's status. */
	void (*learn)(void *arg, const struct stateline *sl);
	void *arg;

	int fd;			/* the state; -1: no state file yet */
	struct stamp st, cdb_st;
	off_t pos, from;	/* read up to (after a newline); began at */
	char *buf;		/* the line read in part */
	size_t len;		/* bytes in buf, from pos on */
	int skipping;		/* inside a line too long to keep */
	unsigned long long lines;	/* lines read since from */
	unsigned long long before;	/* lines before from, once counted */
	int counted;
	unsigned long bad;
	time_t warned;
};

/* Returns 0, or -1 when out of memory. */
int state_follow_init(struct state_follow *f, const char *state_path,
    const char *cdb_path, void (*forget)(void *, size_t),
    void (*learn)(void *, const struct stateline *), void *arg);

/* Learn everything anew. */
void state_follow_reload(struct state_follow *f);

/* Learn the lines appended since last time. */
void state_follow_catch_up(struct state_follow *f);

/* A new state.cdb: learn everything anew, and return 1; else catch up,
 * and return 0.  Says (at most daily) that the CDB is gone or old. */
int state_follow_refresh(struct state_follow *f, time_t now);

/* Is st (the state file, just locked) the file followed? */
int state_follow_is(const struct state_follow *f, const struct stat *st);

#endif

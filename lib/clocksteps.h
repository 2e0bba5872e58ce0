/*
 * The steps of the wall clock, as relaywatch-due saw them (the wall clock
 * against the monotonic one), in statedir/clock.steps: a line "TIME STEP"
 * each, TIME the wall clock just after the step, STEP its size in seconds
 * (negative: back).  Sweep takes them out of the time that passed since a
 * test's probe, so that a clock stepped forward does not end a test
 * early, nor one stepped back late.
 * And statedir/clock.anchor, "OFFSET BOOT": the wall clock less the
 * monotonic one when relaywatch-due last looked, and the boot it looked
 * in (the monotonic clock starts anew at each boot).  A step while
 * relaywatch-due was stopped is the change of OFFSET that it finds when
 * it starts again on the same boot.  relaywatch-state(5) documents the
 * files.
 */
#ifndef RW_CLOCKSTEPS_H
#define RW_CLOCKSTEPS_H

#include <stddef.h>

/* A step smaller than this is drift, or a slow read: not one. */
#define CLOCKSTEPS_MIN 60
#define CLOCKSTEPS_MAX 4096	/* steps read (the latest) */
#define CLOCKSTEPS_LIMIT 3153600000LL	/* a century: more is no step */

struct clocksteps {
	long long when[CLOCKSTEPS_MAX], step[CLOCKSTEPS_MAX];
	size_t n;
};

/* statedir/clock.steps into path (pathsz bytes): 0, or -1 when too long. */
int clocksteps_path(const char *statedir, char *path, size_t pathsz);

/* statedir/clock.anchor into path (pathsz bytes): 0, or -1. */
int clocksteps_anchor_path(const char *statedir, char *path, size_t pathsz);

/* This boot's identity (Linux's boot_id) into boot (bootsz bytes): 0, or
 * -1 when the system does not say (then no anchor is kept). */
int clocksteps_boot(char *boot, size_t bootsz);

/* The anchor at path: 0 with *off and boot (bootsz bytes), or -1 (none,
 * or not "OFFSET BOOT"). */
int clocksteps_anchor_read(const char *path, long long *off, char *boot,
    size_t bootsz);

/* Replace the anchor at path: 0, or -1 with errno. */
int clocksteps_anchor_write(const char *path, long long off,
    const char *boot);

/* Append a step (fsync'd; never through a symbolic link): 0, or -1 with
 * errno. */
int clocksteps_add(const char *path, long long when, long long step);

/* Read the file (missing: no step) into cs: 0, or -1 with errno; a line
 * that is not "TIME STEP" is passed over and counted in *bad. */
int clocksteps_read(const char *path, struct clocksteps *cs,
    unsigned long *bad);

/* Parse one line (n bytes, no newline): 0 with *when and *step, or -1. */
int clocksteps_line(const char *s, size_t n, long long *when,
    long long *step);

/* How much the wall clock says passed since t that did not: the sum of
 * the steps after t. */
long long clocksteps_since(const struct clocksteps *cs, long long t);

#endif

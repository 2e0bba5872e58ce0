/*
 * The wall clock watched against the monotonic one: its steps, for
 * sweep (clock.steps), and where it stood (clock.anchor) (due.h).
 */
#include <err.h>
#include <string.h>

#include "clocksteps.h"
#include "due.h"

/*
 * Following a live log: the wall clock against the monotonic one.  A
 * step of a minute or more is recorded in statedir/clock.steps
 * (clocksteps.h), for sweep, and said; so is one made while no
 * relaywatch-due was running, found against statedir/clock.anchor when
 * this one starts (on the boot that wrote it).
 */
char steps_path[CONF_VALUE_MAX + 32];
char anchor_path[CONF_VALUE_MAX + 32];

void
watch_clock(void)
{
	static long long off0;
	static int known, have_boot;
	static char boot[65];
	struct timespec m, r;
	long long off, step, was;
	char was_boot[65];
	int first = 0;

	if (!live || clock_gettime(CLOCK_MONOTONIC, &m) < 0 ||
	    clock_gettime(CLOCK_REALTIME, &r) < 0)
		return;
	off = (long long)r.tv_sec - (long long)m.tv_sec;
	if (!known) {
		/* Where the clock was when our last run on this boot last
		 * looked: a step while we were stopped shows below. */
		known = first = 1;
		off0 = off;
		have_boot = clocksteps_boot(boot, sizeof boot) == 0;
		if (have_boot && clocksteps_anchor_read(anchor_path, &was,
		    was_boot, sizeof was_boot) == 0 &&
		    strcmp(was_boot, boot) == 0)
			off0 = was;
	}
	step = off - off0;
	if (step >= CLOCKSTEPS_MIN || step <= -CLOCKSTEPS_MIN) {
		off0 = off;
		if (clocksteps_add(steps_path, (long long)r.tv_sec, step) < 0)
			warn("the clock was stepped %s by %lld s; %s",
			    step > 0 ? "forward" : "back",
			    step > 0 ? step : -step, steps_path);
		else
			warnx("the clock was stepped %s by %lld s%s: recorded "
			    "in %s, so that sweep waits pending_timeout of "
			    "real time", step > 0 ? "forward" : "back",
			    step > 0 ? step : -step, first ? " while "
			    "relaywatch-due was stopped" : "", steps_path);
	} else if (!first)
		return;
	if (have_boot && clocksteps_anchor_write(anchor_path, off0, boot) < 0)
		warn("%s", anchor_path);
}

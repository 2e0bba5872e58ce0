/*
 * relaywatch-db sweep: tests past pending_timeout ended (db.h).
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "buf.h"
#include "clocksteps.h"
#include "conf.h"
#include "db.h"
#include "grow.h"
#include "ip.h"
#include "state.h"
#include "state_cdb.h"
#include "statefile.h"
#include "statemap.h"
#include "stateview.h"

/*
 * sweep: a test whose probe the customer's host accepted (delivered=, from
 * our main log through relaywatch-due) and that had no answer for
 * pending_timeout since: the host drops relay attempts, which is OK.  A
 * test whose probe never reached the host (never sent, or deferred for a
 * fault of ours) proves nothing: the host is tested again (a BLOCK's
 * retest is asked again), and that is said loudly.
 */
#define SWEEP_SAID_MAX 10

/* The wall clock's steps (relaywatch-due saw them): read by sweep. */
static struct clocksteps steps;

/* The real time that passed from t to now: the wall clock's, less its
 * steps since. */
static long long
passed(long long t, long long now)
{
	return now - t - clocksteps_since(&steps, t);
}

/* What sweep does to cur now: 0 nothing, SWEEP_HELD a held host past
 * pending_timeout (said, never made OK), else the line it writes (its
 * newline not included) in line (STATE_LINE_MAX + 1 bytes), *len bytes;
 * *retest and *delivered say which case. */
#define SWEEP_HELD 2
static int
sweep_line(const struct stateline *cur, long long now, char *line,
    size_t *len, int *retest, int *delivered)
{
	char val[STATE_LINE_MAX];
	const size_t sz = STATE_LINE_MAX + 1;
	long long when, from, t;
	size_t n;

	if (passed(cur->time, now) < conf.pending_timeout)
		return 0;
	if (db_held(cur))
		return SWEEP_HELD;
	/* A test under way (UNKNOWN why=probe), or a retest an operator
	 * asked for whose probe went out (retest=pending). */
	*retest = cur->status == ST_BLOCK && state_get(cur, "retest", val,
	    sizeof val) && strcmp(val, "pending") == 0;
	if (!*retest && !(cur->status == ST_UNKNOWN && state_get(cur, "why",
	    val, sizeof val) && strcmp(val, "probe") == 0))
		return 0;
	*delivered = state_get_time(cur, "delivered", &when) == 0;
	from = *delivered && when > cur->time ? when : cur->time;
	if (passed(from, now) < conf.pending_timeout)
		return 0;
	/* (a clock stepped back since the test began: its time) */
	t = state_time_next(cur, now);
	if (*delivered) {
		/* tested=: when the probe went out, which the next test
		 * counts from (relaywatch-due).  A BLOCK whose retest went
		 * out and met silence: lifted, saying so (a remailer's with
		 * the mailbox probed). */
		if (state_put_head(line, sz, &n, &cur->ip, ST_OK, t) < 0 ||
		    state_put_kv(line, sz, &n, "why", "no-answer") < 0 ||
		    state_put_time(line, sz, &n, "tested", cur->time) < 0 ||
		    (*retest && (state_put_kv(line, sz, &n, "retest-result",
		    "silent") < 0 || (state_get(cur, "mailbox", val,
		    sizeof val) && state_put_kv(line, sz, &n, "mailbox",
		    val) < 0))))
			errx(EX_SOFTWARE, "line too long");
	} else if (*retest) {
		if (state_put_head(line, sz, &n, &cur->ip, ST_BLOCK, t) < 0 ||
		    (state_get(cur, "why", val, sizeof val) &&
		    state_put_kv(line, sz, &n, "why", val) < 0) ||
		    (state_get(cur, "mailbox", val, sizeof val) &&
		    state_put_kv(line, sz, &n, "mailbox", val) < 0) ||
		    state_put_kv(line, sz, &n, "retest", "requested") < 0 ||
		    state_put_kv(line, sz, &n, "retest-result",
		    "undelivered") < 0)
			errx(EX_SOFTWARE, "line too long");
	} else if (state_put_head(line, sz, &n, &cur->ip, ST_UNKNOWN, t) < 0 ||
	    state_put_kv(line, sz, &n, "why", "undelivered") < 0 ||
	    state_put_time(line, sz, &n, "probed", cur->time) < 0)
		errx(EX_SOFTWARE, "line too long");
	*len = n;
	return 1;
}

/* The addresses sweep may act on, found without the lock. */
struct sweep_scan {
	long long now;
	const struct statemap *tail;	/* the lines after the CDB */
	struct ip *v;
	size_t n, cap;
};

static void
sweep_candidate(void *arg, const struct stateline *sl)
{
	struct sweep_scan *sc = arg;
	char line[STATE_LINE_MAX + 1];
	size_t len;
	int retest, delivered;

	/* (a record the lines after the CDB override is theirs to say) */
	if (sc->tail && statemap_get(sc->tail, &sl->ip) != NULL)
		return;
	if (!sweep_line(sl, sc->now, line, &len, &retest, &delivered))
		return;
	if ((sc->v = grow(sc->v, &sc->cap, sc->n + 1, sizeof *sc->v)) == NULL)
		err(EX_OSERR, "out of memory");
	sc->v[sc->n++] = sl->ip;
}

/*
 * The addresses sweep may act on: from state.cdb and the lines after it,
 * read without holding the lock (the text before the end taken under it
 * never changes), so that appliers are not held up for as long as a read
 * of the whole state takes.  0, or -1 when there is no state.cdb of this
 * state to go on from.
 */
static int
sweep_scan(struct sweep_scan *sc)
{
	struct statefile sf;
	struct stateview v;
	struct statemap tail;
	const char *why;
	size_t i;
	int rc = -1;

	db_lock(&sf, 0);
	if (sf.fd < 0) {
		statefile_close(&sf);
		return 0;
	}
	if (stateview_open(&v, &sf, cdb_path, &why) < 0) {
		statefile_close(&sf);
		return -1;
	}
	if (statefile_unlock(&sf) < 0)
		db_failed(state_path);
	statemap_init(&tail);
	if (stateview_tail(&v, &tail) < 0)
		errx(EX_OSERR, "%s: out of memory", state_path);
	sc->tail = &tail;
	if (state_cdb_each(&v.cdb, cdb_path, sweep_candidate, sc) == 0) {
		sc->tail = NULL;
		for (i = 0; i < tail.n; i++) {
			struct stateline sl;

			db_entry_line(&tail.e[i], &sl);
			sweep_candidate(sc, &sl);
		}
		rc = 0;
	}
	sc->tail = NULL;
	statemap_free(&tail);
	stateview_close(&v);
	statefile_close(&sf);
	return rc;
}

int
cmd_sweep(int argc, char **argv)
{
	struct statefile sf;
	struct statemap m;
	struct stateview view;
	struct sweep_scan sc = { 0 };
	struct buf out = { 0 }, changes = { 0 };
	long long now = (long long)time(NULL);
	size_t i, nlifted = 0, nundelivered = 0, nheld = 0;
	int rc = 0, viewed, scanned;

	(void)argc;
	(void)argv;
	{
		char path[CONF_VALUE_MAX + 32];
		unsigned long bad = 0;

		if (clocksteps_path(conf.statedir, path, sizeof path) < 0 ||
		    clocksteps_read(path, &steps, &bad) < 0)
			err(EX_TEMPFAIL, "%s", path);
		if (bad > 0)
			warnx("%s: %lu lines not \"TIME STEP\" passed over",
			    path, bad);
	}
	sc.now = now;
	scanned = sweep_scan(&sc) == 0;
	/* Under the lock, each as it is now. */
	db_lock(&sf, 1);
	statemap_init(&m);
	viewed = db_view(&view, &sf);
	if (viewed && scanned) {
		if (stateview_get(&view, sc.v, sc.n, &m) < 0)
			err(EX_TEMPFAIL, "%s", cdb_path);
	} else if (statemap_load(&sf, &m) < 0)
		errx(EX_OSERR, "%s: out of memory", state_path);
	for (i = 0; i < m.n; i++) {
		struct stateline cur, next;
		char line[STATE_LINE_MAX + 1], ipt[IP_TEXT_MAX + 1];
		const char *why;
		size_t n;
		int retest, delivered;

		db_entry_line(&m.e[i], &cur);
		switch (sweep_line(&cur, now, line, &n, &retest, &delivered)) {
		case 0:
			continue;
		case SWEEP_HELD:
			if (nheld++ < SWEEP_SAID_MAX) {
				ip_format(&cur.ip, ipt);
				warnx("%s: a message with its token came back "
				    "and could not be decided (%lld): held, "
				    "never made OK by silence; read it in the "
				    "special mailbox, then relaywatch-db "
				    "retest %s", ipt, cur.time, ipt);
			}
			continue;
		}
		if (state_parse(line, n, &next, &why) < 0)
			errx(EX_SOFTWARE, "sweep line does not parse: %s", why);
		buf_add(&out, line, n);
		buf_str(&out, "\n");
		if (!delivered) {
			if (nundelivered++ < SWEEP_SAID_MAX) {
				ip_format(&cur.ip, ipt);
				warnx("%s: no delivery of its probe (sent %lld) "
				    "in the main log: its silence proves "
				    "nothing; tested again%s", ipt, cur.time,
				    retest ? " (its retest asked again)" : "");
			}
			continue;
		}
		db_change(&changes, &next, cur.status);
		if (retest)
			nlifted++;
	}
	if (nheld > 0)
		warnx("%zu hosts held for a person: messages with their tokens "
		    "that could not be decided (relaywatch-db list UNKNOWN)",
		    nheld);
	if (nundelivered > 0)
		warnx("%zu tests without a delivery of their probe: is Exim "
		    "sending probes (the main log's T=relaywatch_smtp lines), "
		    "and does relaywatch-hosts -d read that log?", nundelivered);
	if (out.len > 0 && statefile_append(&sf, out.p, out.len) < 0)
		db_failed(state_path);
	/* (m's lines of the state go with its old mapping) */
	statemap_free(&m);
	if (nlifted > 0)
		rc = publish_enforce(&sf, viewed ? &view : NULL);
	if (viewed)
		stateview_close(&view);
	statefile_close(&sf);
	db_print_changes(&changes);
	buf_free(&out);
	buf_free(&changes);
	free(sc.v);
	return rc;
}

/*
 * relaywatch-db: the state and what is compiled from it.
 *
 *   apply      verdict lines in, status changes out; a new BLOCK is in
 *              state.cdb before apply exits
 *   compile    state -> state.cdb
 *   sweep      pending tests past pending_timeout -> OK (why=no-answer)
 *   compact    the state as one line per IP, the old file kept
 *   list       the last line of each IP, of one status or all
 *   show       status and history of IPs, for people
 *   unblock    an operator lifts a BLOCK
 *   retest     an operator lets the next test's answer lift a BLOCK
 *   status     how things stand, for a person (db/status.c)
 *   setting    settings of relaywatch.conf, as the programs read them
 *   check      what must be right before relaywatch starts
 *   exim-macros  the settings Exim reads, as macros
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "blocked_nets.h"
#include "dnsbl.h"
#include "buf.h"
#include "clocksteps.h"
#include "conf.h"
#include "db/status.h"
#include "grow.h"
#include "ip.h"
#include "netset.h"
#include "outbox.h"
#include "owner.h"
#include "preflight.h"
#include "recent.h"
#include "statecdb.h"
#include "statecompile.h"
#include "statefile.h"
#include "stateline.h"
#include "statemap.h"
#include "stateview.h"
#include "stream.h"
#include "textfile.h"
#include "usage.h"
#include "utc.h"

#define HISTORY_KEEP 4	/* state.1 ... state.4, as logrotate keeps */

static struct conf conf;
static char state_path[CONF_VALUE_MAX + 16];
static char cdb_path[CONF_VALUE_MAX + 16];
static char recent_path[CONF_VALUE_MAX + 16];
static char serial_path[CONF_VALUE_MAX + 16];
static char pending_path[CONF_VALUE_MAX + 32];

static size_t
count_lines(const struct statefile *sf)
{
	return sf->len ? count_newlines(sf->text, sf->len) : 0;
}

/* The change line of a change of status, with its newline. */
static void
add_change(struct buf *b, const struct stateline *sl, enum status old)
{
	char line[STATE_CHANGE_MAX];

	buf_add(b, line, state_format_change(sl, old, line));
}

static const char usage_text[] =
    "usage: relaywatch-db [-c conf] apply\n"
    "       relaywatch-db [-c conf] compile\n"
    "       relaywatch-db [-c conf] sweep\n"
    "       relaywatch-db [-c conf] compact\n"
    "       relaywatch-db [-c conf] list [OK | BLOCK | UNKNOWN]\n"
    "       relaywatch-db [-c conf] show IP ...\n"
    "       relaywatch-db [-c conf] unblock -w TEXT IP\n"
    "       relaywatch-db [-c conf] retest [-w TEXT] IP\n"
    "       relaywatch-db [-c conf] status\n"
    "       relaywatch-db [-c conf] setting NAME ...\n"
    "       relaywatch-db [-c conf] check\n"
    "       relaywatch-db [-c conf] exim-macros\n"
    "       relaywatch-db -h\n";

/* A command line that is wrong: what is wrong, then the usage. */
static void __attribute__((noreturn, format(printf, 1, 2)))
usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		fputs("relaywatch-db: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputs("\n", stderr);
	}
	usage_exit(usage_text, 0);
}

/* The state cannot be read or written: a temporary failure, so that the
 * MTA keeps the message that brought the verdict and tries again. */
static void __attribute__((noreturn))
state_failed(const char *what)
{
	err(EX_TEMPFAIL, "%s", what);
}

/* The state locked and mapped, not read. */
static void
lock_state(struct statefile *sf, int exclusive)
{
	if (state_open(sf, state_path, exclusive) < 0 || state_map(sf) < 0)
		state_failed(state_path);
}

/* All of it read, too. */
static void
open_state(struct statefile *sf, int exclusive, struct statemap *m)
{
	lock_state(sf, exclusive);
	statemap_init(m);
	if (state_load(sf, m) < 0)
		errx(EX_OSERR, "%s: out of memory", state_path);
}

/* The view of the state through state.cdb (stateview.h): 1, or 0 when
 * only all of the state tells (said, with what to do). */
static int
view_state(struct stateview *v, const struct statefile *sf)
{
	const char *why;

	if (stateview_open(v, sf, cdb_path, &why) == 0)
		return 1;
	if (sf->len > 0)
		warnx("%s: %s; reading all of %s (relaywatch-db compile "
		    "makes it again)", cdb_path, why, state_path);
	return 0;
}

/* Is sf's file the one pos is in? */
static int
same_file(const struct statefile *sf, const struct statepos *pos)
{
	struct statepos now;

	return state_position(sf, &now) == 0 && now.dev == pos->dev &&
	    now.ino == pos->ino;
}

/* The text of sf up to its last newline: what a CDB is built from (a
 * line a crash cut short stays in the tail, where it is said). */
static size_t
whole_lines(const struct statefile *sf)
{
	if (sf->len == 0 || sf->text[sf->len - 1] == '\n')
		return sf->len;
	return (size_t)(line_start(sf->text, sf->text + sf->len) - sf->text);
}

/* blocked.nets after a change of the BLOCKs: all of relaywatch's lines
 * from m, or those of m's addresses only; 0, or -1 after a warning. */
static int
sync_blocked(const struct statemap *m, int whole)
{
	if ((whole ? blocked_nets_sync : blocked_nets_update)(conf.blocked_nets,
	    m, conf.ipv6_prefix) < 0) {
		warn("%s", conf.blocked_nets);
		return -1;
	}
	if (conf.dnsbl_data[0] != '\0' && dnsbl_write(conf.dnsbl_data,
	    conf.blocked_nets, conf.dnsbl_zone, conf.abuse,
	    conf.dnsbl_ttl) < 0) {
		warn("%s", conf.dnsbl_data);
		return -1;
	}
	return 0;
}

/* recent.cdb for the state's lines after the view's, sf mapped again
 * after an append; it ends at pos.  The tail's last lines are left in
 * tail. */
static void
write_recent(struct stateview *v, const struct statefile *sf,
    struct statemap *tail)
{
	struct statepos pos;
	int rc;

	statemap_init(tail);
	if (stateview_tail(v, tail) < 0)
		errx(EX_OSERR, "%s: out of memory", state_path);
	if (state_position(sf, &pos) < 0)
		state_failed(state_path);
	pos.off = whole_lines(sf);
	if ((rc = recent_write(recent_path, serial_path, tail, &v->cdb, &pos,
	    conf.ipv6_prefix)) < 0)
		state_failed(rc == -2 ? serial_path : recent_path);
}

/*
 * state.cdb from all of sf (locked), recent.cdb empty after it, and
 * blocked.nets whole: when there is no state.cdb to go on from.  Returns
 * 0, or EX_TEMPFAIL when blocked.nets failed.
 */
static int
rebuild(const struct statefile *sf)
{
	struct atomic_file af;
	struct statemap blocks, none;
	struct statepos pos;
	int rc;

	statemap_init(&blocks);
	statemap_init(&none);
	if (state_position(sf, &pos) < 0)
		state_failed(state_path);
	pos.off = whole_lines(sf);
	if (state_compile(&af, cdb_path, state_path, sf->text, pos.off, &pos,
	    conf.ipv6_prefix, &blocks, NULL) < 0 || atomic_commit(&af,
	    NULL) < 0)
		state_failed(cdb_path);
	if ((rc = recent_write(recent_path, serial_path, &none, NULL, &pos,
	    conf.ipv6_prefix)) < 0)
		state_failed(rc == -2 ? serial_path : recent_path);
	rc = sync_blocked(&blocks, 1) < 0 ? EX_TEMPFAIL : 0;
	statemap_free(&blocks);
	return rc;
}

/*
 * A BLOCK set or lifted, sf locked and its lines appended: what Exim
 * reads made to say so at once (or a temporary failure).  With a view
 * (v not NULL), recent.cdb and blocked.nets for the addresses of the
 * lines after state.cdb, in time that does not grow with the state; else
 * all of it.  Returns 0, or EX_TEMPFAIL when blocked.nets failed (the
 * change is recorded and enforced; the MTA's retry will sync it).
 */
static int
enforce(struct statefile *sf, struct stateview *v)
{
	struct statemap tail;
	int rc;

	if (state_map(sf) < 0)
		state_failed(state_path);
	if (v == NULL)
		return rebuild(sf);
	write_recent(v, sf, &tail);
	rc = sync_blocked(&tail, 0) < 0 ? EX_TEMPFAIL : 0;
	statemap_free(&tail);
	return rc;
}

/* The change lines, once what they say is recorded. */
static void
print_changes(const struct buf *changes)
{
	if (changes->len > 0 && (fwrite(changes->p, 1, changes->len,
	    stdout) != changes->len || fflush(stdout) != 0))
		err(EX_IOERR, "standard output");
}

/* A map entry's line, its fields pointing into the entry's own text. */
static void
entry_line(const struct statemap_entry *en, struct stateline *sl)
{
	if (statemap_line(en, sl) < 0)
		errx(EX_SOFTWARE, "state entry does not parse");
}

static int
retest_open(const struct stateline *sl)
{
	char buf[32];

	return sl->status == ST_BLOCK && state_get(sl, "retest", buf,
	    sizeof buf) != NULL;
}

/*
 * What an OK verdict v does to cur, a BLOCK:
 *   LIFT   v answers the retest's own probe (its token issued at or after
 *          the retest=pending line, when that probe went out) and shows the
 *          host refusing the relay (refused, bounced-after-accept);
 *   ENDED  v answers that probe without testing anything (no-smtp,
 *          unreachable, ...): the BLOCK stands, the request is over;
 *   STANDS anything else (no retest asked or not yet sent, a late answer
 *          to an older probe): not recorded.
 */
enum retest_answer { STANDS, LIFT, ENDED };

static enum retest_answer
retest_answer(const struct stateline *cur, const struct stateline *v)
{
	char rt[16], why[32];
	long long issued;

	if (v->status != ST_OK || cur->status != ST_BLOCK ||
	    state_get(cur, "retest", rt, sizeof rt) == NULL ||
	    strcmp(rt, "pending") != 0 ||
	    state_get_time(v, "token-time", &issued) < 0 ||
	    issued < cur->time)
		return STANDS;
	if (state_get(v, "why", why, sizeof why) &&
	    (strcmp(why, "refused") == 0 ||
	    strcmp(why, "bounced-after-accept") == 0))
		return LIFT;
	return ENDED;
}

/* The BLOCK cur again, its retest over without a test: the why= it had,
 * retest-result= the verdict's why=.  A line of its own (newline
 * included, *len bytes), which lives until exit. */
static char *
retest_ended_line(const struct stateline *cur, const struct stateline *v,
    size_t *len)
{
	char val[STATE_LINE_MAX], *o;
	size_t osz = STATE_LINE_MAX + 1, n;

	if ((o = malloc(osz)) == NULL)
		err(EX_OSERR, "out of memory");
	if (state_put_head(o, osz, &n, &cur->ip, ST_BLOCK,
	    state_time_next(cur, v->time)) < 0 ||
	    (state_get(cur, "why", val, sizeof val) &&
	    state_put_kv(o, osz, &n, "why", val) < 0) ||
	    (state_get(cur, "mailbox", val, sizeof val) &&
	    state_put_kv(o, osz, &n, "mailbox", val) < 0))
		errx(EX_SOFTWARE, "line too long");
	if (state_get(v, "why", val, sizeof val) == NULL)
		strcpy(val, "none");
	if (state_put_kv(o, osz, &n, "retest-result", val) < 0)
		errx(EX_SOFTWARE, "line too long");
	o[n++] = '\n';
	*len = n;
	return o;
}

/* The verdict v at the time of cur, the address's last line, which the
 * clock (stepped back) says is later: a line of its own (newline
 * included, *len bytes) that lives until exit, or NULL (said) when it
 * would be too long, and v is written as it is. */
static char *
retimed_line(const struct stateline *cur, const struct stateline *v,
    size_t *len)
{
	size_t osz = STATE_LINE_MAX + 1, n;
	char *o;

	if ((o = malloc(osz)) == NULL)
		err(EX_OSERR, "out of memory");
	if (state_put_head(o, osz, &n, &v->ip, v->status,
	    state_time_next(cur, v->time)) < 0 ||
	    state_put_fields(o, osz, &n, v->kv, v->kv_len) < 0) {
		warnx("%.*s: too long at the time of its address's last line "
		    "(%lld); written as it is", (int)(v->rest - v->line - 1),
		    v->line, cur->time);
		free(o);
		return NULL;
	}
	o[n++] = '\n';
	*len = n;
	return o;
}

/*
 * statedir/enforce-pending: made before a change that Exim acts on is
 * appended, removed once state.cdb and blocked.nets have it.  A run that
 * died between the two (kill -9, a full disk) leaves it, and the next
 * apply, retried by the MTA, or compile finishes the work.
 */
static void
enforce_pending_mark(void)
{
	int fd;

	if ((fd = open(pending_path, O_WRONLY | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) < 0 || fsync(fd) < 0 || close(fd) < 0)
		err(EX_TEMPFAIL, "%s", pending_path);
}

static int
enforce_pending(void)
{
	return access(pending_path, F_OK) == 0;
}

static void
enforce_done(void)
{
	if (unlink(pending_path) < 0 && errno != ENOENT)
		warn("%s", pending_path);
}

/* A line of changes (newline included) into BLOCK: its notice goes into
 * the outbox before the BLOCK is recorded. */
static void
outbox_changes(const struct buf *changes)
{
	const char *p = changes->p, *e = changes->p + changes->len, *nl;
	const char *evidence = getenv("RELAYWATCH_EVIDENCE");

	for (; p < e; p = nl + 1) {
		struct stateline sl;
		const char *why;
		struct ip ip;

		nl = memchr(p, '\n', (size_t)(e - p));
		if (state_parse_change(p, (size_t)(nl - p), &ip, &sl, &why) < 0)
			errx(EX_SOFTWARE, "change line does not parse: %s", why);
		if (sl.status != ST_BLOCK)
			continue;
		if (outbox_put(conf.statedir, &ip, p, (size_t)(nl - p),
		    evidence) < 0)
			err(EX_TEMPFAIL, "%s/outbox: cannot keep the notice",
			    conf.statedir);
	}
}

/* Whether a BLOCK of ip would refuse one of our own MTAs (own_hosts):
 * ip itself, or for IPv6 its ipv6_prefix network.  Exits 75 when the
 * file cannot be read now (the MTA keeps the verdict). */
static int
own_blocked(const struct ip *ip)
{
	static struct netset own;
	static int done;
	struct ip first, last;
	char why[1024];

	if (!done) {
		netset_init(&own);
		if (netset_read(&own, conf.own_hosts, 1, why, sizeof why) != 0)
			errx(EX_TEMPFAIL, "%s (own_hosts in %s)", why,
			    conf.path);
		done = 1;
	}
	ip_network_range(ip, conf.ipv6_prefix, &first, &last);
	return netset_overlaps(&own, &first, &last);
}

/*
 * apply: read every verdict first, then, under the lock, decide each
 * against the state as it is (state.cdb and the lines after it), append
 * what stands in one write, make a new or lifted BLOCK Exim's at once
 * (recent.cdb), and only then report the changes.
 */
static int
cmd_apply(int argc, char **argv)
{
	struct reader rd;
	struct statefile sf;
	struct statemap m;
	struct stateview view;
	char *in = NULL, *line, **made = NULL;
	struct buf out = { 0 }, changes = { 0 };
	size_t inlen = 0, incap = 0, nmade = 0, madecap = 0, len, i;
	unsigned long long bad = 0;
	int flags, rc = 0, rrc, enforced = 0, viewed;

	(void)argc;
	(void)argv;
	if (rd_init(&rd, STDIN_FILENO, STATE_LINE_MAX) < 0)
		err(EX_OSERR, "out of memory");
	while ((rrc = rd_line(&rd, &line, &len, &flags)) == 1) {
		struct stateline sl;
		const char *why;

		if ((flags & RD_TOOLONG) || state_parse(line, len, &sl,
		    &why) < 0) {
			text_warn_line(&bad, "standard input", rd.lineno, line,
			    (flags & RD_TOOLONG) ? 0 : len, NULL,
			    (flags & RD_TOOLONG) ? "line too long" : why);
			rc = EX_DATAERR;
			continue;
		}
		/* None of our own MTAs is ever blocked (nor, for IPv6, the
		 * network that a BLOCK refuses), whatever the evidence. */
		if (sl.status == ST_BLOCK && own_blocked(&sl.ip)) {
			warnx("%.*s: one of our own hosts (own_hosts, %s): "
			    "BLOCK not recorded", (int)(sl.rest - line - 1),
			    line, conf.own_hosts);
			continue;
		}
		if ((in = grow(in, &incap, inlen + len + 1, 1)) == NULL)
			err(EX_OSERR, "out of memory");
		memcpy(in + inlen, line, len);
		in[inlen + len] = '\n';
		inlen += len + 1;
	}
	if (rrc < 0)
		err(EX_IOERR, "standard input");
	rd_free(&rd);
	if (inlen == 0)
		return rc;

	lock_state(&sf, 1);
	statemap_init(&m);
	if ((viewed = view_state(&view, &sf))) {
		/* The verdicts' addresses, as the state has them now. */
		struct ip *ips;
		size_t n = 0;

		if ((ips = malloc((count_newlines(in, inlen) + 1) *
		    sizeof *ips)) == NULL)
			err(EX_OSERR, "out of memory");
		for (i = 0; i < inlen; n++) {
			char *nl = memchr(in + i, '\n', inlen - i);
			struct stateline v;
			const char *why;

			state_parse(in + i, (size_t)(nl - in - i), &v, &why);
			ips[n] = v.ip;
			i = (size_t)(nl - in) + 1;
		}
		if (stateview_get(&view, ips, n, &m) < 0)
			err(EX_TEMPFAIL, "%s", cdb_path);
		free(ips);
	} else if (state_load(&sf, &m) < 0)
		errx(EX_OSERR, "%s: out of memory", state_path);
	for (i = 0; i < inlen;) {
		char *nl = memchr(in + i, '\n', inlen - i), *o = in + i;
		struct stateline v, cur;
		const struct statemap_entry *en;
		enum status old = ST_NONE;
		const char *why;
		size_t olen = (size_t)(nl - in - i) + 1;

		state_parse(in + i, olen - 1, &v, &why);
		if ((en = statemap_get(&m, &v.ip)) != NULL) {
			entry_line(en, &cur);
			old = cur.status;
		}

		if (old == ST_BLOCK && v.status != ST_BLOCK) {
			/* Only an operator lifts a BLOCK: by the answer
			 * to the retest asked for, if it shows a refusal. */
			switch (retest_answer(&cur, &v)) {
			case LIFT:
				break;
			case ENDED:
				warnx("%.*s: retest answered without a test "
				    "(%.*s); BLOCK stands",
				    (int)(v.rest - in - i - 1), in + i,
				    (int)(olen - 1), in + i);
				if ((made = grow(made, &madecap, nmade + 1,
				    sizeof *made)) == NULL)
					err(EX_OSERR, "out of memory");
				o = made[nmade++] = retest_ended_line(&cur, &v,
				    &olen);
				break;
			case STANDS:
				warnx("%.*s: BLOCK stands; %s not recorded",
				    (int)(v.rest - in - i - 1), in + i,
				    status_name(v.status));
				i = (size_t)(nl - in) + 1;
				continue;
			}
		}
		/* The clock stepped back since the address's last line:
		 * the verdict at that line's time. */
		if (en != NULL && o == in + i && v.time < cur.time) {
			char *r;

			if ((made = grow(made, &madecap, nmade + 1,
			    sizeof *made)) == NULL)
				err(EX_OSERR, "out of memory");
			if ((r = retimed_line(&cur, &v, &olen)) != NULL)
				o = made[nmade++] = r;
		}
		buf_add(&out, o, olen);
		/* The map points at the line (the input's, or one made
		 * here), which lives until exit. */
		state_parse(o, olen - 1, &v, &why);
		if (statemap_put(&m, &v) < 0)
			err(EX_OSERR, "out of memory");
		if (old != v.status) {
			add_change(&changes, &v, old);
			/* Into BLOCK or out of it (a retest's answer):
			 * what Exim acts on changed. */
			if (v.status == ST_BLOCK || old == ST_BLOCK)
				enforced = 1;
		}
		i = (size_t)(nl - in) + 1;
	}
	/* The notices and the work left for Exim first: a run that dies
	 * after the append leaves both for the retry. */
	outbox_changes(&changes);
	if (enforced)
		enforce_pending_mark();
	else
		enforced = enforce_pending();
	if (out.len > 0 && state_append(&sf, out.p, out.len) < 0)
		state_failed(state_path);
	/* (m's lines of the state go with its old mapping) */
	statemap_free(&m);
	if (enforced) {
		if (enforce(&sf, viewed ? &view : NULL) != 0)
			rc = EX_TEMPFAIL;
		else
			enforce_done();
	}
	if (viewed)
		stateview_close(&view);
	state_close(&sf);
	print_changes(&changes);
	for (i = 0; i < nmade; i++)
		free(made[i]);
	free(made);
	free(in);
	buf_free(&out);
	buf_free(&changes);
	return rc;
}

/*
 * compile: state.cdb built from the state as it was when compile began,
 * without holding the lock while it is built (appliers go on); then,
 * locked, put in place with recent.cdb made anew for the lines written
 * meanwhile, and blocked.nets whole.
 */
static int
cmd_compile(int argc, char **argv)
{
	struct statefile sf, now;
	struct statemap blocks, tail;
	struct stateview view;
	struct atomic_file af;
	struct statepos pos;
	size_t i;
	int rc = 0;

	(void)argc;
	(void)argv;
	/* (a compact killed on the way left its copy of the state) */
	atomic_remove_dead_temps(state_path);
	lock_state(&sf, 0);
	if (sf.fd < 0) {
		/* No state yet: the empty one, created. */
		state_close(&sf);
		lock_state(&sf, 1);
		rc = rebuild(&sf);
		if (rc == 0)
			enforce_done();
		state_close(&sf);
		return rc;
	}
	if (state_position(&sf, &pos) < 0 || state_unlock(&sf) < 0)
		state_failed(state_path);
	pos.off = whole_lines(&sf);
	statemap_init(&blocks);
	if (state_compile(&af, cdb_path, state_path, sf.text, pos.off, &pos,
	    conf.ipv6_prefix, &blocks, NULL) < 0)
		state_failed(cdb_path);
	lock_state(&now, 1);
	if (!same_file(&now, &pos)) {
		/* Compacted meanwhile, which built its own. */
		atomic_abandon(&af);
		state_close(&now);
		state_close(&sf);
		statemap_free(&blocks);
		return 0;
	}
	if (atomic_commit(&af, NULL) < 0)
		state_failed(cdb_path);
	if (!view_state(&view, &now))
		errx(EX_SOFTWARE, "%s: not the one just built", cdb_path);
	write_recent(&view, &now, &tail);
	/* blocked.nets: the BLOCKs the CDB has, as the lines after it
	 * leave them. */
	for (i = 0; i < tail.n; i++) {
		struct stateline sl;

		entry_line(&tail.e[i], &sl);
		if (statemap_put(&blocks, &sl) < 0)
			err(EX_OSERR, "out of memory");
	}
	if (sync_blocked(&blocks, 1) < 0)
		rc = EX_TEMPFAIL;
	else
		enforce_done();
	statemap_free(&tail);
	statemap_free(&blocks);
	stateview_close(&view);
	state_close(&now);
	state_close(&sf);
	return rc;
}

/*
 * sweep: a test whose probe the customer's host accepted (delivered=, from
 * our main log through relaywatch-due) and that had no answer for
 * pending_timeout since: the host drops relay attempts, which is OK.  A
 * test whose probe never reached the host (never sent, or deferred for a
 * fault of ours) proves nothing: the host is tested again (a BLOCK's
 * retest is asked again), and that is said loudly.
 */
#define SWEEP_SAID_MAX 10

/* A host held for a person: a message with its valid token came back
 * and could not be decided (relaywatch-classify). */
static int
held(const struct stateline *sl)
{
	char val[16];

	return sl->status == ST_UNKNOWN && state_get(sl, "why", val,
	    sizeof val) && strcmp(val, "undecided") == 0;
}

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
	if (held(cur))
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

	lock_state(&sf, 0);
	if (sf.fd < 0) {
		state_close(&sf);
		return 0;
	}
	if (stateview_open(&v, &sf, cdb_path, &why) < 0) {
		state_close(&sf);
		return -1;
	}
	if (state_unlock(&sf) < 0)
		state_failed(state_path);
	statemap_init(&tail);
	if (stateview_tail(&v, &tail) < 0)
		errx(EX_OSERR, "%s: out of memory", state_path);
	sc->tail = &tail;
	if (state_cdb_each(&v.cdb, cdb_path, sweep_candidate, sc) == 0) {
		sc->tail = NULL;
		for (i = 0; i < tail.n; i++) {
			struct stateline sl;

			entry_line(&tail.e[i], &sl);
			sweep_candidate(sc, &sl);
		}
		rc = 0;
	}
	sc->tail = NULL;
	statemap_free(&tail);
	stateview_close(&v);
	state_close(&sf);
	return rc;
}

static int
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
	lock_state(&sf, 1);
	statemap_init(&m);
	viewed = view_state(&view, &sf);
	if (viewed && scanned) {
		if (stateview_get(&view, sc.v, sc.n, &m) < 0)
			err(EX_TEMPFAIL, "%s", cdb_path);
	} else if (state_load(&sf, &m) < 0)
		errx(EX_OSERR, "%s: out of memory", state_path);
	for (i = 0; i < m.n; i++) {
		struct stateline cur, next;
		char line[STATE_LINE_MAX + 1], ipt[IP_TEXT_MAX + 1];
		const char *why;
		size_t n;
		int retest, delivered;

		entry_line(&m.e[i], &cur);
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
		add_change(&changes, &next, cur.status);
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
	if (out.len > 0 && state_append(&sf, out.p, out.len) < 0)
		state_failed(state_path);
	/* (m's lines of the state go with its old mapping) */
	statemap_free(&m);
	if (nlifted > 0)
		rc = enforce(&sf, viewed ? &view : NULL);
	if (viewed)
		stateview_close(&view);
	state_close(&sf);
	print_changes(&changes);
	buf_free(&out);
	buf_free(&changes);
	free(sc.v);
	return rc;
}

static int
cmp_entry(const void *a, const void *b)
{
	return ip_cmp(&(*(const struct statemap_entry *const *)a)->ip,
	    &(*(const struct statemap_entry *const *)b)->ip);
}

/* list: the last line of each IP, in address order. */
static int
cmd_list(int argc, char **argv)
{
	struct statefile sf;
	struct statemap m;
	const struct statemap_entry **v;
	enum status want = ST_NONE;
	size_t i, n = 0;

	if (argc > 1)
		usage("list takes one status at most");
	if (argc == 1) {
		for (want = ST_OK; want <= ST_UNKNOWN; want++)
			if (strcasecmp(argv[0], status_name(want)) == 0)
				break;
		if (want > ST_UNKNOWN)
			errx(EX_USAGE, "%s: not a status (OK, BLOCK, UNKNOWN)",
			    argv[0]);
	}
	open_state(&sf, 0, &m);
	if ((v = malloc((m.n + 1) * sizeof *v)) == NULL)
		err(EX_OSERR, "out of memory");
	for (i = 0; i < m.n; i++)
		v[n++] = &m.e[i];
	qsort(v, n, sizeof *v, cmp_entry);
	for (i = 0; i < n; i++) {
		struct stateline sl;
		char ip[IP_TEXT_MAX + 1];

		entry_line(v[i], &sl);
		if (want != ST_NONE && sl.status != want)
			continue;
		ip_format(&v[i]->ip, ip);
		printf("%s %.*s\n", ip, (int)v[i]->rest_len, v[i]->rest);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		err(EX_IOERR, "standard output");
	state_close(&sf);
	statemap_free(&m);
	free(v);
	return 0;
}

static void
print_time(long long t)
{
	char buf[UTC_TEXT_MAX];

	fputs(utc_format(t, UTC_READABLE, buf), stdout);
}

/* The lines of one IP in the text, appended to b; a line equal to the
 * last one taken (a compaction's copy) is taken once. */
static void
history_of(const struct ip *ip, const char *text, size_t len, struct buf *b)
{
	const char *p = text, *e = text + len;

	while (p && p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p)), *w, *last;
		struct stateline sl;
		size_t n;

		if (nl == NULL)
			break;
		n = (size_t)(nl - p);
		if (state_parse(p, n, &sl, &w) == 0 && ip_cmp(&sl.ip, ip) == 0) {
			/* the previous line taken, if any */
			last = b->len ? b->p + b->len - 1 : NULL;
			while (last && last > b->p && last[-1] != '\n')
				last--;
			if (last == NULL || (size_t)(b->p + b->len - 1 - last) != n ||
			    memcmp(last, p, n) != 0) {
				buf_add(b, p, n);
				buf_str(b, "\n");
			}
		}
		p = nl + 1;
	}
}

/* show: for each IP, its status, since when and why, then its history,
 * from the kept old files (see compact) and the state. */
static int
cmd_show(int argc, char **argv)
{
	struct statefile sf, old[HISTORY_KEEP];
	char paths[HISTORY_KEEP][sizeof state_path + 8];
	struct ip *want;
	int i, k;

	if (argc == 0)
		usage("show needs an IP address");
	if ((want = calloc((size_t)argc, sizeof *want)) == NULL)
		err(EX_OSERR, "out of memory");
	for (i = 0; i < argc; i++)
		if (ip_parse(argv[i], strlen(argv[i]), &want[i], NULL) < 0)
			errx(EX_DATAERR, "%s: not an IP address", argv[i]);
	for (k = 0; k < HISTORY_KEEP; k++) {
		snprintf(paths[k], sizeof paths[k], "%s.%d", state_path,
		    HISTORY_KEEP - k);
		if (state_open(&old[k], paths[k], 0) < 0 ||
		    state_map(&old[k]) < 0)
			state_failed(paths[k]);
	}
	if (state_open(&sf, state_path, 0) < 0 || state_map(&sf) < 0)
		state_failed(state_path);
	for (i = 0; i < argc; i++) {
		struct buf h = { 0 };
		struct stateline sl, last;
		char ip[IP_TEXT_MAX + 1], why[256];
		const char *p, *e = NULL, *w, *nl;
		long long since = 0;
		int seen = 0;

		for (k = 0; k < HISTORY_KEEP; k++)
			history_of(&want[i], old[k].text, old[k].len, &h);
		history_of(&want[i], sf.text, sf.len, &h);
		ip_format(&want[i], ip);
		/* h holds whole lines that parsed. */
		for (p = h.p, e = h.p + h.len; p && p < e; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(e - p));
			state_parse(p, (size_t)(nl - p), &sl, &w);
			/* "since": when the status last changed */
			if (!seen || sl.status != last.status)
				since = sl.time;
			last = sl;
			seen = 1;
		}
		if (!seen) {
			printf("%s: never tested\n", ip);
			continue;
		}
		printf("%s: %s since ", ip, status_name(last.status));
		print_time(since);
		if (state_get(&last, "why", why, sizeof why))
			printf(" (%s)", why);
		if (retest_open(&last))
			printf(", retest requested");
		printf("\n");
		for (p = h.p; p < e; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(e - p));
			state_parse(p, (size_t)(nl - p), &sl, &w);
			printf("  ");
			print_time(sl.time);
			printf("  %-7s %.*s\n", status_name(sl.status),
			    (int)sl.kv_len, sl.kv);
		}
		buf_free(&h);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		err(EX_IOERR, "standard output");
	state_close(&sf);
	for (k = 0; k < HISTORY_KEEP; k++)
		state_close(&old[k]);
	free(want);
	return 0;
}

struct compact_fill {
	const struct statemap_entry **v;
	size_t n;
	unsigned long long written;	/* bytes */
};

static int
fill_compact(int fd, void *arg)
{
	struct compact_fill *cf = arg;
	struct buf b = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; i < cf->n; i++) {
		char ip[IP_TEXT_MAX + 1];

		buf_add(&b, ip, ip_format(&cf->v[i]->ip, ip));
		buf_str(&b, " ");
		buf_add(&b, cf->v[i]->rest, cf->v[i]->rest_len);
		buf_str(&b, "\n");
		if (b.len > 1 << 20 || i + 1 == cf->n) {
			if (write_all(fd, b.p, b.len) < 0) {
				rc = -1;
				break;
			}
			cf->written += b.len;
			b.len = 0;
		}
	}
	buf_free(&b);
	return rc;
}

/* state.cdb and an empty recent.cdb for the compacted file (fd, its
 * text ending at pos->off); NULL, or the file that failed with errno
 * set. */
static const char *
compact_cdb(int fd, const struct statepos *pos)
{
	struct statemap blocks, none;
	struct atomic_file af;
	char *text = NULL;
	const char *failed = cdb_path;
	int e, rc;

	statemap_init(&blocks);
	statemap_init(&none);
	if (pos->off > 0 && (text = mmap(NULL, (size_t)pos->off, PROT_READ,
	    MAP_SHARED, fd, 0)) == MAP_FAILED)
		return state_path;
	if (state_compile(&af, cdb_path, state_path, text, (size_t)pos->off,
	    pos, conf.ipv6_prefix, &blocks, NULL) == 0 &&
	    atomic_commit(&af, NULL) == 0) {
		rc = recent_write(recent_path, serial_path, &none, NULL, pos,
		    conf.ipv6_prefix);
		failed = rc == 0 ? NULL : rc == -2 ? serial_path : recent_path;
	}
	e = errno;
	if (text)
		munmap(text, (size_t)pos->off);
	statemap_free(&blocks);
	errno = e;
	return failed;
}

/*
 * compact: the state as one line per IP, its last; the file it replaces
 * is kept as state.1 (state.1 becomes state.2, and so on).  The state file
 * always exists: the old one is linked to state.1 before the new one is
 * renamed over it.  Writers waiting for the lock on the old file notice
 * and lock the new one.
 */
static int
cmd_compact(int argc, char **argv)
{
	struct statefile sf;
	struct statemap m;
	struct compact_fill cf;
	struct statepos pos;
	struct stat st;
	char from[sizeof state_path + 8], to[sizeof state_path + 8];
	const char *failed;
	size_t i;
	int k, held;

	(void)argc;
	(void)argv;
	open_state(&sf, 1, &m);
	if ((cf.v = malloc((m.n + 1) * sizeof *cf.v)) == NULL)
		err(EX_OSERR, "out of memory");
	for (cf.n = 0, i = 0; i < m.n; i++)
		cf.v[cf.n++] = &m.e[i];
	qsort(cf.v, cf.n, sizeof *cf.v, cmp_entry);
	for (k = HISTORY_KEEP - 1; k >= 1; k--) {
		snprintf(from, sizeof from, "%s.%d", state_path, k);
		snprintf(to, sizeof to, "%s.%d", state_path, k + 1);
		if (rename(from, to) < 0 && errno != ENOENT)
			err(EX_CANTCREAT, "%s", to);
	}
	snprintf(to, sizeof to, "%s.1", state_path);
	if (link(state_path, to) < 0)
		err(EX_CANTCREAT, "%s", to);
	cf.written = 0;
	/* The new file stays locked until its CDB is written: a writer that
	 * opens it meanwhile waits, and its CDB comes after this one, which
	 * would otherwise undo its change. */
	if (atomic_write_held(state_path, fill_compact, &cf, 0644,
	    &held) < 0)
		state_failed(state_path);
	/* A CDB naming the new file and the end of the compacted text, so
	 * that readers of the CDB go on with the lines appended after it. */
	if (fstat(held, &st) < 0)
		state_failed(state_path);
	pos.dev = (unsigned long long)st.st_dev;
	pos.ino = (unsigned long long)st.st_ino;
	pos.off = cf.written;
	if ((failed = compact_cdb(held, &pos)) != NULL)
		state_failed(failed);
	if (close(held) < 0)
		state_failed(state_path);
	printf("%s: %zu lines, %zu addresses; the old file is %s\n",
	    state_path, count_lines(&sf), cf.n, to);
	state_close(&sf);
	statemap_free(&m);
	free(cf.v);
	if (fflush(stdout) != 0 || ferror(stdout))
		err(EX_IOERR, "standard output");
	return 0;
}

/*
 * Who runs an operator's command (by=): the real user, whose uid main()
 * keeps before root acts as the state's owner; for root, the user behind
 * sudo(8) when SUDO_USER names one (any other user can set SUDO_USER to
 * anything).  Looked up only by the commands that write by=.
 */
static uid_t operator_uid;

static const char *
operator_name(void)
{
	static char name[64];
	const char *u = getenv("SUDO_USER");
	struct passwd *pw;

	if (operator_uid == 0 && u != NULL && *u != '\0' &&
	    strlen(u) < sizeof name && getpwnam(u) != NULL)
		return u;
	if ((pw = getpwuid(operator_uid)) != NULL &&
	    strlen(pw->pw_name) < sizeof name)
		return pw->pw_name;
	snprintf(name, sizeof name, "uid%ld", (long)operator_uid);
	return name;
}

/*
 * unblock -w TEXT IP: lift a BLOCK, at once (the CDB is rebuilt).
 * retest [-w TEXT] IP: let the next test's answer lift it.
 */
static int
cmd_operator(int unblock, int argc, char **argv)
{
	struct statefile sf;
	struct statemap m;
	struct stateview view;
	struct stateline cur, next;
	const struct statemap_entry *en;
	struct ip ip;
	char line[STATE_LINE_MAX + 1], val[STATE_LINE_MAX];
	const char *why = NULL, *w;
	size_t n;
	long long t;
	struct buf change = { 0 };
	int ch, rc = 0, viewed;

	/* argv[-1] is the command's name, for getopt. */
	optind = 1;
	while ((ch = getopt(argc + 1, argv - 1, "w:")) != -1)
		if (ch == 'w')
			why = optarg;
		else
			usage(NULL);	/* getopt said which */
	argc -= optind - 1;
	argv += optind - 1;
	if (argc == 0)
		usage("%s needs an IP address", unblock ? "unblock" : "retest");
	else if (argc != 1)
		usage("%s: unexpected \"%s\" (options go before the address)",
		    unblock ? "unblock" : "retest", argv[1]);
	else if (why == NULL && unblock)
		usage("unblock needs a reason: unblock -w TEXT %s", argv[0]);
	if (why && *why == '\0')
		errx(EX_USAGE, "-w needs a reason");
	if (ip_parse(argv[0], strlen(argv[0]), &ip, &w) < 0)
		errx(EX_DATAERR, "%s: not an IP address: %s", argv[0], w);
	lock_state(&sf, 1);
	statemap_init(&m);
	if ((viewed = view_state(&view, &sf))) {
		if (stateview_get(&view, &ip, 1, &m) < 0)
			err(EX_TEMPFAIL, "%s", cdb_path);
	} else if (state_load(&sf, &m) < 0)
		errx(EX_OSERR, "%s: out of memory", state_path);
	if ((en = statemap_get(&m, &ip)) == NULL)
		errx(EX_DATAERR, "%s: not in the state", argv[0]);
	entry_line(en, &cur);
	if (cur.status != ST_BLOCK && (unblock || !held(&cur)))
		errx(EX_DATAERR, "%s: not blocked (%s)", argv[0],
		    status_name(cur.status));
	t = state_time_next(&cur, (long long)time(NULL));
	if (!unblock && held(&cur)) {
		/* A person read what came back: tested again at the host's
		 * next message. */
		if (state_put_head(line, sizeof line, &n, &ip, ST_UNKNOWN,
		    t) < 0 || state_put_kv(line, sizeof line, &n, "why",
		    "retest") < 0 || state_put_kv(line, sizeof line, &n, "by",
		    operator_name()) < 0 || (why && state_put_kv(line,
		    sizeof line, &n, "note", why) < 0))
			errx(EX_DATAERR, "-w: reason too long");
	} else if (unblock) {
		if (state_put_head(line, sizeof line, &n, &ip, ST_OK, t) < 0 ||
		    state_put_kv(line, sizeof line, &n, "why",
		    "unblocked") < 0 || state_put_kv(line, sizeof line, &n,
		    "by", operator_name()) < 0 || state_put_kv(line,
		    sizeof line, &n, "note", why) < 0)
			errx(EX_DATAERR, "-w: reason too long");
	} else {
		/* The BLOCK stands, with its evidence and a retest asked;
		 * a remailer's probes the mailbox again. */
		if (state_put_head(line, sizeof line, &n, &ip, ST_BLOCK,
		    t) < 0 || (state_get(&cur, "why", val, sizeof val) &&
		    state_put_kv(line, sizeof line, &n, "why", val) < 0) ||
		    (state_get(&cur, "mailbox", val, sizeof val) &&
		    state_put_kv(line, sizeof line, &n, "mailbox", val) < 0))
			errx(EX_SOFTWARE, "line too long");
		if (state_put_kv(line, sizeof line, &n, "retest",
		    "requested") < 0 || state_put_kv(line, sizeof line, &n,
		    "by", operator_name()) < 0 || (why && state_put_kv(line,
		    sizeof line, &n, "note", why) < 0))
			errx(EX_DATAERR, "-w: reason too long");
	}
	if (state_parse(line, n, &next, &w) < 0)
		errx(EX_SOFTWARE, "operator line does not parse: %s", w);
	line[n++] = '\n';
	if (state_append(&sf, line, n) < 0)
		state_failed(state_path);
	statemap_free(&m);
	if (unblock) {
		rc = enforce(&sf, viewed ? &view : NULL);
		add_change(&change, &next, ST_BLOCK);
	}
	if (viewed)
		stateview_close(&view);
	state_close(&sf);
	print_changes(&change);
	buf_free(&change);
	return rc;
}

/*
 * Our own MTAs (own_hosts) that Exim refuses now: a BLOCK recorded before
 * the host was listed.  Said, with what to do; each address of a range
 * of at most 256 is looked at.  Returns how many addresses were.
 */
static unsigned long
own_hosts_blocked(void)
{
	struct netset own;
	char why[1024], buf[STATE_LINE_MAX], path[CONF_VALUE_MAX + 16],
	    text[IP_TEXT_MAX + 1];
	unsigned long n = 0;
	size_t k;

	netset_init(&own);
	if (netset_read(&own, conf.own_hosts, 1, why, sizeof why) != 0)
		return 0;	/* (preflight said why) */
	for (k = 0; k < own.n; k++) {
		struct ip ip = own.r[k].first;
		int i, j;

		for (i = 0; i < 256; i++) {
			struct stateline sl;

			n++;
			if (state_cdb_now(conf.statedir, &ip, &sl, buf,
			    sizeof buf, path, sizeof path) == 1 &&
			    sl.status == ST_BLOCK) {
				ip_format(&ip, text);
				warnx("%s: one of our own hosts (own_hosts), "
				    "BLOCKed in %s: Exim refuses it; lift it "
				    "with: relaywatch-db unblock %s", text, path,
				    text);
			}
			if (ip_cmp(&ip, &own.r[k].last) == 0)
				break;
			for (j = 15; j >= 0 && ++ip.b[j] == 0; j--)
				;
		}
	}
	netset_free(&own);
	return n;
}

/* check: is the installation fit to run (preflight). */
static int
cmd_check(int argc, char **argv)
{
	unsigned long own_checked;
	size_t nnets;
	int rc;

	(void)argc;
	(void)argv;
	if ((rc = preflight(&conf, &nnets)) != 0)
		return rc;
	own_checked = own_hosts_blocked();
	printf("%s: ok: %zu customer network%s, probes from %s", conf.path,
	    nnets, nnets == 1 ? "" : "s", conf.probe_source);
	if (own_checked > 0)
		printf(", %lu of our own host%s", own_checked,
		    own_checked == 1 ? "" : "s");
	printf("\n");
	if (fflush(stdout) != 0 || ferror(stdout))
		err(EX_IOERR, "standard output");
	return 0;
}

/*
 * exim-macros: the Exim macros that must agree with relaywatch.conf,
 * generated from it, so that each setting is kept once.  The Exim
 * fragments (relaywatch-macros) include the file this is written to.
 */
static int
cmd_exim_macros(int argc, char **argv)
{
	char src[2 * (IP_TEXT_MAX + 1) + 8] = "<; ";
	int i;

	(void)argc;
	(void)argv;
	conf_require_domain(&conf);
	/* Exim expands the path inside ${lookup}: nothing it would read
	 * as syntax. */
	if (cdb_path[strspn(cdb_path, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+-")] != '\0')
		errx(EX_CONFIG, "%s: statedir %s holds a character Exim would "
		    "expand; use letters, digits and / . _ + -", conf.path,
		    conf.statedir);
	for (i = 0; i < conf.nprobe_src; i++) {
		char ip[IP_TEXT_MAX + 1];

		ip_format(&conf.probe_src[i], ip);
		if (i > 0)
			strcat(src, " ; ");
		strcat(src, ip);
	}
	printf("# relaywatch: Exim macros from %s, written by\n"
	    "# \"relaywatch-db exim-macros\": change that file and run it "
	    "again, never this one.\n", conf.path);
	printf("RELAYWATCH_CDB = %s\n", cdb_path);
	printf("RELAYWATCH_RECENT = %s\n", recent_path);
	printf("RELAYWATCH_SERIAL = %s\n", serial_path);
	printf("RELAYWATCH_MARKS = %s.d\n", serial_path);
	printf("RELAYWATCH_DOMAINS = %s\n", conf.domain);
	printf("RELAYWATCH_MAILBOX = %s\n", conf.mailbox);
	printf("RELAYWATCH_ABUSE = %s\n", conf.abuse);
	if (conf.nprobe_src > 0)
		printf("RELAYWATCH_PROBE_SOURCE = %s\n", src);
	printf("RELAYWATCH_IPV6_PREFIX = %d\n", conf.ipv6_prefix);
	if (conf.dnsbl_zone[0] != '\0')
		printf("RELAYWATCH_DNSBL_ZONE = %s\n", conf.dnsbl_zone);
	/* A probe failing for a fault of ours: kept past its token's life,
	 * so that its bounce is no verdict (relaywatch-retry). */
	printf("RELAYWATCH_PROBE_KEEP = F,%llds,15m\n",
	    conf.token_lifetime + 86400);
	if (conf.warn_only)
		printf("RELAYWATCH_WARN_ONLY = yes\n");
	if (fflush(stdout) != 0 || ferror(stdout))
		err(EX_IOERR, "standard output");
	return 0;
}

/* The text settings named, one a line, as the programs see them: for
 * scripts, which should not parse relaywatch.conf themselves. */
static int
cmd_setting(int argc, char **argv)
{
	int i;

	if (argc == 0)
		usage("setting needs a name");
	for (i = 0; i < argc; i++)
		if (conf_text(&conf, argv[i]) == NULL)
			usage("%s: not a text setting", argv[i]);
	for (i = 0; i < argc; i++)
		printf("%s\n", conf_text(&conf, argv[i]));
	if (fflush(stdout) != 0 || ferror(stdout))
		err(EX_IOERR, "standard output");
	return 0;
}

static int
cmd_unblock(int argc, char **argv)
{
	return cmd_operator(1, argc, argv);
}

static int
cmd_retest(int argc, char **argv)
{
	return cmd_operator(0, argc, argv);
}

static int
cmd_status(int argc, char **argv)
{
	return db_status(&conf, argc, argv);
}

static const struct command {
	const char *name;
	int (*run)(int, char **);
	int noargs, needs_statedir;
} commands[] = {
	{ "apply", cmd_apply, 1, 0 },
	{ "compile", cmd_compile, 1, 1 },
	{ "sweep", cmd_sweep, 1, 1 },
	{ "compact", cmd_compact, 1, 1 },
	{ "list", cmd_list, 0, 1 },
	{ "show", cmd_show, 0, 1 },
	{ "unblock", cmd_unblock, 0, 1 },
	{ "retest", cmd_retest, 0, 1 },
	{ "status", cmd_status, 1, 1 },
	{ "setting", cmd_setting, 0, 0 },
	{ "check", cmd_check, 1, 0 },
	{ "exim-macros", cmd_exim_macros, 1, 0 },
	{ NULL, NULL, 0, 0 },
};

int
main(int argc, char *argv[])
{
	const struct command *c;
	const char *confpath = NULL, *cmd;
	struct stat st;
	int ch;

	while ((ch = getopt(argc, argv, "c:h")) != -1)
		switch (ch) {
		case 'c':
			confpath = optarg;
			break;
		case 'h':
			usage_exit(usage_text, 1);
		default:
			usage(NULL);	/* getopt said which */
		}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage("no command given");
	cmd = argv[0];
	for (c = commands; c->name != NULL; c++)
		if (strcmp(c->name, cmd) == 0)
			break;
	if (c->name == NULL)
		usage("\"%s\": no such command", cmd);
	if (c->noargs && argc > 1)
		usage("%s takes no arguments", cmd);
	conf_load(&conf, confpath);
	operator_uid = getuid();
	/* Run by root: act as the owner of the state. */
	become_owner_of(conf.statedir);
	if (state_paths(conf.statedir, state_path, sizeof state_path, cdb_path,
	    sizeof cdb_path) < 0 || (size_t)snprintf(recent_path,
	    sizeof recent_path, "%s/recent.cdb", conf.statedir) >=
	    sizeof recent_path || (size_t)snprintf(serial_path,
	    sizeof serial_path, "%s/cdb.serial", conf.statedir) >=
	    sizeof serial_path || (size_t)snprintf(pending_path,
	    sizeof pending_path, "%s/enforce-pending", conf.statedir) >=
	    sizeof pending_path)
		errx(EX_CONFIG, "statedir too long");
	/* A state directory that is not there is a mistake, not an empty
	 * state: say so, rather than answer "never tested".  (apply makes
	 * it a temporary failure, so that the MTA keeps the message.) */
	if (c->needs_statedir) {
		if (stat(conf.statedir, &st) < 0)
			err(EX_NOINPUT, "%s (statedir in %s)", conf.statedir,
			    conf.path);
		if (!S_ISDIR(st.st_mode))
			errx(EX_NOINPUT, "%s: not a directory (statedir in %s)",
			    conf.statedir, conf.path);
	}
	return c->run(argc - 1, argv + 1);
}

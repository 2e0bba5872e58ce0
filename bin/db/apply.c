/*
 * relaywatch-db apply: verdict lines in, changes of status out (db.h).
 */
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "db.h"
#include "grow.h"
#include "ip.h"
#include "lines.h"
#include "netset.h"
#include "outbox.h"
#include "rd.h"
#include "state.h"
#include "statefile.h"
#include "statemap.h"
#include "stateview.h"
#include "text.h"

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
int
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

	db_lock(&sf, 1);
	statemap_init(&m);
	if ((viewed = db_view(&view, &sf))) {
		/* The verdicts' addresses, as the state has them now. */
		struct ip *ips;
		size_t n = 0;

		if ((ips = malloc((lines_count(in, inlen) + 1) *
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
	} else if (statemap_load(&sf, &m) < 0)
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
			db_entry_line(en, &cur);
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
				    state_status_name(v.status));
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
			db_change(&changes, &v, old);
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
		publish_pending_mark();
	else
		enforced = publish_pending();
	if (out.len > 0 && statefile_append(&sf, out.p, out.len) < 0)
		db_failed(state_path);
	/* (m's lines of the state go with its old mapping) */
	statemap_free(&m);
	if (enforced) {
		if (publish_enforce(&sf, viewed ? &view : NULL) != 0)
			rc = EX_TEMPFAIL;
		else
			publish_done();
	}
	if (viewed)
		stateview_close(&view);
	statefile_close(&sf);
	db_print_changes(&changes);
	for (i = 0; i < nmade; i++)
		free(made[i]);
	free(made);
	free(in);
	buf_free(&out);
	buf_free(&changes);
	return rc;
}

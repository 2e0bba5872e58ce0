/*
 * relaywatch-due: of the customer hosts seen sending mail, those to test
 * now.  Reads IPs, one a line (relaywatch-hosts' output); prints each one
 * that is due, once, after recording it in the state: UNKNOWN why=probe,
 * or, for a BLOCK whose retest an operator asked for, the BLOCK with
 * retest=pending.  Reads "IP delivered TOKEN" too (relaywatch-hosts -d):
 * the customer's host accepted the probe of its pending test, which the
 * state then says (delivered=), so that its silence may count as an
 * answer (relaywatch-db sweep).
 *
 * What it knows of an address comes from state.cdb, read whole into a
 * table whenever compile replaces it, and from the state's lines after
 * the point the CDB says it was built from; it follows the state as
 * others append to it.  Each address in the table carries the time before
 * which it is not due, so that a line costs one table lookup.
 */
#define _DEFAULT_SOURCE		/* madvise(2) */
#include <sys/mman.h>
#include <sys/stat.h>

#include <cdb.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "clocksteps.h"
#include "conf.h"
#include "fairqueue.h"
#include "grow.h"
#include "hostline.h"
#include "ip.h"
#include "iptable.h"
#include "mailboxes.h"
#include "netset.h"
#include "owner.h"
#include "sendertally.h"
#include "state_follow.h"
#include "statusfile.h"
#include "statefile.h"
#include "stateline.h"
#include "stream.h"
#include "textfile.h"
#include "token.h"
#include "usage.h"
#include "variant.h"

#define INPUT_LINE_MAX 512	/* HOSTLINE_MAX, and more */
#define WAITING_MAX 8192	/* new hosts waiting for their domain */
#define WARN_MAX 100		/* bad lines reported one by one */
#define TICK_LINES 1024		/* busy input: look at the clock this often */
#define RECORD_MAX 65536	/* hosts recorded in one append (and fsync) */

static struct conf conf;
static char state_path[CONF_VALUE_MAX + 16];
static char cdb_path[CONF_VALUE_MAX + 16];
static int verbose;
static int live;		/* -f: the input follows a live log */
static time_t now;

/*
 * The hosts: every address of the state, and the hosts queued for a test
 * (iptable.h).
 */
#define H_QUEUED 2	/* waiting for the rate limit */
#define H_RETEST 4	/* a BLOCK whose retest an operator asked for */
#define H_PENDING 8	/* its test under way: UNKNOWN why=probe, or a BLOCK
			 * with retest=pending */
#define H_DELIVERED 16	/* and the customer's host accepted its probe */
#define H_SENT 32	/* and our Exim took every probe of it (submitted=,
			 * or delivered=) */
#define H_LATER 64	/* due, recorded as such when the queue was full
			 * (UNKNOWN why=due-later) */

/*
 * A test whose probes our Exim did not all take (its main log says which
 * it took: "submitted TOKEN") was cut short: relaywatch-probe killed, or
 * sendmail failing.  Such a host is probed again, as a new test: at its
 * next message once SUBMIT_GRACE has passed since the test began (time
 * for the log to tell), and, for the tests of earlier runs, once the log
 * written before this run has been read (the first pause of the input
 * START_SETTLE seconds or more after the start).
 */
#define SUBMIT_GRACE 120
#define START_SETTLE 10

#define UNTIL_NEVER UINT32_MAX

struct host {
	struct ip ip;
	uint32_t until;		/* not due before this time */
	uint8_t status;		/* enum status; ST_NONE: not in the state */
	uint8_t flags;
	uint16_t sent;		/* its test under way: the variants of its
				 * probes seen taken (SENT_MASK), and how many
				 * it sends (probes=, << SENT_WANT; 0: a test
				 * from before probes= was written) */
};

#define SENT_MASK ((1u << VARIANT_N) - 1)
#define SENT_WANT 12

static struct iptable hosts;

/* ip's entry, or NULL; h is ip_hash(ip). */
static struct host *
host_get_h(const struct ip *ip, uint64_t h)
{
	return iptable_get(&hosts, ip, h);
}

static struct host *
host_get(const struct ip *ip)
{
	return host_get_h(ip, ip_hash(ip));
}

/* ip's entry, made if need be (status ST_NONE, until 0, no flags): may
 * move every entry. */
static struct host *
host_put(const struct ip *ip)
{
	struct host *h = iptable_put(&hosts, ip, ip_hash(ip));

	if (h == NULL)
		err(EX_OSERR, "out of memory for %zu hosts", hosts.n + 1);
	return h;
}

/*
 * IPv6 customers by their network (ipv6_prefix bits): one test at a time
 * in a network, and none while an address of it is blocked (Exim refuses
 * the whole network).  For each network seen: the address whose test is
 * under way or whose BLOCK stands (the holder), and until when.  Small:
 * IPv6 networks only.
 */
struct net {
	struct ip net, holder;
	uint32_t busy_until;	/* 0: free */
};

static struct iptable nets;

/* ip's network's entry, made if need be (NULL for IPv4, or when
 * ipv6_prefix is 128). */
static struct net *
net_of(const struct ip *ip, int make)
{
	struct ip net;
	struct net *n;

	if (ip_is_v4(ip) || conf.ipv6_prefix >= 128)
		return NULL;
	ip_network(ip, conf.ipv6_prefix, &net);
	n = make ? iptable_put(&nets, &net, ip_hash(&net)) :
	    iptable_get(&nets, &net, ip_hash(&net));
	if (n == NULL && make)
		err(EX_OSERR, "out of memory");
	return n;
}

/* ip's status is now flags/until (as learned, or just recorded): its
 * network is held by it while its test is under way or its BLOCK stands,
 * and freed by its next status. */
static void
net_note(const struct ip *ip, unsigned flags, uint8_t status, uint32_t until)
{
	int holds = (flags & H_PENDING) || status == ST_BLOCK;
	struct net *n = net_of(ip, holds);

	if (n == NULL)
		return;
	if (holds) {
		n->holder = *ip;
		n->busy_until = status == ST_BLOCK && !(flags & H_PENDING) ?
		    UNTIL_NEVER : until;
	} else if (ip_same(&n->holder, ip))
		n->busy_until = 0;
}

/* Is ip's network held by another address of it? */
static int
net_busy(const struct ip *ip)
{
	struct net *n = net_of(ip, 0);

	return n != NULL && n->busy_until > now && !ip_same(&n->holder, ip);
}

/*
 * The BLOCKs with a retest asked, as read: queued for their test without
 * waiting for them to send mail (their mail is refused), and with the
 * why= that their retest=pending line keeps.
 */
struct retest {
	struct ip ip;
	char why[64];
	char mailbox[MAILBOX_MAX + 1];	/* why=remailed: its mailbox= */
};

static struct retest *retests;
static size_t nretests, retestcap, retests_queued;

static void
retest_note(const struct stateline *sl)
{
	struct retest *r;

	if ((retests = grow(retests, &retestcap, nretests + 1,
	    sizeof *retests)) == NULL)
		err(EX_OSERR, "out of memory");
	r = &retests[nretests++];
	r->ip = sl->ip;
	if (state_get(sl, "why", r->why, sizeof r->why) == NULL)
		r->why[0] = '\0';
	if (strcmp(r->why, "remailed") != 0 || state_get(sl, "mailbox",
	    r->mailbox, sizeof r->mailbox) == NULL ||
	    mailboxes_invalid(r->mailbox, strlen(r->mailbox)) != NULL)
		r->mailbox[0] = '\0';
}

/* ip's retest as last read, or NULL. */
static const struct retest *
retest_of(const struct ip *ip)
{
	size_t i;

	for (i = nretests; i-- > 0;)
		if (ip_cmp(&retests[i].ip, ip) == 0)
			return &retests[i];
	return NULL;
}

/* The why= its retest keeps ("" for none). */
static const char *
retest_why(const struct ip *ip)
{
	const struct retest *r = retest_of(ip);

	return r ? r->why : "";
}

/* The mailbox a remailer's retest probes ("" for a host's retest). */
static const char *
retest_mailbox(const struct ip *ip)
{
	const struct retest *r = retest_of(ip);

	return r ? r->mailbox : "";
}

/* When an OK's host was tested: tested= (a sweep's), else token-time=
 * (the probe a verdict answers), else the line's time; never later than
 * the line. */
static long long
tested_at(const struct stateline *sl)
{
	const char *keys[] = { "tested", "token-time" };
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		long long t;

		if (state_get_time(sl, keys[i], &t) == 0 && t <= sl->time)
			return t;
	}
	return sl->time;
}

/*
 * When a host's last line makes it due again, counted from its test (the
 * probe), not from when the answer was recorded:
 *   UNKNOWN  a test under way; sweep makes it OK (no-answer) after
 *            pending_timeout: retest_after, but not before the sweep
 *   OK       retest_after, or retest_unreachable after why=unreachable,
 *            from tested= (sweep) or token-time= (an answer to a probe)
 *   BLOCK    never; at once when an operator asked for a retest; after
 *            its probe went out (retest=pending), as UNKNOWN
 */
static uint32_t
until_of(const struct stateline *sl, unsigned *flags)
{
	long long u = sl->time, wait = conf.retest_after;
	char v[32];

	if (wait < conf.pending_timeout)
		wait = conf.pending_timeout;
	*flags = 0;
	switch (sl->status) {
	case ST_UNKNOWN:
		/* Held for a person (relaywatch-classify could not decide
		 * what came back): not until an operator's retest. */
		if (state_get(sl, "why", v, sizeof v) &&
		    strcmp(v, "undecided") == 0)
			return UNTIL_NEVER;
		/* A test that never reached the host (sweep), one an
		 * operator asked for, or a host the queue had no room for:
		 * due at once. */
		if (state_get(sl, "why", v, sizeof v) && strcmp(v, "probe") != 0) {
			if (strcmp(v, "due-later") == 0)
				*flags = H_LATER;
			return 0;
		}
		*flags = H_PENDING;
		u += wait;
		break;
	case ST_OK:
		u = tested_at(sl);
		if (state_get(sl, "why", v, sizeof v) &&
		    strcmp(v, "unreachable") == 0)
			u += conf.retest_unreachable;
		else
			u += conf.retest_after;
		break;
	case ST_BLOCK:
	default:
		if (state_get(sl, "retest", v, sizeof v) == NULL)
			return UNTIL_NEVER;
		if (strcmp(v, "pending") != 0) {
			*flags = H_RETEST;
			return 0;
		}
		*flags = H_PENDING;
		u += wait;
		break;
	}
	if ((*flags & H_PENDING) && state_get(sl, "delivered", v, sizeof v))
		*flags |= H_DELIVERED | H_SENT;
	if ((*flags & H_PENDING) && state_get(sl, "submitted", v, sizeof v))
		*flags |= H_SENT;
	return u < UNTIL_NEVER ? (uint32_t)u : UNTIL_NEVER - 1;
}

/* When the test under way of h (H_PENDING) began: as until_of made
 * its until. */
static long long
test_began(const struct host *h)
{
	long long wait = conf.retest_after;

	if (wait < conf.pending_timeout)
		wait = conf.pending_timeout;
	return (long long)h->until - wait;
}

/* How many probes a test line says it sends (probes=, 1 to VARIANT_N),
 * or 0. */
static unsigned
probes_of(const struct stateline *sl)
{
	char v[4];

	if (state_get(sl, "probes", v, sizeof v) == NULL || v[0] < '1' ||
	    v[0] > '0' + VARIANT_N || v[1] != '\0')
		return 0;
	return (unsigned)(v[0] - '0');
}

/* Of h's test under way: how many probes it sends (0: not known), and
 * how many of them our Exim was seen to take. */
static unsigned
sent_want(const struct host *h)
{
	return (unsigned)h->sent >> SENT_WANT;
}

static unsigned
sent_seen(const struct host *h)
{
	unsigned m = h->sent & SENT_MASK, n = 0;

	for (; m; m &= m - 1)
		n++;
	return n;
}

/* Is h's test under way one whose probes our Exim did not all take,
 * and is it time to say so (SUBMIT_GRACE, START_SETTLE)? */
static time_t started;		/* when this run began */
static int settled;		/* and the log before it has been read */

static int
unsent(const struct host *h)
{
	long long began;
	unsigned want;

	if (!(h->flags & H_PENDING) || (h->flags & H_SENT) ||
	    h->until == UNTIL_NEVER)
		return 0;
	/* An earlier run's test, when following a live log: once the log
	 * written before this run has been read.  Else the grace. */
	began = test_began(h);
	if (live && began < (long long)started ? !settled :
	    began + SUBMIT_GRACE > (long long)now)
		return 0;
	want = sent_want(h);
	return want > 0 && sent_seen(h) < want;
}

static void later_note(const struct ip *ip);
static void queue_later(void);

/* Take a line of the state (or a record of the CDB) as ip's status. */
static void
learn(const struct stateline *sl)
{
	struct host *h = host_put(&sl->ip);
	unsigned fl;
	uint32_t until = until_of(sl, &fl);

	/* (a line of the same test keeps what was seen of its probes) */
	if (until != h->until || !(fl & H_PENDING))
		h->sent = 0;
	if ((fl & H_PENDING) && probes_of(sl) > 0)
		h->sent = (uint16_t)((h->sent & SENT_MASK) |
		    probes_of(sl) << SENT_WANT);
	h->until = until;
	h->status = (uint8_t)sl->status;
	h->flags = (uint8_t)((h->flags & H_QUEUED) | fl);
	net_note(&sl->ip, fl, h->status, h->until);
	if (fl & H_LATER)
		later_note(&sl->ip);
	if ((fl & H_RETEST) || (sl->status == ST_BLOCK && (fl & H_PENDING)))
		retest_note(sl);
}

/*
 * Hosts waiting for the rate limit: a fair queue of at most probe_queue
 * addresses, served in turn by customer network (fairqueue.h).  A host
 * due when it is full is recorded as due later (UNKNOWN why=due-later),
 * and queued as room comes: the later list, in the order recorded.
 */
static struct fairqueue fq;
static struct {
	unsigned long long dropped;	/* recorded due later, since the
					 * last warning */
	time_t first_drop, warned;
} queue;
static struct {
	struct ip *ip;			/* recorded due later (some since */
	size_t head, n, cap;		/* queued or tested: looked at) */
	struct ip *fresh;		/* to be recorded so */
	size_t nfresh, freshcap;
} later;

static void no_room(const struct ip *ip);

/* Queue ip: 0, or 1 when the queue is full and ip's network has the
 * most hosts waiting.  A host that ip takes the place of (the last of
 * the longest line) is recorded as due later. */
static int
queue_push(const struct ip *ip)
{
	struct ip out;
	struct host *h;
	int rc = fairqueue_push(&fq, ip, &out);

	if (rc < 0)
		err(EX_OSERR, "out of memory for %zu hosts queued", fq.n + 1);
	if (rc == 2) {
		if ((h = host_get(&out)) != NULL)
			h->flags &= (uint8_t)~H_QUEUED;
		no_room(&out);
		rc = 0;
	}
	return rc;
}

/* ip on the later list (recorded as due later, or to be). */
static void
later_note(const struct ip *ip)
{
	if (later.n == later.cap) {
		size_t cap = later.cap ? 2 * later.cap : 256, i;
		struct ip *v;

		if ((v = malloc(cap * sizeof *v)) == NULL)
			err(EX_OSERR, "out of memory");
		for (i = 0; i < later.n; i++)
			v[i] = later.ip[(later.head + i) % later.cap];
		free(later.ip);
		later.ip = v;
		later.cap = cap;
		later.head = 0;
	}
	later.ip[(later.head + later.n++) % later.cap] = *ip;
}

/* The times of the probes printed in the last minute, oldest first. */
static struct {
	time_t *t;
	size_t head, n;
} sent;

/* How many may go out now. */
static size_t
rate_free(void)
{
	size_t cap = (size_t)conf.probe_rate;

	if (cap == 0)
		return SIZE_MAX;
	while (sent.n > 0 && sent.t[sent.head] <= now - 60) {
		sent.head = (sent.head + 1) % cap;
		sent.n--;
	}
	return cap - sent.n;
}

static void
rate_note(void)
{
	size_t cap = (size_t)conf.probe_rate;

	if (cap == 0)
		return;
	/* A host whose forms outnumber the rate took the whole minute. */
	if (sent.n == cap) {
		sent.head = (sent.head + 1) % cap;
		sent.n--;
	}
	sent.t[(sent.head + sent.n++) % cap] = now;
}

/* When the next one may go out (rate_free() is 0). */
static time_t
rate_next(void)
{
	return sent.t[sent.head] + 60;
}

/* Customer networks, exclusions and our own MTAs, read again when they
 * change. */
static struct netset netblocks, exclude, own;
static struct stamp netblocks_st, exclude_st, own_st;

/* Read path into ns, or leave ns as it was: at start, a failure is
 * fatal; later, the sets read before stay in use. */
static void
read_set(struct netset *ns, const char *path, int missing_ok, int first,
    const char *what)
{
	struct netset fresh;
	char why[512];
	int rc;

	netset_init(&fresh);
	if ((rc = netset_read(&fresh, path, missing_ok, why, sizeof why)) != 0) {
		netset_free(&fresh);
		if (first)
			errx(rc, "%s (%s, one address or CIDR block a line)",
			    why, what);
		warnx("%s; keeping the %s read before", why, what);
		return;
	}
	netset_free(ns);
	*ns = fresh;
	if (ns->n == 0 && !missing_ok)
		warnx("%s: empty: no host will be tested", path);
}

static void
read_sets(int first)
{
	if (stamp_changed(conf.netblocks, &netblocks_st) || first)
		read_set(&netblocks, conf.netblocks, 0, first,
		    "the customer networks");
	if (stamp_changed(conf.exclude, &exclude_st) || first) {
		int i;

		read_set(&exclude, conf.exclude, 1, first,
		    "the hosts never tested");
		/* Nor are the addresses probes leave from. */
		for (i = 0; i < conf.nprobe_src; i++)
			if (netset_add(&exclude, &conf.probe_src[i],
			    &conf.probe_src[i]) < 0)
				err(EX_OSERR, "out of memory");
		netset_finish(&exclude);
	}
	if (stamp_changed(conf.own_hosts, &own_st) || first)
		read_set(&own, conf.own_hosts, 1, first, "our own hosts");
}

/* Whether ip may be tested: one of our customers' (netblocks), neither
 * excluded nor one of our own MTAs, whatever netblocks says. */
static int
testable(const struct ip *ip)
{
	return netset_contains(&netblocks, ip) &&
	    !netset_contains(&exclude, ip) && !netset_contains(&own, ip);
}

/* The state, as followed: what it says of each host is learned. */
static struct state_follow follow;

static void queue_retests(void);

/* Forget every host: about n are to be learned. */
static void
forget(void *arg, size_t n)
{
	(void)arg;
	iptable_free(&hosts);
	iptable_free(&nets);
	if (iptable_init(&hosts, sizeof(struct host), n) < 0 ||
	    iptable_init(&nets, sizeof(struct net), 0) < 0)
		err(EX_OSERR, "out of memory for %zu hosts", n);
	nretests = retests_queued = 0;
	later.n = later.head = 0;	/* (learned again) */
}

static void
learn_(void *arg, const struct stateline *sl)
{
	(void)arg;
	learn(sl);
}

static void
mark_queued(void *arg, const struct ip *ip)
{
	(void)arg;
	host_put(ip)->flags |= H_QUEUED;
}

/* After learning the state anew: hosts queued stay queued. */
static void
requeue(void)
{
	fairqueue_each(&fq, mark_queued, NULL);
	queue_retests();
	queue_later();
}

static void
reload(void)
{
	state_follow_reload(&follow);
	requeue();
}

/* Catch up with the state, and with a new state.cdb or new networks. */
static void
refresh(void)
{
	if (state_follow_refresh(&follow, now))
		requeue();
	else
		queue_retests();
	read_sets(0);
}

/* Is a host with this entry due now? */
static int
is_due(const struct host *h)
{
	return h == NULL || (!(h->flags & H_QUEUED) && (h->until <= now ||
	    unsent(h)));
}

static struct writer out;
/* New hosts waiting for their senders' domain (domain_known). */
static struct sendertally tally;
static unsigned long long tally_full;
static void enqueue(const struct ip *ip, uint64_t hash);
/* What was done, for -v and the supervisor's reports. */
static struct {
	unsigned long long lines, badin, printed, dropped, delivered, recorded,
	    later;
} count;

/*
 * What the main log told of the probes of tests under way, recorded with
 * the next hosts: a probe the customer's host accepted ("IP delivered
 * TOKEN", the token checked), and the last of a test's probes taken by
 * our Exim ("submitted TOKEN").
 */
struct delivery {
	struct ip ip;
	long long issued;	/* the token's time */
	int submitted;		/* taken by our Exim, not delivered */
};

static struct delivery *deliveries;
static size_t ndeliveries, deliverycap;
static struct keys keys;
static int keys_rc = -1;		/* keys_read's, once read */
static char keys_err[256];

/* The token tok[0..tl) checked with our keys (read at the first): 0 with
 * *t, or -1 with *why. */
static int
token_read(const char *tok, size_t tl, struct token *t, const char **why)
{
	if (keys_rc < 0)
		keys_rc = keys_read(&keys, conf.keyfile, keys_err,
		    sizeof keys_err);
	if (keys_rc != 0)
		errx(keys_rc, "%s", keys_err);
	if (tl > TOKEN_MAX) {
		*why = "token too long";
		return -1;
	}
	return token_check(&keys, tok, tl, now, conf.token_lifetime, t, why);
}

/* "IP delivered TOKEN": 1 if the line has that form (queued, or warned
 * about with *why set and -1), 0 if not. */
static int
delivery_read(const char *line, size_t len, const char **why)
{
	static const char word[] = " delivered ";
	const char *sp = memchr(line, ' ', len), *tok;
	struct token t;
	struct ip ip;
	size_t tl;

	if (sp == NULL || (size_t)(line + len - sp) < sizeof word - 1 ||
	    memcmp(sp, word, sizeof word - 1) != 0)
		return 0;
	tok = sp + sizeof word - 1;
	tl = (size_t)(line + len - tok);
	if (ip_parse_canonical(line, (size_t)(sp - line), &ip, why) < 0)
		return -1;
	if (token_read(tok, tl, &t, why) < 0)
		return -1;
	if (ip_cmp(&t.ip, &ip) != 0) {
		*why = "the token is for another address";
		return -1;
	}
	if ((deliveries = grow(deliveries, &deliverycap, ndeliveries + 1,
	    sizeof *deliveries)) == NULL)
		err(EX_OSERR, "out of memory");
	deliveries[ndeliveries].ip = ip;
	deliveries[ndeliveries].issued = t.time;
	deliveries[ndeliveries].submitted = 0;
	ndeliveries++;
	count.delivered++;
	return 1;
}

/* A probe of a host's test under way, taken by our Exim: when it is
 * the last of the test's probes to be seen, the test is recorded as
 * sent (submitted=). */
static void
probe_submitted(const struct token *t)
{
	struct host *h = host_get(&t->ip);
	unsigned want;

	if (h == NULL || !(h->flags & H_PENDING) || (h->flags & H_SENT) ||
	    h->until == UNTIL_NEVER || t->time < test_began(h) ||
	    t->variant >= VARIANT_N)
		return;		/* not of the test under way */
	want = sent_want(h);
	if (want == 0 || sent_seen(h) >= want)
		return;		/* not known, or said already */
	h->sent = (uint16_t)(h->sent | VARIANT_BIT(t->variant));
	if (sent_seen(h) < want)
		return;
	if ((deliveries = grow(deliveries, &deliverycap, ndeliveries + 1,
	    sizeof *deliveries)) == NULL)
		err(EX_OSERR, "out of memory");
	deliveries[ndeliveries].ip = t->ip;
	deliveries[ndeliveries].issued = t->time;
	deliveries[ndeliveries].submitted = 1;
	ndeliveries++;
}

/*
 * "submitted TOKEN" (relaywatch-hosts -d: a probe handed to our Exim):
 * for a mailbox probe, whose delivery into a mailbox of ours says
 * nothing, the proof that it went out, recorded for the remailer whose
 * retest probes that mailbox like a delivery.  1 if the line has that
 * form (a host's probe, or an unknown mailbox, is let be), 0 if not, -1
 * with *why for a token that does not check.
 */
static int
submission_read(const char *line, size_t len, const char **why)
{
	static const char word[] = "submitted ";
	unsigned char digest[TOKEN_DIGEST_BYTES];
	const char *tok = line + sizeof word - 1;
	size_t tl = len - (sizeof word - 1), i;
	struct token t;

	if (len < sizeof word - 1 || memcmp(line, word, sizeof word - 1) != 0)
		return 0;
	if (token_read(tok, tl, &t, why) < 0)
		return -1;
	if (!t.mailbox) {
		probe_submitted(&t);
		return 1;
	}
	for (i = 0; i < nretests; i++) {
		const char *mb = retests[i].mailbox;

		if (*mb == '\0' || token_mailbox_digest(mb, strlen(mb),
		    digest) < 0 || memcmp(digest, t.digest, sizeof digest) != 0)
			continue;
		if ((deliveries = grow(deliveries, &deliverycap,
		    ndeliveries + 1, sizeof *deliveries)) == NULL)
			err(EX_OSERR, "out of memory");
		deliveries[ndeliveries].ip = retests[i].ip;
		deliveries[ndeliveries].issued = t.time;
		deliveries[ndeliveries].submitted = 0;
		ndeliveries++;
		count.delivered++;
	}
	return 1;
}

/*
 * The line that records d, into lines at *len (room for 600 bytes), if
 * it belongs to its host's test under way (issued when the test began or
 * later) and says something new of it: the test's own line again, its
 * time and why= kept, with delivered=NOW (the first of its probes
 * delivered) or submitted=NOW (the last taken by our Exim).
 */
static void
delivery_line(const struct delivery *d, char *lines, size_t *len)
{
	struct host *h = host_get(&d->ip);
	unsigned said = d->submitted ? H_SENT : H_DELIVERED;
	long long began;
	char text[IP_TEXT_MAX + 1];
	size_t n = *len, tl;

	if (h == NULL || !(h->flags & H_PENDING) || (h->flags & said) ||
	    h->until == UNTIL_NEVER)
		return;		/* nothing under way, or said already */
	began = test_began(h);
	if (d->issued < began)
		return;		/* a probe of an earlier test */
	tl = ip_format(&d->ip, text);
	memcpy(lines + n, text, tl);
	n += tl;
	if (h->status == ST_BLOCK) {
		const char *why = retest_why(&d->ip);

		const char *mb = retest_mailbox(&d->ip);

		n += (size_t)snprintf(lines + n, 32, " BLOCK %lld", began);
		if (*why)
			state_put_kv(lines, n + 160, &n, "why", why);
		if (*mb)
			state_put_kv(lines, n + 300, &n, "mailbox", mb);
		n += (size_t)snprintf(lines + n, 24, " retest=pending");
	} else
		n += (size_t)snprintf(lines + n, 48, " UNKNOWN %lld why=probe",
		    began);
	n += (size_t)snprintf(lines + n, 40, " %s=%lld",
	    d->submitted ? "submitted" : "delivered", (long long)now);
	lines[n++] = '\n';
	*len = n;
	h->flags |= said | H_SENT;
	count.recorded++;
}

/*
 * Record the hosts the rate allows, then print them: under the state's
 * lock, with the state read to its end, each queued host still due gets
 * its line, all in one append; nothing is printed that is not recorded.
 */
static void
record_and_print(void)
{
	static char *lines;
	static struct ip *took;
	static size_t linecap, tookcap;
	static char (*dom)[DOMAIN_MAX + 1];
	static const char **dom_from;
	static size_t domcap, domfromcap;
	struct statefile sf;
	struct stat st;
	size_t n = 0, len = 0, i, used = 0, room = rate_free();
	unsigned plan[VARIANT_N];

	if ((fq.n == 0 || room == 0) && ndeliveries == 0 && later.nfresh == 0)
		return;
	if (state_open(&sf, state_path, 1) < 0 || fstat(sf.fd, &st) < 0)
		err(EX_TEMPFAIL, "%s: cannot record tests; not testing", state_path);
	/* compact put a new file in place: read its CDB and it. */
	if (!state_follow_is(&follow, &st))
		reload();
	else
		state_follow_catch_up(&follow);
	for (i = 0; i < ndeliveries; i++) {
		if ((lines = grow(lines, &linecap, len + 600, 1)) == NULL)
			err(EX_OSERR, "out of memory");
		delivery_line(&deliveries[i], lines, &len);
	}
	ndeliveries = 0;
	/* The hosts the queue had no room for, still due: due later. */
	for (i = 0; i < later.nfresh; i++) {
		struct host *h = host_get(&later.fresh[i]);
		char text[IP_TEXT_MAX + 1];
		size_t tl;

		if (h != NULL && ((h->flags & H_LATER) || !is_due(h)))
			continue;	/* recorded, queued or tested meanwhile */
		if ((lines = grow(lines, &linecap, len + 80, 1)) == NULL)
			err(EX_OSERR, "out of memory");
		tl = ip_format(&later.fresh[i], text);
		memcpy(lines + len, text, tl);
		len += tl;
		len += (size_t)snprintf(lines + len, 48,
		    " UNKNOWN %lld why=due-later\n", (long long)now);
		later_note(&later.fresh[i]);
		host_put(&later.fresh[i])->flags |= H_LATER;
		count.later++;
	}
	later.nfresh = 0;
	while (fq.n > 0 && used < room && n < RECORD_MAX) {
		struct ip ip;
		struct host *h;

		(void)fairqueue_peek(&fq, &ip);
		h = host_put(&ip);
		const struct sendertally_host *th = sendertally_get(&tally,
		    &ip);
		const char *domain = th ? sendertally_choice(th) : NULL,
		    *domain_from = "senders";
		char text[IP_TEXT_MAX + 1];
		const char *why;
		size_t tl, k;

		/* The rate counts messages: as many as the forms sent (a
		 * host with more forms than the rate takes a whole minute). */
		/* The senders chose none: the domain of its own name. */
		if (domain == NULL && th != NULL && th->name_from != 0) {
			domain = th->name;
			domain_from = hostline_name_word(
			    (enum hostline_name)th->name_from);
		}
		k = variant_plan(conf.variants, domain != NULL, plan);
		if (used + k > room && (used > 0 ||
		    k <= (size_t)conf.probe_rate))
			break;
		fairqueue_pop(&fq);
		h->flags &= (uint8_t)~H_QUEUED;
		if (!is_due(h) || net_busy(&ip)) {
			sendertally_drop(&tally, &ip);
			continue;	/* tested, or blocked, meanwhile; or
					 * another of its network is */
		}
		/* Room for the longest line, a retest's. */
		if ((lines = grow(lines, &linecap, len + 800, 1)) == NULL ||
		    (took = grow(took, &tookcap, n + 1, sizeof *took)) == NULL ||
		    (dom = grow(dom, &domcap, n + 1, sizeof *dom)) == NULL ||
		    (dom_from = grow(dom_from, &domfromcap, n + 1,
		    sizeof *dom_from)) == NULL)
			err(EX_OSERR, "out of memory");
		dom[n][0] = '\0';
		if (domain != NULL)
			strcpy(dom[n], domain);
		dom_from[n] = domain_from;
		sendertally_drop(&tally, &ip);
		used += k;
		tl = ip_format(&ip, text);
		memcpy(lines + len, text, tl);
		len += tl;
		/* (a BLOCK is probed only for its retest: asked for, or
		 * one whose probes our Exim did not all take) */
		if ((h->flags & H_RETEST) || h->status == ST_BLOCK) {
			len += (size_t)snprintf(lines + len, 32, " BLOCK %lld",
			    (long long)now);
			why = retest_why(&ip);
			if (*why)
				state_put_kv(lines, len + 160, &len, "why", why);
			/* (a why= too long to fit is left out) */
			if (*retest_mailbox(&ip))
				state_put_kv(lines, len + 300, &len, "mailbox",
				    retest_mailbox(&ip));
			len += (size_t)snprintf(lines + len, 24,
			    " retest=pending");
		} else {
			len += (size_t)snprintf(lines + len, 48,
			    " UNKNOWN %lld why=probe", (long long)now);
			if (dom[n][0] != '\0') {
				state_put_kv(lines, len + 300, &len, "domain",
				    dom[n]);
				state_put_kv(lines, len + 30, &len,
				    "domain-from", dom_from[n]);
			}
		}
		/* How many probes the test sends: what the main log must
		 * show our Exim took (a mailbox probe's, its delivery). */
		if (!*retest_mailbox(&ip))
			len += (size_t)snprintf(lines + len, 16, " probes=%zu",
			    k);
		lines[len++] = '\n';
		took[n++] = ip;
		/* The next of its network waits (before catch_up learns
		 * this line). */
		net_note(&ip, H_PENDING, h->status, (uint32_t)now + 1);
	}
	if (len > 0 && state_append(&sf, lines, len) < 0)
		err(EX_TEMPFAIL, "%s: cannot record tests of %zu hosts; not "
		    "testing them", state_path, n);
	state_close(&sf);
	state_follow_catch_up(&follow);	/* our own lines: the hosts are pending now */
	for (i = 0; i < n; i++) {
		char text[IP_TEXT_MAX + 1], hl[HOSTLINE_MAILBOX_MAX + 2];
		size_t tl = ip_format(&took[i], text), k;
		const char *mb = retest_mailbox(&took[i]);

		/* A remailer's retest: a new probe into its mailbox.  The
		 * domain as the senders gave it, or as the host's name did
		 * (ptr=, helo=): the probe says which. */
		if (*mb)
			tl = hostline_mailbox_put(hl, text, tl, mb);
		else if (strcmp(dom_from[i], "senders") == 0)
			tl = hostline_put(hl, text, tl, dom[i], NULL,
			    HOSTLINE_NONE);
		else
			tl = hostline_put(hl, text, tl, NULL, dom[i],
			    strcmp(dom_from[i], "ptr") == 0 ? HOSTLINE_PTR :
			    HOSTLINE_HELO);
		if (wr_write(&out, hl, tl) < 0)
			err(EX_IOERR, "standard output");
		for (k = variant_plan(conf.variants, dom[i][0] != '\0', plan);
		    k > 0; k--)
			rate_note();
	}
	if (wr_flush(&out) < 0)
		err(EX_IOERR, "standard output");
	count.printed += n;
}

/* Queue the retests asked since last time. */
static void
queue_retests(void)
{
	for (; retests_queued < nretests; retests_queued++) {
		const struct ip *ip = &retests[retests_queued].ip;
		struct host *h;

		if (!testable(ip))
			continue;
		h = host_get(ip);
		if (h == NULL || !(h->flags & H_RETEST) || !is_due(h))
			continue;	/* done, or queued, already */
		if (queue_push(ip) != 0)
			break;	/* full: this one and the next when there
				 * is room (they stay asked, in the state) */
		h->flags |= H_QUEUED;
	}
}

/* Hosts recorded as due later: said at most once a minute, when input
 * pauses (a burst is over) or a minute after the first of them. */
static void
warn_dropped(int paused)
{
	if (queue.dropped == 0 || queue.warned + 60 > now ||
	    (!paused && queue.first_drop + 60 > now))
		return;
	warnx("queue full (%zu hosts waiting for probe_rate %lld a minute): "
	    "%llu hosts recorded as due later (why=due-later); they are "
	    "queued as room comes", fq.n, conf.probe_rate, queue.dropped);
	queue.dropped = 0;
	queue.warned = now;
}

/*
 * A host waits for the domain its users send from (sendertally.h):
 * until it is chosen, or for domain_wait since its first arrival
 * (release_waiting); every host at once when the tally is full.
 * Returns 1 when ip may be queued now.
 */
static int
domain_known(const struct ip *ip, const char *domain, const char *name,
    enum hostline_name from)
{
	struct sendertally_host *th;

	if (conf.domain_wait == 0)
		return 1;
	if ((th = sendertally_put(&tally, ip, (long long)now)) == NULL) {
		if (tally_full++ == 0)
			warnx("%d hosts waiting for their senders' domain: "
			    "the next are tested at once, without it",
			    WAITING_MAX);
		return 1;
	}
	sendertally_count(th, domain);
	sendertally_name(th, name, (int)from);
	return sendertally_choice(th) != NULL;
}

/* The hosts whose wait for their domain is over (all of them at the
 * end of the input): queued, with what their arrivals told. */
static void
release_waiting(int all)
{
	struct ip ip;

	while (sendertally_next_due(&tally, all ? -1 :
	    (long long)now - conf.domain_wait + 1, &ip)) {
		uint64_t hash = ip_hash(&ip);
		struct host *h = host_get_h(&ip, hash);

		if (h != NULL && (h->flags & H_QUEUED))
			continue;	/* chosen already: record_and_print
					 * reads it */
		if (!is_due(h) || net_busy(&ip)) {
			sendertally_drop(&tally, &ip);
			continue;
		}
		enqueue(&ip, hash);
	}
	if (sendertally_oldest(&tally) < 0)
		tally_full = 0;
}

/* A customer host seen sending mail (hash: ip_hash(ip)), from a sender
 * in domain ("" for none). */
static void
consider(const struct ip *ip, uint64_t hash, const char *domain,
    const char *name, enum hostline_name from)
{
	struct host *h = host_get_h(ip, hash);

	if (!is_due(h) || net_busy(ip))
		return;
	if (!domain_known(ip, domain, name, from))
		return;
	enqueue(ip, hash);
}

/* A host due with no room in the queue: recorded as due later, never
 * forgotten (once). */
static void
no_room(const struct ip *ip)
{
	struct host *h = host_get(ip);

	if (h != NULL && (h->flags & H_LATER))
		return;		/* so recorded already */
	if ((later.fresh = grow(later.fresh, &later.freshcap,
	    later.nfresh + 1, sizeof *later.fresh)) == NULL)
		err(EX_OSERR, "out of memory");
	later.fresh[later.nfresh++] = *ip;
	if (queue.dropped++ == 0)
		queue.first_drop = now;
	count.dropped++;
}

/* A host queued, at the end of a live input: to be recorded as due
 * later. */
static void
to_later(void *arg, const struct ip *ip)
{
	struct host *h = host_get(ip);

	(void)arg;
	if (h != NULL)
		h->flags &= (uint8_t)~(H_QUEUED | H_LATER);
	if ((later.fresh = grow(later.fresh, &later.freshcap,
	    later.nfresh + 1, sizeof *later.fresh)) == NULL)
		err(EX_OSERR, "out of memory");
	later.fresh[later.nfresh++] = *ip;
}

/*
 * The hosts recorded as due later, queued as room comes, in the order
 * recorded; one whose IPv6 network is busy waits its turn again.
 */
static void
queue_later(void)
{
	size_t k = later.n;

	while (k-- > 0 && later.n > 0 && fq.n < (size_t)conf.probe_queue) {
		struct ip ip = later.ip[later.head];
		struct host *h = host_get(&ip);

		later.head = (later.head + 1) % later.cap;
		later.n--;
		if (h == NULL || !(h->flags & H_LATER) ||
		    (h->flags & H_QUEUED) || !is_due(h) || !testable(&ip))
			continue;	/* tested, or queued, since */
		if (net_busy(&ip)) {
			later_note(&ip);
			continue;
		}
		if (queue_push(&ip) != 0) {
			later_note(&ip);
			break;
		}
		h->flags |= H_QUEUED;
	}
}

/* Queue ip, due now. */
static void
enqueue(const struct ip *ip, uint64_t hash)
{
	struct host *h = host_get_h(ip, hash);

	/* A full queue: let out what the rate allows first. */
	if ((fq.n >= RECORD_MAX || fq.n == (size_t)conf.probe_queue) &&
	    rate_free() > 0) {
		record_and_print();
		h = host_get_h(ip, hash);	/* the table may be new */
		if (!is_due(h))
			return;
	}
	if (queue_push(ip) != 0) {
		no_room(ip);
		return;
	}
	h = host_get_h(ip, hash);	/* (a host put out may have moved it) */
	if (h == NULL)
		h = host_put(ip);	/* may move it */
	h->flags |= H_QUEUED;
}

/*
 * The table is far larger than the caches: the hosts of the next lines
 * are looked up in groups, their entries asked for ahead of the lookups,
 * so that the memory is read for several at once.  In input order.
 * (make bench, 10 M lines against 1 M hosts: 2.2 s with it, 3.9 s
 * looking each up as it comes.)
 */
#define AHEAD 16

static struct {
	struct ip ip[AHEAD];
	uint64_t hash[AHEAD];
	char domain[AHEAD][DOMAIN_MAX + 1];
	char name[AHEAD][DOMAIN_MAX + 1];
	enum hostline_name from[AHEAD];
	size_t n;
} ahead;

static void
consider_ahead(void)
{
	size_t i;

	for (i = 0; i < ahead.n; i++)
		consider(&ahead.ip[i], ahead.hash[i], ahead.domain[i],
		    ahead.name[i], ahead.from[i]);
	ahead.n = 0;
}

static void
consider_later(const struct ip *ip, const char *domain, const char *name,
    enum hostline_name from)
{
	uint64_t h;

	if (!testable(ip))
		return;
	h = ip_hash(ip);
	iptable_prefetch(&hosts, h);
	ahead.ip[ahead.n] = *ip;
	ahead.hash[ahead.n] = h;
	strcpy(ahead.domain[ahead.n], domain);
	strcpy(ahead.name[ahead.n], name);
	ahead.from[ahead.n] = from;
	if (++ahead.n == AHEAD)
		consider_ahead();
}

/*
 * Following a live log, once the log written before this run has been
 * read (the first pause, or busy second, START_SETTLE seconds after the
 * start): the tests of earlier runs whose probes our Exim did not all
 * take are made again, as due now.  One pass over the table.
 */
static void
resend_unsent(void)
{
	static struct ip *ips;
	static size_t cap;
	size_t i = 0, n = 0;
	struct host *h;

	if (settled || !live || now < started + START_SETTLE)
		return;
	settled = 1;
	while ((h = iptable_next(&hosts, &i)) != NULL) {
		if ((h->flags & H_QUEUED) || !(h->flags & H_PENDING) ||
		    test_began(h) >= (long long)started || !unsent(h) ||
		    !testable(&h->ip))
			continue;	/* (this run's: at their next message) */
		if ((ips = grow(ips, &cap, n + 1, sizeof *ips)) == NULL)
			err(EX_OSERR, "out of memory");
		ips[n++] = h->ip;
	}
	if (n > 0)
		warnx("%zu tests of an earlier run had probes our Exim did not "
		    "take (relaywatch-probe stopped, or sendmail failing): "
		    "testing those hosts again", n);
	for (i = 0; i < n; i++)
		if (!net_busy(&ips[i]))
			enqueue(&ips[i], ip_hash(&ips[i]));
}

/*
 * Input pauses: let out what the rate allows; wait for input, for the
 * rate to let the next queued host out, or, idle, IDLE_WAKE seconds (to
 * catch up with the state: an operator may have asked for a retest); then,
 * before the input is looked at, catch up with the state.
 */
#define IDLE_WAKE 30

/* SIGUSR1 (the supervisor's periodic report): say how far we are. */
static volatile sig_atomic_t report_asked;

static void
ask_report(int sig)
{
	(void)sig;
	report_asked = 1;
}

static void
report(void)
{
	if (!report_asked)
		return;
	report_asked = 0;
	if (conf.probe_rate > 0)
		warnx("%llu hosts probed since start; %zu waiting for "
		    "probe_rate (%lld hosts a minute), %zu recorded as due "
		    "later", count.printed, fq.n, conf.probe_rate, later.n);
	else
		warnx("%llu hosts probed since start; %zu waiting (no "
		    "probe_rate), %zu recorded as due later", count.printed,
		    fq.n, later.n);
}

/*
 * Following a live log: how the queue stands, for relaywatch-db status
 * (statedir/due.status, statusfile.h), when it changed, at most every
 * STATUSFILE_EVERY seconds, and every minute all the same (its time says
 * that we are alive).  A failure is said once.
 */
static char status_path[CONF_VALUE_MAX + 32];

static void
say_status(int now_anyway)
{
	static time_t said;
	static char last[256];
	static int failed;
	char text[256];
	int n;

	if (!live || (!now_anyway && now < said + STATUSFILE_EVERY))
		return;
	n = snprintf(text, sizeof text, "queued %zu\nwaiting %zu\n"
	    "later %zu\ndropped %llu\nprinted %llu\n", fq.n, tally.n,
	    later.n, count.dropped, count.printed);
	if (n < 0 || (size_t)n >= sizeof text)
		return;
	if (!now_anyway && strcmp(text, last) == 0 && now < said + 60)
		return;
	said = now;
	strcpy(last, text);
	if (statusfile_write(status_path, text, (size_t)n) < 0 && !failed++)
		warn("%s", status_path);
}

/*
 * Following a live log: the wall clock against the monotonic one.  A
 * step of a minute or more is recorded in statedir/clock.steps
 * (clocksteps.h), for sweep, and said; so is one made while no
 * relaywatch-due was running, found against statedir/clock.anchor when
 * this one starts (on the boot that wrote it).
 */
static char steps_path[CONF_VALUE_MAX + 32];
static char anchor_path[CONF_VALUE_MAX + 32];

static void
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

static int
on_pause(void *arg)
{
	(void)arg;
	consider_ahead();
	for (;;) {
		report();
		struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
		time_t wait = IDLE_WAKE;
		int rc;

		long long oldest;

		now = time(NULL);
		watch_clock();
		resend_unsent();
		queue_later();
		release_waiting(0);
		record_and_print();
		warn_dropped(1);
		say_status(0);
		if (fq.n > 0)
			wait = rate_free() > 0 ? 0 : rate_next() - now;
		/* Wake for the next host whose wait is over. */
		if ((oldest = sendertally_oldest(&tally)) >= 0 &&
		    oldest + conf.domain_wait - (long long)now < (long long)wait)
			wait = (time_t)(oldest + conf.domain_wait - now);
		/* And for the end of START_SETTLE. */
		if (live && !settled && started + START_SETTLE - now < wait)
			wait = started + START_SETTLE - now;
		if (wait < 0)
			wait = 0;
		rc = poll(&p, 1, (int)wait * 1000);
		now = time(NULL);
		if (rc > 0 || (rc < 0 && errno != EINTR)) {
			refresh();
			return 0;
		}
		if (rc == 0 && fq.n == 0)
			refresh();
	}
}

/* Everything opened and read first, for conf: the state, the lists, the
 * queue; the hosts printed to outfd. */
static void
start(int outfd)
{
	struct statefile sf;

	if (state_paths(conf.statedir, state_path, sizeof state_path, cdb_path,
	    sizeof cdb_path) < 0 || statusfile_path(conf.statedir,
	    "due.status", status_path, sizeof status_path) < 0 ||
	    clocksteps_path(conf.statedir, steps_path, sizeof steps_path) < 0 ||
	    clocksteps_anchor_path(conf.statedir, anchor_path,
	    sizeof anchor_path) < 0)
		errx(EX_CONFIG, "statedir too long");
	netset_init(&netblocks);
	netset_init(&exclude);
	netset_init(&own);
	read_sets(1);
	if (state_open(&sf, state_path, 1) < 0)
		err(EX_TEMPFAIL, "%s: cannot record tests", state_path);
	state_close(&sf);
	if (state_follow_init(&follow, state_path, cdb_path, forget, learn_,
	    NULL) < 0 ||
	    (conf.probe_rate > 0 && (sent.t = calloc((size_t)conf.probe_rate,
	    sizeof *sent.t)) == NULL) ||
	    sendertally_init(&tally, WAITING_MAX) < 0)
		err(EX_OSERR, "out of memory");
	fairqueue_init(&fq, (size_t)conf.probe_queue);
	watch_clock();
	now = started = time(NULL);
	reload();
	wr_init(&out, outfd);
}

/* Once a second of input that does not pause: catch up and let out what
 * is due. */
static void
tick(void)
{
	consider_ahead();
	now = time(NULL);
	refresh();
	watch_clock();
	resend_unsent();
	queue_later();
	release_waiting(0);
	record_and_print();
	warn_dropped(0);
	say_status(0);
	report();
}

/* One line of input, the lineno'th: a host as relaywatch-hosts prints
 * it, a probe submitted or delivered, or a warning. */
static void
input_line(const char *line, size_t len, int flags, unsigned long long lineno)
{
	char domain[DOMAIN_MAX + 1], name[DOMAIN_MAX + 1];
	enum hostline_name from;
	struct ip ip;
	const char *why;
	int rc;

	if (!(flags & RD_TOOLONG) &&
	    hostline_parse(line, len, &ip, domain, name, &from, &why) == 0) {
		consider_later(&ip, domain, name, from);
		return;
	}
	if (!(flags & RD_TOOLONG) && ((rc = submission_read(line, len,
	    &why)) != 0 || (rc = delivery_read(line, len, &why)) != 0)) {
		if (rc < 0)
			text_warn_line(&count.badin, "standard input", lineno,
			    line, len, "not a delivery of our probe", why);
		return;
	}
	if (flags & RD_TOOLONG)
		why = "line too long";
	text_warn_line(&count.badin, "standard input", lineno, line, len,
	    "not an address as relaywatch-hosts prints them", why);
}

static void __attribute__((noreturn))
usage(int asked)
{
	usage_exit("usage: relaywatch-due [-fhv] [-c conf]\n", asked);
}

int
main(int argc, char *argv[])
{
	const char *confpath = NULL;
	struct reader rd;
	char *line;
	size_t len;
	struct sigaction sa;
	int ch, flags, rc;

	/* First: the supervisor may ask for a report at any time. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ask_report;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		err(EX_OSERR, "sigaction");
	while ((ch = getopt(argc, argv, "c:fhv")) != -1)
		switch (ch) {
		case 'c':
			confpath = optarg;
			break;
		case 'f':
			live = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(1);
		default:
			usage(0);
		}
	if (optind != argc)
		usage(0);
	conf_load(&conf, confpath);
	/* Run by root: act as the owner of the state. */
	become_owner_of(conf.statedir);
	start(STDOUT_FILENO);
	if (rd_init(&rd, STDIN_FILENO, INPUT_LINE_MAX) < 0)
		err(EX_OSERR, "out of memory");
	rd.on_pause = on_pause;

	while ((rc = rd_line(&rd, &line, &len, &flags)) == 1) {
		/* Input that does not pause: once a second, catch up and
		 * let out what is due (one append and fsync for all). */
		if ((++count.lines & (TICK_LINES - 1)) == 0 &&
		    time(NULL) != now)
			tick();
		input_line(line, len, flags, rd.lineno);
	}
	if (rc < 0)
		err(EX_IOERR, "standard input");
	consider_ahead();
	/* The end of input: no more arrivals will tell a waiting host's
	 * domain; the hosts queued go out as the rate allows.  Following a
	 * live log (-f), only what the rate allows now: the rest are
	 * recorded as due later, for the next run (as with a full queue). */
	release_waiting(1);
	if (live) {
		now = time(NULL);
		refresh();
		record_and_print();
		if (fq.n > 0) {
			size_t n = fq.n;

			fairqueue_each(&fq, to_later, NULL);
			fairqueue_clear(&fq);
			record_and_print();
			warnx("end of input: %zu hosts waiting for probe_rate "
			    "recorded as due later, for the next run", n);
		}
	}
	for (;;) {
		now = time(NULL);
		refresh();
		record_and_print();
		if (fq.n == 0)
			break;
		if (rate_free() == 0 && rate_next() > now)
			poll(NULL, 0, (int)(rate_next() - now) * 1000);
	}
	now = time(NULL);
	say_status(1);
	if (verbose)
		fprintf(stderr, "relaywatch-due: %llu lines, %llu bad; %llu "
		    "hosts printed, %llu not queued (queue full); %zu hosts "
		    "known; %llu probes delivered, %llu recorded\n",
		    count.lines, count.badin, count.printed, count.dropped,
		    hosts.n, count.delivered, count.recorded);
	rd_free(&rd);
	return count.badin > 0 ? EX_DATAERR : 0;
}

/*
 * What relaywatch-due knows of each address: the table of hosts and
 * of IPv6 networks, the retests asked for, when a host is due again
 * (until_of), the lists of customer networks, and the state followed (due.h).
 */
#include <err.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "due.h"
#include "fairqueue.h"
#include "grow.h"
#include "ip.h"
#include "iptable.h"
#include "mailboxes.h"
#include "netset.h"
#include "stamp.h"
#include "state.h"
#include "state_follow.h"
#include "variant.h"

struct iptable hosts;

/* ip's entry, made if need be (status ST_NONE, until 0, no flags): may
 * move every entry. */
struct host *
host_put(const struct ip *ip)
{
	struct host *h = iptable_put(&hosts, ip, ip_hash(ip));

	if (h == NULL)
		err(EX_OSERR, "out of memory for %zu hosts", hosts.n + 1);
	return h;
}

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
void
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
int
net_busy(const struct ip *ip)
{
	struct net *n = net_of(ip, 0);

	return n != NULL && n->busy_until > now && !ip_same(&n->holder, ip);
}

struct retest *retests;
size_t nretests, retestcap, retests_queued;

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
const char *
retest_why(const struct ip *ip)
{
	const struct retest *r = retest_of(ip);

	return r ? r->why : "";
}

/* The mailbox a remailer's retest probes ("" for a host's retest). */
const char *
retest_mailbox(const struct ip *ip)
{
	const struct retest *r = retest_of(ip);

	return r ? r->mailbox : "";
}

int
host_test_line(char *dst, size_t dstsz, size_t *len, const struct ip *ip,
    int block, long long began)
{
	const char *why = retest_why(ip), *mb = retest_mailbox(ip);

	if (!block)
		return state_put_head(dst, dstsz, len, ip, ST_UNKNOWN, began) < 0 ||
		    state_put_kv(dst, dstsz, len, "why", "probe") < 0 ? -1 : 0;
	/* (a why= too long for the line is left out) */
	if (state_put_head(dst, dstsz, len, ip, ST_BLOCK, began) < 0 ||
	    (*why && state_put_kv(dst, dstsz, len, "why", why) < 0 &&
	    state_put_head(dst, dstsz, len, ip, ST_BLOCK, began) < 0) ||
	    (*mb && state_put_kv(dst, dstsz, len, "mailbox", mb) < 0) ||
	    state_put_kv(dst, dstsz, len, "retest", "pending") < 0)
		return -1;
	return 0;
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
long long
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
unsigned
sent_want(const struct host *h)
{
	return (unsigned)h->sent >> SENT_WANT;
}

unsigned
sent_seen(const struct host *h)
{
	unsigned m = h->sent & SENT_MASK, n = 0;

	for (; m; m &= m - 1)
		n++;
	return n;
}

/* Is h's test under way one whose probes our Exim did not all take,
 * and is it time to say so (SUBMIT_GRACE, START_SETTLE)? */
time_t started;		/* when this run began */
int settled;		/* and the log before it has been read */

int
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

/* Customer networks, exclusions and our own MTAs, read again when they
 * change. */
struct netset netblocks, exclude, own;
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

void
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
int
testable(const struct ip *ip)
{
	return netset_contains(&netblocks, ip) &&
	    !netset_contains(&exclude, ip) && !netset_contains(&own, ip);
}

/* The state, as followed: what it says of each host is learned. */
struct state_follow follow;

/* Forget every host: about n are to be learned. */
void
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

void
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

void
reload(void)
{
	state_follow_reload(&follow);
	requeue();
}

/* Catch up with the state, and with a new state.cdb or new networks. */
void
refresh(void)
{
	if (state_follow_refresh(&follow, now))
		requeue();
	else
		queue_retests();
	read_sets(0);
}

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

#include "conf.h"
#include "ip.h"
#include "netset.h"
#include "owner.h"
#include "bigmem.h"
#include "statecdb.h"
#include "statefile.h"
#include "stateline.h"
#include "stream.h"
#include "textfile.h"
#include "token.h"
#include "usage.h"

#define INPUT_LINE_MAX 256	/* an address is at most 45 bytes */
#define WARN_MAX 100		/* bad lines reported one by one */
#define TICK_LINES 1024		/* busy input: look at the clock this often */
#define RECORD_MAX 65536	/* hosts recorded in one append (and fsync) */

static struct conf conf;
static char state_path[CONF_VALUE_MAX + 16];
static char cdb_path[CONF_VALUE_MAX + 16];
static int verbose;
static time_t now;

/* A file as last seen, to notice when it is replaced or changed. */
struct stamp {
	int exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

static void
stamp_of(const struct stat *st, struct stamp *s)
{
	s->exists = 1;
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->size = st->st_size;
	s->mtime = st->st_mtim;
}

/* Has path changed since *s?  Updates *s. */
static int
stamp_changed(const char *path, struct stamp *s)
{
	struct stamp was = *s;
	struct stat st;

	if (stat(path, &st) < 0)
		s->exists = 0;
	else
		stamp_of(&st, s);
	if (was.exists != s->exists)
		return 1;
	return s->exists && (was.dev != s->dev || was.ino != s->ino ||
	    was.size != s->size || was.mtime.tv_sec != s->mtime.tv_sec ||
	    was.mtime.tv_nsec != s->mtime.tv_nsec);
}

/*
 * The table: every address of the state, and the hosts queued for a test,
 * by open addressing on the 16 address bytes, at most 3/4 full.
 */
#define H_USED 1
#define H_QUEUED 2	/* waiting for the rate limit */
#define H_RETEST 4	/* a BLOCK whose retest an operator asked for */
#define H_PENDING 8	/* its test under way: UNKNOWN why=probe, or a BLOCK
			 * with retest=pending */
#define H_DELIVERED 16	/* and the customer's host accepted its probe */

#define UNTIL_NEVER UINT32_MAX

struct host {
	struct ip ip;
	uint32_t until;		/* not due before this time */
	uint8_t status;		/* enum status; ST_NONE: not in the state */
	uint8_t flags;
};

static struct host *hosts;
static size_t nhosts, hostcap;
static int hosts_mapped;

static int
same_ip(const struct ip *a, const struct ip *b)
{
	uint64_t a0, a1, b0, b1;

	memcpy(&a0, a->b, 8);
	memcpy(&a1, a->b + 8, 8);
	memcpy(&b0, b->b, 8);
	memcpy(&b1, b->b + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/* ip's entry, or the free one where it would go; h is ip_hash(ip). */
static struct host *
host_slot_h(const struct ip *ip, uint64_t h)
{
	size_t i = (size_t)h & (hostcap - 1);

	while (hosts[i].flags && !same_ip(&hosts[i].ip, ip))
		i = (i + 1) & (hostcap - 1);
	return &hosts[i];
}

static struct host *
host_slot(const struct ip *ip)
{
	return host_slot_h(ip, ip_hash(ip));
}

static void
hosts_free(void)
{
	if (hosts)
		bigmem_free(hosts, hostcap, sizeof *hosts, hosts_mapped);
	hosts = NULL;
}

/* An empty table with room for n hosts. */
static void
hosts_alloc(size_t n)
{
	size_t cap = 1024;

	hosts_free();
	while (cap / 4 * 3 < n + 1)
		cap *= 2;
	if ((hosts = bigmem_alloc(cap, sizeof *hosts, &hosts_mapped)) == NULL)
		err(EX_OSERR, "out of memory for %zu hosts", n);
	hostcap = cap;
	nhosts = 0;
}

static struct host *
host_put(const struct ip *ip)
{
	struct host *h;

	if ((nhosts + 1) > hostcap / 4 * 3) {
		struct host *old = hosts;
		size_t i, oldcap = hostcap;
		int oldmapped = hosts_mapped;

		hosts = NULL;
		hosts_alloc(nhosts * 2);
		for (i = 0; i < oldcap; i++)
			if (old[i].flags) {
				*host_slot(&old[i].ip) = old[i];
				nhosts++;
			}
		bigmem_free(old, oldcap, sizeof *old, oldmapped);
	}
	h = host_slot(ip);
	if (h->flags == 0) {
		h->ip = *ip;
		h->flags = H_USED;
		h->status = ST_NONE;
		h->until = 0;
		nhosts++;
	}
	return h;
}

/*
 * IPv6 customers by their network (ipv6_prefix bits): one test at a time
 * in a network, and none while an address of it is blocked (Exim refuses
 * the whole network).  For each network seen: the address whose test is
 * under way or whose BLOCK stands (the holder), and until when.  Small:
 * IPv6 networks only, by open addressing, at most 3/4 full.
 */
struct net {
	struct ip net, holder;
	uint32_t busy_until;	/* 0: free */
	uint8_t used;
};

static struct net *nets;
static size_t nnets, netcap;

static struct net *
net_slot(const struct ip *net)
{
	size_t i = (size_t)ip_hash(net) & (netcap - 1);

	while (nets[i].used && !same_ip(&nets[i].net, net))
		i = (i + 1) & (netcap - 1);
	return &nets[i];
}

static void
nets_clear(void)
{
	free(nets);
	nets = NULL;
	nnets = netcap = 0;
}

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
	if (netcap == 0 || (make && (nnets + 1) > netcap / 4 * 3)) {
		struct net *old = nets;
		size_t i, oldcap = netcap;

		if (!make)
			return NULL;
		netcap = netcap ? 2 * netcap : 64;
		if ((nets = calloc(netcap, sizeof *nets)) == NULL)
			err(EX_OSERR, "out of memory");
		for (i = 0; i < oldcap; i++)
			if (old[i].used)
				*net_slot(&old[i].net) = old[i];
		free(old);
	}
	n = net_slot(&net);
	if (!n->used && make) {
		n->used = 1;
		n->net = net;
		nnets++;
	}
	return n->used ? n : NULL;
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
	} else if (same_ip(&n->holder, ip))
		n->busy_until = 0;
}

/* Is ip's network held by another address of it? */
static int
net_busy(const struct ip *ip)
{
	struct net *n = net_of(ip, 0);

	return n != NULL && n->busy_until > now && !same_ip(&n->holder, ip);
}

/*
 * The BLOCKs with a retest asked, as read: queued for their test without
 * waiting for them to send mail (their mail is refused), and with the
 * why= that their retest=pending line keeps.
 */
struct retest {
	struct ip ip;
	char why[64];
};

static struct retest *retests;
static size_t nretests, retestcap, retests_queued;

static void
retest_note(const struct stateline *sl)
{
	struct retest *r;

	if (nretests == retestcap) {
		retestcap = retestcap ? 2 * retestcap : 16;
		if ((retests = realloc(retests, retestcap * sizeof *retests)) ==
		    NULL)
			err(EX_OSERR, "out of memory");
	}
	r = &retests[nretests++];
	r->ip = sl->ip;
	if (state_get(sl, "why", r->why, sizeof r->why) == NULL)
		r->why[0] = '\0';
}

static const char *
retest_why(const struct ip *ip)
{
	size_t i;

	for (i = nretests; i-- > 0;)
		if (ip_cmp(&retests[i].ip, ip) == 0)
			return retests[i].why;
	return "";
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
		/* A test that never reached the host (sweep): due at once. */
		if (state_get(sl, "why", v, sizeof v) && strcmp(v, "probe") != 0)
			return 0;
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
		*flags |= H_DELIVERED;
	return u < UNTIL_NEVER ? (uint32_t)u : UNTIL_NEVER - 1;
}

/* Take a line of the state (or a record of the CDB) as ip's status. */
static void
learn(const struct stateline *sl)
{
	struct host *h = host_put(&sl->ip);
	unsigned fl;

	h->until = until_of(sl, &fl);
	h->status = (uint8_t)sl->status;
	h->flags = (uint8_t)((h->flags & H_QUEUED) | H_USED | fl);
	net_note(&sl->ip, fl, h->status, h->until);
	if ((fl & H_RETEST) || (sl->status == ST_BLOCK && (fl & H_PENDING)))
		retest_note(sl);
}

/*
 * Hosts waiting for the rate limit: a ring of at most probe_queue
 * addresses, grown as needed.
 */
static struct {
	struct ip *ip;
	size_t head, n, cap;
	unsigned long long dropped;	/* since the last warning */
	time_t first_drop, warned;
} queue;

static int
queue_push(const struct ip *ip)
{
	if (queue.n == queue.cap) {
		size_t cap = queue.cap ? 2 * queue.cap : 1024, i;
		struct ip *q;

		if (queue.cap >= (size_t)conf.probe_queue)
			return -1;
		if (cap > (size_t)conf.probe_queue)
			cap = (size_t)conf.probe_queue;
		if ((q = malloc(cap * sizeof *q)) == NULL)
			err(EX_OSERR, "out of memory");
		for (i = 0; i < queue.n; i++)
			q[i] = queue.ip[(queue.head + i) % queue.cap];
		free(queue.ip);
		queue.ip = q;
		queue.cap = cap;
		queue.head = 0;
	}
	queue.ip[(queue.head + queue.n++) % queue.cap] = *ip;
	return 0;
}

static struct ip
queue_pop(void)
{
	struct ip ip = queue.ip[queue.head];

	queue.head = (queue.head + 1) % queue.cap;
	queue.n--;
	return ip;
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

	if (cap > 0)
		sent.t[(sent.head + sent.n++) % cap] = now;
}

/* When the next one may go out (rate_free() is 0). */
static time_t
rate_next(void)
{
	return sent.t[sent.head] + 60;
}

/* Customer networks and exclusions, read again when they change. */
static struct netset netblocks, exclude;
static struct stamp netblocks_st, exclude_st;

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
}

/*
 * The state as followed: the file, the offset read up to (always just
 * after a newline), and a buffer for the line read in part.
 */
static struct {
	int fd;			/* -1: no state file yet */
	struct stamp st;
	off_t pos, from;	/* read up to; where reading began */
	char *buf;
	size_t len;		/* bytes in buf, from pos on */
	int skipping;		/* inside a line too long to keep */
	unsigned long long lines;	/* lines read since from */
	unsigned long long before;	/* lines before from, once counted */
	int counted;
	unsigned long bad;
} follow;

#define FOLLOW_BUF (1024 * 1024)

/* The number of lines before offset `to' of the state, for messages. */
static unsigned long long
lines_before(off_t to)
{
	unsigned long long n = 0;
	char buf[65536];
	off_t at = 0;
	ssize_t r;

	while (at < to && (r = pread(follow.fd, buf, (size_t)(to - at <
	    (off_t)sizeof buf ? to - at : (off_t)sizeof buf), at)) > 0) {
		n += count_newlines(buf, (size_t)r);
		at += r;
	}
	return n;
}

static void
follow_bad(const char *why)
{
	if (follow.bad++ < WARN_MAX) {
		if (!follow.counted) {
			follow.before = lines_before(follow.from);
			follow.counted = 1;
		}
		warnx("%s:%llu: %s", state_path, follow.before + follow.lines,
		    why);
	} else if (follow.bad == WARN_MAX + 1)
		warnx("%s: more bad lines; not reporting each", state_path);
}

/* Read the lines appended to the state since last time. */
static void
catch_up(void)
{
	for (;;) {
		char *p, *e, *nl;
		ssize_t r;

		if (follow.fd < 0)
			return;
		r = pread(follow.fd, follow.buf + follow.len, FOLLOW_BUF -
		    follow.len, follow.pos + (off_t)follow.len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err(EX_TEMPFAIL, "%s", state_path);
		}
		if (r == 0)
			return;
		follow.len += (size_t)r;
		p = follow.buf;
		e = follow.buf + follow.len;
		while ((nl = memchr(p, '\n', (size_t)(e - p))) != NULL) {
			struct stateline sl;
			const char *why;

			follow.lines++;
			if (follow.skipping)
				follow.skipping = 0;
			else if (state_parse(p, (size_t)(nl - p), &sl, &why) == 0)
				learn(&sl);
			else
				follow_bad(why);
			p = nl + 1;
		}
		follow.pos += p - follow.buf;
		follow.len = (size_t)(e - p);
		if (follow.len == FOLLOW_BUF) {
			/* A line longer than the buffer: not a state line. */
			if (!follow.skipping) {
				follow.lines++;
				follow_bad("line too long");
				follow.lines--;
			}
			follow.skipping = 1;
			follow.pos += (off_t)follow.len;
			follow.len = 0;
		} else
			memmove(follow.buf, p, follow.len);
	}
}

static void
follow_from(int fd, const struct stat *st, off_t from)
{
	if (follow.fd >= 0)
		close(follow.fd);
	follow.fd = fd;
	if (fd >= 0)
		stamp_of(st, &follow.st);
	follow.pos = follow.from = from;
	follow.len = 0;
	follow.skipping = 0;
	follow.lines = 0;
	follow.counted = 0;
	follow.bad = 0;
}

/*
 * Read the CDB's records into the table (from empty).  Returns 0, or -1
 * when it cannot be read whole (with a warning).
 */
static int
load_cdb(struct cdb *c)
{
	const unsigned char *base = cdb_get(c, 2048, 0);
	unsigned at, dropped = 0, i;
	unsigned long bad = 0;
	size_t slots = 0;
	int rc;

	/* The header: 256 hash tables' (position, slots), each table with
	 * twice as many slots as it has records. */
	for (i = 0; base && i < 256; i++)
		slots += cdb_unpack(base + 8 * i + 4);
	hosts_alloc(slots / 2);
	cdb_seqinit(&at, c);
	while ((rc = cdb_seqnext(&at, c)) > 0) {
		const char *key = cdb_getkey(c), *val = cdb_getdata(c), *why;
		unsigned klen = cdb_keylen(c);
		struct stateline sl;

		if ((klen == sizeof STATE_CDB_POSKEY - 1 &&
		    memcmp(key, STATE_CDB_POSKEY, klen) == 0) ||
		    memchr(key, '/', klen) != NULL)
			continue;	/* the position; an IPv6 network */
		if (ip_parse_canonical(key, klen, &sl.ip, &why) < 0 ||
		    state_parse_value(val, cdb_datalen(c), &sl, &why) < 0) {
			char shown[80];

			if (bad++ < WARN_MAX)
				warnx("%s: record \"%s\": %s", cdb_path,
				    text_quote(key, klen, shown, sizeof shown),
				    why);
			continue;
		}
		learn(&sl);
		/* Read once: give back the pages read, so that the CDB does
		 * not stay in this process's memory. */
		if (base && at - dropped >= (8u << 20)) {
			unsigned to = at & ~4095u;

			madvise((void *)(uintptr_t)(base + dropped), to - dropped,
			    MADV_DONTNEED);
			dropped = to;
		}
	}
	if (rc < 0)
		warnx("%s: damaged (%s)", cdb_path, strerror(errno));
	return rc < 0 ? -1 : 0;
}

static struct stamp cdb_st;

static void queue_retests(void);

/*
 * Build the table anew: state.cdb, then the state's lines after the point
 * the CDB was built from; without a CDB built from the state file as it
 * is, the whole state.  Hosts queued stay queued.
 */
static void
reload(void)
{
	struct statepos pos;
	struct stat sst, cst;
	struct cdb c;
	const char *why = NULL;
	int sfd, cfd, loaded = 0;
	size_t i;

	hosts_free();
	nets_clear();
	nretests = retests_queued = 0;
	sfd = open(state_path, O_RDONLY | O_CLOEXEC);
	if ((sfd < 0 && errno != ENOENT) || (sfd >= 0 && fstat(sfd, &sst) < 0))
		err(EX_TEMPFAIL, "%s", state_path);
	cfd = open(cdb_path, O_RDONLY | O_CLOEXEC);
	if ((cfd < 0 && errno != ENOENT) || (cfd >= 0 && fstat(cfd, &cst) < 0))
		err(EX_TEMPFAIL, "%s", cdb_path);
	cdb_st.exists = 0;
	if (cfd < 0)
		why = "missing";
	else {
		stamp_of(&cst, &cdb_st);
		if (cdb_init(&c, cfd) < 0) {
			why = "damaged";
			close(cfd);
			cfd = -1;
		}
	}
	if (cfd >= 0) {
		if (state_cdb_position(&c, &pos) < 0)
			why = "no position in the state recorded";
		else if (sfd < 0 || pos.dev != (unsigned long long)sst.st_dev ||
		    pos.ino != (unsigned long long)sst.st_ino ||
		    pos.off > (unsigned long long)sst.st_size)
			why = "built from a state file since compacted or "
			    "replaced";
		else if ((loaded = load_cdb(&c) == 0) == 0)
			why = "damaged";
		cdb_free(&c);
		close(cfd);
	}
	if (loaded)
		follow_from(sfd, &sst, (off_t)pos.off);
	else {
		/* The state is the truth: all of it, then. */
		if (sfd >= 0 && sst.st_size > 0)
			warnx("%s: %s; reading all of %s: run relaywatch-db "
			    "compile", cdb_path, why, state_path);
		hosts_alloc(sfd >= 0 ? (size_t)sst.st_size / 60 : 0);
		nretests = retests_queued = 0;
		follow_from(sfd, &sst, 0);
	}
	catch_up();
	for (i = 0; i < queue.n; i++)
		host_put(&queue.ip[(queue.head + i) % queue.cap])->flags |=
		    H_QUEUED;
	queue_retests();
}

/* Catch up with the state, and with a new state.cdb or new networks. */
static void
refresh(void)
{
	static time_t warned;
	struct stamp was = cdb_st;

	if (stamp_changed(cdb_path, &cdb_st) && cdb_st.exists)
		reload();
	else {
		if (was.exists && !cdb_st.exists && warned + 3600 <= now) {
			warnx("%s: gone; going on with what was read", cdb_path);
			warned = now;
		}
		catch_up();
		queue_retests();
	}
	if (cdb_st.exists && cdb_st.mtime.tv_sec + 86400 < now &&
	    warned + 86400 <= now) {
		warnx("%s: more than a day old: is relaywatch-db compile run "
		    "from cron?", cdb_path);
		warned = now;
	}
	read_sets(0);
}

/* Is a host with this entry due now? */
static int
is_due(const struct host *h)
{
	return h == NULL || (!(h->flags & H_QUEUED) && h->until <= now);
}

static struct writer out;
static unsigned long long nlines, nprinted, ndropped, nbadin;
static unsigned long long ndelivered, nrecorded;

/*
 * The probes that customers' hosts accepted, as read ("IP delivered
 * TOKEN", the token checked), recorded with the next hosts.
 */
struct delivery {
	struct ip ip;
	long long issued;	/* the token's time */
};

static struct delivery *deliveries;
static size_t ndeliveries, deliverycap;
static struct keys keys;
static int keys_rc = -1;		/* keys_read's, once read */
static char keys_err[256];

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
	if (keys_rc < 0)
		keys_rc = keys_read(&keys, conf.keyfile, keys_err,
		    sizeof keys_err);
	if (keys_rc != 0)
		errx(keys_rc, "%s", keys_err);
	if (tl > TOKEN_MAX || token_check(&keys, tok, tl, now,
	    conf.token_lifetime, &t, why) < 0) {
		if (tl > TOKEN_MAX)
			*why = "token too long";
		return -1;
	}
	if (ip_cmp(&t.ip, &ip) != 0) {
		*why = "the token is for another address";
		return -1;
	}
	if (ndeliveries == deliverycap) {
		deliverycap = deliverycap ? 2 * deliverycap : 64;
		if ((deliveries = realloc(deliveries, deliverycap *
		    sizeof *deliveries)) == NULL)
			err(EX_OSERR, "out of memory");
	}
	deliveries[ndeliveries].ip = ip;
	deliveries[ndeliveries].issued = t.time;
	ndeliveries++;
	ndelivered++;
	return 1;
}

/*
 * The line that records d, into lines at *len (room for 256 bytes), if
 * it belongs to its host's test under way (issued when the test began or
 * later) and is the first of that test's probes delivered: the test's
 * own line again, its time and why= kept, with delivered=NOW.
 */
static void
delivery_line(const struct delivery *d, char *lines, size_t *len)
{
	struct host *h = host_slot(&d->ip);
	long long began, wait = conf.retest_after;
	char text[IP_TEXT_MAX + 1];
	size_t n = *len, tl;

	if (wait < conf.pending_timeout)
		wait = conf.pending_timeout;
	if (!(h->flags & H_USED) || !(h->flags & H_PENDING) ||
	    (h->flags & H_DELIVERED) || h->until == UNTIL_NEVER)
		return;		/* nothing under way, or said already */
	began = (long long)h->until - wait;	/* as until_of made it */
	if (d->issued < began)
		return;		/* a probe of an earlier test */
	tl = ip_format(&d->ip, text);
	memcpy(lines + n, text, tl);
	n += tl;
	if (h->status == ST_BLOCK) {
		const char *why = retest_why(&d->ip);

		n += (size_t)snprintf(lines + n, 32, " BLOCK %lld", began);
		if (*why)
			state_put_kv(lines, n + 160, &n, "why", why);
		n += (size_t)snprintf(lines + n, 24, " retest=pending");
	} else
		n += (size_t)snprintf(lines + n, 48, " UNKNOWN %lld why=probe",
		    began);
	n += (size_t)snprintf(lines + n, 40, " delivered=%lld",
	    (long long)now);
	lines[n++] = '\n';
	*len = n;
	h->flags |= H_DELIVERED;
	nrecorded++;
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
	struct statefile sf;
	struct stat st;
	size_t n = 0, len = 0, i, room = rate_free();

	if ((queue.n == 0 || room == 0) && ndeliveries == 0)
		return;
	if (state_open(&sf, state_path, 1) < 0 || fstat(sf.fd, &st) < 0)
		err(EX_TEMPFAIL, "%s: cannot record tests; not testing", state_path);
	/* compact put a new file in place: read its CDB and it. */
	if (follow.fd < 0 || st.st_dev != follow.st.dev ||
	    st.st_ino != follow.st.ino)
		reload();
	else
		catch_up();
	for (i = 0; i < ndeliveries; i++) {
		if (len + 256 > linecap) {
			linecap = linecap ? 2 * linecap : 65536;
			if ((lines = realloc(lines, linecap)) == NULL)
				err(EX_OSERR, "out of memory");
		}
		delivery_line(&deliveries[i], lines, &len);
	}
	ndeliveries = 0;
	while (queue.n > 0 && n < room && n < RECORD_MAX) {
		struct ip ip = queue_pop();
		struct host *h = host_slot(&ip);
		char text[IP_TEXT_MAX + 1];
		const char *why;
		size_t tl;

		h->flags &= (uint8_t)~H_QUEUED;
		if (!is_due(h) || net_busy(&ip))
			continue;	/* tested, or blocked, meanwhile; or
					 * another of its network is */
		/* Room for the longest line, a retest's. */
		if (len + 256 > linecap) {
			linecap = linecap ? 2 * linecap : 65536;
			if ((lines = realloc(lines, linecap)) == NULL)
				err(EX_OSERR, "out of memory");
		}
		if (n == tookcap) {
			tookcap = tookcap ? 2 * tookcap : 1024;
			if ((took = realloc(took, tookcap * sizeof *took)) ==
			    NULL)
				err(EX_OSERR, "out of memory");
		}
		tl = ip_format(&ip, text);
		memcpy(lines + len, text, tl);
		len += tl;
		if (h->flags & H_RETEST) {
			len += (size_t)snprintf(lines + len, 32, " BLOCK %lld",
			    (long long)now);
			why = retest_why(&ip);
			if (*why)
				state_put_kv(lines, len + 160, &len, "why", why);
			/* (a why= too long to fit is left out) */
			len += (size_t)snprintf(lines + len, 24,
			    " retest=pending");
		} else
			len += (size_t)snprintf(lines + len, 48,
			    " UNKNOWN %lld why=probe", (long long)now);
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
	catch_up();	/* our own lines: the hosts are pending now */
	for (i = 0; i < n; i++) {
		char text[IP_TEXT_MAX + 2];
		size_t tl = ip_format(&took[i], text);

		text[tl++] = '\n';
		if (wr_write(&out, text, tl) < 0)
			err(EX_IOERR, "standard output");
		rate_note();
	}
	if (wr_flush(&out) < 0)
		err(EX_IOERR, "standard output");
	nprinted += n;
}

/* Queue the retests asked since last time. */
static void
queue_retests(void)
{
	for (; retests_queued < nretests; retests_queued++) {
		const struct ip *ip = &retests[retests_queued].ip;
		struct host *h;

		if (!netset_contains(&netblocks, ip) ||
		    netset_contains(&exclude, ip))
			continue;
		h = host_slot(ip);
		if (!(h->flags & H_RETEST) || !is_due(h))
			continue;	/* done, or queued, already */
		if (queue_push(ip) < 0) {
			if (queue.dropped++ == 0)
				queue.first_drop = now;
			ndropped++;
			continue;
		}
		h->flags |= H_QUEUED;
	}
}

/* Hosts not queued: said at most once a minute, when input pauses (a
 * burst is over) or a minute after the first of them. */
static void
warn_dropped(int paused)
{
	if (queue.dropped == 0 || queue.warned + 60 > now ||
	    (!paused && queue.first_drop + 60 > now))
		return;
	warnx("queue full (%zu hosts waiting for probe_rate %lld a minute): "
	    "%llu hosts not queued; they are looked at again when they next "
	    "send", queue.n, conf.probe_rate, queue.dropped);
	queue.dropped = 0;
	queue.warned = now;
}

/* A customer host seen sending mail (hash: ip_hash(ip)). */
static void
consider(const struct ip *ip, uint64_t hash)
{
	struct host *h = host_slot_h(ip, hash);

	if ((h->flags && !is_due(h)) || net_busy(ip))
		return;
	/* A full queue: let out what the rate allows first. */
	if ((queue.n >= RECORD_MAX || queue.n == (size_t)conf.probe_queue) &&
	    rate_free() > 0) {
		record_and_print();
		h = host_slot_h(ip, hash);	/* the table may be new */
		if (h->flags && !is_due(h))
			return;
	}
	if (queue_push(ip) < 0) {
		if (queue.dropped++ == 0)
			queue.first_drop = now;
		ndropped++;
		return;
	}
	if (h->flags == 0)
		h = host_put(ip);	/* may move it */
	h->flags |= H_QUEUED;
}

/*
 * The table is far larger than the caches: the hosts of the next lines
 * are looked up in groups, their entries asked for ahead of the lookups,
 * so that the memory is read for several at once.  In input order.
 */
#define AHEAD 16

static struct {
	struct ip ip[AHEAD];
	uint64_t hash[AHEAD];
	size_t n;
} ahead;

static void
consider_ahead(void)
{
	size_t i;

	for (i = 0; i < ahead.n; i++)
		consider(&ahead.ip[i], ahead.hash[i]);
	ahead.n = 0;
}

static void
consider_later(const struct ip *ip)
{
	uint64_t h;

	if (!netset_contains(&netblocks, ip) || netset_contains(&exclude, ip))
		return;
	h = ip_hash(ip);
#if defined(__GNUC__)
	__builtin_prefetch(&hosts[(size_t)h & (hostcap - 1)]);
#endif
	ahead.ip[ahead.n] = *ip;
	ahead.hash[ahead.n] = h;
	if (++ahead.n == AHEAD)
		consider_ahead();
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
		    "probe_rate (%lld hosts a minute)", nprinted, queue.n,
		    conf.probe_rate);
	else
		warnx("%llu hosts probed since start; %zu waiting (no "
		    "probe_rate)", nprinted, queue.n);
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

		now = time(NULL);
		record_and_print();
		warn_dropped(1);
		if (queue.n > 0)
			wait = rate_free() > 0 ? 0 : rate_next() - now;
		rc = poll(&p, 1, (int)wait * 1000);
		now = time(NULL);
		if (rc > 0 || (rc < 0 && errno != EINTR)) {
			refresh();
			return 0;
		}
		if (rc == 0 && queue.n == 0)
			refresh();
	}
}

static void __attribute__((noreturn))
usage(int asked)
{
	usage_exit("usage: relaywatch-due [-hv] [-c conf]\n", asked);
}

int
main(int argc, char *argv[])
{
	const char *confpath = NULL;
	struct reader rd;
	struct statefile sf;
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
	while ((ch = getopt(argc, argv, "c:hv")) != -1)
		switch (ch) {
		case 'c':
			confpath = optarg;
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
	if (state_paths(conf.statedir, state_path, sizeof state_path, cdb_path,
	    sizeof cdb_path) < 0)
		errx(EX_CONFIG, "statedir too long");

	/* Everything opened and read first. */
	follow.fd = -1;
	netset_init(&netblocks);
	netset_init(&exclude);
	read_sets(1);
	if (state_open(&sf, state_path, 1) < 0)
		err(EX_TEMPFAIL, "%s: cannot record tests", state_path);
	state_close(&sf);
	if ((follow.buf = malloc(FOLLOW_BUF)) == NULL ||
	    (conf.probe_rate > 0 && (sent.t = calloc((size_t)conf.probe_rate,
	    sizeof *sent.t)) == NULL) ||
	    rd_init(&rd, STDIN_FILENO, INPUT_LINE_MAX) < 0)
		err(EX_OSERR, "out of memory");
	now = time(NULL);
	reload();
	wr_init(&out, STDOUT_FILENO);
	rd.on_pause = on_pause;

	while ((rc = rd_line(&rd, &line, &len, &flags)) == 1) {
		struct ip ip;
		const char *why;

		/* Input that does not pause: once a second, catch up and
		 * let out what is due (one append and fsync for all). */
		if ((++nlines & (TICK_LINES - 1)) == 0 && time(NULL) != now) {
			consider_ahead();
			now = time(NULL);
			refresh();
			record_and_print();
			warn_dropped(0);
			report();
		}
		if (!(flags & RD_TOOLONG) &&
		    ip_parse_canonical(line, len, &ip, &why) == 0) {
			consider_later(&ip);
			continue;
		}
		if (!(flags & RD_TOOLONG) && (rc = delivery_read(line, len,
		    &why)) != 0) {
			if (rc < 0)
				text_warn_line(&nbadin, "standard input",
				    rd.lineno, line, len, "not a delivery of "
				    "our probe", why);
			continue;
		}
		if (flags & RD_TOOLONG)
			why = "line too long";
		text_warn_line(&nbadin, "standard input", rd.lineno, line, len,
		    "not an address as relaywatch-hosts prints them", why);
	}
	if (rc < 0)
		err(EX_IOERR, "standard input");
	consider_ahead();
	/* The end of input: the hosts queued go out as the rate allows. */
	for (;;) {
		now = time(NULL);
		refresh();
		record_and_print();
		if (queue.n == 0)
			break;
		if (rate_free() == 0 && rate_next() > now)
			poll(NULL, 0, (int)(rate_next() - now) * 1000);
	}
	if (verbose)
		fprintf(stderr, "relaywatch-due: %llu lines, %llu bad; %llu "
		    "hosts printed, %llu not queued (queue full); %zu hosts "
		    "known; %llu probes delivered, %llu recorded\n", nlines,
		    nbadin, nprinted, ndropped, nhosts, ndelivered, nrecorded);
	rd_free(&rd);
	return 0;
}

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
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "askreport.h"
#include "clocksteps.h"
#include "domain.h"
#include "due/due.h"
#include "fairqueue.h"
#include "grow.h"
#include "hostline.h"
#include "ip.h"
#include "iptable.h"
#include "mailboxes.h"
#include "netset.h"
#include "owner.h"
#include "rd.h"
#include "sendertally.h"
#include "state.h"
#include "state_follow.h"
#include "statefile.h"
#include "statusfile.h"
#include "text.h"
#include "usage.h"
#include "variant.h"
#include "wr.h"

struct conf conf;
static char state_path[CONF_VALUE_MAX + 16];
static char cdb_path[CONF_VALUE_MAX + 16];
static int verbose;
int live;		/* -f: the input follows a live log */
time_t now;

/* Is a host with this entry due now? */
int
is_due(const struct host *h)
{
	return h == NULL || (!(h->flags & H_QUEUED) && (h->until <= now ||
	    ((h->flags & H_PENDING) && unsent(h))));	/* (the cheap test
							 * first: every line
							 * asks) */
}

static struct writer out;
/* New hosts waiting for their senders' domain (domain_known). */
struct sendertally tally;
static unsigned long long tally_full;
struct due_count count;

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
	if (statefile_open(&sf, state_path, 1) < 0 || fstat(sf.fd, &st) < 0)
		err(EX_TEMPFAIL, "%s: cannot record tests; not testing", state_path);
	/* compact put a new file in place: read its CDB and it. */
	if (!state_follow_is(&follow, &st))
		reload();
	else
		state_follow_catch_up(&follow);
	for (i = 0; i < ndeliveries; i++) {
		if ((lines = grow(lines, &linecap, len + STATE_LINE_MAX + 2,
		    1)) == NULL)
			err(EX_OSERR, "out of memory");
		delivery_line(&deliveries[i], lines, &len);
	}
	ndeliveries = 0;
	/* The hosts the queue had no room for, still due: due later. */
	for (i = 0; i < later.nfresh; i++) {
		struct host *h = host_get(&later.fresh[i]);
		size_t tl = 0;

		if (h != NULL && ((h->flags & H_LATER) || !is_due(h)))
			continue;	/* recorded, queued or tested meanwhile */
		if ((lines = grow(lines, &linecap, len + 80, 1)) == NULL)
			err(EX_OSERR, "out of memory");
		(void)(state_put_head(lines + len, 80, &tl, &later.fresh[i],
		    ST_UNKNOWN, (long long)now) < 0 || state_put_kv(lines + len,
		    80, &tl, "why", "due-later") < 0);
		lines[len + tl++] = '\n';
		len += tl;
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
		size_t tl, k;
		int block, rc;

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
		/* Room for the longest line. */
		if ((lines = grow(lines, &linecap, len + STATE_LINE_MAX + 2,
		    1)) == NULL ||
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
		/* (a BLOCK is probed only for its retest: asked for, or
		 * one whose probes our Exim did not all take) */
		tl = 0;
		block = (h->flags & H_RETEST) || h->status == ST_BLOCK;
		rc = host_test_line(lines + len, STATE_LINE_MAX + 1, &tl, &ip,
		    block, (long long)now);
		if (rc == 0 && !block && dom[n][0] != '\0' &&
		    (state_put_kv(lines + len, STATE_LINE_MAX + 1, &tl,
		    "domain", dom[n]) < 0 || state_put_kv(lines + len,
		    STATE_LINE_MAX + 1, &tl, "domain-from", dom_from[n]) < 0))
			rc = -1;
		/* How many probes the test sends: what the main log must
		 * show our Exim took (a mailbox probe's, its delivery). */
		if (rc == 0 && !*retest_mailbox(&ip))
			rc = state_put_time(lines + len, STATE_LINE_MAX + 1, &tl,
			    "probes", (long long)k);
		if (rc < 0)
			errx(EX_SOFTWARE, "%s: a test's line too long",
			    lines + len);
		lines[len + tl++] = '\n';
		len += tl;
		took[n++] = ip;
		/* The next of its network waits (before catch_up learns
		 * this line). */
		net_note(&ip, H_PENDING, h->status, (uint32_t)now + 1);
	}
	if (len > 0 && statefile_append(&sf, lines, len) < 0)
		err(EX_TEMPFAIL, "%s: cannot record tests of %zu hosts; not "
		    "testing them", state_path, n);
	statefile_close(&sf);
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
void
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

/* Queue ip, due now. */
void
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

struct due_ahead {
	struct ip ip[AHEAD];
	uint64_t hash[AHEAD];
	char domain[AHEAD][DOMAIN_MAX + 1];
	char name[AHEAD][DOMAIN_MAX + 1];
	enum hostline_name from[AHEAD];
	size_t n;
};

static struct due_ahead ahead;

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

	if (statefile_paths(conf.statedir, state_path, sizeof state_path, cdb_path,
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
	if (statefile_open(&sf, state_path, 1) < 0)
		err(EX_TEMPFAIL, "%s: cannot record tests", state_path);
	statefile_close(&sf);
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
	int ch, flags, rc;

	/* First: the supervisor may ask for a report at any time. */
	askreport_start();
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
	owner_become(conf.statedir);
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

/*
 * The hosts waiting for probe_rate: the fair queue, the hosts recorded
 * as due later when it is full, the rate itself, and what the queue says
 * of itself (the hourly report, due.status) (due.h).
 */
#include <err.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "askreport.h"
#include "atomic.h"
#include "due.h"
#include "fairqueue.h"
#include "grow.h"
#include "ip.h"
#include "statusfile.h"

/*
 * Hosts waiting for the rate limit: a fair queue of at most probe_queue
 * addresses, served in turn by customer network (fairqueue.h).  A host
 * due when it is full is recorded as due later (UNKNOWN why=due-later),
 * and queued as room comes: the later list, in the order recorded.
 */
struct fairqueue fq;
struct due_queue queue;
struct due_later later;

/* Queue ip: 0, or 1 when the queue is full and ip's network has the
 * most hosts waiting.  A host that ip takes the place of (the last of
 * the longest line) is recorded as due later. */
int
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
void
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
struct due_sent sent;

/* How many may go out now. */
size_t
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

void
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
time_t
rate_next(void)
{
	return sent.t[sent.head] + 60;
}

/* Hosts recorded as due later: said at most once a minute, when input
 * pauses (a burst is over) or a minute after the first of them. */
void
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

/* A host due with no room in the queue: recorded as due later, never
 * forgotten (once). */
void
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
void
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
void
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

void
report(void)
{
	if (!askreport_asked())
		return;
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
char status_path[CONF_VALUE_MAX + 32];

void
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

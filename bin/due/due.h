/*
 * relaywatch-due in files: its policy (who is due, what is recorded and
 * printed, the input) in bin/relaywatch-due.c; what it knows of each
 * address in bin/due/hosts.c; the rate queue in bin/due/queue.c; the
 * probes our main log saw taken and delivered in bin/due/deliveries.c;
 * the clock in bin/due/clock.c.  What more than one of them uses is
 * declared here; relaywatch-due(1) documents the program.
 */
#ifndef RW_DUE_DUE_H
#define RW_DUE_DUE_H

#include <signal.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "fairqueue.h"
#include "hostline.h"
#include "ip.h"
#include "iptable.h"
#include "mailboxes.h"
#include "netset.h"
#include "rd.h"
#include "sendertally.h"
#include "stamp.h"
#include "state.h"
#include "state_follow.h"
#include "token.h"
#include "variant.h"

#define INPUT_LINE_MAX 512	/* HOSTLINE_MAX, and more */

#define WAITING_MAX 8192	/* new hosts waiting for their domain */

#define WARN_MAX 100		/* bad lines reported one by one */

#define TICK_LINES 1024		/* busy input: look at the clock this often */

#define RECORD_MAX 65536	/* hosts recorded in one append (and fsync) */

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

struct due_queue {
	unsigned long long dropped;	/* recorded due later, since the
					 * last warning */
	time_t first_drop, warned;
};

struct due_later {
	struct ip *ip;			/* recorded due later (some since */
	size_t head, n, cap;		/* queued or tested: looked at) */
	struct ip *fresh;		/* to be recorded so */
	size_t nfresh, freshcap;
};

/* The times of the probes printed in the last minute, oldest first. */
struct due_sent {
	time_t *t;
	size_t head, n;
};

/* What was done, for -v and the supervisor's reports. */
struct due_count {
	unsigned long long lines, badin, printed, dropped, delivered, recorded,
	    later;
};

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

/* ---- bin/relaywatch-due.c ---------------------------------------------- */

extern int live;
extern struct conf conf;
extern struct due_count count;
extern struct sendertally tally;
extern time_t now;

int is_due(const struct host *h);
void queue_retests(void);
void enqueue(const struct ip *ip, uint64_t hash);

/* ---- bin/due/hosts.c --------------------------------------------------- */

extern int settled;
extern size_t nretests, retestcap, retests_queued;
extern struct iptable hosts;
extern struct netset netblocks, exclude, own;
extern struct retest *retests;
extern struct state_follow follow;
extern time_t started;

/* ip's entry, or NULL; h is ip_hash(ip).  (Inline: every line of
 * input asks.) */
static inline struct host *
host_get_h(const struct ip *ip, uint64_t h)
{
	return iptable_get(&hosts, ip, h);
}

static inline struct host *
host_get(const struct ip *ip)
{
	return host_get_h(ip, ip_hash(ip));
}

struct host *host_put(const struct ip *ip);
void net_note(const struct ip *ip, unsigned flags, uint8_t status,
    uint32_t until);
int net_busy(const struct ip *ip);
const char *retest_why(const struct ip *ip);
const char *retest_mailbox(const struct ip *ip);
/* The line of ip's test begun at began, without its newline, into dst
 * (dstsz bytes: STATE_LINE_MAX + 1 holds any): a BLOCK's retest (its
 * why= and mailbox= kept, retest=pending), else UNKNOWN why=probe.  0, or
 * -1 when it does not fit. */
int host_test_line(char *dst, size_t dstsz, size_t *len, const struct ip *ip,
    int block, long long began);
long long test_began(const struct host *h);
unsigned sent_want(const struct host *h);
unsigned sent_seen(const struct host *h);
int unsent(const struct host *h);
void read_sets(int first);
int testable(const struct ip *ip);
void forget(void *arg, size_t n);
void learn_(void *arg, const struct stateline *sl);
void reload(void);
void refresh(void);

/* ---- bin/due/queue.c --------------------------------------------------- */

extern char status_path[CONF_VALUE_MAX + 32];
extern struct due_later later;
extern struct due_queue queue;
extern struct due_sent sent;
extern struct fairqueue fq;

int queue_push(const struct ip *ip);
void later_note(const struct ip *ip);
size_t rate_free(void);
void rate_note(void);
time_t rate_next(void);
void warn_dropped(int paused);
void no_room(const struct ip *ip);
void to_later(void *arg, const struct ip *ip);
void queue_later(void);
void report(void);
void say_status(int now_anyway);

/* ---- bin/due/deliveries.c ---------------------------------------------- */

extern size_t ndeliveries, deliverycap;
extern struct delivery *deliveries;

int delivery_read(const char *line, size_t len, const char **why);
int submission_read(const char *line, size_t len, const char **why);
void delivery_line(const struct delivery *d, char *lines, size_t *len);

/* ---- bin/due/clock.c --------------------------------------------------- */

extern char anchor_path[CONF_VALUE_MAX + 32];
extern char steps_path[CONF_VALUE_MAX + 32];

void watch_clock(void);

#endif

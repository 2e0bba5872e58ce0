/*
 * Which domain a customer host's users send from, told by its arrivals:
 * for each host waiting for its first test, the sender domains of its
 * arrivals counted, and the one chosen when it has been seen at least
 * twice and in more than half of them (a spam run with random senders
 * chooses none).  Bounded: at most max hosts at once; in the order they
 * came, so that those whose wait is over are found first.
 *
 * relaywatch-due holds a new host back for domain_wait, or until its
 * domain is chosen, before it is probed (relaywatch-due(1)).
 */
#ifndef RW_SENDERTALLY_H
#define RW_SENDERTALLY_H

#include <stddef.h>

#include "domain.h"
#include "ip.h"

#define SENDERTALLY_DOMAINS 3	/* candidates kept a host */

struct sendertally_host {
	struct ip ip;
	long long since;	/* its first arrival counted */
	unsigned total;		/* its arrivals counted */
	unsigned count[SENDERTALLY_DOMAINS];
	char domain[SENDERTALLY_DOMAINS][DOMAIN_MAX + 1];
	char name[DOMAIN_MAX + 1];	/* the domain of its own name */
	int name_from;		/* 0 none, else where name came from (a
				 * smaller number is better) */
	int used;
};

struct sendertally {
	struct sendertally_host *slot;	/* open addressing, cap slots */
	size_t cap, n, max;
	struct ip *order;		/* a ring of max: in the order added */
	long long *order_since;
	size_t head, norder;
};

/* An empty tally for at most max hosts; 0, or -1 out of memory. */
int sendertally_init(struct sendertally *t, size_t max);
void sendertally_free(struct sendertally *t);

/* ip's record, or NULL. */
struct sendertally_host *sendertally_get(const struct sendertally *t,
    const struct ip *ip);

/* ip's record, made (since now) if need be; NULL when the tally is
 * full. */
struct sendertally_host *sendertally_put(struct sendertally *t,
    const struct ip *ip, long long now);

/* Count one arrival of h, from a sender in domain (NULL or "": none). */
void sendertally_count(struct sendertally_host *h, const char *domain);

/* The domain of h's own name (name, from where: 1 the best), kept when
 * no better one was seen: for when its senders choose none. */
void sendertally_name(struct sendertally_host *h, const char *name,
    int from);

/* The domain chosen for h, or NULL. */
const char *sendertally_choice(const struct sendertally_host *h);

/* Forget ip. */
void sendertally_drop(struct sendertally *t, const struct ip *ip);

/*
 * The oldest host counted before "before" (all with before < 0) that is
 * still there and not yet given: its address into *ip, and 1; 0 when
 * there is none.  Each host is given once.
 */
int sendertally_next_due(struct sendertally *t, long long before,
    struct ip *ip);

/* When the oldest host not yet given was counted; -1 for none. */
long long sendertally_oldest(struct sendertally *t);

#endif

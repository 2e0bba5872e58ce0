/*
 * The hosts waiting for probe_rate, in a fair queue: one first-in
 * first-out line a customer network, the networks served in turn
 * (round-robin), so that one network's flood delays only itself.  A
 * customer network is an IPv6 /48 (what RIPE, ARIN and APNIC assign a
 * site, the customer's whole allocation) or an IPv4 /24 (the largest
 * block commonly routed to one business customer, and the smallest that
 * a flood from many addresses of one customer fits in).  At most max
 * hosts wait.  When it is full, a host whose network has fewer waiting
 * than the (about) longest line takes the place of that line's last
 * host, which the caller gets back: a flood fills the queue with itself
 * only until others come.  The caller says what becomes of a host that
 * has no place.
 *
 * relaywatch-due keeps its queue in one (relaywatch-due(1), "The rate").
 */
#ifndef RW_FAIRQUEUE_H
#define RW_FAIRQUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "ip.h"
#include "iptable.h"

#define FAIRQUEUE_V4_BITS 24
#define FAIRQUEUE_V6_BITS 48

struct fairqueue_node {
	struct ip ip;
	uint32_t next, prev;	/* FAIRQUEUE_NONE at a line's ends */
};

struct fairqueue {
	struct fairqueue_node *node;	/* the hosts' nodes, and free ones */
	size_t nodecap, n, max;
	uint32_t free;			/* the free nodes' list */
	struct iptable nets;		/* each network's line */
	struct ip *ring;		/* the networks whose line is not */
	size_t ringcap, ringhead, nring;	/* empty, in turn */
	struct ip heavy;		/* about the longest line's network */
	int has_heavy;
};

#define FAIRQUEUE_NONE UINT32_MAX

/* An empty queue for at most max hosts (at most UINT32_MAX - 1). */
void fairqueue_init(struct fairqueue *q, size_t max);
void fairqueue_free(struct fairqueue *q);

/* The network ip is served in. */
void fairqueue_net(const struct ip *ip, struct ip *net);

/* Put ip at the end of its network's line: 0; 2 when the queue was full
 * and ip took the place of *evicted (the last of a longer line); 1 when
 * the queue is full and ip's line is the longest (nothing done); -1 when
 * out of memory. */
int fairqueue_push(struct fairqueue *q, const struct ip *ip,
    struct ip *evicted);

/* The next host to serve into *ip: 1, or 0 when the queue is empty. */
int fairqueue_peek(const struct fairqueue *q, struct ip *ip);

/* Take it out (the queue is not empty); its network's turn is over. */
void fairqueue_pop(struct fairqueue *q);

/* Each host waiting, to fn(arg, ip), in no useful order. */
void fairqueue_each(const struct fairqueue *q,
    void (*fn)(void *arg, const struct ip *ip), void *arg);

/* Empty it. */
void fairqueue_clear(struct fairqueue *q);

#endif

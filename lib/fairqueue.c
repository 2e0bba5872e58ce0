/*
 * The hosts waiting for probe_rate, served in turn by network
 * (fairqueue.h).
 */
#include <stdlib.h>
#include <string.h>

#include "fairqueue.h"

struct line {
	struct ip net;		/* (first: iptable's key) */
	uint32_t head, tail;	/* FAIRQUEUE_NONE when empty */
	uint32_t count;
};

void
fairqueue_init(struct fairqueue *q, size_t max)
{
	memset(q, 0, sizeof *q);
	q->max = max < FAIRQUEUE_NONE ? max : FAIRQUEUE_NONE - 1;
	q->free = FAIRQUEUE_NONE;
}

void
fairqueue_free(struct fairqueue *q)
{
	free(q->node);
	free(q->ring);
	iptable_free(&q->nets);
	fairqueue_init(q, q->max);
}

void
fairqueue_net(const struct ip *ip, struct ip *net)
{
	if (ip_is_v4(ip)) {
		*net = *ip;
		net->b[15] = 0;		/* /24 */
	} else
		ip_network(ip, FAIRQUEUE_V6_BITS, net);
}

/* A free node's index, or FAIRQUEUE_NONE when out of memory. */
static uint32_t
node_new(struct fairqueue *q)
{
	uint32_t i;

	if (q->free == FAIRQUEUE_NONE) {
		size_t cap = q->nodecap ? 2 * q->nodecap : 256, k;
		struct fairqueue_node *nn;

		if (cap > q->max)
			cap = q->max;
		if ((nn = realloc(q->node, cap * sizeof *nn)) == NULL)
			return FAIRQUEUE_NONE;
		for (k = cap; k-- > q->nodecap;) {
			nn[k].next = q->free;
			q->free = (uint32_t)k;
		}
		q->node = nn;
		q->nodecap = cap;
	}
	i = q->free;
	q->free = q->node[i].next;
	return i;
}

/* The ring of networks in turn: room for one more. */
static int
ring_room(struct fairqueue *q)
{
	size_t cap, k;
	struct ip *r;

	if (q->nring < q->ringcap)
		return 0;
	cap = q->ringcap ? 2 * q->ringcap : 64;
	if ((r = malloc(cap * sizeof *r)) == NULL)
		return -1;
	for (k = 0; k < q->nring; k++)
		r[k] = q->ring[(q->ringhead + k) % q->ringcap];
	free(q->ring);
	q->ring = r;
	q->ringcap = cap;
	q->ringhead = 0;
	return 0;
}

/*
 * The networks' table keeps a line for each network seen since it was
 * last made; made again, with the networks that have hosts waiting
 * only, when it holds four times as many as can wait.
 */
static int
nets_trim(struct fairqueue *q)
{
	struct iptable fresh;
	size_t i = 0;
	struct line *l;

	if (q->nets.n <= 4 * (q->n + 64))
		return 0;
	if (iptable_init(&fresh, sizeof(struct line), q->nring) < 0)
		return -1;
	while ((l = iptable_next(&q->nets, &i)) != NULL) {
		struct line *f;

		if (l->head == FAIRQUEUE_NONE)
			continue;
		if ((f = iptable_put(&fresh, &l->net, ip_hash(&l->net))) ==
		    NULL) {
			iptable_free(&fresh);
			return -1;
		}
		f->head = l->head;
		f->tail = l->tail;
		f->count = l->count;
	}
	iptable_free(&q->nets);
	q->nets = fresh;
	return 0;
}

/* How many of net's wait. */
static uint32_t
have_of(const struct fairqueue *q, const struct ip *net)
{
	const struct line *l = iptable_get(&q->nets, net, ip_hash(net));

	return l ? l->count : 0;
}

/* Take the last host of the heavy line out into *ip (its line keeps
 * one host at least: it stays in the ring). */
static void
evict(struct fairqueue *q, struct line *h, struct ip *ip)
{
	uint32_t i = h->tail;

	*ip = q->node[i].ip;
	h->tail = q->node[i].prev;
	q->node[h->tail].next = FAIRQUEUE_NONE;
	h->count--;
	q->node[i].next = q->free;
	q->free = i;
	q->n--;
}

int
fairqueue_push(struct fairqueue *q, const struct ip *ip, struct ip *evicted)
{
	struct ip net;
	struct line *l;
	uint32_t i, have;
	int rc = 0;

	if (q->max == 0)
		return 1;
	if (q->nets.cap == 0 &&
	    iptable_init(&q->nets, sizeof(struct line), 64) < 0)
		return -1;
	if (nets_trim(q) < 0 || ring_room(q) < 0)
		return -1;
	fairqueue_net(ip, &net);
	l = iptable_get(&q->nets, &net, ip_hash(&net));
	have = l ? l->count : 0;
	if (q->n >= q->max) {
		struct line *h = q->has_heavy ? iptable_get(&q->nets, &q->heavy,
		    ip_hash(&q->heavy)) : NULL;

		/* (a line of one host or more each side: h keeps one) */
		if (h == NULL || h->count < have + 2)
			return 1;
		evict(q, h, evicted);
		rc = 2;
	}
	if (l == NULL) {
		if ((l = iptable_put(&q->nets, &net, ip_hash(&net))) == NULL)
			return -1;
		l->head = l->tail = FAIRQUEUE_NONE;
		l->count = 0;
	}
	if ((i = node_new(q)) == FAIRQUEUE_NONE)
		return -1;
	q->node[i].ip = *ip;
	q->node[i].next = FAIRQUEUE_NONE;
	q->node[i].prev = l->tail;
	if (l->head == FAIRQUEUE_NONE) {
		/* its network's turn comes after those waiting */
		l->head = i;
		q->ring[(q->ringhead + q->nring++) % q->ringcap] = net;
	} else
		q->node[l->tail].next = i;
	l->tail = i;
	l->count++;
	q->n++;
	if (!q->has_heavy || l->count > have_of(q, &q->heavy)) {
		q->heavy = net;
		q->has_heavy = 1;
	}
	return rc;
}

int
fairqueue_peek(const struct fairqueue *q, struct ip *ip)
{
	const struct ip *net;
	const struct line *l;

	if (q->nring == 0)
		return 0;
	net = &q->ring[q->ringhead];
	l = iptable_get(&q->nets, net, ip_hash(net));
	*ip = q->node[l->head].ip;
	return 1;
}

void
fairqueue_pop(struct fairqueue *q)
{
	struct ip net = q->ring[q->ringhead];
	struct line *l = iptable_get(&q->nets, &net, ip_hash(&net));
	uint32_t i = l->head;

	l->head = q->node[i].next;
	if (l->head == FAIRQUEUE_NONE)
		l->tail = FAIRQUEUE_NONE;
	else
		q->node[l->head].prev = FAIRQUEUE_NONE;
	l->count--;
	if (l->count == 0 && q->has_heavy && ip_same(&net, &q->heavy))
		q->has_heavy = 0;
	q->node[i].next = q->free;
	q->free = i;
	q->n--;
	q->ringhead = (q->ringhead + 1) % q->ringcap;
	q->nring--;
	/* more of it: its next turn after the others' */
	if (l->head != FAIRQUEUE_NONE)
		q->ring[(q->ringhead + q->nring++) % q->ringcap] = net;
}

void
fairqueue_each(const struct fairqueue *q,
    void (*fn)(void *arg, const struct ip *ip), void *arg)
{
	size_t k;

	for (k = 0; k < q->nring; k++) {
		const struct ip *net = &q->ring[(q->ringhead + k) % q->ringcap];
		const struct line *l = iptable_get(&q->nets, net, ip_hash(net));
		uint32_t i;

		for (i = l->head; i != FAIRQUEUE_NONE; i = q->node[i].next)
			fn(arg, &q->node[i].ip);
	}
}

void
fairqueue_clear(struct fairqueue *q)
{
	size_t max = q->max;

	fairqueue_free(q);
	fairqueue_init(q, max);
}

/*
 * Counting the sender domains of hosts waiting for a test
 * (sendertally.h): linear probing on the address, deletion by shifting
 * back; the order of arrival in a ring.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sendertally.h"

int
sendertally_init(struct sendertally *t, size_t max)
{
	memset(t, 0, sizeof *t);
	t->max = max;
	for (t->cap = 16; t->cap < max + max / 2 + 1; t->cap *= 2)
		;
	t->slot = calloc(t->cap, sizeof *t->slot);
	t->order = calloc(max, sizeof *t->order);
	t->order_since = calloc(max, sizeof *t->order_since);
	if (t->slot == NULL || t->order == NULL || t->order_since == NULL) {
		sendertally_free(t);
		return -1;
	}
	return 0;
}

void
sendertally_free(struct sendertally *t)
{
	free(t->slot);
	free(t->order);
	free(t->order_since);
	memset(t, 0, sizeof *t);
}

static size_t
home(const struct sendertally *t, const struct ip *ip)
{
	return (size_t)ip_hash(ip) & (t->cap - 1);
}

struct sendertally_host *
sendertally_get(const struct sendertally *t, const struct ip *ip)
{
	size_t i;

	if (t->cap == 0)
		return NULL;
	for (i = home(t, ip); t->slot[i].used; i = (i + 1) & (t->cap - 1))
		if (ip_cmp(&t->slot[i].ip, ip) == 0)
			return &t->slot[i];
	return NULL;
}

struct sendertally_host *
sendertally_put(struct sendertally *t, const struct ip *ip, long long now)
{
	struct sendertally_host *h = sendertally_get(t, ip);
	size_t i;

	if (h != NULL)
		return h;
	/* The ring may hold hosts dropped since: those at its head go. */
	while (t->norder > 0 && sendertally_get(t, &t->order[t->head]) == NULL) {
		t->head = (t->head + 1) % t->max;
		t->norder--;
	}
	if (t->cap == 0 || t->n >= t->max || t->norder >= t->max)
		return NULL;
	for (i = home(t, ip); t->slot[i].used; i = (i + 1) & (t->cap - 1))
		;
	h = &t->slot[i];
	memset(h, 0, sizeof *h);
	h->ip = *ip;
	h->since = now;
	h->used = 1;
	t->n++;
	t->order[(t->head + t->norder) % t->max] = *ip;
	t->order_since[(t->head + t->norder) % t->max] = now;
	t->norder++;
	return h;
}

void
sendertally_count(struct sendertally_host *h, const char *domain)
{
	int i, least = 0;

	if (h->total < UINT32_MAX / 2)
		h->total++;
	if (domain == NULL || *domain == '\0')
		return;
	for (i = 0; i < SENDERTALLY_DOMAINS; i++) {
		if (h->count[i] > 0 && strcmp(h->domain[i], domain) == 0) {
			if (h->count[i] < UINT32_MAX / 2)
				h->count[i]++;
			return;
		}
		if (h->count[i] < h->count[least])
			least = i;
	}
	/* A new one takes the place of the least counted (a random sender
	 * of a spam run, most likely), starting again from one. */
	if (strlen(domain) > DOMAIN_MAX)
		return;
	strcpy(h->domain[least], domain);
	h->count[least] = 1;
}

void
sendertally_name(struct sendertally_host *h, const char *name, int from)
{
	if (name == NULL || *name == '\0' || from <= 0 ||
	    strlen(name) > DOMAIN_MAX ||
	    (h->name_from != 0 && h->name_from < from))
		return;
	strcpy(h->name, name);
	h->name_from = from;
}

const char *
sendertally_choice(const struct sendertally_host *h)
{
	int i;

	for (i = 0; i < SENDERTALLY_DOMAINS; i++)
		if (h->count[i] >= 2 && 2 * (unsigned long long)h->count[i] >
		    h->total)
			return h->domain[i];
	return NULL;
}

void
sendertally_drop(struct sendertally *t, const struct ip *ip)
{
	struct sendertally_host *h = sendertally_get(t, ip);
	size_t i, j, k, mask = t->cap - 1;

	if (h == NULL)
		return;
	i = (size_t)(h - t->slot);
	/* Shift back the records after it that it may have pushed on. */
	for (j = (i + 1) & mask; t->slot[j].used; j = (j + 1) & mask) {
		k = home(t, &t->slot[j].ip);
		if (i <= j ? (k <= i || k > j) : (k <= i && k > j)) {
			t->slot[i] = t->slot[j];
			i = j;
		}
	}
	t->slot[i].used = 0;
	t->n--;
}

int
sendertally_next_due(struct sendertally *t, long long before, struct ip *ip)
{
	while (t->norder > 0) {
		struct ip *o = &t->order[t->head];
		struct sendertally_host *h = sendertally_get(t, o);

		/* Dropped, or dropped and counted again since: not this
		 * entry's. */
		if (h == NULL || h->since != t->order_since[t->head]) {
			t->head = (t->head + 1) % t->max;
			t->norder--;
			continue;
		}
		if (before >= 0 && h->since >= before)
			return 0;
		*ip = *o;
		t->head = (t->head + 1) % t->max;
		t->norder--;
		return 1;
	}
	return 0;
}

long long
sendertally_oldest(struct sendertally *t)
{
	while (t->norder > 0) {
		const struct sendertally_host *h = sendertally_get(t,
		    &t->order[t->head]);

		if (h != NULL && h->since == t->order_since[t->head])
			return h->since;
		t->head = (t->head + 1) % t->max;
		t->norder--;
	}
	return -1;
}

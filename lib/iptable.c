/*
 * A table of records by address (iptable.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "iptable.h"

static const struct ip zero;

static int
is_zero(const struct ip *ip)
{
	return ip_same(ip, &zero);
}

int
iptable_init(struct iptable *t, size_t size, size_t n)
{
	size_t cap = 64;

	memset(t, 0, sizeof *t);
	if (size == 0)
		return -1;
	t->size = size;
	while (cap / 4 * 3 < n + 1) {
		if (cap > SIZE_MAX / 2 / size)
			return -1;
		cap *= 2;
	}
	if ((t->rec = bigmem_alloc(cap + 1, size, &t->mapped)) == NULL)
		return -1;
	t->cap = cap;
	return 0;
}

void
iptable_free(struct iptable *t)
{
	if (t->rec)
		bigmem_free(t->rec, t->cap + 1, t->size, t->mapped);
	t->rec = NULL;
	t->n = t->cap = 0;
	t->has_zero = 0;
}

/* ip's slot, or the empty one where it would go (ip is not ::). */
static unsigned char *
slot(const struct iptable *t, const struct ip *ip, uint64_t hash)
{
	size_t i = (size_t)hash & (t->cap - 1);

	for (;;) {
		unsigned char *r = t->rec + i * t->size;

		if (is_zero((const struct ip *)r) ||
		    ip_same((const struct ip *)r, ip))
			return r;
		i = (i + 1) & (t->cap - 1);
	}
}

void *
iptable_get(const struct iptable *t, const struct ip *ip, uint64_t hash)
{
	unsigned char *r;

	if (t->cap == 0)
		return NULL;
	if (is_zero(ip))
		return t->has_zero ? t->rec + t->cap * t->size : NULL;
	r = slot(t, ip, hash);
	return is_zero((const struct ip *)r) ? NULL : r;
}

/* Twice the slots, the records moved over. */
static int
grow(struct iptable *t)
{
	struct iptable old = *t;
	size_t i;

	if (iptable_init(t, old.size, old.cap) < 0) {
		*t = old;
		return -1;
	}
	for (i = 0; i < old.cap; i++) {
		const unsigned char *r = old.rec + i * old.size;
		const struct ip *ip = (const struct ip *)r;

		if (!is_zero(ip))
			memcpy(slot(t, ip, ip_hash(ip)), r, old.size);
	}
	if (old.rec)
		memcpy(t->rec + t->cap * t->size, old.rec + old.cap * old.size,
		    old.size);
	t->n = old.n;
	t->has_zero = old.has_zero;
	iptable_free(&old);
	return 0;
}

void *
iptable_put(struct iptable *t, const struct ip *ip, uint64_t hash)
{
	unsigned char *r;

	if (is_zero(ip)) {
		if (t->cap == 0 && grow(t) < 0)
			return NULL;
		t->has_zero = 1;
		return t->rec + t->cap * t->size;
	}
	if ((t->n + 1 > t->cap / 4 * 3 || t->cap == 0) && grow(t) < 0)
		return NULL;
	r = slot(t, ip, hash);
	if (is_zero((const struct ip *)r)) {
		memcpy(r, ip, sizeof *ip);
		t->n++;
	}
	return r;
}

void *
iptable_next(const struct iptable *t, size_t *i)
{
	for (; *i < t->cap; ++*i) {
		unsigned char *r = t->rec + *i * t->size;

		if (!is_zero((const struct ip *)r)) {
			++*i;
			return r;
		}
	}
	if (*i == t->cap && t->has_zero) {
		++*i;
		return t->rec + t->cap * t->size;
	}
	return NULL;
}

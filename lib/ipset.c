/*
 * A set of addresses (ipset.h).
 */
#include <stdlib.h>

#include "ipset.h"

#define PAGE_WORDS (65536 / 64)

int
ipset_init(struct ipset *s)
{
	size_t i;

	for (i = 0; i < 256; i++)
		s->v4[i] = NULL;
	s->dirs = s->pages = 0;
	return iptable_init(&s->v6, sizeof(struct ip), 0) < 0 ? -1 : 0;
}

void
ipset_free(struct ipset *s)
{
	size_t i, j;

	for (i = 0; i < 256; i++) {
		if (s->v4[i] == NULL)
			continue;
		/* (free(NULL) skipped: under the sanitizers each costs a
		 * stack walk) */
		for (j = 0; j < 256; j++)
			if (s->v4[i]->page[j] != NULL)
				free(s->v4[i]->page[j]);
		free(s->v4[i]);
		s->v4[i] = NULL;
	}
	s->dirs = s->pages = 0;
	iptable_free(&s->v6);
}

/* The page of ip's /16, or NULL. */
static uint64_t *
page_of(const struct ipset *s, const struct ip *ip)
{
	const struct ipset_dir *d = s->v4[ip->b[12]];

	return d == NULL ? NULL : d->page[ip->b[13]];
}

int
ipset_has(const struct ipset *s, const struct ip *ip)
{
	if (ip_is_v4(ip)) {
		const uint64_t *page = page_of(s, ip);
		unsigned lo = ip->b[14] << 8 | ip->b[15];

		return page != NULL && (page[lo >> 6] >> (lo & 63) & 1);
	}
	return iptable_get(&s->v6, ip, ip_hash(ip)) != NULL;
}

int
ipset_add(struct ipset *s, const struct ip *ip)
{
	if (ip_is_v4(ip)) {
		struct ipset_dir *d = s->v4[ip->b[12]];
		unsigned lo = ip->b[14] << 8 | ip->b[15];
		uint64_t *page, bit = 1ULL << (lo & 63);

		if (d == NULL) {
			if ((d = calloc(1, sizeof *d)) == NULL)
				return -1;
			s->v4[ip->b[12]] = d;
			s->dirs++;
		}
		if ((page = d->page[ip->b[13]]) == NULL) {
			if ((page = calloc(PAGE_WORDS, sizeof *page)) == NULL)
				return -1;
			d->page[ip->b[13]] = page;
			s->pages++;
		}
		if (page[lo >> 6] & bit)
			return 0;
		page[lo >> 6] |= bit;
		return 1;
	} else {
		size_t n = s->v6.n + s->v6.has_zero;

		if (iptable_put(&s->v6, ip, ip_hash(ip)) == NULL)
			return -1;
		return s->v6.n + s->v6.has_zero > n;
	}
}

size_t
ipset_bytes(const struct ipset *s)
{
	return sizeof *s + s->dirs * sizeof(struct ipset_dir) +
	    s->pages * PAGE_WORDS * 8 +
	    (s->v6.cap + 1) * s->v6.size;
}

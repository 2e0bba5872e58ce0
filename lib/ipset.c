/*
 * A set of addresses (ipset.h).
 */
#include <stdlib.h>

#include "ipset.h"

#define PAGE_WORDS (65536 / 64)

int
ipset_init(struct ipset *s)
{
	s->pages = 0;
	if ((s->v4 = calloc(65536, sizeof *s->v4)) == NULL)
		return -1;
	if (iptable_init(&s->v6, sizeof(struct ip), 0) < 0) {
		free(s->v4);
		s->v4 = NULL;
		return -1;
	}
	return 0;
}

void
ipset_free(struct ipset *s)
{
	size_t i, freed = 0;

	if (s->v4) {
		/* (only the pages in use: 65536 calls of free(NULL) cost a
		 * sanitizer's stack walk each) */
		for (i = 0; i < 65536 && freed < s->pages; i++)
			if (s->v4[i] != NULL) {
				free(s->v4[i]);
				freed++;
			}
		free(s->v4);
		s->v4 = NULL;
	}
	iptable_free(&s->v6);
}

int
ipset_has(const struct ipset *s, const struct ip *ip)
{
	if (ip_is_v4(ip)) {
		unsigned hi = (unsigned)ip->b[12] << 8 | ip->b[13];
		unsigned lo = (unsigned)ip->b[14] << 8 | ip->b[15];

		return s->v4[hi] != NULL &&
		    (s->v4[hi][lo >> 6] >> (lo & 63) & 1);
	}
	return iptable_get(&s->v6, ip, ip_hash(ip)) != NULL;
}

int
ipset_add(struct ipset *s, const struct ip *ip)
{
	if (ip_is_v4(ip)) {
		unsigned hi = (unsigned)ip->b[12] << 8 | ip->b[13];
		unsigned lo = (unsigned)ip->b[14] << 8 | ip->b[15];
		uint64_t *page = s->v4[hi], bit = 1ULL << (lo & 63);

		if (page == NULL) {
			if ((page = calloc(PAGE_WORDS, sizeof *page)) == NULL)
				return -1;
			s->v4[hi] = page;
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
	return 65536 * sizeof *s->v4 + s->pages * PAGE_WORDS * 8 +
	    (s->v6.cap + 1) * s->v6.size;
}

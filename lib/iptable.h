/*
 * A table of records by address: open addressing on the 16 address bytes,
 * at most 3/4 full, records stored in the slots (one memory read a lookup
 * for tables far larger than the caches), the big ones from bigmem.h.
 * A record is any struct whose first member is its struct ip; a slot
 * whose address is all zeros is empty (the address :: itself has a record
 * of its own beside the slots).
 *
 * relaywatch-due keeps its hosts and its IPv6 networks in such tables.
 * The state map (statemap.h) is another design for another need: the
 * order of the state's lines, for the CDB.
 */
#ifndef RW_IPTABLE_H
#define RW_IPTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "ip.h"

struct iptable {
	unsigned char *rec;	/* cap + 1 records: the last is ::'s */
	size_t size, n, cap;	/* record size, records in use, slots */
	int mapped, has_zero;
};

/* An empty table of records of size bytes, with room for n; 0, or -1
 * when out of memory (t is then empty, and may be freed). */
int iptable_init(struct iptable *t, size_t size, size_t n);
void iptable_free(struct iptable *t);

/* ip's record (hash: ip_hash(ip)), or NULL. */
void *iptable_get(const struct iptable *t, const struct ip *ip,
    uint64_t hash);

/* ip's record, made if need be (zeroed but for its address): may move
 * every record.  NULL when out of memory. */
void *iptable_put(struct iptable *t, const struct ip *ip, uint64_t hash);

/* The records in use, in no order: start with *i = 0; each call gives
 * the next record, or NULL after the last.  The table must not change
 * meanwhile. */
void *iptable_next(const struct iptable *t, size_t *i);

/* Ask for the slot of hash to be brought into the cache, ahead of a
 * lookup. */
static inline void
iptable_prefetch(const struct iptable *t, uint64_t hash)
{
#if defined(__GNUC__)
	if (t->cap)
		__builtin_prefetch(t->rec + ((size_t)hash & (t->cap - 1)) *
		    t->size);
#else
	(void)t;
	(void)hash;
#endif
}

#endif

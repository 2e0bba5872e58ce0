/*
 * A set of addresses, for a reader that must know whether it met an
 * address before: IPv4 as bits in pages of 8 KiB, one per /16 that holds
 * any (a customer pool of a /10 costs 512 KiB, whatever its size), found
 * through a directory of 2 KiB per /8 that holds any; IPv6 in an address
 * table (iptable.h) of 16 bytes a slot.  An empty set costs 2 KiB.
 */
#ifndef RW_IPSET_H
#define RW_IPSET_H

#include <stddef.h>
#include <stdint.h>

#include "ip.h"
#include "iptable.h"

struct ipset_dir {
	uint64_t *page[256];	/* by the address's second byte */
};

struct ipset {
	struct ipset_dir *v4[256];	/* by the address's first byte */
	size_t dirs;		/* v4 directories in use */
	size_t pages;		/* v4 pages in use */
	struct iptable v6;
};

/* An empty set; 0, or -1 when out of memory. */
int ipset_init(struct ipset *s);
void ipset_free(struct ipset *s);
int ipset_has(const struct ipset *s, const struct ip *ip);
/* Add ip: 1 when it was not in the set, 0 when it was, -1 when out of
 * memory. */
int ipset_add(struct ipset *s, const struct ip *ip);
/* The memory the set holds, in bytes. */
size_t ipset_bytes(const struct ipset *s);

#endif

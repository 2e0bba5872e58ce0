/*
 * The state in memory: the last line of each address.
 */
#ifndef RW_STATEMAP_H
#define RW_STATEMAP_H

#include <stddef.h>
#include <stdint.h>

#include "ip.h"
#include "state.h"
#include "statefile.h"

/*
 * The last line of each IP: entries in the order the IPs were first put
 * (so, for a state read from its file, nearly the order of its text),
 * found through an index of slots holding an entry's number and part of
 * its hash.  Entries point into the text they were read from, which must
 * outlive the map.
 */
struct statemap_entry {
	struct ip ip;
	const char *rest;	/* the key, the IP's text, ends at rest - 1 */
	uint32_t rest_len;
	uint8_t status, keylen;
};

struct statemap {
	struct statemap_entry *e;	/* e[0 .. n) */
	size_t n, ecap;
	uint64_t *slot;			/* entry number + 1, hash bits */
	size_t scap;
	int mapped;			/* slot came from mmap */
};

void statemap_init(struct statemap *m);
/* Room for n entries without growing; 0, or -1 when out of memory. */
int statemap_reserve(struct statemap *m, size_t n);
void statemap_free(struct statemap *m);
/* Set ip's last line; returns 0, or -1 when out of memory. */
int statemap_put(struct statemap *m, const struct stateline *sl);
const struct statemap_entry *statemap_get(const struct statemap *m,
    const struct ip *ip);
/* en's line, parsed (its fields point into the text the map was read
 * from); 0, or -1 when it does not parse. */
int statemap_line(const struct statemap_entry *en, struct stateline *sl);

/* For qsort(3) of pointers to entries: in address order. */
int statemap_entry_cmp(const void *a, const void *b);


/*
 * Read every line of the mapped text into m (last wins).  Bad lines are
 * reported as "PATH:LINE: why" through warnx, up to 100, and counted.
 * Returns the number of bad lines, or -1 when out of memory.
 */
long statemap_load(const struct statefile *sf, struct statemap *m);
/* The same for the lines from offset from (after a newline) on. */
long statemap_load_from(const struct statefile *sf, size_t from,
    struct statemap *m);

#endif

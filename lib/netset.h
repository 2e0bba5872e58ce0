/*
 * Sets of addresses read from netblocks-style files: one address or CIDR
 * block a line, '#' comments (whole lines, or after white space), blank
 * lines ignored.  Kept as sorted, merged ranges: membership is a binary
 * search.
 */
#ifndef RW_NETSET_H
#define RW_NETSET_H

#include <stddef.h>

#include "ip.h"

struct netrange {
	struct ip first, last;
};

struct netset {
	struct netrange *r;
	size_t n, cap;
};

void netset_init(struct netset *ns);
void netset_free(struct netset *ns);

/* Add the block first..last (first <= last).  Returns 0, or -1 when out of
 * memory.  Call netset_finish before looking anything up. */
int netset_add(struct netset *ns, const struct ip *first,
    const struct ip *last);

/* Sort and merge the ranges. */
void netset_finish(struct netset *ns);

int netset_contains(const struct netset *ns, const struct ip *ip);
/* Whether any address of first..last is in ns. */
int netset_overlaps(const struct netset *ns, const struct ip *first,
    const struct ip *last);

/*
 * Read a file into ns (which must be initialised; entries are added).
 * Returns 0 on success.  On failure returns a sysexits(3) code and writes
 * "FILE:LINE: what is wrong" or "FILE: why" to err:
 * EX_NOINPUT when the file does not exist (and missing_ok is 0),
 * EX_DATAERR for a bad line, EX_IOERR, EX_OSERR (out of memory).
 * A missing file with missing_ok set yields an empty set and 0.
 */
int netset_read(struct netset *ns, const char *path, int missing_ok,
    char *err, size_t errlen);

#endif

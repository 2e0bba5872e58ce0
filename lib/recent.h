/*
 * recent.cdb: what changed since state.cdb was built, for Exim's RCPT ACL
 * to look up before state.cdb, so that a BLOCK (and a lifted one) is
 * enforced in the time it takes to write a few records, whatever the
 * size of the state.  relaywatch-db writes it each time a change that
 * Exim acts on is recorded, and empty each time it builds state.cdb.
 */
#ifndef RW_RECENT_H
#define RW_RECENT_H

#include <cdb.h>

#include "atomic.h"
#include "statefile.h"
#include "statemap.h"

/*
 * Write recent.cdb at path: pos (where in the state its content ends,
 * statecdb.h) and the last line of each address of tail (the state's
 * lines after main's), as state.cdb holds them; and for each IPv6
 * network (of v6bits bits) that holds an address of tail, the network's
 * records as state.cdb would hold them now: each BLOCK in it, from tail
 * or, for the addresses tail does not have, from main (the open
 * state.cdb); or, when none is left, one record of an address of it
 * that is not blocked, so that main's records no longer count.  Returns
 * 0, or -1 with errno set (the old file stays).
 */
int recent_write(const char *path, const struct statemap *tail,
    struct cdb *main, const struct statepos *pos, int v6bits);

#endif

/*
 * recent.cdb: what changed since state.cdb was built, for Exim's RCPT ACL
 * to look up before state.cdb, so that a BLOCK (and a lifted one) is
 * enforced in the time it takes to write a few records, whatever the
 * size of the state.  relaywatch-db writes it each time a change that
 * Exim acts on is recorded, and empty each time it builds state.cdb.
 *
 * After it, the serial (cdb.serial): one line that no earlier write has
 * had, from which Exim's RCPT ACL knows that the CDBs may have changed
 * since it last looked a host up in the same SMTP session; and its mark,
 * an empty file cdb.serial.d/mLINE, the only one there once the serial
 * is written: the ACL asks only whether the mark of the serial it read
 * is still there (one stat), and reads the serial again when it is not.
 */
#ifndef RW_RECENT_H
#define RW_RECENT_H

#include <cdb.h>

#include "atomic.h"
#include "statefile.h"
#include "statemap.h"

/*
 * Write recent.cdb at path: pos (where in the state its content ends,
 * state_cdb.h) and the last line of each address of tail (the state's
 * lines after main's), as state.cdb holds them; and for each IPv6
 * network (of v6bits bits) that holds an address of tail, the network's
 * records as state.cdb would hold them now: each BLOCK in it, from tail
 * or, for the addresses tail does not have, from main (the open
 * state.cdb); or, when none is left, one record of an address of it
 * that is not blocked, so that main's records no longer count.  Then,
 * unless serial is NULL, write a new serial there.  Returns 0; -1 with
 * errno set when recent.cdb failed (the old one stays); -2 with errno
 * set when the serial failed, which is then removed if it can be, and
 * its marks with it (Exim then looks up every message).
 */
int recent_write(const char *path, const char *serial,
    const struct statemap *tail, struct cdb *main,
    const struct statepos *pos, int v6bits);

#endif

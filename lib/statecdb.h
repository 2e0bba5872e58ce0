/*
 * state.cdb, what Exim's RCPT ACL and relaywatch-due read: each address's
 * last line, and where in the state it was built to.
 */
#ifndef RW_STATECDB_H
#define RW_STATECDB_H

#include <stddef.h>

#include "ip.h"
#include "statefile.h"
#include "statemap.h"
#include "stateline.h"

/*
 * Where a state.cdb's content ends in the state: the file (device and
 * inode) and the offset just after the last line it holds.  The CDB keeps
 * it under the key "relaywatch-state", which no address can equal, as
 * "DEV INO OFFSET"; relaywatch-due reads the state's lines after it.
 */
#define STATE_CDB_POSKEY "relaywatch-state"

/* Build PATH's CDB from m: key the IP, value its last line's rest; and
 * pos, when not NULL, under STATE_CDB_POSKEY.  An IPv6 BLOCK is also
 * recorded under its network of v6bits bits, keyed as Exim's ${mask}
 * writes it (ip_format_exim_mask), so that the RCPT ACL refuses the
 * customer's other addresses too; a key with a '/' is such a record. */
int state_write_cdb(const char *path, const struct statemap *m,
    const struct statepos *pos, int v6bits);

struct cdb;
/* The position recorded in an open CDB: 0, or -1 when it has none or
 * it does not parse. */
int state_cdb_position(struct cdb *c, struct statepos *pos);

/* ip's record in the CDB at path: 1 with *sl (its text in buf, bufsz
 * bytes), 0 when it has none, -1 with errno. */
int state_cdb_get(const char *path, const struct ip *ip, struct stateline *sl,
    char *buf, size_t bufsz);

#endif

/*
 * state.cdb, what Exim's RCPT ACL and relaywatch-due read: each address's
 * last line, and where in the state it was built to.
 */
#ifndef RW_STATE_CDB_H
#define RW_STATE_CDB_H

#include <stddef.h>

#include "ip.h"
#include "state.h"
#include "statefile.h"
#include "statemap.h"

/*
 * Where a state.cdb's content ends in the state: the file (device and
 * inode) and the offset just after the last line it holds.  The CDB keeps
 * it under the key "relaywatch-state", which no address can equal, as
 * "DEV INO OFFSET"; relaywatch-due reads the state's lines after it.
 */
#define STATE_CDB_POSKEY "relaywatch-state"

struct cdb;
struct cdb_make;
/* An IPv6 BLOCK's record under its network of v6bits bits, keyed as
 * Exim's ${mask} writes it (ip_format_exim_mask), so that the RCPT ACL
 * refuses the customer's other addresses too: its value, then
 * " address=IP".  A key with a '/' is such a record; several BLOCKs in
 * one network are several records.  Nothing for an IPv4 address, another
 * status, or v6bits 128.  Returns 0, or -1 with errno. */
int state_cdb_add_network(struct cdb_make *cm,
    const struct statemap_entry *en, int v6bits);
/* Such a record's value for en into val (STATE_CDB_NETVAL_MAX bytes):
 * its length, or 0 when en's line is too long. */
#define STATE_CDB_NETVAL_MAX (STATE_LINE_MAX + IP_TEXT_MAX + 16)
size_t state_cdb_network_value(const struct statemap_entry *en, char *val);

/* The position recorded in an open CDB: 0, or -1 when it has none or
 * it does not parse. */
int state_cdb_position(struct cdb *c, struct statepos *pos);

/*
 * The one check that the CDB at path belongs to the state file open on
 * sfd: opened (never through a symbolic link) and read, it must record a
 * position in that very file (device and inode), within it, just after a
 * newline.  text[0..len) is the state's text when the caller has it
 * mapped (else NULL: the byte before the position is read from sfd).  0
 * with c ready, *fd open and *pos; or -1 with *why, for a message:
 * "no state file", "missing", "cannot be read", "damaged", "no position
 * in the state recorded", "built from a state file since compacted or
 * replaced" (then the state's text is the truth).
 */
int state_cdb_open_for(const char *path, int sfd, const char *text,
    size_t len, struct cdb *c, int *fd, struct statepos *pos,
    const char **why);

/* ip's record in the CDB at path: 1 with *sl (its text in buf, bufsz
 * bytes), 0 when it has none, -1 with errno. */
int state_cdb_get(const char *path, const struct ip *ip, struct stateline *sl,
    char *buf, size_t bufsz);

/* ip's record as Exim's RCPT ACL finds it: in recent.cdb in statedir,
 * else in state.cdb (recent.h); a missing recent.cdb has none.  As
 * state_cdb_get; the file last read is in path (pathsz bytes). */
int state_cdb_now(const char *statedir, const struct ip *ip,
    struct stateline *sl, char *buf, size_t bufsz, char *path,
    size_t pathsz);

/* About how many records the open CDB holds, read from its header (each
 * hash table has twice as many slots as records). */
size_t state_cdb_count(struct cdb *c);

/*
 * Each address's record in the open CDB (at path), parsed, to fn(arg,
 * sl): not the position, nor the IPv6 networks' records.  The pages
 * read are given back as it goes, so that a CDB read once does not stay
 * in memory.  Returns 0, or -1 when the CDB is damaged: a record whose
 * lengths go past the data, or that does not parse (warned, "PATH:
 * record "KEY": why"); fn has then been given the records before it,
 * and the caller reads the state instead.
 */
int state_cdb_each(struct cdb *c, const char *path,
    void (*fn)(void *arg, const struct stateline *sl), void *arg);

#endif

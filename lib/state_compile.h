/*
 * state.cdb compiled from the state's text in one pass from its end, in
 * memory that does not grow with the number of lines: the first line of
 * an address met is its last, its record; the earlier ones are history.
 */
#ifndef RW_STATE_COMPILE_H
#define RW_STATE_COMPILE_H

#include <stddef.h>

#include "atomic.h"
#include "statefile.h"
#include "statemap.h"

/*
 * Write the CDB for cdb_path into af (atomic.h; atomic_commit puts it in
 * place) from text[0..len) of the state at state_path (for messages): key
 * the canonical IP, value the rest of its last good line; pos, when not
 * NULL, under STATE_CDB_POSKEY; each IPv6 BLOCK also under its network
 * of v6bits bits (state_cdb.h).  The BLOCKs' lines are put in blocks
 * (pointing into text), for blocked.nets.  Bad lines are warned about as
 * "PATH:LINE: why" (the first 100, in the order of the file) and counted
 * in *bad: a line whose address is not one, and an address's last line
 * that does not parse (its line before it then stands); older lines of
 * an address are history, not read further.  Returns 0, or -1 with errno
 * set.
 */
int state_compile(struct atomic_file *af, const char *cdb_path,
    const char *state_path, const char *text, size_t len,
    const struct statepos *pos, int v6bits, struct statemap *blocks,
    unsigned long *bad);

#endif

/*
 * The state as it is now, without reading all of it: state.cdb, and the
 * lines of the state after those it was built from (its tail, a few
 * minutes of lines when compile runs from cron).  What relaywatch-db
 * apply, unblock and retest decide on, in time that does not grow with
 * the state.
 */
#ifndef RW_STATEVIEW_H
#define RW_STATEVIEW_H

#include <cdb.h>
#include <stddef.h>

#include "ip.h"
#include "statefile.h"
#include "statemap.h"

struct stateview {
	const struct statefile *sf;	/* locked and mapped */
	const char *cdb_path;
	struct cdb cdb;
	int fd;
	size_t from;		/* the tail: sf->text[from .. sf->len) */
	char **made;		/* lines made from the CDB's records */
	size_t nmade, madecap;
};

/*
 * Open the view of sf (locked; mapped again after each append) through
 * the CDB at cdb_path: 0, or -1 with *why when the CDB is missing,
 * damaged, or not built from sf's file as it is (compacted since,
 * replaced): then only all of the state tells.
 */
int stateview_open(struct stateview *v, const struct statefile *sf,
    const char *cdb_path, const char **why);
void stateview_close(struct stateview *v);

/* Into m, the last line of each of the n addresses in ips that has one:
 * its CDB record, unless the tail has a line of it.  Lines of the tail
 * that do not parse are warned about ("PATH:LINE: why").  Returns 0, or
 * -1 with errno set. */
int stateview_get(struct stateview *v, const struct ip *ips, size_t n,
    struct statemap *m);

/* Into m, the last line of every address of the tail (bad lines warned
 * about); the number of bad lines, or -1 when out of memory. */
long stateview_tail(const struct stateview *v, struct statemap *m);

#endif

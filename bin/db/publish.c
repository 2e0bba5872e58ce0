/*
 * What Exim and rbldnsd read, made to agree with the state:
 * state.cdb and recent.cdb, blocked.nets and the DNS list's data; and
 * statedir/enforce-pending, which says that work is left for them (db.h).
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "atomic.h"
#include "blocked_nets.h"
#include "conf.h"
#include "db.h"
#include "dnsbl.h"
#include "lines.h"
#include "recent.h"
#include "state_compile.h"
#include "statefile.h"
#include "statemap.h"
#include "stateview.h"

/* The text of sf up to its last newline: what a CDB is built from (a
 * line a crash cut short stays in the tail, where it is said). */
size_t
publish_whole_lines(const struct statefile *sf)
{
	if (sf->len == 0 || sf->text[sf->len - 1] == '\n')
		return sf->len;
	return (size_t)(lines_start(sf->text, sf->text + sf->len) - sf->text);
}

/* blocked.nets after a change of the BLOCKs: all of relaywatch's lines
 * from m, or those of m's addresses only; 0, or -1 after a warning. */
int
publish_blocked(const struct statemap *m, int whole)
{
	if ((whole ? blocked_nets_sync : blocked_nets_update)(conf.blocked_nets,
	    m, conf.ipv6_prefix) < 0) {
		warn("%s", conf.blocked_nets);
		return -1;
	}
	if (conf.dnsbl_data[0] != '\0' && dnsbl_write(conf.dnsbl_data,
	    conf.blocked_nets, conf.dnsbl_zone, conf.abuse,
	    conf.dnsbl_ttl) < 0) {
		warn("%s", conf.dnsbl_data);
		return -1;
	}
	return 0;
}

/* recent.cdb for the state's lines after the view's, sf mapped again
 * after an append; it ends at pos.  The tail's last lines are left in
 * tail. */
void
publish_recent(struct stateview *v, const struct statefile *sf,
    struct statemap *tail)
{
	struct statepos pos;
	int rc;

	statemap_init(tail);
	if (stateview_tail(v, tail) < 0)
		errx(EX_OSERR, "%s: out of memory", state_path);
	if (statefile_position(sf, &pos) < 0)
		db_failed(state_path);
	pos.off = publish_whole_lines(sf);
	if ((rc = recent_write(recent_path, serial_path, tail, &v->cdb, &pos,
	    conf.ipv6_prefix)) < 0)
		db_failed(rc == -2 ? serial_path : recent_path);
}

/*
 * state.cdb from all of sf (locked), recent.cdb empty after it, and
 * blocked.nets whole: when there is no state.cdb to go on from.  Returns
 * 0, or EX_TEMPFAIL when blocked.nets failed.
 */
int
publish_rebuild(const struct statefile *sf)
{
	struct atomic_file af;
	struct statemap blocks, none;
	struct statepos pos;
	int rc;

	statemap_init(&blocks);
	statemap_init(&none);
	if (statefile_position(sf, &pos) < 0)
		db_failed(state_path);
	pos.off = publish_whole_lines(sf);
	if (state_compile(&af, cdb_path, state_path, sf->text, pos.off, &pos,
	    conf.ipv6_prefix, &blocks, NULL) < 0 || atomic_commit(&af,
	    NULL) < 0)
		db_failed(cdb_path);
	if ((rc = recent_write(recent_path, serial_path, &none, NULL, &pos,
	    conf.ipv6_prefix)) < 0)
		db_failed(rc == -2 ? serial_path : recent_path);
	rc = publish_blocked(&blocks, 1) < 0 ? EX_TEMPFAIL : 0;
	statemap_free(&blocks);
	return rc;
}

/*
 * A BLOCK set or lifted, sf locked and its lines appended: what Exim
 * reads made to say so at once (or a temporary failure).  With a view
 * (v not NULL), recent.cdb and blocked.nets for the addresses of the
 * lines after state.cdb, in time that does not grow with the state; else
 * all of it.  Returns 0, or EX_TEMPFAIL when blocked.nets failed (the
 * change is recorded and enforced; the MTA's retry will sync it).
 */
int
publish_enforce(struct statefile *sf, struct stateview *v)
{
	struct statemap tail;
	int rc;

	if (statefile_map(sf) < 0)
		db_failed(state_path);
	if (v == NULL)
		return publish_rebuild(sf);
	publish_recent(v, sf, &tail);
	rc = publish_blocked(&tail, 0) < 0 ? EX_TEMPFAIL : 0;
	statemap_free(&tail);
	return rc;
}

/*
 * statedir/enforce-pending: made before a change that Exim acts on is
 * appended, removed once state.cdb and blocked.nets have it.  A run that
 * died between the two (kill -9, a full disk) leaves it, and the next
 * apply, retried by the MTA, or compile finishes the work.
 */
void
publish_pending_mark(void)
{
	int fd;

	if ((fd = open(pending_path, O_WRONLY | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) < 0 || fsync(fd) < 0 || close(fd) < 0)
		err(EX_TEMPFAIL, "%s", pending_path);
}

int
publish_pending(void)
{
	return access(pending_path, F_OK) == 0;
}

void
publish_done(void)
{
	if (unlink(pending_path) < 0 && errno != ENOENT)
		warn("%s", pending_path);
}

/*
 * relaywatch-db's commands, as git has its builtins: main, the command
 * table and what every command shares (the configuration, the state's
 * paths, opening, locking and viewing the state, the change lines) in
 * bin/relaywatch-db.c; one file a group of commands in bin/db/; and
 * bin/db/publish.c, which makes what Exim and rbldnsd read agree with
 * the state.  relaywatch-db(1) documents the commands.
 */
#ifndef RW_DB_DB_H
#define RW_DB_DB_H

#include <sys/types.h>

#include "buf.h"
#include "conf.h"
#include "state.h"
#include "statefile.h"
#include "statemap.h"
#include "stateview.h"

#define HISTORY_KEEP 4	/* state.1 ... state.4, as logrotate keeps */

/* ---- bin/relaywatch-db.c ------------------------------------------------ */

extern struct conf conf;
extern char state_path[CONF_VALUE_MAX + 16];	/* statedir/state */
extern char cdb_path[CONF_VALUE_MAX + 16];	/* statedir/state.cdb */
extern char recent_path[CONF_VALUE_MAX + 16];	/* statedir/recent.cdb */
extern char serial_path[CONF_VALUE_MAX + 16];	/* statedir/cdb.serial */
extern char pending_path[CONF_VALUE_MAX + 32];	/* .../enforce-pending */

/* A command line that is wrong: what is wrong (printf), then the usage;
 * exits 64. */
void db_usage(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/* The state cannot be read or written: a temporary failure (75), so that
 * the MTA keeps the message that brought the verdict and tries again. */
void db_failed(const char *what) __attribute__((noreturn));

/* The state locked and mapped, not read; db_open reads all of it into m
 * as well. */
void db_lock(struct statefile *sf, int exclusive);
void db_open(struct statefile *sf, int exclusive, struct statemap *m);

/* The view of the state through state.cdb (stateview.h): 1, or 0 when
 * only all of the state tells (said, with what to do). */
int db_view(struct stateview *v, const struct statefile *sf);

/* Add the change line of a change of status to b; print them all once
 * what they say is recorded. */
void db_change(struct buf *b, const struct stateline *sl, enum status old);
void db_print_changes(const struct buf *changes);

/* A map entry's line, its fields pointing into the entry's own text. */
void db_entry_line(const struct statemap_entry *en, struct stateline *sl);

/* A host held for a person: a message with its valid token came back
 * and could not be decided (relaywatch-classify). */
int db_held(const struct stateline *sl);

/* ---- bin/db/publish.c ---------------------------------------------------- */

/* The text of sf up to its last newline: what a CDB is built from. */
size_t publish_whole_lines(const struct statefile *sf);

/*
 * A BLOCK set or lifted, sf locked and its lines appended: what Exim
 * reads made to say so at once, through the view v (recent.cdb and
 * blocked.nets for the lines after state.cdb), or with v NULL all of it
 * anew.  0, or EX_TEMPFAIL when blocked.nets failed (the change is
 * recorded and enforced; the MTA's retry will sync it); exits 75 when
 * the CDBs cannot be written.
 */
int publish_enforce(struct statefile *sf, struct stateview *v);

/* state.cdb from all of sf (locked), recent.cdb empty after it, and
 * blocked.nets whole: 0, or EX_TEMPFAIL when blocked.nets failed. */
int publish_rebuild(const struct statefile *sf);

/* recent.cdb for the lines after the view's, sf mapped again after an
 * append; the tail's last lines left in tail. */
void publish_recent(struct stateview *v, const struct statefile *sf,
    struct statemap *tail);

/* blocked.nets (and the DNS list's data) after a change of the BLOCKs:
 * all of relaywatch's lines from m, or those of m's addresses only; 0,
 * or -1 after a warning. */
int publish_blocked(const struct statemap *m, int whole);

/* statedir/enforce-pending: marked before a change that Exim acts on is
 * appended, done once Exim's files have it; publish_pending finishes
 * the work a run that died left (1 when there was some). */
void publish_pending_mark(void);
int publish_pending(void);
void publish_done(void);

/* ---- the commands: bin/db/COMMAND.c --------------------------------------- */

int cmd_apply(int argc, char **argv);		/* apply.c */
int cmd_compile(int argc, char **argv);		/* compile.c */
int cmd_compact(int argc, char **argv);
int cmd_sweep(int argc, char **argv);		/* sweep.c */
int cmd_list(int argc, char **argv);		/* show.c */
int cmd_show(int argc, char **argv);
int cmd_unblock(int argc, char **argv);		/* operator.c */
int cmd_retest(int argc, char **argv);
int cmd_setting(int argc, char **argv);		/* settings.c */
int cmd_check(int argc, char **argv);
int cmd_exim_macros(int argc, char **argv);

/* Who runs an operator's command: the real user, kept by main before
 * root acts as the state's owner (operator.c). */
extern uid_t operator_uid;

#endif

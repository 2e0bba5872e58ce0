/*
 * relaywatch-db: the state and what is compiled from it.  Here: main,
 * the command table and what every command shares (db/db.h); each
 * group of commands in a file of its own in bin/db/.
 *
 *   apply      verdict lines in, status changes out; a new BLOCK is in
 *              state.cdb before apply exits
 *   compile    state -> state.cdb
 *   sweep      pending tests past pending_timeout -> OK (why=no-answer)
 *   compact    the state as one line per IP, the old file kept
 *   list       the last line of each IP, of one status or all
 *   show       status and history of IPs, for people
 *   unblock    an operator lifts a BLOCK
 *   retest     an operator lets the next test's answer lift a BLOCK
 *   status     how things stand, for a person (db/status.c)
 *   setting    settings of relaywatch.conf, as the programs read them
 *   check      what must be right before relaywatch starts
 *   exim-macros  the settings Exim reads, as macros
 *
 * apply (db/apply.c), compile and compact (db/compile.c), sweep
 * (db/sweep.c), list and show (db/show.c), unblock and retest
 * (db/operator.c), setting, check and exim-macros (db/settings.c); what
 * Exim and rbldnsd read made to agree with the state: db/publish.c.
 */
#include <sys/stat.h>

#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "db/db.h"
#include "db/status.h"
#include "owner.h"
#include "state.h"
#include "statefile.h"
#include "statemap.h"
#include "stateview.h"
#include "usage.h"

struct conf conf;
char state_path[CONF_VALUE_MAX + 16];
char cdb_path[CONF_VALUE_MAX + 16];
char recent_path[CONF_VALUE_MAX + 16];
char serial_path[CONF_VALUE_MAX + 16];
char pending_path[CONF_VALUE_MAX + 32];

/* The change line of a change of status, with its newline. */
void
db_change(struct buf *b, const struct stateline *sl, enum status old)
{
	char line[STATE_CHANGE_MAX];

	buf_add(b, line, state_format_change(sl, old, line));
}

static const char usage_text[] =
    "usage: relaywatch-db [-c conf] apply\n"
    "       relaywatch-db [-c conf] compile\n"
    "       relaywatch-db [-c conf] sweep\n"
    "       relaywatch-db [-c conf] compact\n"
    "       relaywatch-db [-c conf] list [OK | BLOCK | UNKNOWN]\n"
    "       relaywatch-db [-c conf] show IP ...\n"
    "       relaywatch-db [-c conf] unblock -w TEXT IP\n"
    "       relaywatch-db [-c conf] retest [-w TEXT] IP\n"
    "       relaywatch-db [-c conf] status\n"
    "       relaywatch-db [-c conf] setting NAME ...\n"
    "       relaywatch-db [-c conf] check\n"
    "       relaywatch-db [-c conf] exim-macros\n"
    "       relaywatch-db -h\n";

/* A command line that is wrong: what is wrong, then the usage. */
void
db_usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		fputs("relaywatch-db: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputs("\n", stderr);
	}
	usage_exit(usage_text, 0);
}

/* The state cannot be read or written: a temporary failure, so that the
 * MTA keeps the message that brought the verdict and tries again. */
void
db_failed(const char *what)
{
	err(EX_TEMPFAIL, "%s", what);
}

/* The state locked and mapped, not read. */
void
db_lock(struct statefile *sf, int exclusive)
{
	if (statefile_open(sf, state_path, exclusive) < 0 || statefile_map(sf) < 0)
		db_failed(state_path);
}

/* All of it read, too. */
void
db_open(struct statefile *sf, int exclusive, struct statemap *m)
{
	db_lock(sf, exclusive);
	statemap_init(m);
	if (statemap_load(sf, m) < 0)
		errx(EX_OSERR, "%s: out of memory", state_path);
}

/* The view of the state through state.cdb (stateview.h): 1, or 0 when
 * only all of the state tells (said, with what to do). */
int
db_view(struct stateview *v, const struct statefile *sf)
{
	const char *why;

	if (stateview_open(v, sf, cdb_path, &why) == 0)
		return 1;
	if (sf->len > 0)
		warnx("%s: %s; reading all of %s (relaywatch-db compile "
		    "makes it again)", cdb_path, why, state_path);
	return 0;
}

/* The change lines, once what they say is recorded. */
void
db_print_changes(const struct buf *changes)
{
	if (changes->len > 0 && (fwrite(changes->p, 1, changes->len,
	    stdout) != changes->len || fflush(stdout) != 0))
		err(EX_IOERR, "standard output");
}

/* A map entry's line, its fields pointing into the entry's own text. */
void
db_entry_line(const struct statemap_entry *en, struct stateline *sl)
{
	if (statemap_line(en, sl) < 0)
		errx(EX_SOFTWARE, "state entry does not parse");
}

/* A host held for a person: a message with its valid token came back
 * and could not be decided (relaywatch-classify). */
int
db_held(const struct stateline *sl)
{
	char val[16];

	return sl->status == ST_UNKNOWN && state_get(sl, "why", val,
	    sizeof val) && strcmp(val, "undecided") == 0;
}

static int
cmd_status(int argc, char **argv)
{
	return db_status(&conf, argc, argv);
}

static const struct command {
	const char *name;
	int (*run)(int, char **);
	int noargs, needs_statedir;
} commands[] = {
	{ "apply", cmd_apply, 1, 0 },
	{ "compile", cmd_compile, 1, 1 },
	{ "sweep", cmd_sweep, 1, 1 },
	{ "compact", cmd_compact, 1, 1 },
	{ "list", cmd_list, 0, 1 },
	{ "show", cmd_show, 0, 1 },
	{ "unblock", cmd_unblock, 0, 1 },
	{ "retest", cmd_retest, 0, 1 },
	{ "status", cmd_status, 1, 1 },
	{ "setting", cmd_setting, 0, 0 },
	{ "check", cmd_check, 1, 0 },
	{ "exim-macros", cmd_exim_macros, 1, 0 },
	{ NULL, NULL, 0, 0 },
};

int
main(int argc, char *argv[])
{
	const struct command *c;
	const char *confpath = NULL, *cmd;
	struct stat st;
	int ch;

	while ((ch = getopt(argc, argv, "c:h")) != -1)
		switch (ch) {
		case 'c':
			confpath = optarg;
			break;
		case 'h':
			usage_exit(usage_text, 1);
		default:
			db_usage(NULL);	/* getopt said which */
		}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		db_usage("no command given");
	cmd = argv[0];
	for (c = commands; c->name != NULL; c++)
		if (strcmp(c->name, cmd) == 0)
			break;
	if (c->name == NULL)
		db_usage("\"%s\": no such command", cmd);
	if (c->noargs && argc > 1)
		db_usage("%s takes no arguments", cmd);
	conf_load(&conf, confpath);
	operator_uid = getuid();
	/* Run by root: act as the owner of the state. */
	owner_become(conf.statedir);
	if (statefile_paths(conf.statedir, state_path, sizeof state_path, cdb_path,
	    sizeof cdb_path) < 0 || (size_t)snprintf(recent_path,
	    sizeof recent_path, "%s/recent.cdb", conf.statedir) >=
	    sizeof recent_path || (size_t)snprintf(serial_path,
	    sizeof serial_path, "%s/cdb.serial", conf.statedir) >=
	    sizeof serial_path || (size_t)snprintf(pending_path,
	    sizeof pending_path, "%s/enforce-pending", conf.statedir) >=
	    sizeof pending_path)
		errx(EX_CONFIG, "statedir too long");
	/* A state directory that is not there is a mistake, not an empty
	 * state: say so, rather than answer "never tested".  (apply makes
	 * it a temporary failure, so that the MTA keeps the message.) */
	if (c->needs_statedir) {
		if (stat(conf.statedir, &st) < 0)
			err(EX_NOINPUT, "%s (statedir in %s)", conf.statedir,
			    conf.path);
		if (!S_ISDIR(st.st_mode))
			errx(EX_NOINPUT, "%s: not a directory (statedir in %s)",
			    conf.statedir, conf.path);
	}
	return c->run(argc - 1, argv + 1);
}

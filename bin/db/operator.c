/*
 * relaywatch-db unblock and retest: an operator's word on a BLOCK (db.h).
 */
#include <err.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "db.h"
#include "ip.h"
#include "state.h"
#include "statefile.h"
#include "statemap.h"
#include "stateview.h"

/*
 * Who runs an operator's command (by=): the real user, whose uid main()
 * keeps before root acts as the state's owner; for root, the user behind
 * sudo(8) when SUDO_USER names one (any other user can set SUDO_USER to
 * anything).  Looked up only by the commands that write by=.
 */
uid_t operator_uid;

static const char *
operator_name(void)
{
	static char name[64];
	const char *u = getenv("SUDO_USER");
	struct passwd *pw;

	if (operator_uid == 0 && u != NULL && *u != '\0' &&
	    strlen(u) < sizeof name && getpwnam(u) != NULL)
		return u;
	if ((pw = getpwuid(operator_uid)) != NULL &&
	    strlen(pw->pw_name) < sizeof name)
		return pw->pw_name;
	snprintf(name, sizeof name, "uid%ld", (long)operator_uid);
	return name;
}

/*
 * unblock -w TEXT IP: lift a BLOCK, at once (the CDB is rebuilt).
 * retest [-w TEXT] IP: let the next test's answer lift it.
 */
static int
cmd_operator(int unblock, int argc, char **argv)
{
	struct statefile sf;
	struct statemap m;
	struct stateview view;
	struct stateline cur, next;
	const struct statemap_entry *en;
	struct ip ip;
	char line[STATE_LINE_MAX + 1], val[STATE_LINE_MAX];
	const char *why = NULL, *w;
	size_t n;
	long long t;
	struct buf change = { 0 };
	int ch, rc = 0, viewed;

	/* argv[-1] is the command's name, for getopt. */
	optind = 1;
	while ((ch = getopt(argc + 1, argv - 1, "w:")) != -1)
		if (ch == 'w')
			why = optarg;
		else
			db_usage(NULL);	/* getopt said which */
	argc -= optind - 1;
	argv += optind - 1;
	if (argc == 0)
		db_usage("%s needs an IP address", unblock ? "unblock" : "retest");
	else if (argc != 1)
		db_usage("%s: unexpected \"%s\" (options go before the address)",
		    unblock ? "unblock" : "retest", argv[1]);
	else if (why == NULL && unblock)
		db_usage("unblock needs a reason: unblock -w TEXT %s", argv[0]);
	if (why && *why == '\0')
		errx(EX_USAGE, "-w needs a reason");
	if (ip_parse(argv[0], strlen(argv[0]), &ip, &w) < 0)
		errx(EX_DATAERR, "%s: not an IP address: %s", argv[0], w);
	db_lock(&sf, 1);
	statemap_init(&m);
	if ((viewed = db_view(&view, &sf))) {
		if (stateview_get(&view, &ip, 1, &m) < 0)
			err(EX_TEMPFAIL, "%s", cdb_path);
	} else if (statemap_load(&sf, &m) < 0)
		errx(EX_OSERR, "%s: out of memory", state_path);
	if ((en = statemap_get(&m, &ip)) == NULL)
		errx(EX_DATAERR, "%s: not in the state", argv[0]);
	db_entry_line(en, &cur);
	if (cur.status != ST_BLOCK && (unblock || !db_held(&cur)))
		errx(EX_DATAERR, "%s: not blocked (%s)", argv[0],
		    state_status_name(cur.status));
	t = state_time_next(&cur, (long long)time(NULL));
	if (!unblock && db_held(&cur)) {
		/* A person read what came back: tested again at the host's
		 * next message. */
		if (state_put_head(line, sizeof line, &n, &ip, ST_UNKNOWN,
		    t) < 0 || state_put_kv(line, sizeof line, &n, "why",
		    "retest") < 0 || state_put_kv(line, sizeof line, &n, "by",
		    operator_name()) < 0 || (why && state_put_kv(line,
		    sizeof line, &n, "note", why) < 0))
			errx(EX_DATAERR, "-w: reason too long");
	} else if (unblock) {
		if (state_put_head(line, sizeof line, &n, &ip, ST_OK, t) < 0 ||
		    state_put_kv(line, sizeof line, &n, "why",
		    "unblocked") < 0 || state_put_kv(line, sizeof line, &n,
		    "by", operator_name()) < 0 || state_put_kv(line,
		    sizeof line, &n, "note", why) < 0)
			errx(EX_DATAERR, "-w: reason too long");
	} else {
		/* The BLOCK stands, with its evidence and a retest asked;
		 * a remailer's probes the mailbox again. */
		if (state_put_head(line, sizeof line, &n, &ip, ST_BLOCK,
		    t) < 0 || (state_get(&cur, "why", val, sizeof val) &&
		    state_put_kv(line, sizeof line, &n, "why", val) < 0) ||
		    (state_get(&cur, "mailbox", val, sizeof val) &&
		    state_put_kv(line, sizeof line, &n, "mailbox", val) < 0))
			errx(EX_SOFTWARE, "line too long");
		if (state_put_kv(line, sizeof line, &n, "retest",
		    "requested") < 0 || state_put_kv(line, sizeof line, &n,
		    "by", operator_name()) < 0 || (why && state_put_kv(line,
		    sizeof line, &n, "note", why) < 0))
			errx(EX_DATAERR, "-w: reason too long");
	}
	if (state_parse(line, n, &next, &w) < 0)
		errx(EX_SOFTWARE, "operator line does not parse: %s", w);
	line[n++] = '\n';
	if (statefile_append(&sf, line, n) < 0)
		db_failed(state_path);
	statemap_free(&m);
	if (unblock) {
		rc = publish_enforce(&sf, viewed ? &view : NULL);
		db_change(&change, &next, ST_BLOCK);
	}
	if (viewed)
		stateview_close(&view);
	statefile_close(&sf);
	db_print_changes(&change);
	buf_free(&change);
	return rc;
}

int
cmd_unblock(int argc, char **argv)
{
	return cmd_operator(1, argc, argv);
}

int
cmd_retest(int argc, char **argv)
{
	return cmd_operator(0, argc, argv);
}

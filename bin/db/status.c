/*
 * relaywatch-db status (status.h): what the state says of the hosts,
 * and what the running stages and the supervisor left in the state
 * directory of themselves.  Reads; writes nothing.
 *
 * What needs a person, each on an "attention:" line:
 *   relaywatch is not running (statedir/relaywatch.pid);
 *   hosts held for a person (UNKNOWN why=undecided);
 *   a test pending an hour past pending_timeout (sweep does not run);
 *   lines not compiled for an hour (compile does not run);
 *   a notice in the outbox for an hour (relaywatch-notify -q does not
 *   send);
 *   reading the main log stopped ten minutes or more behind its end;
 *   hosts recorded as due later since relaywatch-due started (the queue
 *   was full);
 *   a smart host's feed silent;
 *   errors of the supervisor in the last hour (statedir/errors).
 */
#include <sys/stat.h>

#include <cdb.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "ip.h"
#include "logpos.h"
#include "outbox.h"
#include "state.h"
#include "state_cdb.h"
#include "statefile.h"
#include "statemap.h"
#include "stateview.h"
#include "status.h"
#include "statusfile.h"
#include "usage.h"

#define HOUR 3600
#define CUT_SHORT_AFTER 120	/* relaywatch-due's SUBMIT_GRACE */

static const struct conf *conf;
static time_t now;

/* What needs a person: said after the overview, one a line. */
#define NEEDS_MAX 16
static char needs[NEEDS_MAX][512];
static int nneeds;

static void __attribute__((format(printf, 1, 2)))
need(const char *fmt, ...)
{
	va_list ap;

	if (nneeds == NEEDS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(needs[nneeds++], sizeof needs[0], fmt, ap);
	va_end(ap);
}

/* "3 s", "4 min", "2 h 5 min", "3 d 4 h": how long, for a person. */
static const char *
span(long long s)
{
	static char buf[4][32];
	static int k;
	char *b = buf[k++ & 3];

	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(b, 32, "%lld s", s);
	else if (s < HOUR)
		snprintf(b, 32, "%lld min", s / 60);
	else if (s < 86400)
		snprintf(b, 32, "%lld h %lld min", s / HOUR, s % HOUR / 60);
	else
		snprintf(b, 32, "%lld d %lld h", s / 86400, s % 86400 / HOUR);
	return b;
}

/* When t was, in local time, and how long ago. */
static const char *
when(long long t)
{
	static char buf[2][80];
	static int k;
	char *b = buf[k++ & 1], day[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(day, sizeof day, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(day, sizeof day, "%lld", t);
	snprintf(b, 80, "%s (%s ago)", day, span((long long)now - t));
	return b;
}

/* The hosts, by their last line. */
static struct {
	unsigned long long n[ST_UNKNOWN + 1], pending, held, cut, undecided;
	long long oldest;		/* the oldest pending test's time */
	struct ip oldest_ip;
	const struct statemap *tail;	/* lines after the CDB, or NULL */
} hosts;

static void
count_host(void *arg, const struct stateline *sl)
{
	char v[32];
	int pending;

	(void)arg;
	/* (a record the lines after the CDB override is theirs to say) */
	if (hosts.tail != NULL && statemap_get(hosts.tail, &sl->ip) != NULL)
		return;
	if (sl->status < ST_OK || sl->status > ST_UNKNOWN)
		return;
	hosts.n[sl->status]++;
	if (sl->status == ST_UNKNOWN && state_get(sl, "why", v, sizeof v) &&
	    strcmp(v, "undecided") == 0) {
		hosts.held++;
		return;
	}
	pending = sl->status == ST_UNKNOWN ? state_get(sl, "why", v,
	    sizeof v) && strcmp(v, "probe") == 0 : state_get(sl, "retest",
	    v, sizeof v) && strcmp(v, "pending") == 0;
	if (!pending)
		return;
	hosts.pending++;
	if (hosts.oldest == 0 || sl->time < hosts.oldest) {
		hosts.oldest = sl->time;
		hosts.oldest_ip = sl->ip;
	}
	/* cut short: its probes not all seen taken by our Exim */
	if (state_get(sl, "probes", v, sizeof v) &&
	    !state_get(sl, "submitted", v, sizeof v) &&
	    !state_get(sl, "delivered", v, sizeof v) &&
	    sl->time + CUT_SHORT_AFTER < (long long)now)
		hosts.cut++;
}

/* Every host's last line: state.cdb and the lines after it, read
 * without holding the lock; all of the state when there is no CDB of it.
 * *compiled gets the CDB's time (0: none), *uncompiled the bytes of the
 * state after it. */
static void
scan_state(const char *state_path, const char *cdb_path, time_t *compiled,
    unsigned long long *uncompiled)
{
	struct statefile sf;
	struct stateview v;
	struct statemap m;
	struct stat st;
	const char *why;
	size_t i;
	int viewed;

	*compiled = 0;
	*uncompiled = 0;
	if (statefile_open(&sf, state_path, 0) < 0 || statefile_map(&sf) < 0)
		err(EX_NOINPUT, "%s", state_path);
	statemap_init(&m);
	viewed = sf.len > 0 && stateview_open(&v, &sf, cdb_path, &why) == 0;
	/* (the text up to the end seen under the lock never changes) */
	(void)statefile_unlock(&sf);
	if (viewed) {
		if (fstat(v.fd, &st) == 0)
			*compiled = st.st_mtime;
		*uncompiled = sf.len - v.from;
		if (stateview_tail(&v, &m) < 0)
			errx(EX_OSERR, "%s: out of memory", state_path);
		hosts.tail = &m;
		if (state_cdb_each(&v.cdb, cdb_path, count_host, NULL) == 0) {
			stateview_close(&v);
			goto tail;
		}
		/* damaged (said): what was counted is forgotten */
		why = "damaged (relaywatch-db compile makes it again)";
		memset(hosts.n, 0, sizeof hosts.n);
		hosts.pending = hosts.held = hosts.cut = 0;
		hosts.oldest = 0;
		hosts.tail = NULL;
		statemap_free(&m);
		statemap_init(&m);
		stateview_close(&v);
	}
	if (sf.len > 0)
		printf("note:       %s: %s; all of the state read\n",
		    cdb_path, why);
	*uncompiled = sf.len;
	if (statemap_load(&sf, &m) < 0)
		errx(EX_OSERR, "%s: out of memory", state_path);
tail:
	hosts.tail = NULL;
	for (i = 0; i < m.n; i++) {
		struct stateline sl;

		if (statemap_line(&m.e[i], &sl) == 0)
			count_host(NULL, &sl);
	}
	statemap_free(&m);
	statefile_close(&sf);
}

static void
say_hosts(time_t compiled, unsigned long long uncompiled)
{
	char ip[IP_TEXT_MAX + 1];

	printf("hosts:      %llu (OK %llu, BLOCK %llu, UNKNOWN %llu)\n",
	    hosts.n[ST_OK] + hosts.n[ST_BLOCK] + hosts.n[ST_UNKNOWN],
	    hosts.n[ST_OK], hosts.n[ST_BLOCK], hosts.n[ST_UNKNOWN]);
	if (hosts.pending > 0) {
		ip_format(&hosts.oldest_ip, ip);
		printf("pending:    %llu tests under way, the oldest since %s, "
		    "%s\n", hosts.pending, when(hosts.oldest), ip);
		if (hosts.oldest + conf->pending_timeout + HOUR <
		    (long long)now)
			need("a test pending for %s, past pending_timeout: is "
			    "relaywatch-db sweep run from cron?",
			    span((long long)now - hosts.oldest));
	} else
		printf("pending:    no test under way\n");
	if (hosts.cut > 0)
		printf("cut short:  %llu tests whose probes our Exim did not "
		    "all take (made again at start or at their next "
		    "message)\n", hosts.cut);
	if (hosts.held > 0)
		need("%llu hosts held for a person: messages with their "
		    "tokens could not be decided (relaywatch-db list UNKNOWN; "
		    "read them in the special mailbox, then relaywatch-db "
		    "retest)", hosts.held);
	if (compiled == 0)
		printf("compiled:   never (relaywatch-db compile)\n");
	else {
		printf("compiled:   %s, %llu bytes of the state since\n",
		    when(compiled), uncompiled);
		if (uncompiled > 0 && compiled + HOUR < now)
			need("nothing compiled for %s: is relaywatch-db compile "
			    "run from cron?", span((long long)(now - compiled)));
	}
}

/* The supervisor: its pid file names it while it runs. */
static void
say_running(void)
{
	char path[CONF_VALUE_MAX + 32], buf[32];
	long long pid = 0;
	ssize_t n;
	int fd;

	if (statusfile_path(conf->statedir, "relaywatch.pid", path,
	    sizeof path) < 0)
		return;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 &&
	    errno != ENOENT)
		printf("note:       %s: %s\n", path, strerror(errno));
	if (fd >= 0) {
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n > 0 && buf[n - 1] == '\n')
			n--;
		if (n <= 0 || statusfile_number(buf, (size_t)n, &pid) < 0 ||
		    pid <= 1 || pid > 4194304)
			pid = 0;
	}
	if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
		printf("relaywatch: running (pid %lld)\n", pid);
	else {
		printf("relaywatch: not running\n");
		need("relaywatch is not running: nothing is tested (service "
		    "relaywatch start)");
	}
}

/* A status file (statusfile.h), or NULL when there is none (or it
 * cannot be read: said). */
static const char *
read_status(const char *name, char *buf, time_t *mtime, long *len)
{
	char path[CONF_VALUE_MAX + 32];

	if (statusfile_path(conf->statedir, name, path, sizeof path) < 0)
		return NULL;
	if ((*len = statusfile_read(path, buf, mtime)) < 0) {
		if (errno != ENOENT)
			printf("note:       %s: %s\n", path, strerror(errno));
		return NULL;
	}
	return buf;
}

/* relaywatch-due's queue. */
static void
say_backlog(void)
{
	static char buf[STATUSFILE_MAX + 1];
	const char *p, *e, *k, *v;
	long long n[5] = { -1, -1, -1, -1, -1 };
	static const char *keys[5] = { "queued", "waiting", "dropped",
	    "printed", "later" };
	size_t kl, vl, i;
	time_t mt;
	long len;
	int rc;

	if ((p = read_status("due.status", buf, &mt, &len)) == NULL) {
		/* (a damaged or unreadable one is said by read_status) */
		printf("backlog:    not known (relaywatch-due has not said)\n");
		return;
	}
	for (e = p + len; (rc = statusfile_line(&p, e, &k, &kl, &v, &vl)) != 0;)
		for (i = 0; rc > 0 && i < 5; i++)
			if (kl == strlen(keys[i]) && memcmp(k, keys[i], kl) == 0)
				(void)statusfile_number(v, vl, &n[i]);
	if (n[0] < 0 || n[1] < 0) {
		printf("backlog:    not known (due.status does not say)\n");
		return;
	}
	printf("backlog:    %lld hosts waiting for probe_rate, %lld for their "
	    "domain, %lld recorded as due later (said %s ago)\n", n[0], n[1],
	    n[4] < 0 ? 0 : n[4], span((long long)(now - mt)));
	if (n[3] >= 0)
		printf("probed:     %lld hosts since relaywatch-due started\n",
		    n[3]);
	if (n[2] > 0)
		need("the queue was full: %lld hosts recorded as due later since "
		    "relaywatch-due started (they are tested as room comes); "
		    "raise probe_rate or probe_queue", n[2]);
}

/* Where reading the main log is, and how far behind its end. */
static void
say_log(void)
{
	char path[CONF_VALUE_MAX + 32], buf[LOGPOS_WIDTH + 1];
	struct logpos pos;
	struct stat st, lst;
	ssize_t n;
	int fd, known = 0;

	if (statusfile_path(conf->statedir, "mainlog.pos", path,
	    sizeof path) < 0 || (fd = open(path, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) < 0) {
		printf("log read:   never (no %s)\n", path);
		return;
	}
	n = read(fd, buf, sizeof buf - 1);
	if (fstat(fd, &st) < 0)
		st.st_mtime = 0;
	close(fd);
	if (n > 0 && logpos_parse(buf, (size_t)n, ' ', &pos) == 0)
		known = 1;
	else if (n >= 0)
		printf("note:       %s: not \"INODE OFFSET\"; not "
		    "believed\n", path);
	printf("log read:   %s, %s\n", when(st.st_mtime), conf->mainlog);
	if (!known || stat(conf->mainlog, &lst) < 0 ||
	    (unsigned long long)lst.st_ino != pos.ino)
		return;
	if ((unsigned long long)lst.st_size > pos.off) {
		long long behind = (long long)lst.st_size - (long long)pos.off;

		printf("            %lld bytes behind its end\n", behind);
		if (st.st_mtime + 600 < now)
			need("reading %s stopped %s ago, %lld bytes before its "
			    "end", conf->mainlog, span((long long)(now -
			    st.st_mtime)), behind);
	}
}

/* The last probe handed to sendmail (statedir/probes). */
static void
say_probes(void)
{
	char path[CONF_VALUE_MAX + 32], buf[256], *line;
	struct stat st;
	ssize_t n;
	off_t at;
	int fd;

	if (statusfile_path(conf->statedir, "probes", path, sizeof path) < 0)
		return;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		if (errno == ENOENT)
			printf("last probe: none yet\n");
		else
			printf("last probe: not known (%s: %s)\n", path,
			    strerror(errno));
		return;
	}
	if (fstat(fd, &st) < 0 || st.st_size == 0) {
		close(fd);
		printf("last probe: none yet\n");
		return;
	}
	at = st.st_size > (off_t)sizeof buf - 1 ? st.st_size -
	    (off_t)sizeof buf + 1 : 0;
	n = pread(fd, buf, sizeof buf - 1, at);
	close(fd);
	if (n <= 0) {
		printf("last probe: %s\n", when(st.st_mtime));
		return;
	}
	buf[n] = '\0';
	if (buf[n - 1] == '\n')
		buf[--n] = '\0';
	line = strrchr(buf, '\n');
	line = line ? line + 1 : buf;
	/* "IP VARIANT TOKEN": the address and the form, not the token */
	if ((n = (ssize_t)strcspn(line, " ")) > 0 && line[n] == ' ')
		n += (ssize_t)strcspn(line + n + 1, " ") + 1;
	line[n] = '\0';
	for (char *c = line; *c; c++)
		if (*c < ' ' || *c > '~')
			*c = '?';
	printf("last probe: %s, %s\n", when(st.st_mtime), line);
}

/* Notices not yet sent. */
static void
say_outbox(void)
{
	char dir[CONF_VALUE_MAX + 32];
	unsigned long long n = 0;
	time_t oldest = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (outbox_dir(conf->statedir, dir, sizeof dir) < 0 ||
	    (d = opendir(dir)) == NULL) {
		printf("outbox:     empty\n");
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		n++;
		if (oldest == 0 || st.st_mtime < oldest)
			oldest = st.st_mtime;
	}
	closedir(d);
	if (n == 0) {
		printf("outbox:     empty\n");
		return;
	}
	printf("outbox:     %llu notices waiting, the oldest since %s\n", n,
	    when(oldest));
	if (oldest + HOUR < now)
		need("a notice waiting for %s: is relaywatch-notify -q run from "
		    "cron, and does sendmail take it?",
		    span((long long)(now - oldest)));
}

/* Each smart host's feed (relaywatch-hosts, feeds.status). */
static void
say_feeds(void)
{
	static char buf[STATUSFILE_MAX + 1];
	const char *p, *e, *k, *v;
	size_t kl, vl;
	time_t mt;
	long len;

	if ((p = read_status("feeds.status", buf, &mt, &len)) == NULL)
		return;		/* one log, no farm */
	for (e = p + len; statusfile_line(&p, e, &k, &kl, &v, &vl) != 0;) {
		long long last, silent;
		size_t a, b;

		if (kl != 6 || memcmp(k, "source", 6) != 0)
			continue;
		a = strcspn(v, " ");
		if (a >= vl || statusfile_number(v, a, &last) < 0)
			continue;
		b = strcspn(v + a + 1, " ");
		if (a + 1 + b >= vl || statusfile_number(v + a + 1, b,
		    &silent) < 0)
			continue;
		printf("feed:       %.*s: last line %s\n",
		    (int)(vl - a - b - 2), v + a + b + 2, when(last));
		if (silent > 0 || (conf->feed_silence > 0 &&
		    last + conf->feed_silence < (long long)now))
			need("the feed of %.*s is silent since %s",
			    (int)(vl - a - b - 2), v + a + b + 2, when(last));
	}
}

/* The supervisor's errors and warnings of the last hour (statedir/errors:
 * "TIME PRIORITY TEXT" a line). */
static void
say_errors(void)
{
	char path[CONF_VALUE_MAX + 32], line[1024], last[1024] = "";
	unsigned long long errs = 0, warns = 0;
	FILE *f;
	int fd;

	if (statusfile_path(conf->statedir, "errors", path, sizeof path) < 0)
		return;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 ||
	    (f = fdopen(fd, "r")) == NULL) {
		if (errno == ENOENT)
			printf("errors:     none in the last hour\n");
		else
			printf("errors:     not known (%s: %s)\n", path,
			    strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		size_t a = strcspn(line, " "), b;
		long long t;

		line[strcspn(line, "\n")] = '\0';
		if (line[a] != ' ' || statusfile_number(line, a, &t) < 0 ||
		    t + HOUR < (long long)now)
			continue;
		b = strcspn(line + a + 1, " ");
		if (b == 3 && memcmp(line + a + 1, "err", 3) == 0) {
			errs++;
			snprintf(last, sizeof last, "%s",
			    line[a + 1 + b] ? line + a + b + 2 : "");
		} else if (b == 7 && memcmp(line + a + 1, "warning", 7) == 0)
			warns++;
	}
	fclose(f);
	printf("errors:     %llu in the last hour, and %llu warnings\n", errs,
	    warns);
	if (errs > 0) {
		for (char *c = last; *c; c++)
			if (*c < ' ' || *c > '~')
				*c = '?';
		need("%llu errors in the last hour, the last: %s", errs, last);
	}
}

int
db_status(const struct conf *c, int argc, char **argv)
{
	char state_path[CONF_VALUE_MAX + 16], cdb_path[CONF_VALUE_MAX + 16];
	unsigned long long uncompiled;
	time_t compiled;
	int i;

	(void)argv;
	if (argc > 0)
		errx(EX_USAGE, "status takes no arguments");
	conf = c;
	now = time(NULL);
	if (statefile_paths(conf->statedir, state_path, sizeof state_path,
	    cdb_path, sizeof cdb_path) < 0)
		errx(EX_CONFIG, "statedir too long");
	scan_state(state_path, cdb_path, &compiled, &uncompiled);
	say_running();
	say_hosts(compiled, uncompiled);
	say_backlog();
	say_log();
	say_probes();
	say_outbox();
	say_feeds();
	say_errors();
	printf("needs a person: %s\n", nneeds ? "yes" : "no");
	for (i = 0; i < nneeds; i++)
		printf("attention: %s\n", needs[i]);
	if (fflush(stdout) != 0 || ferror(stdout))
		err(EX_IOERR, "standard output");
	return nneeds ? 1 : 0;
}

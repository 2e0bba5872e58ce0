/*
 * relaywatch-hosts: from Exim main-log lines to the addresses of the hosts
 * that sent us mail, one a line; with -d, also the probes that customers'
 * hosts accepted ("IP delivered TOKEN"), and a warning for each probe
 * deferred for a fault on our side.
 */
#define _GNU_SOURCE		/* memmem(3) */
#include <sys/mman.h>
#include <sys/stat.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "askreport.h"
#include "conf.h"
#include "domain.h"
#include "eximlog.h"
#include "feed.h"
#include "hostline.h"
#include "ip.h"
#include "lines.h"
#include "logpos.h"
#include "owner.h"
#include "path.h"
#include "rd.h"
#include "statusfile.h"
#include "token.h"
#include "token_words.h"
#include "usage.h"
#include "wr.h"

/* Exim's log lines stop short of 16 KiB (its buffer is 8 KiB); anything
 * longer is not a line Exim wrote whole. */
#define LINE_MAX_BYTES (64 * 1024)

/* Markers seen lately, by message id, so that the arrival line of the
 * same message is not printed again. */
#define SEEN_SLOTS 256
#define MSGID_MAX 23

struct seen {
	unsigned char len;
	char id[MSGID_MAX];
};

#define WARN_MAX 100

static struct {
	unsigned long long lines, arrivals, markers, printed, doubled;
	unsigned long long delivered, ours, submitted;
} count;

/* Skipped arrival lines, by reason. */
static struct reason {
	const char *why;
	unsigned long long n;
} reasons[32];
static unsigned long long warned;

/* A mapped file shrinking under us raises SIGBUS: report it, not crash. */
static sigjmp_buf bus_jump;
static char *volatile mapped;

static void
on_sigbus(int sig)
{
	if (mapped == NULL) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	siglongjmp(bus_jump, 1);
}

static struct seen seen[SEEN_SLOTS];
static struct writer out;
static int hosts_from;
static int deliveries;			/* -d */
static char token_prefix[CONF_VALUE_MAX + 2];	/* "MAILBOX+" */
static int verbose;
static const char *input_name;

/* With -p, the health of the feed (feed.h): feed_on when a silence is
 * watched or a DNS zone is ours, dns_on for the latter; feed_now is the
 * time of the run of lines at hand. */
static struct feed feed;
static int feed_on, dns_on;
static time_t feed_now;

static void __attribute__((noreturn))
usage(int asked)
{
	usage_exit("usage: relaywatch-hosts [-dhv] [-c conf] [file ...]\n"
	    "       relaywatch-hosts [-dv] [-c conf] -p posfile -s inode:offset\n",
	    asked);
}

static unsigned
slot(const char *id, size_t len)
{
	unsigned h = 2166136261u;

	while (len-- > 0)
		h = (h ^ (unsigned char)*id++) * 16777619u;
	return h % SEEN_SLOTS;
}

static void
remember_marker(const struct eximlog *el)
{
	struct seen *s;

	if (el->msgid == NULL || el->msgid_len > MSGID_MAX)
		return;
	s = &seen[slot(el->msgid, el->msgid_len)];
	s->len = (unsigned char)el->msgid_len;
	memcpy(s->id, el->msgid, el->msgid_len);
}

static int
marker_seen(const struct eximlog *el)
{
	const struct seen *s;

	if (el->msgid == NULL || el->msgid_len > MSGID_MAX)
		return 0;
	s = &seen[slot(el->msgid, el->msgid_len)];
	return s->len == el->msgid_len &&
	    memcmp(s->id, el->msgid, el->msgid_len) == 0;
}

/* Line numbers are counted as far as needed: cursor is a place in the
 * current run of lines, cursor_line the number of lines before it. */
static const char *cursor;
static unsigned long long cursor_line;

static unsigned long long
line_number(const char *line)
{
	cursor_line += lines_count(cursor, (size_t)(line - cursor));
	cursor = line;
	return cursor_line + 1;
}

/* Count a skipped line (line points into the current run); warn about
 * the first WARN_MAX bad ones. */
static void
skipped(const char *why, int bad, const char *line)
{
	size_t i;

	for (i = 0; i < sizeof reasons / sizeof reasons[0] - 1; i++)
		if (reasons[i].why == NULL || reasons[i].why == why)
			break;
	reasons[i].why = reasons[i].why ? reasons[i].why : why;
	reasons[i].n++;
	if (!bad)
		return;
	if (warned < WARN_MAX)
		warnx("%s:%llu: skipped: %s", input_name, line_number(line),
		    why);
	else if (warned == WARN_MAX)
		warnx("more lines skipped; not reporting each (totals with -v)");
	warned++;
}

/* "IP [DOMAIN] [ptr=|helo=NAMEDOMAIN]" (hostline.h): the domains its users
 * send from and it names itself by, for relaywatch-due to choose from. */
static void
print_ip(const struct eximlog *el)
{
	char buf[HOSTLINE_MAX + 2], ipt[IP_TEXT_MAX + 1],
	    dom[DOMAIN_MAX + 1], name[DOMAIN_MAX + 1];
	enum hostline_name from = HOSTLINE_NONE;
	const char *t = ipt;
	size_t n, tn;

	if (el->text_len > 0 && el->text_len <= IP_TEXT_MAX) {
		t = el->text;
		tn = el->text_len;
	} else
		tn = ip_format(&el->ip, ipt);
	dom[0] = name[0] = '\0';
	if (el->sender_len > 0)
		domain_of_address(el->sender, el->sender_len, dom);
	/* The domain of the host's own name, for when its senders choose
	 * none: Exim's forward-confirmed lookup, else its HELO. */
	if (el->hostname_len > 0 &&
	    domain_of_host(el->hostname, el->hostname_len, name) > 0)
		from = HOSTLINE_PTR;
	else if (el->helo_len > 0 &&
	    domain_of_host(el->helo, el->helo_len, name) > 0)
		from = HOSTLINE_HELO;
	n = hostline_put(buf, t, tn, dom, name, from);
	if (wr_write(&out, buf, n) < 0)
		err(EX_IOERR, "standard output");
	count.printed++;
}

/*
 * A probe that the customer's host accepted: "IP delivered TOKEN", the
 * token from the recipient (MAILBOX+TOKEN in every variant), for
 * relaywatch-due to check and record.
 */
static void
print_delivery(const struct eximlog *el)
{
	char buf[IP_TEXT_MAX + TOKEN_MAX + 16], t[TOKEN_MAX + 1];
	size_t n, tl;

	tl = token_words_after(el->rcpt, el->rcpt_len, token_prefix, t);
	if (tl < TOKEN_V4_LEN || tl > TOKEN_MAX)
		return;
	n = ip_format(&el->ip, buf);
	memcpy(buf + n, " delivered ", 11);
	n += 11;
	memcpy(buf + n, t, tl);
	n += tl;
	buf[n++] = '\n';
	if (wr_write(&out, buf, n) < 0)
		err(EX_IOERR, "standard output");
	count.delivered++;
}

/*
 * A probe handed to our Exim by relaywatch-probe (a local submission
 * from MAILBOX+TOKEN, or, for the forms with another sender, whose
 * Message-ID holds the token): "submitted TOKEN", for relaywatch-due to
 * tell that every probe of a test went out, and that a mailbox probe
 * did, which its delivery line, into a mailbox of ours, cannot say.
 */
static void
print_submission(const struct eximlog *el)
{
	static const char idp[] = TOKEN_MSGID_PREFIX;
	char buf[TOKEN_MAX + 16], t[TOKEN_MAX + 1];
	size_t tl;

	tl = token_words_after(el->sender, el->sender_len, token_prefix, t);
	if ((tl < TOKEN_V4_LEN || tl > TOKEN_MAX) && el->local_id != NULL &&
	    el->local_id_len > sizeof idp - 1 &&
	    memcmp(el->local_id, idp, sizeof idp - 1) == 0)
		tl = token_words_after(el->local_id, el->local_id_len, idp, t);
	if (tl < TOKEN_V4_LEN || tl > TOKEN_MAX)
		return;
	memcpy(buf, "submitted ", 10);
	memcpy(buf + 10, t, tl);
	buf[10 + tl] = '\n';
	if (wr_write(&out, buf, 11 + tl) < 0)
		err(EX_IOERR, "standard output");
	count.submitted++;
}

/*
 * A probe deferred for a reason that is ours, not the customer's: the
 * probes' source address is not ours, no route out, a firewall here.
 * Such a probe says nothing about the customer; said loudly, at most once
 * a minute, since every probe will fail the same way.
 */
static void
warn_deferral(const struct eximlog *el, const char *line)
{
	static const int ours[] = { EADDRNOTAVAIL, ENETUNREACH, EACCES, EPERM,
	    EAFNOSUPPORT, EADDRINUSE };
	static time_t last;
	static unsigned long long since;
	size_t i;
	time_t now;

	for (i = 0; i < sizeof ours / sizeof ours[0]; i++) {
		const char *m = strerror(ours[i]);

		if (el->detail_len >= strlen(m) &&
		    memcmp(el->detail, m, strlen(m)) == 0)
			break;
	}
	if (i == sizeof ours / sizeof ours[0])
		return;
	count.ours++;
	since++;
	now = time(NULL);
	if (last != 0 && now - last < 60)
		return;
	warnx("%s:%llu: a probe not sent, for a fault on this side: %.*s "
	    "(%.*s; %llu such since the last warning): check probe_source "
	    "and the relaywatch_smtp transport; these hosts are tested again "
	    "after pending_timeout", input_name, line_number(line),
	    (int)(el->detail_len > 200 ? 200 : el->detail_len), el->detail,
	    (int)(el->rcpt_len > 100 ? 100 : el->rcpt_len), el->rcpt, since);
	last = now;
	since = 0;
}

static void
do_line(const char *line, size_t len, int flags)
{
	struct eximlog el;

	eximlog_parse(line, len, &el);
	if (feed_on) {
		if (el.source != NULL)
			feed_line(&feed, el.source, el.source_len, feed_now);
		if (el.kind == EL_DNSLIST_DEFER) {
			if (el.source != NULL)
				feed_dns_defer(&feed, el.source, el.source_len,
				    el.detail, el.detail_len, feed_now);
			else
				feed_dns_defer(&feed, "local", 5, el.detail,
				    el.detail_len, feed_now);
			return;
		}
	}
	if (el.kind == EL_OTHER || el.kind == EL_DNSLIST_DEFER)
		return;
	if (el.kind == EL_PROBE_DELIVERED || el.kind == EL_PROBE_DEFERRED ||
	    (el.kind == EL_BAD && el.rcpt != NULL)) {
		if (!deliveries)
			return;
		if (el.kind == EL_BAD)
			skipped(el.why, 1, line);
		else if (flags & RD_NOEOL)
			skipped("last line without newline (cut short)", 1,
			    line);
		else if (el.kind == EL_PROBE_DELIVERED)
			print_delivery(&el);
		else
			warn_deferral(&el, line);
		return;
	}
	if (deliveries && el.kind == EL_LOCAL && !(flags & RD_NOEOL))
		print_submission(&el);
	if (!(hosts_from & (el.marker ? HOSTS_FROM_MARKER : HOSTS_FROM_ARRIVALS)))
		return;
	if (el.marker)
		count.markers++;
	else
		count.arrivals++;
	if (!el.marker && hosts_from == HOSTS_FROM_BOTH && count.markers &&
	    marker_seen(&el)) {
		/* The marker named this message's host already. */
		count.doubled++;
		return;
	}
	if (el.kind == EL_LOCAL || el.kind == EL_BAD) {
		skipped(el.why, el.kind == EL_BAD, line);
		return;
	}
	if (flags & RD_NOEOL) {
		/* A line cut short may have lost its real address. */
		skipped("last line without newline (cut short)", 1, line);
		return;
	}
	if (el.marker)
		remember_marker(&el);
	print_ip(&el);
}

/*
 * A run of whole lines.  Only lines holding "<= " or "RELAYWATCH ip="
 * can name a host, so the run is searched for those (memchr for '<' and
 * 'W') and only their lines are parsed; with -d, also those that name
 * the probes' transport.  Newlines are counted for the line numbers of
 * warnings.  Lines go to do_line in the order of the log.
 */
static const char probe_transport[] = " T=" EXIMLOG_PROBE_TRANSPORT " ";
static const char dnslist_defer[] = " DNS list lookup defer ";

static void
do_run(char *s, char *e, int flags)
{
	/* (with -d, local arrivals say which probes were submitted) */
	int want_arr = (hosts_from & HOSTS_FROM_ARRIVALS) || deliveries;
	int want_mark = hosts_from & HOSTS_FROM_MARKER;
	char *a = want_arr ? s : e, *m = want_mark ? s : e;
	char *d = deliveries ? s : e, *x = dns_on ? s : e;

	cursor = s;
	if (feed_on)
		feed_now = time(NULL);
	if (flags & RD_TOOLONG)
		skipped("line longer than 64 KiB", 1, s);
	for (;;) {
		char *hit, *ls, *le;

		/* Next candidate of each kind at or after a and m. */
		while (a < e && (a = memchr(a, '<', (size_t)(e - a))) != NULL &&
		    !(a > s && a[-1] == ' ' && e - a >= 3 && a[1] == '=' &&
		    a[2] == ' '))
			a++;
		if (a == NULL)
			a = e;
		while (m < e && (m = memchr(m, 'W', (size_t)(e - m))) != NULL &&
		    !(m - s >= 6 && m[-6] == ' ' && e - m >= 9 &&
		    memcmp(m - 5, "RELAYWATCH ip=", 14) == 0))
			m++;
		if (m == NULL)
			m = e;
		if (d < e && (d = memmem(d, (size_t)(e - d), probe_transport,
		    sizeof probe_transport - 1)) == NULL)
			d = e;
		if (x < e && (x = memmem(x, (size_t)(e - x), dnslist_defer,
		    sizeof dnslist_defer - 1)) == NULL)
			x = e;
		hit = a < m ? a : m;
		if (d < hit)
			hit = d;
		if (x < hit)
			hit = x;
		if (hit >= e)
			break;
		ls = lines_start(s, hit);
		le = memchr(hit, '\n', (size_t)(e - hit));
		if (le == NULL)
			le = e;
		if ((size_t)(le - ls) > LINE_MAX_BYTES)
			skipped("line longer than 64 KiB", 1, ls);
		else
			do_line(ls, (size_t)(le - ls), flags & RD_NOEOL);
		/* Past this line for both searches. */
		if (a < le)
			a = le;
		if (m < le)
			m = le;
		if (d < le)
			d = le;
		if (x < le)
			x = le;
		if (!deliveries)
			d = e;
		if (!dns_on)
			x = e;
		if (!want_arr)
			a = e;
		if (!want_mark)
			m = e;
	}
}

/* The rest of the run's lines, counted when they will be needed: for
 * later warnings, or for -v. */
static void
end_run(char *e, int flags, int more)
{
	if ((more && warned < WARN_MAX) || verbose)
		line_number(e);
	else
		cursor = e;
	if (flags & RD_NOEOL)
		cursor_line++;
}

/* A regular file, mapped: no copy, and lines counted only if needed.
 * Returns 0, or -1 if the file cannot be mapped (read it instead). */
static int
do_mapped(int fd, const char *name)
{
	struct stat st;
	char *map, *e, *last;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0 ||
	    (unsigned long long)st.st_size > SIZE_MAX / 4)
		return -1;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return -1;
	input_name = name;
	mapped = map;
	if (sigsetjmp(bus_jump, 1) != 0) {
		munmap(map, (size_t)st.st_size);
		mapped = NULL;
		if (wr_flush(&out) < 0)
			err(EX_IOERR, "standard output");
		errx(EX_IOERR, "%s: file shrank while being read", name);
	}
	e = map + st.st_size;
	for (last = e; last > map && last[-1] != '\n'; last--)
		;
	cursor_line = 0;
	if (last > map) {
		do_run(map, last, 0);
		end_run(last, 0, last < e);
	}
	if (last < e) {
		do_run(last, e, RD_NOEOL);
		end_run(e, RD_NOEOL, 0);
	}
	count.lines += cursor_line;
	mapped = NULL;
	munmap(map, (size_t)st.st_size);
	return 0;
}

/*
 * -p FILE -s INODE:OFFSET: where reading the log stopped, for the
 * supervisor to go on from after a restart.  The standard input is the
 * log whose inode is INODE from byte OFFSET on (tail -c +OFFSET+1 -F).
 * At each pause of the input, once the addresses before it are handed on,
 * FILE gets "INODE OFFSET" if that moved: one pwrite of a line of fixed
 * width, blank-padded, in place (the supervisor reads the file only when
 * this process is gone), not synced: a position a little behind after a
 * crash means lines read twice, which relaywatch-due shrugs off.
 */
static const char *pos_path;
static int pos_fd = -1;
static struct logpos pos;
static unsigned long long pos_saved = ULLONG_MAX;

static void
pos_save(void)
{
	char line[LOGPOS_WIDTH];

	if (pos_fd < 0 || pos.off == pos_saved)
		return;
	logpos_format(&pos, line);
	if (pwrite(pos_fd, line, LOGPOS_WIDTH, 0) != LOGPOS_WIDTH)
		warn("%s", pos_path);
	else
		pos_saved = pos.off;
}

/*
 * The sources' last lines, for relaywatch-db status (statedir/
 * feeds.status, statusfile.h): when there are any, at most every
 * STATUSFILE_EVERY seconds.  A failure is said once.
 */
static char feeds_path[CONF_VALUE_MAX + 32];

static void
say_feeds(void)
{
	static char text[FEED_SOURCES * (FEED_NAME_MAX * 4 + 64)];
	static time_t said;
	static int failed;
	time_t now = time(NULL);
	size_t n;

	if (feeds_path[0] == '\0' || now < said + STATUSFILE_EVERY)
		return;
	said = now;
	if ((n = feed_status(&feed, text, sizeof text)) == 0)
		return;
	if (statusfile_write(feeds_path, text, n) < 0 && !failed++)
		warn("%s", feeds_path);
}

/*
 * The input paused: with the feed watched, wait for more here, waking at
 * least each minute (or silence period, if shorter) to look for silent
 * sources and to answer the supervisor's report.
 */
static void
feed_wait(void)
{
	long long tick = feed.silence > 0 && feed.silence < 60 ?
	    feed.silence : 60;
	struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
	int rc;

	for (;;) {
		feed_check(&feed, time(NULL));
		say_feeds();
		if (askreport_asked()) {
			feed_report(&feed, time(NULL));
		}
		rc = poll(&p, 1, (int)tick * 1000);
		if (rc > 0 || (rc < 0 && errno != EINTR))
			return;
	}
}

static int
pause_hook(void *arg)
{
	int rc = wr_pause_hook(arg);

	if (rc == 0)
		pos_save();
	if (rc == 0 && feed_on)
		feed_wait();
	return rc;
}

/* Returns 0, or EX_IOERR after reporting a read error. */
static int
do_fd(int fd, const char *name)
{
	struct reader rd;
	unsigned long long dropped = 0;
	char *s, *e;
	int flags, rc;

	if (pos_path == NULL && do_mapped(fd, name) == 0)
		return 0;
	input_name = name;
	if (rd_init(&rd, fd, LINE_MAX_BYTES) < 0)
		err(EX_OSERR, "out of memory");
	rd.on_pause = pause_hook;
	rd.pause_arg = &out;
	cursor_line = 0;
	while ((rc = rd_chunk(&rd, &s, &e, &flags)) > 0) {
		do_run(s, e, flags);
		end_run(e, flags, 1);
		/* The position: past the run and the over-long lines
		 * dropped before it, but before a last line cut short. */
		pos.off += rd.dropped - dropped;
		dropped = rd.dropped;
		if (!(flags & RD_NOEOL))
			pos.off += (unsigned long long)(e - s);
	}
	count.lines += cursor_line;
	if (rc < 0) {
		int saved = errno;

		if (out.len == 0 || wr_flush(&out) == 0) {
			errno = saved;
			warn("%s", name);
		} else
			err(EX_IOERR, "standard output");
	}
	rd_free(&rd);
	return rc < 0 ? EX_IOERR : 0;
}

static void
report(void)
{
	size_t i;

	fprintf(stderr, "relaywatch-hosts: %llu lines, %llu arrivals, "
	    "%llu markers, %llu addresses printed", count.lines,
	    count.arrivals, count.markers, count.printed);
	if (deliveries)
		fprintf(stderr, ", %llu probes submitted, %llu delivered, "
		    "%llu deferred for a fault on this side", count.submitted,
		    count.delivered, count.ours);
	if (count.doubled)
		fprintf(stderr, ", %llu arrivals already named by a marker",
		    count.doubled);
	fputc('\n', stderr);
	for (i = 0; i < sizeof reasons / sizeof reasons[0] && reasons[i].why;
	    i++)
		fprintf(stderr, "relaywatch-hosts: skipped %llu: %s\n",
		    reasons[i].n, reasons[i].why);
}

int
main(int argc, char *argv[])
{
	const char *confpath = NULL;
	struct conf conf;
	int ch, i, rc = 0;

	/* First: the supervisor may ask for a report at any time. */
	askreport_start();
	while ((ch = getopt(argc, argv, "c:dhp:s:v")) != -1)
		switch (ch) {
		case 'c':
			confpath = optarg;
			break;
		case 'd':
			deliveries = 1;
			break;
		case 'p':
			if (optarg[0] != '/')
				errx(EX_USAGE, "-p %s: not an absolute path",
				    optarg);
			pos_path = optarg;
			break;
		case 's':
			if (logpos_parse(optarg, strlen(optarg), ':',
			    &pos) < 0)
				errx(EX_USAGE, "-s %s: not INODE:OFFSET", optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(1);
		default:
			usage(0);
		}
	argc -= optind;
	argv += optind;
	if (pos_path && argc > 0)
		errx(EX_USAGE, "-p: the log on the standard input only");

	conf_load(&conf, confpath);
	if (pos_path) {
		char dir[4096];

		/* Run by root: as the owner of the state it keeps. */
		if (path_dir(pos_path, dir, sizeof dir) < 0)
			errx(EX_USAGE, "-p %s: path too long", pos_path);
		owner_become(dir);
		if ((pos_fd = open(pos_path, O_WRONLY | O_CREAT | O_CLOEXEC |
		    O_NOFOLLOW, 0644)) < 0)
			err(EX_CANTCREAT, "%s", pos_path);
		/* Where this run starts, at once: a run that ends before
		 * its first pause must not make the next start later. */
		pos_save();
	}
	signal(SIGBUS, on_sigbus);
	hosts_from = conf.hosts_from;
	/* The feed's health, when following the log for the supervisor. */
	if (pos_path != NULL) {
		feed_init(&feed, conf.feed_silence, conf.dnsbl_zone);
		dns_on = conf.dnsbl_zone[0] != '\0';
		feed_on = conf.feed_silence > 0 || dns_on;
		if (feed_on && statusfile_path(conf.statedir, "feeds.status",
		    feeds_path, sizeof feeds_path) < 0)
			errx(EX_CONFIG, "statedir too long");
	}
	snprintf(token_prefix, sizeof token_prefix, "%s+", conf.mailbox);
	wr_init(&out, STDOUT_FILENO);

	if (argc == 0)
		rc = do_fd(STDIN_FILENO, "standard input");
	for (i = 0; i < argc; i++) {
		int fd, r;

		if (strcmp(argv[i], "-") == 0) {
			r = do_fd(STDIN_FILENO, "standard input");
		} else if ((fd = open(argv[i], O_RDONLY)) < 0) {
			warn("%s", argv[i]);
			r = errno == ENOENT ? EX_NOINPUT :
			    errno == EACCES ? EX_NOPERM : EX_IOERR;
		} else {
			r = do_fd(fd, argv[i]);
			close(fd);
		}
		if (r && !rc)
			rc = r;
	}
	if (wr_flush(&out) < 0)
		err(EX_IOERR, "standard output");
	pos_save();
	if (verbose)
		report();
	/* The other lines were read; the warned ones make the status. */
	return rc == 0 && warned > 0 ? EX_DATAERR : rc;
}

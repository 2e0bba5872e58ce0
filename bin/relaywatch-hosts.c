/*
 * relaywatch-hosts: from Exim main-log lines to the addresses of the hosts
 * that sent us mail, one a line.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "eximlog.h"
#include "ip.h"
#include "stream.h"

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
} count;

/* Skipped arrival lines, by reason. */
static struct reason {
	const char *why;
	unsigned long long n;
} reasons[32];
static unsigned long long warned;

static struct seen seen[SEEN_SLOTS];
static struct writer out;
static int hosts_from;
static int verbose;
static const char *input_name;

static void
usage(void)
{
	fprintf(stderr, "usage: relaywatch-hosts [-hv] [-c conf] [file ...]\n");
	exit(EX_USAGE);
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

/* Count a skipped line; warn about the first WARN_MAX bad ones. */
static void
skipped(const char *why, int bad, unsigned long long lineno)
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
		warnx("%s:%llu: skipped: %s", input_name, lineno, why);
	else if (warned == WARN_MAX)
		warnx("more lines skipped; not reporting each (totals with -v)");
	warned++;
}

static void
print_ip(const struct ip *ip)
{
	char buf[IP_TEXT_MAX + 2];
	size_t n = ip_format(ip, buf);

	buf[n++] = '\n';
	if (wr_write(&out, buf, n) < 0)
		err(EX_IOERR, "standard output");
	count.printed++;
}

static void
do_line(const char *line, size_t len, int flags, unsigned long long lineno)
{
	struct eximlog el;

	count.lines++;
	if (flags & RD_TOOLONG) {
		skipped("line longer than 64 KiB", 1, lineno);
		return;
	}
	eximlog_parse(line, len, &el);
	if (el.kind == EL_OTHER)
		return;
	if (!(hosts_from & (el.marker ? HOSTS_FROM_MARKER : HOSTS_FROM_ARRIVALS)))
		return;
	if (el.marker)
		count.markers++;
	else
		count.arrivals++;
	if (!el.marker && hosts_from == HOSTS_FROM_BOTH && marker_seen(&el)) {
		/* The marker named this message's host already. */
		count.doubled++;
		return;
	}
	if (el.kind == EL_LOCAL || el.kind == EL_BAD) {
		skipped(el.why, el.kind == EL_BAD, lineno);
		return;
	}
	if (flags & RD_NOEOL) {
		/* A line cut short may have lost its real address. */
		skipped("last line without newline (cut short)", 1, lineno);
		return;
	}
	if (el.marker)
		remember_marker(&el);
	print_ip(&el.ip);
}

/* Returns 0, or EX_IOERR after reporting a read error. */
static int
do_fd(int fd, const char *name)
{
	struct reader rd;
	char *line;
	size_t len;
	int flags, rc;

	input_name = name;
	if (rd_init(&rd, fd, LINE_MAX_BYTES) < 0)
		err(EX_OSERR, "out of memory");
	rd.on_pause = wr_pause_hook;
	rd.pause_arg = &out;
	while ((rc = rd_line(&rd, &line, &len, &flags)) > 0)
		do_line(line, len, flags, rd.lineno);
	if (rc < 0) {
		int e = errno;

		if (out.len == 0 || wr_flush(&out) == 0) {
			errno = e;
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

	while ((ch = getopt(argc, argv, "c:hv")) != -1)
		switch (ch) {
		case 'c':
			confpath = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
		default:
			usage();
		}
	argc -= optind;
	argv += optind;

	conf_load(&conf, confpath);
	hosts_from = conf.hosts_from;
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
	if (verbose)
		report();
	return rc;
}

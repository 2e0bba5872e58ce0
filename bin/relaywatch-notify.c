/*
 * relaywatch-notify: reads the status changes relaywatch-db apply prints
 * and, for each change into BLOCK, mails one notice to the customer's
 * contact (the contacts file; else postmaster of the domain its address
 * resolves to; else postmaster@[IP]) with the abuse desk in copy.  With
 * -n, prints the notices instead.
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "contacts.h"
#include "domain.h"
#include "ip.h"
#include "mailer.h"
#include "mbox.h"
#include "outbox.h"
#include "rd.h"
#include "state.h"
#include "state_cdb.h"
#include "text.h"
#include "usage.h"
#include "utc.h"
#include "variant.h"

#define ADDR_MAX 254
#define EVIDENCE_MAX 16384	/* header bytes of the returned message */
#define NOTICE_MAX 65536

/* An outbox entry younger than this is the live notify's, not -q's. */
#define OUTBOX_GRACE 60
/* A notice whose BLOCK Exim does not find (recent.cdb, state.cdb) is kept
 * this long (the apply that put it there may yet be retried), then
 * dropped. */
#define OUTBOX_STALE 86400

static struct conf conf;
static int dryrun, resolve;
static const char *evidence;

static struct contacts contacts;

/* Whether host's addresses include ip: the name is forward-confirmed. */
static int
resolves_back(const char *host, const struct ip *ip)
{
	struct addrinfo hints, *res, *a;
	int found = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = ip_is_v4(ip) ? AF_INET : AF_INET6;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return 0;
	for (a = res; a && !found; a = a->ai_next) {
		char text[INET6_ADDRSTRLEN];
		const void *in = a->ai_family == AF_INET ?
		    (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr :
		    (const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
		struct ip got;

		if ((a->ai_family == AF_INET || a->ai_family == AF_INET6) &&
		    inet_ntop(a->ai_family, in, text, sizeof text) != NULL &&
		    ip_parse(text, strlen(text), &got, NULL) == 0 &&
		    ip_cmp(&got, ip) == 0)
			found = 1;
	}
	freeaddrinfo(res);
	return found;
}

/* ip's PTR name into host (hostsz bytes), when that name resolves back
 * to ip: the customer writes its own PTR, and must not choose where its
 * notice goes.  0, or -1 when it has no such name. */
static int
ptr_name(const struct ip *ip, char *host, size_t hostsz)
{
	char text[IP_TEXT_MAX + 1];
	struct addrinfo hints, *ai;
	int rc;

	ip_format(ip, text);
	memset(&hints, 0, sizeof hints);
	hints.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo(text, NULL, &hints, &ai) != 0)
		return -1;
	rc = getnameinfo(ai->ai_addr, ai->ai_addrlen, host, (socklen_t)hostsz,
	    NULL, 0, NI_NAMEREQD);
	freeaddrinfo(ai);
	if (rc != 0)
		return -1;
	if (!resolves_back(host, ip)) {
		warnx("%s: PTR name %s does not resolve back to it; writing to "
		    "postmaster@[address]", text, host);
		return -1;
	}
	return 0;
}

/*
 * ip's PTR name, looked up in a child that is given ptr_timeout seconds:
 * the resolver has no timeout of our choosing, and a customer's slow DNS
 * must not hold the notices up.  0, or -1 (no name, or too slow).
 */
static int
ptr_name_bounded(const struct ip *ip, char *host, size_t hostsz)
{
	struct pollfd p;
	size_t got = 0;
	pid_t pid;
	int fd[2], rc = -1, st;

	if (pipe(fd) < 0 || (pid = fork()) < 0) {
		warn("PTR lookup");
		return -1;
	}
	if (pid == 0) {
		close(fd[0]);
		if (ptr_name(ip, host, hostsz) == 0)
			(void)!write(fd[1], host, strlen(host));
		_exit(0);
	}
	close(fd[1]);
	p.fd = fd[0];
	p.events = POLLIN;
	for (;;) {
		ssize_t n;

		if (poll(&p, 1, (int)conf.ptr_timeout * 1000) <= 0) {
			char text[IP_TEXT_MAX + 1];

			ip_format(ip, text);
			warnx("%s: no PTR answer within %llds; writing to "
			    "postmaster@[address]", text,
			    (long long)conf.ptr_timeout);
			got = 0;
			break;
		}
		if ((n = read(fd[0], host + got, hostsz - 1 - got)) <= 0)
			break;
		got += (size_t)n;
		if (got == hostsz - 1)
			break;
	}
	host[got] = '\0';
	if (got > 0)
		rc = 0;
	close(fd[0]);
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return rc;
}

/* postmaster of the domain ip's name is in, unless that is ours; else
 * 0.  Only with ptr_lookup, and with -n only when asked (-r). */
static int
postmaster_by_name(const struct ip *ip, char *out, size_t outsz)
{
	char host[1025], d[DOMAIN_MAX + 1];
	size_t n;

	if (!conf.ptr_lookup || (dryrun && !resolve) ||
	    ptr_name_bounded(ip, host, sizeof host) < 0)
		return 0;
	n = strlen(host);
	if (n > 0 && host[n - 1] == '.')
		n--;
	/* mail.customer.example -> customer.example; one label: none. */
	if ((n = domain_of_host(host, n, d)) == 0)
		return 0;
	if (domain_within(d, n, conf.domain))
		return 0;	/* our own name for a customer's line */
	return (size_t)snprintf(out, outsz, "postmaster@%s", d) < outsz;
}

/* ---- the notice -------------------------------------------------------- */

/* The header of the returned message, each line indented, made safe. */
static void
add_evidence(struct buf *m)
{
	FILE *f;
	char line[1000];
	size_t total = 0;

	if (evidence == NULL || *evidence == '\0' ||
	    (f = fopen(evidence, "r")) == NULL) {
		buf_printf(m, "  (not at hand; ask %s for it)\n", conf.abuse);
		return;
	}
	while (fgets(line, sizeof line, f) != NULL && total < EVIDENCE_MAX) {
		size_t n = strcspn(line, "\r\n"), i;

		if (n == 0)
			break;		/* the end of the header */
		if (strncasecmp(line, "X-Relaywatch-Verdict:", 21) == 0)
			continue;
		for (i = 0; i < n; i++)
			if ((unsigned char)line[i] < ' ' && line[i] != '\t')
				line[i] = '?';
			else if ((unsigned char)line[i] >= 0x7f)
				line[i] = '?';
		line[n] = '\0';
		buf_printf(m, "  %s\n", line);
		total += n + 3;
		/* The rest of a line longer than the buffer. */
		if (line[n] == '\0' && n == sizeof line - 1) {
			int c;

			while ((c = getc(f)) != EOF && c != '\n')
				;
		}
	}
	fclose(f);
}

/* The rest of the notice for a mailbox probe re-sent (why=remailed),
 * in the words of someone who collects mail, not who runs a server. */
static void
compose_remailed(struct buf *m, const char *text, const char *mailbox,
    const char *tested, const char *back, const char *via)
{
	buf_printf(m, "Your mail program re-sent a message that was not "
	    "addressed to you.\nThe computer at %s collects mail from the "
	    "mailbox %s\nand sends on what is not for your own addresses.  "
	    "Spammers\nput their mail in such mailboxes, and it leaves "
	    "through our mail\nservers under our name.\n\n", text, mailbox);
	buf_printf(m, "What we found\n\n");
	buf_printf(m, "  Mailbox:        %s\n", mailbox);
	buf_printf(m, "  Test put in it: %s\n", tested);
	buf_printf(m, "  Came back:      %s\n", back);
	buf_printf(m, "  Sent back by:   %s\n", via[0] ? via : text);
	buf_printf(m, "\nWe put a test message in your mailbox, addressed to "
	    "a mailbox of\nours, not to you.  Something that collects your "
	    "mail sent it on to\nus.  The header of the message as it came "
	    "back:\n\n");
	add_evidence(m);
	if (conf.warn_only)
		buf_printf(m, "\nWhat happens now\n\n"
		    "For now our mail servers still accept mail from %s,\n"
		    "and mark it.  Soon they will refuse it until the program "
		    "is fixed\nand a new test shows it.\n\n", text);
	else
		buf_printf(m, "\nWhat happens now\n\n"
		    "Our mail servers refuse mail from %s until the program\n"
		    "is fixed and a new test shows it.\n\n", text);
	buf_printf(m, "How to fix it\n\n"
	    "Look at what collects and forwards your mail (fetchmail, a mail\n"
	    "program's rules, a \"redirect\" or \"resend\" rule) and let it "
	    "deliver\nmail to your own mailboxes, or send on only mail "
	    "addressed to your\nown addresses, never to the addresses "
	    "written in a message.\n\n");
	buf_printf(m, "How to have it tested again\n\n"
	    "When it is fixed, write to %s, naming\n"
	    "%s and the mailbox %s.\n", conf.abuse, text, mailbox);
}

static void
compose(struct buf *m, const struct ip *ip, const struct stateline *sl,
    const char *to)
{
	char text[IP_TEXT_MAX + 1], date[UTC_TEXT_MAX], tested[UTC_TEXT_MAX],
	    back[UTC_TEXT_MAX], v[256],
	    via[256], tt[32], id[64];
	const char *variant;
	char why[32], mailbox[256];
	int i, remailed;
	long long t = 0;

	ip_format(ip, text);
	remailed = state_get(sl, "why", why, sizeof why) != NULL &&
	    strcmp(why, "remailed") == 0;
	if (state_get(sl, "mailbox", mailbox, sizeof mailbox) == NULL)
		strcpy(mailbox, "(unknown)");
	variant = state_get(sl, "variant", v, sizeof v);
	if (state_get(sl, "token-time", tt, sizeof tt) != NULL)
		t = strtoll(tt, NULL, 10);
	if (state_get(sl, "via", via, sizeof via) == NULL)
		via[0] = '\0';
	utc_format((long long)time(NULL), UTC_RFC5322, date);
	utc_format(t, UTC_READABLE, tested);
	utc_format(sl->time, UTC_READABLE, back);
	snprintf(id, sizeof id, "%s", text);
	for (i = 0; id[i]; i++)
		if (id[i] == ':')
			id[i] = '-';
	m->len = 0;
	buf_printf(m, "From: Abuse desk of %s <%s>\n", conf.domain, conf.abuse);
	buf_printf(m, "To: %s\n", to);
	buf_printf(m, "Cc: %s\n", conf.abuse);
	if (remailed)
		buf_printf(m, conf.warn_only ? "Subject: Mail re-sent by %s\n" :
		    "Subject: Mail re-sent by %s: mail from it is now "
		    "refused\n", text);
	else
		buf_printf(m, conf.warn_only ? "Subject: Open relay at %s\n" :
		    "Subject: Open relay at %s: mail from it is now refused\n",
		    text);
	buf_printf(m, "Date: %s\n", date);
	buf_printf(m, "Message-ID: <relaywatch-notice.%s.%lld@%s>\n", id, sl->time,
	    conf.domain);
	buf_printf(m, "Auto-Submitted: auto-generated\n");
	buf_printf(m, "Precedence: bulk\n");
	buf_printf(m, "MIME-Version: 1.0\n");
	buf_printf(m, "Content-Type: text/plain; charset=us-ascii\n");
	buf_printf(m, "Content-Transfer-Encoding: 7bit\n\n");
	if (remailed) {
		compose_remailed(m, text, mailbox, t ? tested : "(unknown)",
		    back, via);
		return;
	}
	buf_printf(m, "The mail server at %s is an open relay: it passes on\n"
	    "mail from anybody to anybody.  Spammers look for such servers\n"
	    "all the time, and the spam they send through yours leaves\n"
	    "through our mail servers under our name.\n\n", text);
	buf_printf(m, "What we found\n\n");
	buf_printf(m, "  Address:        %s\n", text);
	buf_printf(m, "  Test sent:      %s\n", t ? tested : "(unknown)");
	buf_printf(m, "  Came back:      %s\n", back);
	buf_printf(m, "  How addressed:  %s\n", variant ? variant : "unknown");
	if (via[0])
		buf_printf(m, "  Handed back by: %s\n", via);
	buf_printf(m, "\nWe sent your server a test message addressed to a mailbox\n"
	    "of ours, in a way no server should accept from a stranger, and\n"
	    "your server delivered it back to us.  The header of the message\n"
	    "as it came back:\n\n");
	add_evidence(m);
	if (variant != NULL && variant_named(variant, strlen(variant)) >= 0)
		buf_printf(m, "\nIn short, %s.\n", variant_words((unsigned)
		    variant_named(variant, strlen(variant))));
	if (conf.warn_only)
		buf_printf(m, "\nWhat happens now\n\n"
		    "For now our mail servers still accept mail from %s,\n"
		    "and mark it.  Soon they will refuse it (\"550 5.7.1 ...\n"
		    "open relay\") until the relay is closed and a new test\n"
		    "shows it.\n\n", text);
	else
		buf_printf(m, "\nWhat happens now\n\n"
		    "Our mail servers refuse mail from %s (\"550 5.7.1 ...\n"
		    "open relay\") until the relay is closed and a new test\n"
		    "shows it.\n\n", text);
	buf_printf(m, "How to fix it\n\n"
	    "Let your server accept mail only for your own domains, and relay\n"
	    "only for your own users (your networks, or users who log in).\n"
	    "Look in its configuration for relay or \"trusted networks\"\n"
	    "settings that take in more than your own network, and make\n"
	    "sure it does not take \"%%\", \"!\" or quoted local parts as\n"
	    "addresses.  A sender address proves nothing: anyone can write\n"
	    "your own domain, or the null sender <>, as the sender, so never\n"
	    "let a message relay because of its sender.\n\n");
	buf_printf(m, "How to have it tested again\n\n"
	    "When it is fixed, write to %s, naming\n"
	    "%s.  We test again within minutes and lift the block when\n"
	    "your server refuses to relay.\n", conf.abuse, text);
}

/* One notice for a change into BLOCK; done(arg) once sendmail took it
 * (see mailer_send_then).  Returns 0, or -1 after a warning when sendmail
 * failed. */
static int
notify(const struct ip *ip, const struct stateline *sl, void (*done)(void *),
    void *arg)
{
	static struct buf m = { .max = NOTICE_MAX, .what = "notice" };
	const struct contact *c = contacts_for(&contacts, ip);
	const char *rcpt[MAILER_RCPTS_MAX];
	char pm[ADDR_MAX + 16], to[MAILER_RCPTS_MAX * (ADDR_MAX + 2)],
	    text[IP_TEXT_MAX + 1], why[512];
	size_t o = 0;
	int n = 0, i;

	ip_format(ip, text);
	if (c != NULL)
		for (i = 0; i < c->n; i++)
			rcpt[n++] = c->rcpt[i];
	else {
		if (!postmaster_by_name(ip, pm, sizeof pm))
			snprintf(pm, sizeof pm, ip_is_v4(ip) ?
			    "postmaster@[%s]" : "postmaster@[IPv6:%s]", text);
		rcpt[n++] = pm;
	}
	to[0] = '\0';
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(to + o, sizeof to - o, "%s%s",
		    i ? ", " : "", rcpt[i]);
	rcpt[n++] = conf.abuse;
	compose(&m, ip, sl, to);
	if (dryrun) {
		static struct buf head;

		head.len = 0;
		mbox_from(&head, conf.abuse, (long long)time(NULL));
		buf_str(&head, "Envelope-to: ");
		for (i = 0; i < n; i++)
			buf_strs(&head, i ? ", " : "", rcpt[i], (char *)NULL);
		buf_str(&head, "\n");
		fwrite(head.p, 1, head.len, stdout);
		fwrite(m.p, 1, m.len, stdout);
		printf("\n");
		if (fflush(stdout) != 0 || ferror(stdout))
			err(EX_IOERR, "standard output");
		return 0;
	}
	if (mailer_send_then(conf.abuse, rcpt, n, m.p, m.len, done, arg, why,
	    sizeof why) < 0) {
		warnx("%s: notice not sent: %s", text, why);
		return -1;
	}
	return 0;
}

/*
 * A notice that sendmail did not take: kept in the outbox (where apply
 * has usually put it already) for relaywatch-notify -q.  0, or -1 when it
 * cannot be kept either.
 */
static int
keep(const struct ip *ip, const char *line, size_t len)
{
	char text[IP_TEXT_MAX + 1];

	ip_format(ip, text);
	/* apply's entry, with the evidence, stands; else one of ours. */
	if (outbox_holds(conf.statedir, ip, line, len) != 1 &&
	    outbox_put(conf.statedir, ip, line, len, evidence) < 0) {
		warn("%s: %s/outbox: cannot keep the notice", text,
		    conf.statedir);
		return -1;
	}
	warnx("%s: notice kept in %s/outbox for relaywatch-notify -q", text,
	    conf.statedir);
	return 0;
}

/* Once sendmail has a notice: its outbox entry goes (by the process that
 * saw sendmail take it, see mailer_send_then). */
static void
remove_entry(void *arg)
{
	const char *path = arg;

	if (unlink(path) < 0 && errno != ENOENT)
		warn("%s", path);
}

struct taken {
	const struct ip *ip;
	const char *line;
	size_t len;
};

static void
take_entry(void *arg)
{
	const struct taken *t = arg;

	if (outbox_take(conf.statedir, t->ip, t->line, t->len) < 0)
		warn("%s/outbox", conf.statedir);
}

/* One outbox entry, locked in fd: sent and taken out when its BLOCK
 * stands.  Returns 0, or EX_TEMPFAIL when it must be tried again. */
static int
send_entry(int fd, const char *path, const struct ip *ip, time_t age)
{
	char buf[OUTBOX_ENTRY_MAX + 1], cur_text[STATE_LINE_MAX + 1];
	char cdb[4096], ev[OUTBOX_ENTRY_MAX];
	struct stateline sl, cur;
	const char *why;
	struct ip named;
	ssize_t n;
	int r;

	if ((n = read(fd, buf, sizeof buf)) < 0) {
		warn("%s", path);
		return EX_TEMPFAIL;
	}
	if ((size_t)n == sizeof buf) {
		warnx("%s: longer than an entry; left alone", path);
		return 0;
	}
	if (outbox_parse(buf, (size_t)n, &named, &sl, ev, sizeof ev,
	    &why) < 0) {
		warnx("%s: not an outbox entry (%s); left alone", path, why);
		return 0;
	}
	if (ip_cmp(&named, ip) != 0 || sl.status != ST_BLOCK) {
		warnx("%s: not a notice of a BLOCK of its address; left alone",
		    path);
		return 0;
	}
	evidence = ev[0] ? ev : NULL;
	if ((r = state_cdb_now(conf.statedir, ip, &cur, cur_text,
	    sizeof cur_text, cdb, sizeof cdb)) < 0) {
		warn("%s", cdb);
		return EX_TEMPFAIL;
	}
	if (r == 0 || cur.status != ST_BLOCK) {
		if (age < OUTBOX_STALE)
			return 0;
		warnx("%s: the BLOCK it tells of does not stand; dropped",
		    path);
		if (unlink(path) < 0)
			warn("%s", path);
		return 0;
	}
	r = notify(ip, &sl, remove_entry, (void *)path);
	evidence = NULL;	/* (ev is gone once this returns) */
	return r < 0 ? EX_TEMPFAIL : 0;
}

/*
 * -q: the outbox, as cron runs it.  Each entry is locked while it is
 * sent, so that two runs never send one twice; an entry less than
 * OUTBOX_GRACE old belongs to the notify that apply's caller is running.
 */
static int
run_outbox(void)
{
	char dir[4096], path[4096 + 258];
	time_t now = time(NULL);
	struct dirent *de;
	int rc = 0;
	DIR *d;

	if (outbox_dir(conf.statedir, dir, sizeof dir) < 0)
		errx(EX_CONFIG, "statedir too long");
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		warn("%s", dir);
		return EX_TEMPFAIL;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		struct ip ip;
		const char *why;
		int fd, r;

		/* (atomic_write's temp files start with a dot) */
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (ip_parse_canonical(de->d_name, strlen(de->d_name), &ip,
		    &why) < 0) {
			warnx("%s: not named by an address; left alone", path);
			continue;
		}
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
			continue;	/* sent meanwhile */
		if (flock(fd, LOCK_EX | LOCK_NB) < 0 || fstat(fd, &st) < 0 ||
		    now - st.st_mtime < OUTBOX_GRACE ||
		    st.st_nlink == 0) {
			close(fd);
			continue;
		}
		if ((r = send_entry(fd, path, &ip, now - st.st_mtime)) != 0)
			rc = r;
		close(fd);
	}
	closedir(d);
	return rc;
}

static void __attribute__((noreturn))
usage(int asked)
{
	usage_exit("usage: relaywatch-notify [-hnr] [-c conf] [-e evidence]\n"
	    "       relaywatch-notify -q [-c conf]\n", asked);
}

int
main(int argc, char *argv[])
{
	const char *confpath = NULL;
	unsigned long long bad = 0;
	struct reader rd;
	char *line;
	size_t len;
	char errbuf[512];
	int ch, flags, rc, failed = 0, queue = 0;

	while ((ch = getopt(argc, argv, "c:e:hnqr")) != -1)
		switch (ch) {
		case 'c':
			confpath = optarg;
			break;
		case 'e':
			evidence = optarg;
			break;
		case 'n':
			dryrun = 1;
			break;
		case 'q':
			queue = 1;
			break;
		case 'r':
			resolve = 1;
			break;
		case 'h':
			usage(1);
		default:
			usage(0);
		}
	if (optind != argc || (queue && (dryrun || resolve || evidence)))
		usage(0);
	if (evidence == NULL)
		evidence = getenv("RELAYWATCH_EVIDENCE");
	conf_load(&conf, confpath);
	conf_require_domain(&conf);
	if ((rc = contacts_read(&contacts, conf.contacts, errbuf,
	    sizeof errbuf)) != 0)
		errx(rc, "%s", errbuf);
	if (!dryrun)
		mailer_init(conf.sendmail, conf.path);
	if (queue)
		return run_outbox();
	if (rd_init(&rd, STDIN_FILENO, STATE_LINE_MAX + 64) < 0)
		err(EX_OSERR, "out of memory");

	while ((rc = rd_line(&rd, &line, &len, &flags)) == 1) {
		struct stateline sl;
		struct ip ip;
		const char *why = "line too long";

		/* IP OLD NEW TIME key=value... */
		if (!(flags & RD_TOOLONG) && state_parse_change(line, len, &ip, &sl,
		    &why) == 0) {
			struct taken t = { &ip, line, len };

			if (sl.status != ST_BLOCK)
				continue;
			if (notify(&ip, &sl, take_entry, &t) < 0) {
				/* Sent later, by -q, or tried again. */
				if (keep(&ip, line, len) < 0)
					failed = 1;
			}
			continue;
		}
		text_warn_line(&bad, "standard input", rd.lineno, line, len,
		    "not a change line of relaywatch-db apply", why);
	}
	if (rc < 0)
		err(EX_IOERR, "standard input");
	rd_free(&rd);
	if (failed)
		return EX_TEMPFAIL;
	return bad ? EX_DATAERR : 0;
}

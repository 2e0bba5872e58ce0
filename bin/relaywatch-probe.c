/*
 * relaywatch-probe: for each address read, one signed test message per
 * relay variant, handed to sendmail, addressed so that an open relay at
 * that address delivers it back to the special mailbox.  Prints
 * "IP VARIANT TOKEN" for each message sendmail took; with -n, prints the
 * messages (mbox) instead.  With -m, for each mailbox read, one message
 * delivered into it and addressed (To:) to the special mailbox, which
 * only a program that re-sends what it collects passes on: prints
 * "MAILBOX mailbox TOKEN".
 */

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "hostline.h"
#include "ip.h"
#include "mailboxes.h"
#include "mailer.h"
#include "mbox.h"
#include "rd.h"
#include "text.h"
#include "textfile.h"
#include "token.h"
#include "usage.h"
#include "utc.h"
#include "variant.h"
#include "wr.h"

#define INPUT_LINE_MAX 256

static struct conf conf;
static struct keys keys;
static int dryrun;
static struct writer out;

static void
flush_out(void)
{
	if (wr_flush(&out) < 0)
		err(EX_IOERR, "standard output");
}

static void
emit(const char *s, size_t n)
{
	if (wr_write(&out, s, n) < 0)
		err(EX_IOERR, "standard output");
}

/*
 * Every variant's message for one address; their: the customer's own
 * domain, or NULL when it is not known (variant_plan then says what is
 * sent instead), and where it came from (senders, ptr, helo).
 */
static void
probe(const struct ip *ip, const char *their, const char *their_from,
    time_t now)
{
	/* A message: bounded, as everything in it is. */
	static struct buf m = { .max = 8192, .what = "probe message" };
	char text[IP_TEXT_MAX + 1], literal[IP_TEXT_MAX + 8],
	    date[UTC_TEXT_MAX], tm[24];
	unsigned plan[VARIANT_N];
	size_t k, nplan;
	int v4 = ip_is_v4(ip);

	ip_format(ip, text);
	snprintf(literal, sizeof literal, v4 ? "[%s]" : "[IPv6:%s]", text);
	utc_format((long long)now, UTC_RFC5322, date);
	snprintf(tm, sizeof tm, "%lld", (long long)now);
	nplan = variant_plan(conf.variants, their != NULL, plan);
	for (k = 0; k < nplan; k++) {
		unsigned v = plan[k];
		const char *name = variant_name(v);
		char tok[TOKEN_MAX + 1], local[CONF_VALUE_MAX + TOKEN_MAX + 2],
		    ours[2 * CONF_VALUE_MAX + TOKEN_MAX + 4],
		    sender[2 * CONF_VALUE_MAX + TOKEN_MAX + 4],
		    rcpt[4 * CONF_VALUE_MAX + 160], why[256];
		const char *rcpts[1];
		struct token t;

		memset(&t, 0, sizeof t);
		t.ip = *ip;
		t.time = now;
		t.variant = v;
		if (token_make(&keys, &t, tok) == 0)
			errx(EX_SOFTWARE, "cannot make a token for %s", text);
		snprintf(local, sizeof local, "%s+%s", conf.mailbox, tok);
		snprintf(ours, sizeof ours, "%s@%s", local, conf.domain);
		/* The envelope sender of the form; From: is that address,
		 * or ours for the null sender. */
		switch (variant_sender(v)) {
		case SENDER_OWN:
			snprintf(sender, sizeof sender, "%s@%s", local, their);
			break;
		case SENDER_NULL:
			sender[0] = '\0';
			break;
		default:
			memcpy(sender, ours, strlen(ours) + 1);
			break;
		}
		if (variant_recipient(v, local, conf.domain, their, literal,
		    rcpt, sizeof rcpt) < 0)
			errx(EX_SOFTWARE, "recipient too long for %s", text);
		m.len = 0;
		if (dryrun) {
			mbox_from(&m, sender[0] ? sender : "MAILER-DAEMON",
			    (long long)now);
			buf_strs(&m, "Return-path: <", sender, ">\n",
			    "Envelope-to: ", rcpt, "\n", (char *)NULL);
		}
		buf_strs(&m, "From: relaywatch at ", conf.domain, " <",
		    sender[0] ? sender : ours, ">\n",
		    "To: ", rcpt, "\n",
		    "Subject: Relay test ", tok, " for ", text, "\n",
		    "Date: ", date, "\n",
		    "Message-ID: <" TOKEN_MSGID_PREFIX, tok, "@", conf.domain, ">\n",
		    "Auto-Submitted: auto-generated\n",
		    "X-Relaywatch: ip=", text, " time=", tm, " variant=", name,
		    " token=", tok, their ? " domain=" : "", their ? their : "",
		    their ? " domain-from=" : "", their ? their_from : "",
		    "\n",
		    "MIME-Version: 1.0\n",
		    "Content-Type: text/plain; charset=us-ascii\n",
		    "Content-Transfer-Encoding: 7bit\n",
		    "\n",
		    "This message tests whether the mail server at ", text,
		    "\nrelays mail for anybody (an \"open relay\").\n\n",
		    "Mail from ", text, " reaches the Internet through the "
		    "mail\nservers of ", conf.domain, ".  Spammers abuse open "
		    "relays, and their\nspam would leave under our name, so "
		    "we test the servers that send\nthrough ours.\n\n",
		    "If your server refuses to pass this message on, all is "
		    "well and\nthere is nothing to do.  If it delivers it back "
		    "to us, it relays\nfor anybody: mail from ", text,
		    " will be refused until that\nis fixed, and your "
		    "postmaster will hear from us.\n\n",
		    "Questions: ", conf.abuse, "\n\n",
		    "Test: ip=", text, " variant=", name, " time=", tm,
		    " token=", tok, "\n", (char *)NULL);
		if (dryrun) {
			buf_str(&m, "\n");
			emit(m.p, m.len);
			continue;
		}
		rcpts[0] = rcpt;
		if (mailer_send(sender[0] ? sender : "<>", rcpts, 1, m.p,
		    m.len, why, sizeof why) < 0) {
			/* What went out is said; then the supervisor retries. */
			wr_flush(&out);
			errx(EX_TEMPFAIL, "%s %s: not sent: %s", text, name, why);
		}
		emit(text, strlen(text));
		emit(" ", 1);
		emit(name, strlen(name));
		emit(" ", 1);
		emit(tok, strlen(tok));
		emit("\n", 1);
	}
}

/* The message for one mailbox. */
static void
probe_mailbox(const char *addr, time_t now)
{
	static struct buf m = { .max = 8192, .what = "probe message" };
	char tok[TOKEN_MAX + 1], sender[2 * CONF_VALUE_MAX + TOKEN_MAX + 4],
	    date[UTC_TEXT_MAX], tm[24], why[256];
	const char *rcpts[1];
	struct token t;

	memset(&t, 0, sizeof t);
	t.mailbox = 1;
	t.time = now;
	if (token_mailbox_digest(addr, strlen(addr), t.digest) < 0 ||
	    token_make(&keys, &t, tok) == 0)
		errx(EX_SOFTWARE, "cannot make a token for %s", addr);
	snprintf(sender, sizeof sender, "%s+%s@%s", conf.mailbox, tok,
	    conf.domain);
	utc_format((long long)now, UTC_RFC5322, date);
	snprintf(tm, sizeof tm, "%lld", (long long)now);
	m.len = 0;
	if (dryrun) {
		mbox_from(&m, sender, (long long)now);
		buf_strs(&m, "Return-path: <", sender, ">\n",
		    "Envelope-to: ", addr, "\n", (char *)NULL);
	}
	buf_strs(&m, "From: relaywatch at ", conf.domain, " <", sender, ">\n",
	    "To: ", sender, "\n",
	    "Subject: Mail test ", tok, "\n",
	    "Date: ", date, "\n",
	    "Message-ID: <" TOKEN_MSGID_PREFIX, tok, "@", conf.domain, ">\n",
	    "Auto-Submitted: auto-generated\n",
	    "X-Relaywatch: mailbox=", addr, " time=", tm, " token=", tok, "\n",
	    "MIME-Version: 1.0\n",
	    "Content-Type: text/plain; charset=us-ascii\n",
	    "Content-Transfer-Encoding: 7bit\n",
	    "\n",
	    "This message was put in the mailbox ", addr, "\n",
	    "but is addressed to us, ", conf.domain, ".  It tests whether a "
	    "program\nthat collects that mailbox re-sends what is not "
	    "addressed to you.\nSpammers abuse such programs as they do open "
	    "relays.\n\n",
	    "If nothing sends it back to us, all is well and there is "
	    "nothing to\ndo; you may delete it.  If your mail program "
	    "re-sends it, mail from\nthe computer that does so will be "
	    "refused until that is fixed, and\nyour postmaster will hear "
	    "from us.\n\n",
	    "Questions: ", conf.abuse, "\n\n",
	    "Test: mailbox=", addr, " time=", tm, " token=", tok, "\n",
	    (char *)NULL);
	if (dryrun) {
		buf_str(&m, "\n");
		emit(m.p, m.len);
		return;
	}
	rcpts[0] = addr;
	if (mailer_send(sender, rcpts, 1, m.p, m.len, why, sizeof why) < 0) {
		wr_flush(&out);
		errx(EX_TEMPFAIL, "%s: not sent: %s", addr, why);
	}
	emit(addr, strlen(addr));
	emit(" mailbox ", 9);
	emit(tok, strlen(tok));
	emit("\n", 1);
}

/* Before the n-th mailbox probe: at most probe_rate a minute, as
 * relaywatch-due lets hosts out (none with -n, or probe_rate 0). */
static void
pace(unsigned long long n)
{
	struct timespec ts;
	long long ns;

	if (n == 0 || dryrun || conf.probe_rate <= 0)
		return;
	if (wr_flush(&out) < 0)
		err(EX_IOERR, "standard output");
	ns = 60000000000LL / conf.probe_rate;
	ts.tv_sec = (time_t)(ns / 1000000000LL);
	ts.tv_nsec = (long)(ns % 1000000000LL);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * -m: a probe into each mailbox of path (the mailboxes file, or one
 * named on the command line; NULL for the standard input), whose lines are
 * "NETWORK ADDRESS" (the network the customer collects it from, an
 * address or CIDR block, then the mailbox), with '#' comments; the
 * setting's file, when not there, has none.  Bad lines are said with
 * their place; returns how many.
 */
static unsigned long long
probe_mailboxes(const char *path, int named)
{
	struct textfile tf;
	unsigned long long bad = 0;
	unsigned long long sent = 0;
	const char *why;
	char *line, *s;
	size_t len;
	int rc;

	/* The setting's file absent: no customer collects by POP3, nothing
	 * to test.  One named on the command line must be there. */
	if (path == NULL)
		textfile_stdin(&tf, path = "standard input");
	else if (textfile_open(&tf, path) < 0) {
		if (errno == ENOENT && !named)
			return 0;
		if (named)
			err(EX_NOINPUT, "%s", path);
		err(EX_NOINPUT, "%s (mailboxes in %s)", path, conf.path);
	}
	while ((rc = textfile_next(&tf, &line, &len, &why)) != 0) {
		struct ip first, last;
		const char *a;
		size_t n;

		if (rc < 0) {
			textfile_close(&tf);
			errx(EX_DATAERR, "%s:%lu: %s", path, tf.lineno, why);
		}
		if ((n = text_strip(line, len, &s)) == 0)
			continue;
		if (mailboxes_line(s, n, &first, &last, &a, &why) == 0) {
			pace(sent++);
			probe_mailbox(a, time(NULL));
			continue;
		}
		text_warn_line(&bad, path, tf.lineno, s, n,
		    "not a mailboxes line", why);
	}
	textfile_close(&tf);
	return bad;
}

static void __attribute__((noreturn))
usage(int asked)
{
	usage_exit("usage: relaywatch-probe [-hn] [-c conf]\n"
	    "       relaywatch-probe -m [-hn] [-c conf] [file]\n", asked);
}

int
main(int argc, char *argv[])
{
	const char *confpath = NULL;
	struct reader rd;
	unsigned long long bad = 0;
	char *line, keyerr[512];
	size_t len;
	int ch, flags, rc, mailboxes = 0;

	while ((ch = getopt(argc, argv, "c:hmn")) != -1)
		switch (ch) {
		case 'c':
			confpath = optarg;
			break;
		case 'm':
			mailboxes = 1;
			break;
		case 'n':
			dryrun = 1;
			break;
		case 'h':
			usage(1);
		default:
			usage(0);
		}
	if (optind != argc && !(mailboxes && optind == argc - 1))
		usage(0);
	conf_load(&conf, confpath);
	conf_require_domain(&conf);
	if ((rc = token_keys_read(&keys, conf.keyfile, keyerr, sizeof keyerr)) != 0)
		errx(rc, "%s", keyerr);
	if (!dryrun)
		mailer_init(conf.sendmail, conf.path);
	/* A sendmail that dies leaves us a write error, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if (rd_init(&rd, STDIN_FILENO, INPUT_LINE_MAX) < 0)
		err(EX_OSERR, "out of memory");
	wr_init(&out, STDOUT_FILENO);
	if (mailboxes) {
		if (optind < argc)
			bad = probe_mailboxes(strcmp(argv[optind], "-") == 0 ?
			    NULL : argv[optind], 1);
		else
			bad = probe_mailboxes(conf.mailboxes, 0);
		token_keys_clear(&keys);
		rd_free(&rd);
		if (wr_flush(&out) < 0)
			err(EX_IOERR, "standard output");
		return bad > 0 ? EX_DATAERR : 0;
	}
	/* (what sendmail took is said at once, host by host: a run
	 * stopped in the middle of a batch leaves the record true) */

	while ((rc = rd_line(&rd, &line, &len, &flags)) == 1) {
		struct ip ip;
		const char *why = "line too long";
		char their[DOMAIN_MAX + 1], name[DOMAIN_MAX + 1],
		    mailbox[MAILBOX_MAX + 1];
		enum hostline_name from;
		int mrc = 0;

		/* A remailer's retest: a new probe into its mailbox. */
		if (!(flags & RD_TOOLONG) && (mrc = hostline_mailbox_parse(line,
		    len, &ip, mailbox, &why)) == 1) {
			probe_mailbox(mailbox, time(NULL));
			flush_out();
			continue;
		}
		if (!(flags & RD_TOOLONG) && mrc == 0 && hostline_parse(line,
		    len, &ip, their, name, &from, &why) == 0) {
			/* The senders' domain, else the host's name's. */
			if (their[0] != '\0')
				probe(&ip, their, "senders", time(NULL));
			else if (name[0] != '\0')
				probe(&ip, name, hostline_name_word(from),
				    time(NULL));
			else
				probe(&ip, NULL, NULL, time(NULL));
			flush_out();
			continue;
		}
		text_warn_line(&bad, "standard input", rd.lineno, line, len,
		    "not an address as relaywatch-due prints them", why);
	}
	if (rc < 0)
		err(EX_IOERR, "standard input");
	if (wr_flush(&out) < 0)
		err(EX_IOERR, "standard output");
	token_keys_clear(&keys);
	rd_free(&rd);
	return bad > 0 ? EX_DATAERR : 0;
}

/*
 * relaywatch-classify: one message from the special mailbox on the
 * standard input; prints a verdict line for relaywatch-db apply when a
 * valid token proves one:
 *
 *   our probe, delivered back by a relay        IP BLOCK TIME why=relayed ...
 *   a delivery failure report of our probe      IP OK TIME why=... diag=...
 *
 * and nothing else (exit 1) for everything else: no token, a bad token,
 * delay warnings, auto-replies, feedback reports, ordinary mail.
 *
 * The message is read once, as a stream, in bounded memory (mime.h);
 * every decoded byte passes a token finder that needs no line at all
 * (token.h), delivery status parts go to dsn.h and the report's own words
 * to report_text.h; classify/message.c keeps what the message says (seen)
 * and classify/nets.c whose host an address is.  This file holds what
 * they add up to: the verdict, printed by classify/verdict.c.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "ascii.h"
#include "classify/classify.h"
#include "conf.h"
#include "ip.h"
#include "mailboxes.h"
#include "mime.h"
#include "report_text.h"
#include "token.h"
#include "token_words.h"
#include "usage.h"
#include "variant.h"

/*
 * Exim's bounce says "retry timeout exceeded" whatever the error was.
 * relaywatch's retry rule for probes gives up on a refused connection at
 * the first try, while a host that does not answer is given at least the
 * transport's connect_timeout (30 s) and then RELAYWATCH_PROBE_RETRY: such a
 * bounce within this many seconds of the probe was a refused connection.
 */
#define NO_SMTP_WINDOW 25

struct conf conf;
struct keys keys;
int verbose;
static int holds;		/* -H: say which host to hold, without a verdict */
long long now;

/* The token of an address "MAILBOX+TOKEN@DOMAIN" in s, if any: 1 valid
 * (*t, *text), 0 none, -1 one that does not check (*why). */
static int
address_token(const char *s, struct token *t, char *text, const char **why)
{
	char prefix[CONF_VALUE_MAX + 2];
	size_t n;

	snprintf(prefix, sizeof prefix, "%s+", conf.mailbox);
	n = token_words_after(s, strlen(s), prefix, text);
	if (n == 0) {
		*why = "no token";
		return 0;
	}
	if (n > TOKEN_MAX || token_check(&keys, text, n, now,
	    conf.token_lifetime, t, why) < 0) {
		if (n > TOKEN_MAX)
			*why = "bad encoding";
		return -1;
	}
	return 1;
}

struct first_token {
	char *text;
	struct token *t;
	int found;
};

static void
first_token(void *arg, const char *w, size_t n, int where)
{
	struct first_token *ft = arg;
	const char *why;
	size_t k;

	(void)where;
	if (ft->found || seen.checks >= CHECKS_MAX)
		return;
	seen.checks++;
	if (token_check(&keys, w, n, now, conf.token_lifetime, ft->t,
	    &why) < 0)
		return;
	for (k = 0; k < n; k++)
		ft->text[k] = (char)ascii_lower((unsigned char)w[k]);
	ft->text[n] = '\0';
	ft->found = 1;
}

/* The first valid token among the words of v: 1 with text (lower case)
 * and *t, else 0. */
static int
field_token(const char *v, char *text, struct token *t)
{
	struct first_token ft = { text, t, 0 };
	struct token_words tw;

	token_words_start(&tw, first_token, &ft);
	token_words_feed(&tw, v, strlen(v), 0);
	token_words_end(&tw, 0);
	return ft.found;
}

/* Where a token of the probe may be, and what it says. */
enum { AT_SENDER, AT_FROM, AT_ENVELOPE, AT_XRW, AT_MSGID, AT_SUBJECT,
    AT_BODY, AT_N };
static const char *const at_name[AT_N] = { "the sender", "From",
    "the envelope recipient", "X-Relaywatch", "the Message-ID",
    "the Subject", "the text" };

struct copies {
	char text[AT_N][TOKEN_MAX + 2];
	struct token t[AT_N];
	int have[AT_N];
	const char *bad_envelope;	/* its token does not check: why */
};

static void
find_copies(struct copies *c)
{
	const char *why;
	size_t n;
	int i;

	memset(c, 0, sizeof *c);
	if (seen.have_return_path)
		c->have[AT_SENDER] = address_token(seen.return_path,
		    &c->t[AT_SENDER], c->text[AT_SENDER], &why) == 1;
	c->have[AT_FROM] = field_token(seen.from, c->text[AT_FROM],
	    &c->t[AT_FROM]);
	if (seen.envelope[0] != '\0') {
		int r = address_token(seen.envelope, &c->t[AT_ENVELOPE],
		    c->text[AT_ENVELOPE], &why);

		c->have[AT_ENVELOPE] = r == 1;
		if (r < 0)
			c->bad_envelope = why;
	}
	n = token_words_after(seen.xrw, strlen(seen.xrw), "token=", c->text[AT_XRW]);
	c->have[AT_XRW] = n > 0 && n <= TOKEN_MAX && token_check(&keys,
	    c->text[AT_XRW], n, now, conf.token_lifetime, &c->t[AT_XRW],
	    &why) == 0;
	c->have[AT_MSGID] = field_token(seen.msgid, c->text[AT_MSGID],
	    &c->t[AT_MSGID]);
	c->have[AT_SUBJECT] = field_token(seen.subject, c->text[AT_SUBJECT],
	    &c->t[AT_SUBJECT]);
	for (i = 0; i < seen.ntok; i++)
		if (seen.tok[i].src & SRC_BODY) {
			memcpy(c->text[AT_BODY], seen.tok[i].text,
			    sizeof seen.tok[i].text);
			c->t[AT_BODY] = seen.tok[i].t;
			c->have[AT_BODY] = 1;
			break;
		}
	for (i = 0; i < AT_N; i++)
		if (c->have[i])
			for (n = 0; c->text[i][n]; n++)
				c->text[i][n] = (char)ascii_lower(
				    (unsigned char)c->text[i][n]);
}

/* Whether the message says it is from our probe's sender: the sender or
 * From carries a valid token.  Failure reports and replies do not. */
static int
from_our_probe(const struct copies *c)
{
	return (c->have[AT_SENDER] || c->have[AT_FROM]) && !seen.null_sender &&
	    !seen.daemon_from && !seen.top_report;
}

/* Whether the text at v is key=WORD with WORD the whole of w (any case). */
static int
kv_is(const char *x, const char *key, const char *w)
{
	const char *v = ascii_find_ci(x, strlen(x), key);
	size_t n = strlen(w);

	if (v == NULL)
		return 0;
	v += strlen(key);
	return strncasecmp(v, w, n) == 0 && (v[n] == ' ' || v[n] == '\0');
}

/* A subject that a person's reply or forward gives. */
static int
reply_subject(void)
{
	static const char *const pre[] = { "re:", "fw:", "fwd:", "aw:", "wg:",
	    "sv:", "vs:", "tr:", "rif:", "r:", "antw:", NULL };
	const char *s = seen.subject;
	int i;

	while (ascii_isspace((unsigned char)*s))
		s++;
	for (i = 0; pre[i]; i++)
		if (strncasecmp(s, pre[i], strlen(pre[i])) == 0)
			return 1;
	return 0;
}

/*
 * Our probe itself, whatever the relay did to its sender and From (a
 * relay that rewrites senders, or a probe from the null sender): its
 * token in the envelope recipient, and the same token in the two fields
 * of the message's own header that a relay keeps and nobody writes by
 * hand, X-Relaywatch and the Message-ID; and nothing about it is a
 * report's, a reply's or a resend's.  Failure reports, replies and
 * forwards quote a probe in a header of their own, and a person who
 * writes to the probe's address writes neither field; they never get
 * here.  (relayed() then wants it straight from the tested host.)
 */
static int
probe_itself(const struct copies *c)
{
	size_t sl = strlen(seen.subject);
	const char *e = c->text[AT_ENVELOPE];

	if (!c->have[AT_ENVELOPE] || c->t[AT_ENVELOPE].mailbox)
		return 0;
	if (seen.top_report || seen.dsn || seen.failed_rcpts ||
	    seen.autoreply_hdr || seen.replied || seen.in_reply_to ||
	    seen.resent || seen.daemon_from || seen.mta_from ||
	    reply_subject() ||
	    ascii_holds_ci(seen.subject, sl, report_fail_phrases) ||
	    ascii_holds_ci(seen.subject, sl, report_delay_phrases) ||
	    ascii_holds_ci(seen.subject, sl, report_auto_phrases))
		return 0;
	return (c->have[AT_XRW] && strcmp(c->text[AT_XRW], e) == 0) ||
	    (c->have[AT_MSGID] && strcmp(c->text[AT_MSGID], e) == 0);
}

/*
 * Our mailbox probe, re-sent by whatever collected the mailbox: BLOCK of
 * the host that handed it to our farm (farm_entry), when that host is in
 * the network the mailboxes file gives the mailbox, and one of our
 * customers.  The mailbox named in X-Relaywatch, or else in the text's
 * "Test:" line, must be the one its token was made for.
 */
static int
remailed(const struct copies *c, const struct token *t)
{
	unsigned char d[TOKEN_DIGEST_BYTES];
	char addr[FIELD_MAX], tm[24], via[IP_TEXT_MAX + 1],
	    why[CONF_VALUE_MAX + 64];
	const char *x = seen.xrw, *v;
	unsigned long listed, bad;
	size_t i, n;
	int k;

	snprintf(tm, sizeof tm, "%lld", t->time);
	if (seen.nxrw > 1)
		return say("no verdict: %d X-Relaywatch fields", seen.nxrw), 1;
	if (seen.nxrw == 1) {
		if ((v = ascii_find_ci(x, strlen(x), "mailbox=")) == NULL)
			return say("no verdict: X-Relaywatch names no mailbox"), 1;
		v += 8;
		n = strcspn(v, " \t");
		if (c->have[AT_XRW] &&
		    ((x = ascii_find_ci(x, strlen(x), "time=")) == NULL ||
		    strncmp(x + 5, tm, strlen(tm)) != 0))
			return say("no verdict: X-Relaywatch time differs from "
			    "its token's"), 1;
	} else {
		v = seen.test_mailbox;
		n = strlen(v);
	}
	if (n == 0 || n >= sizeof addr)
		return say("no verdict: our mailbox probe, but no mailbox named "
		    "in it"), 1;
	for (i = 0; i < n; i++)
		addr[i] = (char)ascii_lower((unsigned char)v[i]);
	addr[n] = '\0';
	if (token_mailbox_digest(addr, n, d) < 0 ||
	    memcmp(d, t->digest, sizeof d) != 0)
		return say("no verdict: the mailbox named (%s) is not the one "
		    "its token was made for", addr), 1;
	if (seen.replied || seen.in_reply_to || seen.autoreply_hdr ||
	    reply_subject())
		return say("no verdict: a reply to our probe, or a forward"), 1;
	if ((k = farm_entry(why, sizeof why)) < 0)
		return say("no verdict: our mailbox probe for %s: %s", addr,
		    why), 1;
	ip_format(&seen.path[k].ip, via);
	/* The token binds the mailbox, and the mailboxes file its
	 * network: a copy from elsewhere says nothing of the host. */
	switch (mailboxes_holds(conf.mailboxes, addr, &seen.path[k].ip,
	    &listed, &bad)) {
	case 1:
		break;
	case 0:
		if (bad)
			snprintf(why, sizeof why, "; %lu line%s of %s %s",
			    bad, bad == 1 ? "" : "s", conf.mailboxes, bad == 1 ?
			    "is not a mailboxes line" : "are not mailboxes lines");
		else
			why[0] = '\0';
		return say("no verdict: our mailbox probe for %s re-sent by "
		    "%s, %s %s%s", addr, via, listed ?
		    "outside the network given for it in" : "a mailbox not in",
		    conf.mailboxes, why), 1;
	default:
		if (errno == ENOENT)
			return say("no verdict: our mailbox probe for %s re-sent "
			    "by %s, but %s (mailboxes) is not there", addr, via,
			    conf.mailboxes), 1;
		err(EX_TEMPFAIL, "%s (mailboxes)", conf.mailboxes);
	}
	if (!in_netblocks(&seen.path[k].ip))
		return say("no verdict: our mailbox probe for %s re-sent by "
		    "%s, outside our netblocks", addr, via), 1;
	verdict_begin(&seen.path[k].ip, ST_BLOCK);
	kv("why", "remailed");
	kv("mailbox", addr);
	kv("token-time", tm);
	farm_kv(k);
	return verdict_print();
}

/*
 * The message is our probe itself, come back through a relay: BLOCK.
 * Relays are not careful: they drop X- fields, write Message-IDs of their
 * own, re-encode the text, add footers and subject tags.  The token's
 * HMAC is the proof, wherever it survives: the message must say it is
 * from our probe (sender or From), carry the token in one more place (the
 * envelope recipient, X-Relaywatch, Message-ID, Subject or the text, not
 * an enclosed message), and every copy must be the same token.
 */
static int
relayed(const struct copies *c, int rewritten)
{
	char ipt[IP_TEXT_MAX + 1], tm[24], via[IP_TEXT_MAX + 1], why[512];
	const char *v, *x = seen.xrw;
	struct token t;
	int i, k, first = -1, proof = 0;

	/* Delivered to an address of the special mailbox whose token does
	 * not check: not where our probe was sent. */
	if (c->bad_envelope)
		return say("no verdict: envelope recipient token: %s",
		    c->bad_envelope), 1;
	for (i = 0; i < AT_N; i++) {
		if (!c->have[i])
			continue;
		if (first < 0)
			first = i;
		else if (strcmp(c->text[i], c->text[first]) != 0)
			return say("no verdict: %s and %s carry different "
			    "tokens", at_name[first], at_name[i]), 1;
		if (i >= AT_ENVELOPE)
			proof = 1;
	}
	if (!proof)
		return say("no verdict: our probe's sender, but no copy of its "
		    "token in the envelope, X-Relaywatch, Message-ID, Subject "
		    "or text"), 1;
	t = c->t[first];
	if (t.mailbox)
		return remailed(c, &t);
	ip_format(&t.ip, ipt);
	snprintf(tm, sizeof tm, "%lld", t.time);
	if (seen.nxrw > 1)
		return say("no verdict: %d X-Relaywatch fields", seen.nxrw), 1;
	/* An X-Relaywatch that is there says the same as its token. */
	if (c->have[AT_XRW]) {
		if ((v = ascii_find_ci(x, strlen(x), "ip=")) == NULL ||
		    strncmp(v + 3, ipt, strlen(ipt)) != 0 ||
		    (v[3 + strlen(ipt)] != ' ' && v[3 + strlen(ipt)] != '\0'))
			return say("no verdict: X-Relaywatch names another "
			    "address than its token (%s)", ipt), 1;
		if ((v = ascii_find_ci(x, strlen(x), "time=")) == NULL ||
		    strncmp(v + 5, tm, strlen(tm)) != 0)
			return say("no verdict: X-Relaywatch time differs from "
			    "its token's"), 1;
		if (!kv_is(x, "variant=", variant_text(t.variant)))
			return say("no verdict: X-Relaywatch variant differs "
			    "from its token's"), 1;
	}
	if (seen.replied || seen.in_reply_to || seen.autoreply_hdr ||
	    reply_subject())
		return say("no verdict: a reply to our probe, or a forward"), 1;
	/* It came from the tested host itself, by SMTP, to our farm:
	 * Received fields that our own hosts wrote say so, and nothing
	 * else can.  Handed over by another host, it is held for a person
	 * (-H) with that host named. */
	if ((k = farm_entry(why, sizeof why)) < 0)
		return say("no verdict: our probe for %s: %s", ipt, why), 1;
	ip_format(&seen.path[k].ip, via);
	if (ip_cmp(&seen.path[k].ip, &t.ip) != 0) {
		held_via = k;
		return say("no verdict: our probe for %s handed to our farm "
		    "by %s (multihop: what %s wrote of where it had it "
		    "proves nothing)", ipt, via, via), 1;
	}
	if (verbose > 1)
		for (i = 0; i < AT_N; i++)
			if (c->have[i])
				say("the token in %s", at_name[i]);
	verdict_begin(&t.ip, ST_BLOCK);
	kv("why", "relayed");
	kv("variant", variant_text(t.variant));
	kv("token-time", tm);
	farm_kv(k);
	/* The relay rewrote our sender (the null sender's is none). */
	if (rewritten && !(seen.null_sender &&
	    variant_sender(t.variant) == SENDER_NULL))
		kv("sender", "rewritten");
	return verdict_print();
}

/* Whether b is the tested host a, or of its network: for IPv6 the
 * ipv6_prefix network, which relaywatch takes for one customer. */
static int
same_customer(const struct ip *a, const struct ip *b)
{
	struct ip na, nb;

	if (ip_cmp(a, b) == 0)
		return 1;
	if (ip_is_v4(a) || ip_is_v4(b))
		return 0;
	ip_network(a, conf.ipv6_prefix, &na);
	ip_network(b, conf.ipv6_prefix, &nb);
	return ip_cmp(&na, &nb) == 0;
}

/* What kind of report: 1 a delivery failure, else 0 with *why.  verp:
 * the message came to a probe's own address (its token in the envelope
 * recipient), where nothing but reports of that probe is sent. */
static int
is_failure(int verp, const char **why)
{
	size_t sl = strlen(seen.subject);
	int subj_fail = ascii_holds_ci(seen.subject, sl, report_fail_phrases);
	int subj_delay = ascii_holds_ci(seen.subject, sl, report_delay_phrases);
	int subj_auto = ascii_holds_ci(seen.subject, sl, report_auto_phrases);
	int challenge = seen.text.challenge_phrase ||
	    ascii_holds_ci(seen.subject, sl, report_challenge_phrases);

	if (verbose > 1)
		say("subject fail %d delay %d auto %d; text fail %d delay %d "
		    "5xx %d; null sender %d, daemon %d, "
		    "X-Failed-Recipients %d, auto-reply %d; "
		    "DSN %d failed %d delayed %d other %d",
		    subj_fail, subj_delay, subj_auto, seen.text.fail_phrase,
		    seen.text.delay_phrase, seen.text.reply5xx, seen.null_sender,
		    seen.daemon_from, seen.failed_rcpts, seen.autoreply_hdr,
		    seen.dsn, seen.status.failed, seen.status.delayed,
		    seen.status.other);
	if (seen.report_feedback)
		return *why = "a feedback report (RFC 5965)", 0;
	if (seen.report_mdn)
		return *why = "a disposition notification (read receipt)", 0;
	if (seen.dsn && seen.status.failed + seen.status.delayed + seen.status.other) {
		if (seen.status.failed)
			return 1;
		if (seen.status.delayed)
			return *why = "a delay warning (Action: delayed)", 0;
		return *why = "a delivery status report without a failure", 0;
	}
	if (seen.dsn && seen.status.status5)
		return 1;
	if (seen.dsn && seen.status.status2)
		return *why = "a delivery status report without a failure", 0;
	if (seen.autoreply_hdr || subj_auto)
		return *why = "an auto-reply", 0;
	if (subj_delay || (seen.text.delay_phrase && !subj_fail))
		return *why = "a delay warning", 0;
	if (challenge && !seen.failed_rcpts)
		return *why = "a challenge to prove the sender", 0;
	if (seen.failed_rcpts)
		return 1;
	if ((subj_fail || seen.text.fail_phrase || seen.text.reply5xx) &&
	    (seen.null_sender || seen.daemon_from || subj_fail))
		return 1;
	if (seen.report_dsn && seen.null_sender)
		return 1;
	if (seen.replied)
		return *why = "an auto-reply", 0;
	/* Whatever its words: a report that a mail system (the null sender,
	 * a mailer-daemon or postmaster) sent to the probe's own address,
	 * and that is neither a reply nor any of the above, can only be
	 * about the probe, which went nowhere else. */
	if (verp && (seen.null_sender || seen.mta_from) && !seen.in_reply_to)
		return 1;
	return *why = "not a delivery failure report", 0;
}

static int
bounced(void)
{
	struct found *f = NULL;
	struct token et;
	char etext[TOKEN_MAX + 2], tm[24], via[IP_TEXT_MAX + 1];
	const char *why, *diag, *kind;
	int i, k = -1, rc;

	/* The envelope recipient speaks first: a bounce to it needs no
	 * quote. */
	if (seen.envelope[0] != '\0') {
		rc = address_token(seen.envelope, &et, etext, &why);
		if (rc < 0)
			return say("no verdict: envelope recipient token: %s",
			    why), 1;
		if (rc > 0)
			for (i = 0; i < seen.ntok; i++)
				if (strcasecmp(seen.tok[i].text, etext) == 0)
					f = &seen.tok[i];
	}
	for (i = 0; verbose > 1 && i < seen.ntok; i++) {
		char ipt[IP_TEXT_MAX + 1];
		int w = seen.tok[i].src;

		ip_format(&seen.tok[i].t.ip, ipt);
		say("token %s for %s, in the%s%s%s%s", seen.tok[i].text, ipt,
		    w & SRC_ENVELOPE ? " envelope" : "",
		    w & SRC_HEADER ? " header" : "", w & SRC_BODY ? " body" : "",
		    w & SRC_ENCLOSED ? " enclosed message" : "");
	}
	if (seen.too_many)
		return say("no verdict: more than %d valid tokens",
		    FOUND_MAX), 1;
	for (i = 0; i < seen.ntok; i++) {
		if (f == NULL)
			f = &seen.tok[i];
		else if (ip_cmp(&f->t.ip, &seen.tok[i].t.ip) != 0)
			return say("no verdict: tokens for more than one "
			    "address"), 1;
	}
	if (f == NULL) {
		if (seen.nbad)
			return say("no verdict: no valid token (%d token-like "
			    "words, the last: %s)", seen.nbad, seen.bad_why), 1;
		return say("no verdict: no token"), 1;
	}
	if (f->t.mailbox)
		return say("no verdict: a report of a mailbox probe says "
		    "nothing of any host"), 1;
	if (!is_failure((f->src & SRC_ENVELOPE) != 0, &why))
		return say("no verdict: %s", why), 1;
	if (seen.status.diag[0])
		diag = seen.status.diag;
	else if (seen.text.exim[0])
		diag = seen.text.exim;
	else if (seen.text.reply[0])
		diag = seen.text.reply;
	else
		diag = seen.text.conn;
	if (seen.received > 0 && !seen.top_local) {
		/* From outside: the tested host's own report of what it
		 * accepted, handed to our farm by it or its network. */
		char ipt[IP_TEXT_MAX + 1], how[512];

		ip_format(&f->t.ip, ipt);
		if ((k = farm_entry(how, sizeof how)) < 0)
			return say("no verdict: a report of our probe for %s: "
			    "%s", ipt, how), 1;
		if (!same_customer(&f->t.ip, &seen.path[k].ip)) {
			held_via = k;
			ip_format(&seen.path[k].ip, via);
			return say("no verdict: a report of our probe for %s "
			    "handed to our farm by %s, not by %s%s", ipt, via,
			    ipt, ip_is_v4(&f->t.ip) ? "" : " or its network"),
			    1;
		}
		kind = "bounced-after-accept";
	} else if (ascii_find_ci(diag, strlen(diag), "connection refused") ||
	    ascii_find_ci(seen.text.conn, strlen(seen.text.conn),
	    "connection refused"))
		kind = "no-smtp";
	else if (report_text_smtp_reply(diag, strlen(diag)) != NULL)
		kind = "refused";
	else if (ascii_find_ci(diag, strlen(diag), "retry timeout exceeded") &&
	    now - f->t.time <= NO_SMTP_WINDOW)
		kind = "no-smtp";
	else
		kind = "unreachable";
	snprintf(tm, sizeof tm, "%lld", f->t.time);
	verdict_begin(&f->t.ip, ST_OK);
	kv("why", kind);
	kv("variant", variant_text(f->t.variant));
	kv("token-time", tm);
	if (diag[0])
		kv("diag", diag);
	if (k >= 0)
		farm_kv(k);
	return verdict_print();
}

/* The message read: our probe come back, a report of it, or neither. */
static int
decide(void)
{
	struct copies c;

	find_copies(&c);
	if (from_our_probe(&c))
		return relayed(&c, 0);
	if (probe_itself(&c))
		return relayed(&c, 1);
	return bounced();
}

/*
 * No verdict, but the message came to a probe's own address with a valid
 * token for a host: it says something of that host that nobody could
 * decide, so the host must not end OK by silence.  With -H, printed for
 * the recipe to record, with exit 1 all the same:
 *
 *   IP UNKNOWN TIME why=undecided variant=V token-time=T [via=H ...]
 */
static void
hold(void)
{
	struct token t;
	char text[TOKEN_MAX + 2], tm[24];
	const char *why;

	if (seen.envelope[0] == '\0' ||
	    address_token(seen.envelope, &t, text, &why) != 1 || t.mailbox)
		return;
	snprintf(tm, sizeof tm, "%lld", t.time);
	verdict_begin(&t.ip, ST_UNKNOWN);
	kv("why", "undecided");
	kv("variant", variant_text(t.variant));
	kv("token-time", tm);
	/* Handed to our farm by another host: it is named. */
	if (held_via >= 0)
		farm_kv(held_via);
	verdict_print();
}

static void __attribute__((noreturn))
usage(int asked)
{
	usage_exit("usage: relaywatch-classify [-Hhv] [-c conf] "
	    "[-r recipient]\n", asked);
}

int
main(int argc, char *argv[])
{
	const char *confpath = NULL, *rcpt = NULL;
	char keyerr[512];
	int ch, rc;

	while ((ch = getopt(argc, argv, "c:Hhr:v")) != -1)
		switch (ch) {
		case 'H':
			holds = 1;
			break;
		case 'c':
			confpath = optarg;
			break;
		case 'r':
			rcpt = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(1);
		default:
			usage(0);
		}
	if (optind != argc)
		usage(0);
	conf_load(&conf, confpath);
	conf_require_domain(&conf);
	/* Without the key nothing can be told: the MTA keeps the message. */
	if ((rc = token_keys_read(&keys, conf.keyfile, keyerr, sizeof keyerr)) != 0)
		errx(EX_TEMPFAIL, "%s", keyerr);
	now = (long long)time(NULL);
	token_words_start(&seen.words, token_candidate, NULL);
	if (rcpt) {
		ascii_copy_clean(seen.envelope, sizeof seen.envelope, rcpt,
		    strlen(rcpt));
		find_tokens(rcpt, strlen(rcpt), SRC_ENVELOPE);
		find_tokens_end(SRC_ENVELOPE);
	}
	if (mime_read(STDIN_FILENO, &walker) < 0)
		err(EX_TEMPFAIL, "standard input");
	if ((rc = decide()) != 0 && holds)
		hold();
	token_keys_clear(&keys);
	return rc;
}

/*
 * What the message says, read once as a stream (mime.h): its top-level
 * header, its parts and text, the Received path, and every valid token
 * in it (token.h), kept in seen (classify.h).
 */
#include <string.h>
#include <strings.h>

#include "ascii.h"
#include "classify.h"
#include "dsn.h"
#include "ip.h"
#include "mime.h"
#include "report_text.h"
#include "token.h"
#include "token_words.h"

struct classify_seen seen;

/* A word of letters and digits, 31 or 50 long: a token if it checks. */
void
token_candidate(void *arg, const char *w, size_t n, int src)
{
	struct token t;
	const char *why;
	int i;

	(void)arg;
	if (seen.checks >= CHECKS_MAX)
		return;
	seen.checks++;
	if (token_check(&keys, w, n, now, conf.token_lifetime, &t, &why) < 0) {
		/* Words that are not base32 are not worth a reason. */
		if (strcmp(why, "bad encoding") != 0) {
			seen.bad_why = why;
			seen.nbad++;
		}
		return;
	}
	for (i = 0; i < seen.ntok; i++)
		if (strlen(seen.tok[i].text) == n &&
		    strncasecmp(seen.tok[i].text, w, n) == 0) {
			seen.tok[i].src |= src;
			return;
		}
	if (seen.ntok == FOUND_MAX) {
		seen.too_many = 1;
		return;
	}
	for (i = 0; i < (int)n; i++)
		seen.tok[seen.ntok].text[i] = (char)ascii_lower((unsigned char)w[i]);
	seen.tok[seen.ntok].text[n] = '\0';
	seen.tok[seen.ntok].t = t;
	seen.tok[seen.ntok].src = src;
	seen.ntok++;
}

void
find_tokens(const char *s, size_t n, int src)
{
	token_words_feed(&seen.words, s, n, src);
}

void
find_tokens_end(int src)
{
	token_words_end(&seen.words, src);
}

/* ---- header fields ---------------------------------------------------- */

/* The first [address] in a Received field's from part: the host that
 * handed the message over.  Returns 1 with *ip set. */
static int
received_from(const char *v, size_t n, struct ip *ip)
{
	const char *p = v, *e = v + n, *by;
	const char *why;

	while (p < e && ascii_isspace((unsigned char)*p))
		p++;
	if (e - p < 5 || strncasecmp(p, "from", 4) != 0)
		return 0;
	if ((by = ascii_find_ci(p, (size_t)(e - p), " by ")) != NULL)
		e = by;
	for (; p < e; p++) {
		const char *q, *a;

		if (*p != '[')
			continue;
		a = p + 1;
		if (e - a > 5 && strncasecmp(a, "ipv6:", 5) == 0)
			a += 5;
		for (q = a; q < e && *q != ']'; q++)
			;
		if (q < e && ip_parse(a, (size_t)(q - a), ip, &why) == 0)
			return 1;
	}
	return 0;
}

/* "<>", perhaps with blanks: the null reverse path. */
static int
null_path(const char *v, size_t n)
{
	char t[3];
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (ascii_isspace((unsigned char)v[i]))
			continue;
		if (k == 2)
			return 0;
		t[k++] = v[i];
	}
	return k == 2 && t[0] == '<' && t[1] == '>';
}

/* A field of the message's own header. */
static void
top_field(const char *name, size_t nlen, const char *v, size_t n)
{
#define IS(s) (nlen == sizeof s - 1 && strncasecmp(name, s, nlen) == 0)
	if (IS("Received")) {
		struct ip ip;

		if (seen.received++ == 0) {
			seen.top_local = ascii_find_ci(v, n, " with local") != NULL ||
			    !received_from(v, n, &ip);
		}
		if (seen.npath < RECEIVED_MAX) {
			seen.path[seen.npath].named = received_from(v, n,
			    &seen.path[seen.npath].ip);
			seen.npath++;
		}
		return;
	}
	/* Tokens of the message's own header, but not of its path. */
	find_tokens(v, n, SRC_HEADER);
	find_tokens_end(SRC_HEADER);
	if (IS("Return-path")) {
		seen.have_return_path = 1;
		seen.null_sender = null_path(v, n);
		ascii_copy_clean(seen.return_path, sizeof seen.return_path, v, n);
	} else if (IS("Envelope-to")) {
		if (seen.envelope[0] == '\0')
			ascii_copy_clean(seen.envelope, sizeof seen.envelope, v, n);
	} else if (IS("X-Relaywatch")) {
		if (seen.nxrw++ == 0)
			ascii_copy_clean(seen.xrw, sizeof seen.xrw, v, n);
	} else if (IS("Message-ID")) {
		ascii_copy_clean(seen.msgid, sizeof seen.msgid, v, n);
	} else if (IS("Subject")) {
		ascii_copy_clean(seen.subject, sizeof seen.subject, v, n);
	} else if (IS("Resent-From") || IS("Resent-Sender") ||
	    IS("Resent-Message-ID")) {
		seen.resent = 1;
	} else if (IS("From")) {
		ascii_copy_clean(seen.from, sizeof seen.from, v, n);
		seen.daemon_from = ascii_holds_ci(v, n, report_daemon_names);
		seen.mta_from = ascii_holds_ci(v, n, report_mta_names);
	} else if (IS("X-Failed-Recipients")) {
		seen.failed_rcpts = 1;
	} else if (IS("X-Autoreply") || IS("X-Autorespond") ||
	    IS("X-Autoresponse") || IS("X-Vacation")) {
		seen.autoreply_hdr = 1;
	} else if (IS("Precedence")) {
		if (ascii_find_ci(v, n, "auto_reply") || ascii_find_ci(v, n, "auto-reply"))
			seen.autoreply_hdr = 1;
	} else if (IS("Auto-Submitted")) {
		if (ascii_find_ci(v, n, "auto-replied"))
			seen.replied = 1;
		if (ascii_find_ci(v, n, "vacation"))
			seen.autoreply_hdr = 1;
	} else if (IS("In-Reply-To") || IS("References")) {
		seen.in_reply_to = 1;
	}
#undef IS
}

/* A part's header read. */
static void
part(void *arg, const struct mime_part *p)
{
	(void)arg;
	if (p->top) {
		seen.top_report = strcmp(p->type, "multipart/report") == 0;
		if (seen.top_report) {
			const char *r = p->report;

			seen.report_dsn = strcmp(r, "delivery-status") == 0;
			seen.report_feedback =
			    strcmp(r, "feedback-report") == 0;
			seen.report_mdn =
			    strcmp(r, "disposition-notification") == 0;
		}
	}
	if (strcmp(p->type, "message/feedback-report") == 0)
		seen.report_feedback = 1;
	if (strcmp(p->type, "message/disposition-notification") == 0)
		seen.report_mdn = 1;
	if (!p->enclosed && (strcmp(p->type, "message/delivery-status") == 0 ||
	    strcmp(p->type, "message/global-delivery-status") == 0))
		seen.dsn = 1;
}

/* A line of the report's own words, or of a delivery status part. */
static void
text_line(void *arg, enum mime_text kind, const char *s, size_t n)
{
	(void)arg;
	static const char test[] = "Test: mailbox=";

	if (kind == MIME_STATUS)
		dsn_line(&seen.status, s, n);
	else if (seen.test_mailbox[0] == '\0' && n > sizeof test - 1 &&
	    strncasecmp(s, test, sizeof test - 1) == 0) {
		const char *v = s + sizeof test - 1, *sp;

		sp = memchr(v, ' ', (size_t)(s + n - v));
		ascii_copy_clean(seen.test_mailbox, sizeof seen.test_mailbox,
		    v, (size_t)((sp ? sp : s + n) - v));
	}
	if (kind != MIME_STATUS && seen.text_seen < TEXT_BUDGET) {
		seen.text_seen += n + 1;
		report_text_line(&seen.text, s, n);
	}
}

static void
top_field_(void *arg, const char *name, size_t nlen, const char *v, size_t n)
{
	(void)arg;
	top_field(name, nlen, v, n);
}

static void
bytes(void *arg, enum mime_where where, const char *s, size_t n)
{
	(void)arg;
	find_tokens(s, n, (int)where);
}

static void
bytes_end(void *arg, enum mime_where where)
{
	(void)arg;
	find_tokens_end((int)where);
}

const struct mime_walker walker = { NULL, top_field_, part, bytes,
    bytes_end, text_line };

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
 * The message is read once, as a stream, in bounded memory: lines are cut
 * into pieces of at most LINE_MAX bytes, MIME is followed to MIME_DEPTH
 * levels (deeper parts are plain text), quoted-printable and base64 are
 * decoded on the way, and every decoded byte passes a token finder that
 * needs no line at all.
 */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "ip.h"
#include "netset.h"
#include "state.h"
#include "textfile.h"
#include "token.h"
#include "usage.h"

#define LINE_MAX_ 8192		/* longer lines come in pieces */
#define FIELD_MAX 4096		/* a header field, unfolded, is cut here */
#define MIME_DEPTH 16		/* nested multiparts followed */
#define BOUNDARY_MAX 70		/* RFC 2046 */
#define TEXT_BUDGET (256 * 1024) /* report text looked at for phrases */
#define CHECKS_MAX 4096		/* token candidates verified */
#define FOUND_MAX 8		/* distinct valid tokens kept */
#define RECEIVED_MAX 8		/* hosts of the path kept */
#define DIAG_MAX 200
#define TLINE_MAX 1024		/* a line of report text, for phrases */
/*
 * Exim's bounce says "retry timeout exceeded" whatever the error was.
 * relaywatch's retry rule for probes gives up on a refused connection at
 * the first try, while a host that does not answer is given at least the
 * transport's connect_timeout (30 s) and then RELAYWATCH_PROBE_RETRY: such a
 * bounce within this many seconds of the probe was a refused connection.
 */
#define NO_SMTP_WINDOW 25

static struct conf conf;
static struct keys keys;
static int verbose;
static long long now;

/* ---- what was seen ---------------------------------------------------- */

/* Where a token was seen: SRC_ENCLOSED is inside an enclosed message (a
 * report's copy of the original, a forwarded message). */
enum { SRC_ENVELOPE = 1, SRC_HEADER = 2, SRC_BODY = 4, SRC_ENCLOSED = 8 };

struct found {
	char text[TOKEN_MAX + 1];
	struct token t;
	int src;
};

static struct {
	/* tokens */
	struct found tok[FOUND_MAX];
	int ntok, too_many;
	unsigned checks;
	const char *bad_why;	/* why the last token-shaped word failed */
	int nbad;

	/* top-level header */
	int null_sender, have_return_path;
	char return_path[FIELD_MAX];
	char envelope[FIELD_MAX];
	char xrw[FIELD_MAX];
	int nxrw;
	char msgid[FIELD_MAX];
	char subject[FIELD_MAX];
	char from[FIELD_MAX];
	int daemon_from, failed_rcpts, autoreply_hdr, replied, in_reply_to;
	int top_report, report_dsn, report_feedback, report_mdn;
	struct ip path[RECEIVED_MAX];
	int npath, received, top_local;

	/* the delivery status parts */
	int dsn, act_failed, act_delayed, act_other, status5, dsn_diag_open;
	char dsn_diag[DIAG_MAX + 1];

	/* the report's own text */
	int fail_phrase, delay_phrase, text5xx;
	int smtp_error_next;
	char text_diag[DIAG_MAX + 1];
	char exim_diag[DIAG_MAX + 1];
	char errno_diag[DIAG_MAX + 1];
	size_t text_seen;
} seen;

/* ---- small helpers ---------------------------------------------------- */

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int
isalnum_(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

static int
isspace_(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Case-insensitive search for needle (lower case) in s[0..n). */
static const char *
find_ci(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle), i, j;

	if (m == 0 || m > n)
		return m == 0 ? s : NULL;
	for (i = 0; i + m <= n; i++) {
		if (lower((unsigned char)s[i]) != needle[0])
			continue;
		for (j = 1; j < m; j++)
			if (lower((unsigned char)s[i + j]) != needle[j])
				break;
		if (j == m)
			return s + i;
	}
	return NULL;
}

/* Whether low[0..n), already in lower case, holds one of list. */
static int
any_lower(const char *low, size_t n, const char *const *list)
{
	for (; *list; list++) {
		size_t m = strlen(*list);
		const char *p = low, *e = low + n;

		while (m <= (size_t)(e - p) &&
		    (p = memchr(p, (*list)[0], (size_t)(e - p) - m + 1)) != NULL) {
			if (memcmp(p, *list, m) == 0)
				return 1;
			p++;
		}
	}
	return 0;
}

/* s[0..n) in lower case into low (at most n bytes); returns n. */
static size_t
lower_copy(char *low, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		low[i] = (char)lower((unsigned char)s[i]);
	return n;
}

/* Whether s[0..n), in any case, holds one of list (at most FIELD_MAX
 * bytes of it are looked at). */
static int
any_ci(const char *s, size_t n, const char *const *list)
{
	char low[FIELD_MAX];

	return any_lower(low, lower_copy(low, s, n < sizeof low ? n :
	    sizeof low), list);
}

/* Copy s[0..n) into dst (dstsz) with white space runs made one blank and
 * the ends trimmed. */
static void
copy_clean(char *dst, size_t dstsz, const char *s, size_t n)
{
	size_t o = 0, i;
	int blank = 0;

	for (i = 0; i < n && o + 1 < dstsz; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isspace_(c)) {
			blank = o > 0;
			continue;
		}
		if (blank && o + 2 < dstsz)
			dst[o++] = ' ';
		blank = 0;
		dst[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	dst[o] = '\0';
}

static void
say(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "relaywatch-classify: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/* ---- phrases ---------------------------------------------------------- */

/* A delivery failed: said in the report's own text or its subject. */
static const char *const fail_phrases[] = {
	"could not be delivered", "couldn't be delivered",
	"could not deliver", "couldn't deliver", "unable to deliver",
	"not be delivered", "was not delivered", "wasn't delivered",
	"were not delivered", "not been delivered", "failed to deliver",
	"undeliverable", "undelivered", "delivery failed",
	"delivery has failed", "delivery failure", "delivery problem",
	"delivery to the following", "did not reach", "not delivered",
	"permanent error", "permanent failure", "failed permanently",
	"fatal error", "address(es) failed", "following addresses failed",
	"following address failed", "following recipient", "returned mail",
	"returned to sender", "mail delivery failed", "failure notice",
	"non-delivery", "nondelivery", "non delivery", "user unknown",
	"unknown user", "no such user", "mailbox unavailable",
	"mailbox not found", "does not exist", "address rejected",
	"relay access denied", "relaying denied", "relay not permitted",
	"relaying not allowed", "smtp error from remote", "said: 5",
	"transcript of session follows", "this is the mail system at host",
	"qmail-send program", "i'm afraid i wasn't able",
	"sorry to have to inform you", "delivery status notification (failure)",
	"mail system error", "returned message", "message not delivered",
	"error occurred while trying to deliver", "remote server returned",
	"undeliverable mail",
	"mailbox is full", "quota exceeded",
	"host unknown", "could not be sent", "permanently rejected",
	"mail failure", "mail failed", "delivery error",
	"the original message was received at", "returning to sender",
	"while attempting to deliver", "trouble delivering",
	"not able to be delivered", "notification: error",
	"error sending your mail", "\"notificationtype\":\"bounce\"",
	/* "mail error" in Japanese, UTF-8 */
	"\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab"
	    "\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc",
	NULL
};

/* Still trying: a warning, not a failure. */
static const char *const delay_phrases[] = {
	"delayed", "still being retried", "will continue to try",
	"will retry", "will be retried", "has not yet been delivered",
	"not yet been delivered", "could not send message for past",
	"could not send mail for past",
	"still trying", "will keep trying", "(delay)",
	"temporarily deferred", "delivery attempts will continue",
	NULL
};

/* An auto-reply (RFC 3834, vacation, out of office). */
static const char *const auto_phrases[] = {
	"auto reply", "auto-reply", "autoreply", "automatic reply",
	"auto response", "autoresponse", "autorespons", "auto-response",
	"automatic response", "out of office", "out of the office",
	"vacation", "away from", "abwesen", "automatische antwort",
	"atvalin", "automatiska atbilde", "away until",
	"r\xc3\xa9ponse automatique", NULL
};

/* Local parts of report senders. */
static const char *const daemon_names[] = {
	"mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon",
	"maildaemon", "postmaster", "mail delivery", "mdaemon",
	"mail administrator", "mail_delivery", "mailer daemon", "post_master",
	"no-reply", "noreply", NULL
};

/* ---- tokens ----------------------------------------------------------- */

static const char *
variant_name(unsigned v)
{
	const char *n = conf_variant_name(v);

	return n ? n : "unknown";
}

/* A word of letters and digits, 31 or 50 long: a token if it checks. */
static void
token_candidate(const char *w, size_t n, int src)
{
	struct token t;
	const char *why;
	int i;

	if (n != TOKEN_V4_LEN && n != TOKEN_V6_LEN)
		return;
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
		seen.tok[seen.ntok].text[i] = (char)lower((unsigned char)w[i]);
	seen.tok[seen.ntok].text[n] = '\0';
	seen.tok[seen.ntok].t = t;
	seen.tok[seen.ntok].src = src;
	seen.ntok++;
}

/* The token finder: fed any number of bytes, in any pieces. */
static struct {
	char w[TOKEN_MAX + 1];
	size_t n;		/* letters and digits so far (any number) */
} finder;

static void
find_tokens(const char *s, size_t n, int src)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalnum_(c)) {
			if (finder.n < sizeof finder.w)
				finder.w[finder.n] = (char)c;
			finder.n++;
			continue;
		}
		if (finder.n > 0)
			token_candidate(finder.w, finder.n, src);
		finder.n = 0;
	}
}

static void
find_tokens_end(int src)
{
	if (finder.n > 0)
		token_candidate(finder.w, finder.n, src);
	finder.n = 0;
}

/* ---- header fields ---------------------------------------------------- */

/* The first [address] in a Received field's from part: the host that
 * handed the message over.  Returns 1 with *ip set. */
static int
received_from(const char *v, size_t n, struct ip *ip)
{
	const char *p = v, *e = v + n, *by;
	const char *why;

	while (p < e && isspace_((unsigned char)*p))
		p++;
	if (e - p < 5 || strncasecmp(p, "from", 4) != 0)
		return 0;
	if ((by = find_ci(p, (size_t)(e - p), " by ")) != NULL)
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

/* Content-Type: the type in type (lower case), the boundary and the
 * report type. */
struct ctype {
	char type[64];
	char boundary[BOUNDARY_MAX + 1];
	size_t blen;
	char report[40];
};

static void
param(const char *v, size_t n, const char *name, char *out, size_t outsz,
    size_t *outlen)
{
	const char *p = v, *e = v + n;
	size_t m = strlen(name), k = 0;

	out[0] = '\0';
	if (outlen)
		*outlen = 0;
	while ((p = find_ci(p, (size_t)(e - p), name)) != NULL) {
		const char *q = p + m;

		if (p > v && p[-1] != ';' && !isspace_((unsigned char)p[-1])) {
			p = q;
			continue;
		}
		while (q < e && isspace_((unsigned char)*q))
			q++;
		if (q >= e || *q != '=') {
			p = q;
			continue;
		}
		q++;
		while (q < e && isspace_((unsigned char)*q))
			q++;
		if (q < e && *q == '"') {
			for (q++; q < e && *q != '"' && k + 1 < outsz; q++) {
				if (*q == '\\' && q + 1 < e)
					q++;
				out[k++] = *q;
			}
		} else
			for (; q < e && *q != ';' &&
			    !isspace_((unsigned char)*q) && k + 1 < outsz; q++)
				out[k++] = *q;
		out[k] = '\0';
		if (outlen)
			*outlen = k;
		return;
	}
}

static void
parse_ctype(const char *v, size_t n, struct ctype *ct)
{
	size_t i = 0, k = 0;

	while (i < n && isspace_((unsigned char)v[i]))
		i++;
	for (; i < n && v[i] != ';' && !isspace_((unsigned char)v[i]) &&
	    k + 1 < sizeof ct->type; i++)
		ct->type[k++] = (char)lower((unsigned char)v[i]);
	ct->type[k] = '\0';
	param(v, n, "boundary", ct->boundary, sizeof ct->boundary, &ct->blen);
	param(v, n, "report-type", ct->report, sizeof ct->report, NULL);
	for (k = 0; ct->report[k]; k++)
		ct->report[k] = (char)lower((unsigned char)ct->report[k]);
}

/* "<>", perhaps with blanks: the null reverse path. */
static int
null_path(const char *v, size_t n)
{
	char t[3];
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (isspace_((unsigned char)v[i]))
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
			seen.top_local = find_ci(v, n, " with local") != NULL ||
			    !received_from(v, n, &ip);
		}
		if (seen.npath < RECEIVED_MAX && received_from(v, n, &ip))
			seen.path[seen.npath++] = ip;
		return;
	}
	/* Tokens of the message's own header, but not of its path. */
	find_tokens(v, n, SRC_HEADER);
	find_tokens_end(SRC_HEADER);
	if (IS("Return-path")) {
		seen.have_return_path = 1;
		seen.null_sender = null_path(v, n);
		copy_clean(seen.return_path, sizeof seen.return_path, v, n);
	} else if (IS("Envelope-to")) {
		if (seen.envelope[0] == '\0')
			copy_clean(seen.envelope, sizeof seen.envelope, v, n);
	} else if (IS("X-Relaywatch")) {
		if (seen.nxrw++ == 0)
			copy_clean(seen.xrw, sizeof seen.xrw, v, n);
	} else if (IS("Message-ID")) {
		copy_clean(seen.msgid, sizeof seen.msgid, v, n);
	} else if (IS("Subject")) {
		copy_clean(seen.subject, sizeof seen.subject, v, n);
	} else if (IS("From")) {
		copy_clean(seen.from, sizeof seen.from, v, n);
		seen.daemon_from = any_ci(v, n, daemon_names);
	} else if (IS("X-Failed-Recipients")) {
		seen.failed_rcpts = 1;
	} else if (IS("X-Autoreply") || IS("X-Autorespond") ||
	    IS("X-Autoresponse") || IS("X-Vacation")) {
		seen.autoreply_hdr = 1;
	} else if (IS("Precedence")) {
		if (find_ci(v, n, "auto_reply") || find_ci(v, n, "auto-reply"))
			seen.autoreply_hdr = 1;
	} else if (IS("Auto-Submitted")) {
		if (find_ci(v, n, "auto-replied"))
			seen.replied = 1;
		if (find_ci(v, n, "vacation"))
			seen.autoreply_hdr = 1;
	} else if (IS("In-Reply-To") || IS("References")) {
		seen.in_reply_to = 1;
	}
#undef IS
}

/* A field of a delivery status part (RFC 3464). */
static void
dsn_field(const char *name, size_t nlen, const char *v, size_t n)
{
#define IS(s) (nlen == sizeof s - 1 && strncasecmp(name, s, nlen) == 0)
	size_t i = 0;

	while (i < n && isspace_((unsigned char)v[i]))
		i++;
	v += i;
	n -= i;
	if (IS("Action")) {
		if (find_ci(v, n, "failed") || find_ci(v, n, "expired"))
			seen.act_failed++;
		else if (find_ci(v, n, "delayed"))
			seen.act_delayed++;
		else
			seen.act_other++;
	} else if (IS("Status")) {
		if (n > 0 && v[0] == '5')
			seen.status5++;
	} else if (IS("Diagnostic-Code")) {
		const char *semi = memchr(v, ';', n);

		seen.dsn_diag_open = 0;
		if (seen.dsn_diag[0] == '\0') {
			if (semi) {
				n -= (size_t)(semi + 1 - v);
				v = semi + 1;
			}
			copy_clean(seen.dsn_diag, sizeof seen.dsn_diag, v, n);
			seen.dsn_diag_open = 1;
		}
	} else
		seen.dsn_diag_open = 0;
#undef IS
}

/* A folded line of a delivery status field: the rest of the diagnostic. */
static void
dsn_continued(const char *s, size_t n)
{
	size_t have = strlen(seen.dsn_diag);

	if (!seen.dsn_diag_open || have + 2 >= sizeof seen.dsn_diag)
		return;
	seen.dsn_diag[have++] = ' ';
	copy_clean(seen.dsn_diag + have, sizeof seen.dsn_diag - have, s, n);
}

/* ---- the report's own text ------------------------------------------- */

/* An SMTP reply in a line: "550 ...", "550-5.1.1 ...", "said: 550 ...".
 * Returns where it starts, or NULL. */
static const char *
smtp_reply(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 4 <= n; i++) {
		if ((s[i] != '4' && s[i] != '5') ||
		    s[i + 1] < '0' || s[i + 1] > '9' ||
		    s[i + 2] < '0' || s[i + 2] > '9' ||
		    (s[i + 3] != ' ' && s[i + 3] != '-'))
			continue;
		if (i > 0 && (isalnum_((unsigned char)s[i - 1]) ||
		    s[i - 1] == '.' || s[i - 1] == ':' || s[i - 1] == '-'))
			continue;
		/* At the start of the line, or followed by a status code. */
		if (i + 5 < n && (s[i + 4] == '4' || s[i + 4] == '5') &&
		    s[i + 5] == '.')
			return s + i;
		while (i > 0 && isspace_((unsigned char)s[i - 1]))
			i--;
		if (i == 0 || s[i - 1] == ':')
			for (; i < n; i++)
				if (s[i] == '4' || s[i] == '5')
					return s + i;
		return NULL;
	}
	return NULL;
}

static void
report_line(const char *s, size_t n)
{
	static const char *const errno_texts[] = {
		"connection refused", "connection timed out", "timed out",
		"no route to host", "network is unreachable",
		"host is unreachable", "retry timeout exceeded",
		"have been failing for a long time", NULL
	};
	char low[TLINE_MAX];
	const char *r;
	size_t i = 0;

	while (i < n && isspace_((unsigned char)s[i]))
		i++;
	s += i;
	n -= i;
	while (n > 0 && isspace_((unsigned char)s[n - 1]))
		n--;
	if (n == 0)
		return;
	if (seen.smtp_error_next) {
		/* The line after Exim's "SMTP error from remote mail server
		 * after RCPT TO:<...>:", perhaps "host H [IP]: 550 ...". */
		seen.smtp_error_next = 0;
		r = smtp_reply(s, n);
		if (seen.exim_diag[0] == '\0')
			copy_clean(seen.exim_diag, sizeof seen.exim_diag,
			    r ? r : s, r ? (size_t)(s + n - r) : n);
	}
	if ((r = find_ci(s, n, "smtp error from remote")) != NULL) {
		const char *c = smtp_reply(r, (size_t)(s + n - r));

		if (c && seen.exim_diag[0] == '\0')
			copy_clean(seen.exim_diag, sizeof seen.exim_diag, c,
			    (size_t)(s + n - c));
		else if (c == NULL)
			seen.smtp_error_next = 1;
	}
	if ((r = smtp_reply(s, n)) != NULL) {
		if (*r == '5')
			seen.text5xx = 1;
		if (seen.text_diag[0] == '\0')
			copy_clean(seen.text_diag, sizeof seen.text_diag, r,
			    (size_t)(s + n - r));
	}
	lower_copy(low, s, n);
	if (seen.errno_diag[0] == '\0' && any_lower(low, n, errno_texts))
		copy_clean(seen.errno_diag, sizeof seen.errno_diag, s, n);
	if (!seen.fail_phrase && any_lower(low, n, fail_phrases))
		seen.fail_phrase = 1;
	if (!seen.delay_phrase && any_lower(low, n, delay_phrases))
		seen.delay_phrase = 1;
}

/* ---- MIME, as a stream of lines ---------------------------------------- */

enum body { B_TEXT, B_DSN, B_SKIP };
enum enc { E_IDENT, E_QP, E_B64 };

struct entity {			/* the part whose header is being read */
	int top;		/* the message itself */
	int quoted;		/* inside an enclosed message */
	struct ctype ct;
	enum enc enc;
};

static struct {
	int in_header, any_field;
	struct entity ent;
	char field[FIELD_MAX];
	size_t flen;
	int fcut;

	/* the body being read */
	enum body body;
	enum enc enc;
	int quoted;		/* no phrases from this text */
	int enclosed;		/* the text is an enclosed message's */
	unsigned b64, b64n;	/* base64 bits and their count */

	/* boundaries of the open multiparts, innermost last */
	struct {
		char b[BOUNDARY_MAX + 1];
		size_t len;
		int quoted;
	} mp[MIME_DEPTH];
	int nmp;

	/* a decoded line of text for phrases, and the DSN fields */
	char tline[TLINE_MAX];
	size_t tlen;
	int tcut;
} mime;

static void
text_line_end(void)
{
	if (mime.body == B_DSN) {
		const char *c = memchr(mime.tline, ':', mime.tlen);

		if (mime.tlen > 0 && isspace_((unsigned char)mime.tline[0]))
			dsn_continued(mime.tline, mime.tlen);
		else if (c && c > mime.tline)
			dsn_field(mime.tline, (size_t)(c - mime.tline), c + 1,
			    mime.tlen - (size_t)(c + 1 - mime.tline));
		else
			seen.dsn_diag_open = 0;
	} else if (!mime.quoted && seen.text_seen < TEXT_BUDGET) {
		seen.text_seen += mime.tlen + 1;
		report_line(mime.tline, mime.tlen);
	}
	mime.tlen = 0;
	mime.tcut = 0;
}

/* Decoded bytes of a body. */
static void
text_out(const char *s, size_t n)
{
	size_t i;

	find_tokens(s, n, mime.enclosed ? SRC_ENCLOSED : SRC_BODY);
	if (mime.body == B_SKIP)
		return;
	for (i = 0; i < n; i++) {
		if (s[i] == '\n' || s[i] == '\r') {
			text_line_end();
			continue;
		}
		if (mime.tlen < sizeof mime.tline)
			mime.tline[mime.tlen++] = s[i];
	}
}

static void
decode_line(const char *s, size_t n, int piece_ends_line)
{
	static const signed char b64val[256] = {
		['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5,
		['F'] = 6, ['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10,
		['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15,
		['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20,
		['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25,
		['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
		['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35,
		['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
		['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45,
		['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49, ['x'] = 50,
		['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55,
		['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
		['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
	};
	char out[LINE_MAX_ + 2];
	size_t i, o = 0;

	switch (mime.enc) {
	case E_B64:
		for (i = 0; i < n; i++) {
			int v = b64val[(unsigned char)s[i]];

			if (s[i] == '=') {
				mime.b64 = mime.b64n = 0;
				continue;
			}
			if (v == 0)
				continue;
			mime.b64 = (mime.b64 << 6) | (unsigned)(v - 1);
			mime.b64n += 6;
			if (mime.b64n >= 8) {
				mime.b64n -= 8;
				out[o++] = (char)(mime.b64 >> mime.b64n);
			}
		}
		text_out(out, o);
		return;
	case E_QP:
		for (i = 0; i < n; i++) {
			int h, l;

			if (s[i] != '=') {
				out[o++] = s[i];
				continue;
			}
			if (i + 2 < n &&
			    (h = text_hexval((unsigned char)s[i + 1])) >= 0 &&
			    (l = text_hexval((unsigned char)s[i + 2])) >= 0) {
				out[o++] = (char)(h << 4 | l);
				i += 2;
				continue;
			}
			/* "=" and white space to the end: a soft break. */
			{
				size_t j = i + 1;

				while (j < n && (s[j] == ' ' || s[j] == '\t'))
					j++;
				if (j == n && piece_ends_line) {
					text_out(out, o);
					return;
				}
			}
			out[o++] = s[i];
		}
		break;
	default:
		memcpy(out, s, n);
		o = n;
		break;
	}
	if (piece_ends_line)
		out[o++] = '\n';
	text_out(out, o);
}

static void
body_start(const struct entity *e)
{
	mime.body = B_TEXT;
	mime.enc = e->enc;
	mime.quoted = e->quoted;
	mime.enclosed = e->quoted;
	mime.b64 = mime.b64n = 0;
	mime.tlen = 0;
	if (!e->quoted && (strcmp(e->ct.type, "message/delivery-status") == 0 ||
	    strcmp(e->ct.type, "message/global-delivery-status") == 0)) {
		seen.dsn = 1;
		mime.body = B_DSN;
	} else if (strncmp(e->ct.type, "image/", 6) == 0 ||
	    strncmp(e->ct.type, "audio/", 6) == 0 ||
	    strncmp(e->ct.type, "video/", 6) == 0)
		mime.body = B_SKIP;
	else if (strncmp(e->ct.type, "text/html", 9) == 0)
		mime.quoted = 1;	/* tokens, but no phrases from markup */
}

static void
entity_begin(int top, int quoted)
{
	memset(&mime.ent, 0, sizeof mime.ent);
	mime.ent.top = top;
	mime.ent.quoted = quoted;
	mime.in_header = 1;
	mime.flen = 0;
	mime.fcut = 0;
}

static void
field_end(void)
{
	const char *f = mime.field, *c;
	size_t n = mime.flen, nlen;
	struct entity *e = &mime.ent;

	mime.flen = 0;
	mime.fcut = 0;
	if (n == 0)
		return;
	if ((c = memchr(f, ':', n)) == NULL) {
		/* Not a field: still text that may quote a token. */
		find_tokens(f, n, e->top ? SRC_HEADER : e->quoted ?
		    SRC_ENCLOSED : SRC_BODY);
		find_tokens_end(e->top ? SRC_HEADER : e->quoted ?
		    SRC_ENCLOSED : SRC_BODY);
		return;
	}
	nlen = (size_t)(c - f);
	while (nlen > 0 && isspace_((unsigned char)f[nlen - 1]))
		nlen--;
	c++;
	if (nlen == 12 && strncasecmp(f, "Content-Type", 12) == 0)
		parse_ctype(c, (size_t)(f + n - c), &e->ct);
	else if (nlen == 25 &&
	    strncasecmp(f, "Content-Transfer-Encoding", 25) == 0) {
		if (find_ci(c, (size_t)(f + n - c), "base64"))
			e->enc = E_B64;
		else if (find_ci(c, (size_t)(f + n - c), "quoted-printable"))
			e->enc = E_QP;
	}
	if (e->top)
		top_field(f, nlen, c, (size_t)(f + n - c));
	else {
		find_tokens(f, n, e->quoted ? SRC_ENCLOSED : SRC_BODY);
		find_tokens_end(e->quoted ? SRC_ENCLOSED : SRC_BODY);
	}
}

static void
header_end(void)
{
	struct entity *e = &mime.ent;

	field_end();
	mime.in_header = 0;
	if (e->top) {
		seen.top_report = strcmp(e->ct.type, "multipart/report") == 0;
		if (seen.top_report) {
			const char *r = e->ct.report;

			seen.report_dsn = strcmp(r, "delivery-status") == 0;
			seen.report_feedback =
			    strcmp(r, "feedback-report") == 0;
			seen.report_mdn =
			    strcmp(r, "disposition-notification") == 0;
		}
	}
	if (strcmp(e->ct.type, "message/feedback-report") == 0)
		seen.report_feedback = 1;
	if (strcmp(e->ct.type, "message/disposition-notification") == 0)
		seen.report_mdn = 1;
	if (strncmp(e->ct.type, "multipart/", 10) == 0 && e->ct.blen > 0 &&
	    mime.nmp < MIME_DEPTH) {
		int i = mime.nmp++;

		memcpy(mime.mp[i].b, e->ct.boundary, e->ct.blen + 1);
		mime.mp[i].len = e->ct.blen;
		mime.mp[i].quoted = e->quoted;
		body_start(e);
		mime.quoted = 1;	/* the preamble says nothing */
		return;
	}
	if (e->enc == E_IDENT && (strcmp(e->ct.type, "message/rfc822") == 0 ||
	    strcmp(e->ct.type, "message/global") == 0 ||
	    strcmp(e->ct.type, "text/rfc822-headers") == 0 ||
	    strcmp(e->ct.type, "message/global-headers") == 0)) {
		entity_begin(0, 1);
		return;
	}
	body_start(e);
	if (strcmp(e->ct.type, "message/rfc822") == 0 ||
	    strcmp(e->ct.type, "message/global") == 0 ||
	    strcmp(e->ct.type, "text/rfc822-headers") == 0)
		mime.quoted = mime.enclosed = 1;
}

/* A boundary line of an open multipart: returns its index, with *close
 * set for the closing one, or -1. */
static int
boundary(const char *s, size_t n, int *close)
{
	int i;

	if (n < 3 || s[0] != '-' || s[1] != '-')
		return -1;
	s += 2;
	n -= 2;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	for (i = mime.nmp - 1; i >= 0; i--) {
		size_t bl = mime.mp[i].len;

		if (n < bl || memcmp(s, mime.mp[i].b, bl) != 0)
			continue;
		if (n == bl) {
			*close = 0;
			return i;
		}
		if (n == bl + 2 && s[bl] == '-' && s[bl + 1] == '-') {
			*close = 1;
			return i;
		}
	}
	return -1;
}

static int
blank_line(const char *s, size_t n)
{
	while (n > 0 && isspace_((unsigned char)s[n - 1]))
		n--;
	return n == 0;
}

/* One piece of a line: the whole line, or LINE_MAX_ bytes of a longer one
 * (first says it starts a line, last that it ends it). */
static void
line_piece(const char *s, size_t n, int first, int last)
{
	size_t fit;
	int i, close;

	if (first && last && (i = boundary(s, n, &close)) >= 0) {
		if (mime.tlen > 0)
			text_line_end();
		find_tokens_end(SRC_BODY);
		if (mime.in_header)
			field_end();
		mime.nmp = i + 1;
		if (close) {
			mime.nmp = i;
			mime.in_header = 0;
			mime.body = B_TEXT;
			mime.enc = E_IDENT;
			mime.quoted = 1;	/* the epilogue */
			return;
		}
		entity_begin(0, mime.mp[i].quoted);
		return;
	}
	if (!mime.in_header) {
		decode_line(s, n, last);
		return;
	}
	if (first && last && mime.ent.top && !mime.any_field &&
	    blank_line(s, n))
		return;		/* blank lines before the header */
	if (first && n == 0) {
		header_end();
		return;
	}
	mime.any_field = 1;
	if (first && (s[0] == ' ' || s[0] == '\t')) {
		/* A continuation: one blank for the fold. */
		if (mime.flen < sizeof mime.field)
			mime.field[mime.flen++] = ' ';
	} else if (first)
		field_end();
	fit = n < sizeof mime.field - mime.flen ? n :
	    sizeof mime.field - mime.flen;
	memcpy(mime.field + mime.flen, s, fit);
	mime.flen += fit;
	/* What does not fit still gives its tokens. */
	if (fit < n)
		find_tokens(s + fit, n - fit, SRC_BODY);
}

/* Read the message: lines end at LF, CRLF or a bare CR. */
static int
read_message(int fd)
{
	static char buf[65536];
	char line[LINE_MAX_];
	size_t len = 0;
	int first = 1, cr = 0;
	ssize_t r;

	while ((r = read(fd, buf, sizeof buf)) != 0) {
		ssize_t i;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (i = 0; i < r; i++) {
			char c = buf[i];

			if (cr) {
				cr = 0;
				if (c == '\n')
					continue;	/* CRLF */
			}
			if (c == '\n' || c == '\r') {
				cr = c == '\r';
				line_piece(line, len, first, 1);
				len = 0;
				first = 1;
				continue;
			}
			if (len == sizeof line) {
				line_piece(line, len, first, 0);
				len = 0;
				first = 0;
			}
			line[len++] = c;
		}
	}
	if (len > 0 || !first)
		line_piece(line, len, first, 1);
	if (mime.in_header)
		field_end();
	if (mime.tlen > 0)
		text_line_end();
	find_tokens_end(SRC_BODY);
	return 0;
}

/* ---- verdicts --------------------------------------------------------- */

static char out[STATE_LINE_MAX];
static size_t outlen;

static void
kv(const char *k, const char *v)
{
	if (state_put_kv(out, sizeof out, &outlen, k, v) < 0)
		errx(EX_SOFTWARE, "verdict line too long");
}

static void
verdict_begin(const struct ip *ip, const char *status)
{
	char text[IP_TEXT_MAX + 1];
	int n;

	ip_format(ip, text);
	n = snprintf(out, sizeof out, "%s %s %lld", text, status, now);
	outlen = (size_t)n;
}

static int
verdict_print(void)
{
	out[outlen++] = '\n';
	if (fwrite(out, 1, outlen, stdout) != outlen || fflush(stdout) != 0)
		err(EX_IOERR, "standard output");
	return 0;
}

/* The token of an address "MAILBOX+TOKEN@DOMAIN" in s, if any: 1 valid
 * (*t, *text), 0 none, -1 one that does not check (*why). */
static int
address_token(const char *s, struct token *t, char *text, const char **why)
{
	char prefix[CONF_VALUE_MAX + 2];
	size_t n;

	snprintf(prefix, sizeof prefix, "%s+", conf.mailbox);
	n = token_after(s, strlen(s), prefix, text);
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

static void
path_kv(void)
{
	char buf[RECEIVED_MAX * (IP_TEXT_MAX + 1) + 1];
	size_t o = 0;
	int i;

	for (i = 0; i < seen.npath; i++) {
		if (i > 0)
			buf[o++] = ',';
		o += ip_format(&seen.path[i], buf + o);
	}
	buf[o] = '\0';
	kv("path", buf);
}

/*
 * A probe handed back by another host than the tested one (multihop)
 * counts only when that host is one of our customers (inside netblocks:
 * it sends through us as the tested host would) and the Received fields
 * under ours show the tested host passing the probe on.  Anyone who read a
 * token could otherwise mail a "relayed" probe from anywhere.  Returns 1
 * when it counts, 0 when not (said), or exits 75 when the netblocks
 * cannot be read now.
 */
static int
multihop_counts(const struct ip *tested, const char *tested_text,
    const char *via)
{
	struct netset nets;
	char why[512];
	int i, rc, inside;

	netset_init(&nets);
	if ((rc = netset_read(&nets, conf.netblocks, 0, why, sizeof why)) != 0)
		errx(EX_TEMPFAIL, "%s", why);
	inside = netset_contains(&nets, &seen.path[0]);
	netset_free(&nets);
	if (!inside)
		return say("no verdict: our probe for %s handed to us by %s, "
		    "outside our netblocks", tested_text, via), 0;
	for (i = 1; i < seen.npath; i++)
		if (ip_cmp(&seen.path[i], tested) == 0)
			return 1;
	return say("no verdict: our probe for %s handed to us by %s, whose "
	    "Received fields do not show %s passing it on", tested_text, via,
	    tested_text), 0;
}

/* The first valid token among the words of v: 1 with text (lower case)
 * and *t, else 0. */
static int
field_token(const char *v, char *text, struct token *t)
{
	const char *why;
	size_t i = 0, j, k, n = strlen(v);

	while (i < n) {
		for (j = i; j < n && isalnum_((unsigned char)v[j]); j++)
			;
		if ((j - i == TOKEN_V4_LEN || j - i == TOKEN_V6_LEN) &&
		    seen.checks < CHECKS_MAX) {
			seen.checks++;
			if (token_check(&keys, v + i, j - i, now,
			    conf.token_lifetime, t, &why) == 0) {
				for (k = 0; k < j - i; k++)
					text[k] = (char)lower((unsigned char)v[i + k]);
				text[k] = '\0';
				return 1;
			}
		}
		i = j + 1;
	}
	return 0;
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
	n = token_after(seen.xrw, strlen(seen.xrw), "token=", c->text[AT_XRW]);
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
				c->text[i][n] = (char)lower(
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

/* A subject that a person's reply or forward gives. */
static int
reply_subject(void)
{
	static const char *const pre[] = { "re:", "fw:", "fwd:", "aw:", "wg:",
	    "sv:", "vs:", "tr:", "rif:", "r:", "antw:", NULL };
	const char *s = seen.subject;
	int i;

	while (isspace_((unsigned char)*s))
		s++;
	for (i = 0; pre[i]; i++)
		if (strncasecmp(s, pre[i], strlen(pre[i])) == 0)
			return 1;
	return 0;
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
relayed(const struct copies *c)
{
	char ipt[IP_TEXT_MAX + 1], tm[24], via[IP_TEXT_MAX + 1];
	const char *v, *x = seen.xrw;
	struct token t;
	int i, first = -1, proof = 0;

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
	ip_format(&t.ip, ipt);
	snprintf(tm, sizeof tm, "%lld", t.time);
	if (seen.nxrw > 1)
		return say("no verdict: %d X-Relaywatch fields", seen.nxrw), 1;
	/* An X-Relaywatch that is there says the same as its token. */
	if (c->have[AT_XRW]) {
		if ((v = find_ci(x, strlen(x), "ip=")) == NULL ||
		    strncmp(v + 3, ipt, strlen(ipt)) != 0 ||
		    (v[3 + strlen(ipt)] != ' ' && v[3 + strlen(ipt)] != '\0'))
			return say("no verdict: X-Relaywatch names another "
			    "address than its token (%s)", ipt), 1;
		if ((v = find_ci(x, strlen(x), "time=")) == NULL ||
		    strncmp(v + 5, tm, strlen(tm)) != 0)
			return say("no verdict: X-Relaywatch time differs from "
			    "its token's"), 1;
		if ((v = find_ci(x, strlen(x), "variant=")) == NULL ||
		    strncasecmp(v + 8, variant_name(t.variant),
		    strlen(variant_name(t.variant))) != 0)
			return say("no verdict: X-Relaywatch variant differs "
			    "from its token's"), 1;
	}
	if (seen.replied || seen.in_reply_to || seen.autoreply_hdr ||
	    reply_subject())
		return say("no verdict: a reply to our probe, or a forward"), 1;
	/* It came from elsewhere, by SMTP. */
	if (seen.received == 0 || seen.top_local || seen.npath == 0)
		return say("no verdict: our probe came back without leaving "
		    "this host (no Received field naming a sending host)"), 1;
	ip_format(&seen.path[0], via);
	if (ip_cmp(&seen.path[0], &t.ip) != 0 &&
	    !multihop_counts(&t.ip, ipt, via))
		return 1;
	if (verbose > 1)
		for (i = 0; i < AT_N; i++)
			if (c->have[i])
				say("the token in %s", at_name[i]);
	verdict_begin(&t.ip, "BLOCK");
	kv("why", "relayed");
	kv("variant", variant_name(t.variant));
	kv("token-time", tm);
	kv("via", via);
	if (ip_cmp(&seen.path[0], &t.ip) != 0) {
		kv("multihop", "yes");
		path_kv();
	}
	return verdict_print();
}

/* What kind of report: 1 a delivery failure, else 0 with *why. */
static int
is_failure(const char **why)
{
	size_t sl = strlen(seen.subject);
	int subj_fail = any_ci(seen.subject, sl, fail_phrases);
	int subj_delay = any_ci(seen.subject, sl, delay_phrases);
	int subj_auto = any_ci(seen.subject, sl, auto_phrases);

	if (verbose > 1)
		say("subject fail %d delay %d auto %d; text fail %d delay %d "
		    "5xx %d; null sender %d, daemon %d, "
		    "X-Failed-Recipients %d, auto-reply %d; "
		    "DSN %d failed %d delayed %d other %d",
		    subj_fail, subj_delay, subj_auto, seen.fail_phrase,
		    seen.delay_phrase, seen.text5xx, seen.null_sender,
		    seen.daemon_from, seen.failed_rcpts, seen.autoreply_hdr,
		    seen.dsn, seen.act_failed, seen.act_delayed,
		    seen.act_other);
	if (seen.report_feedback)
		return *why = "a feedback report (RFC 5965)", 0;
	if (seen.report_mdn)
		return *why = "a disposition notification (read receipt)", 0;
	if (seen.dsn && seen.act_failed + seen.act_delayed + seen.act_other) {
		if (seen.act_failed)
			return 1;
		if (seen.act_delayed)
			return *why = "a delay warning (Action: delayed)", 0;
		return *why = "a delivery status report without a failure", 0;
	}
	if (seen.dsn && seen.status5)
		return 1;
	if (seen.autoreply_hdr || subj_auto)
		return *why = "an auto-reply", 0;
	if (subj_delay || (seen.delay_phrase && !subj_fail))
		return *why = "a delay warning", 0;
	if (seen.failed_rcpts)
		return 1;
	if ((subj_fail || seen.fail_phrase || seen.text5xx) &&
	    (seen.null_sender || seen.daemon_from || subj_fail))
		return 1;
	if (seen.report_dsn && seen.null_sender)
		return 1;
	if (seen.replied)
		return *why = "an auto-reply", 0;
	return *why = "not a delivery failure report", 0;
}

static int
bounced(void)
{
	struct found *f = NULL;
	struct token et;
	char etext[TOKEN_MAX + 2], tm[24], via[IP_TEXT_MAX + 1];
	const char *why, *diag, *kind;
	int i, rc;

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
	if (!is_failure(&why))
		return say("no verdict: %s", why), 1;
	if (seen.dsn_diag[0])
		diag = seen.dsn_diag;
	else if (seen.exim_diag[0])
		diag = seen.exim_diag;
	else if (seen.text_diag[0])
		diag = seen.text_diag;
	else
		diag = seen.errno_diag;
	if (seen.received > 0 && !seen.top_local) {
		kind = "bounced-after-accept";
	} else if (find_ci(diag, strlen(diag), "connection refused") ||
	    find_ci(seen.errno_diag, strlen(seen.errno_diag),
	    "connection refused"))
		kind = "no-smtp";
	else if (smtp_reply(diag, strlen(diag)) != NULL)
		kind = "refused";
	else if (find_ci(diag, strlen(diag), "retry timeout exceeded") &&
	    now - f->t.time <= NO_SMTP_WINDOW)
		kind = "no-smtp";
	else
		kind = "unreachable";
	snprintf(tm, sizeof tm, "%lld", f->t.time);
	verdict_begin(&f->t.ip, "OK");
	kv("why", kind);
	kv("variant", variant_name(f->t.variant));
	kv("token-time", tm);
	if (diag[0])
		kv("diag", diag);
	if (seen.npath > 0 && !seen.top_local) {
		ip_format(&seen.path[0], via);
		kv("via", via);
	}
	return verdict_print();
}

/* The message read: our probe come back, a report of it, or neither. */
static int
decide(void)
{
	struct copies c;

	find_copies(&c);
	return from_our_probe(&c) ? relayed(&c) : bounced();
}

static void __attribute__((noreturn))
usage(int asked)
{
	usage_exit("usage: relaywatch-classify [-hv] [-c conf] "
	    "[-r recipient]\n", asked);
}

int
main(int argc, char *argv[])
{
	const char *confpath = NULL, *rcpt = NULL;
	char keyerr[512];
	int ch, rc;

	while ((ch = getopt(argc, argv, "c:hr:v")) != -1)
		switch (ch) {
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
	if ((rc = keys_read(&keys, conf.keyfile, keyerr, sizeof keyerr)) != 0)
		errx(EX_TEMPFAIL, "%s", keyerr);
	now = (long long)time(NULL);
	entity_begin(1, 0);
	if (rcpt) {
		copy_clean(seen.envelope, sizeof seen.envelope, rcpt,
		    strlen(rcpt));
		find_tokens(rcpt, strlen(rcpt), SRC_ENVELOPE);
		find_tokens_end(SRC_ENVELOPE);
	}
	if (read_message(STDIN_FILENO) < 0)
		err(EX_TEMPFAIL, "standard input");
	rc = decide();
	keys_clear(&keys);
	return rc;
}

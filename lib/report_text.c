/*
 * The words of delivery reports (report_text.h).
 */
#include <string.h>

#include "ascii.h"
#include "report_text.h"

#define REPORT_LINE_MAX 1024	/* a line is looked at to here */

/* A delivery failed: said in the report's own text or its subject. */
const char *const report_fail_phrases[] = {
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
const char *const report_delay_phrases[] = {
	"delayed", "still being retried", "will continue to try",
	"will retry", "will be retried", "has not yet been delivered",
	"not yet been delivered", "could not send message for past",
	"could not send mail for past",
	"still trying", "will keep trying", "(delay)",
	"temporarily deferred", "delivery attempts will continue",
	/* the same in a few other languages */
	"verz\xc3\xb6gert", "noch nicht zugestellt", "wird weiter versucht",
	"n'a pas encore", "pas encore \xc3\xa9t\xc3\xa9",
	"retard\xc3\xa9", "a\xc3\xba" "n no", "todav\xc3\xad" "a no",
	"ancora in corso", "non ancora", "nog niet afgeleverd",
	NULL
};

/* An auto-reply (RFC 3834, vacation, out of office). */
const char *const report_auto_phrases[] = {
	"auto reply", "auto-reply", "autoreply", "automatic reply",
	"auto response", "autoresponse", "autorespons", "auto-response",
	"automatic response", "out of office", "out of the office",
	"vacation", "away from", "abwesen", "automatische antwort",
	"atvalin", "automatiska atbilde", "away until",
	"r\xc3\xa9ponse automatique", NULL
};

/* Asks the sender to prove itself before the message is delivered (a
 * challenge-response system): not a failure. */
const char *const report_challenge_phrases[] = {
	"confirm that you", "confirm you are", "please confirm your",
	"confirm your message", "confirm your e-mail", "confirm your email",
	"confirmation required", "verify that you", "verify you are",
	"verify your message", "verify your e-mail", "verify your email",
	"requires verification", "verification required", "prove you are",
	"not a robot", "real person", "human sender", "challenge-response",
	"challenge response", "approve your message",
	"validate your message", "sender verification",
	"best\xc3\xa4tigen sie", "confirmer votre", "confirme su", NULL
};

/* Local parts of report senders. */
const char *const report_daemon_names[] = {
	"mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon",
	"maildaemon", "postmaster", "mail delivery", "mdaemon",
	"mail administrator", "mail_delivery", "mailer daemon", "post_master",
	"no-reply", "noreply", NULL
};

/* Those that only a mail system uses (a no-reply address sends
 * notices of all kinds). */
const char *const report_mta_names[] = {
	"mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon",
	"maildaemon", "mailer daemon", "postmaster", "post_master", NULL
};

const char *
report_text_smtp_reply(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 4 <= n; i++) {
		if ((s[i] != '4' && s[i] != '5') ||
		    s[i + 1] < '0' || s[i + 1] > '9' ||
		    s[i + 2] < '0' || s[i + 2] > '9' ||
		    (s[i + 3] != ' ' && s[i + 3] != '-'))
			continue;
		if (i > 0 && (ascii_isalnum((unsigned char)s[i - 1]) ||
		    s[i - 1] == '.' || s[i - 1] == ':' || s[i - 1] == '-'))
			continue;
		/* At the start of the line, or followed by a status code. */
		if (i + 5 < n && (s[i + 4] == '4' || s[i + 4] == '5') &&
		    s[i + 5] == '.')
			return s + i;
		while (i > 0 && ascii_isspace((unsigned char)s[i - 1]))
			i--;
		if (i == 0 || s[i - 1] == ':')
			for (; i < n; i++)
				if (s[i] == '4' || s[i] == '5')
					return s + i;
		return NULL;
	}
	return NULL;
}

void
report_text_line(struct report_text *rt, const char *s, size_t n)
{
	static const char *const errno_texts[] = {
		"connection refused", "connection timed out", "timed out",
		"no route to host", "network is unreachable",
		"host is unreachable", "retry timeout exceeded",
		"have been failing for a long time", NULL
	};
	char low[REPORT_LINE_MAX];
	const char *r;
	size_t i = 0, m;

	while (i < n && ascii_isspace((unsigned char)s[i]))
		i++;
	s += i;
	n -= i;
	while (n > 0 && ascii_isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0)
		return;
	if (rt->exim_next) {
		/* The line after Exim's "SMTP error from remote mail server
		 * after RCPT TO:<...>:", perhaps "host H [IP]: 550 ...". */
		rt->exim_next = 0;
		r = report_text_smtp_reply(s, n);
		if (rt->exim[0] == '\0')
			ascii_copy_clean(rt->exim, sizeof rt->exim,
			    r ? r : s, r ? (size_t)(s + n - r) : n);
	}
	if ((r = ascii_find_ci(s, n, "smtp error from remote")) != NULL) {
		const char *c = report_text_smtp_reply(r, (size_t)(s + n - r));

		if (c && rt->exim[0] == '\0')
			ascii_copy_clean(rt->exim, sizeof rt->exim, c,
			    (size_t)(s + n - c));
		else if (c == NULL)
			rt->exim_next = 1;
	}
	if ((r = report_text_smtp_reply(s, n)) != NULL) {
		if (*r == '5')
			rt->reply5xx = 1;
		if (rt->reply[0] == '\0')
			ascii_copy_clean(rt->reply, sizeof rt->reply, r,
			    (size_t)(s + n - r));
	}
	m = ascii_lower_copy(low, s, n < sizeof low ? n : sizeof low);
	if (rt->conn[0] == '\0' && ascii_holds_lower(low, m, errno_texts))
		ascii_copy_clean(rt->conn, sizeof rt->conn, s, n);
	if (!rt->fail_phrase && ascii_holds_lower(low, m, report_fail_phrases))
		rt->fail_phrase = 1;
	if (!rt->delay_phrase &&
	    ascii_holds_lower(low, m, report_delay_phrases))
		rt->delay_phrase = 1;
	if (!rt->challenge_phrase &&
	    ascii_holds_lower(low, m, report_challenge_phrases))
		rt->challenge_phrase = 1;
}

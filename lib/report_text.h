/*
 * The words of delivery reports: what a failure report, a delay warning,
 * an auto-reply, a challenge to prove oneself and a report's sender say
 * (lists of phrases, lower case),
 * and what a report's own text says, a line at a time: an SMTP reply, a
 * failure or a delay in words, the error of a connection.
 */
#ifndef RW_REPORT_TEXT_H
#define RW_REPORT_TEXT_H

#include <stddef.h>

#define REPORT_DIAG_MAX 200

extern const char *const report_fail_phrases[];
extern const char *const report_delay_phrases[];
extern const char *const report_auto_phrases[];
extern const char *const report_challenge_phrases[];
extern const char *const report_daemon_names[];
extern const char *const report_mta_names[];

struct report_text {
	int fail_phrase, delay_phrase;	/* said in words */
	int challenge_phrase;		/* asks the sender to prove itself */
	int reply5xx;			/* a permanent SMTP reply quoted */
	char reply[REPORT_DIAG_MAX + 1];	/* the first SMTP reply */
	char exim[REPORT_DIAG_MAX + 1];	/* Exim's "SMTP error from remote" */
	char conn[REPORT_DIAG_MAX + 1];	/* a connection's error */
	int exim_next;			/* Exim's reply is on the next line */
};

/* One line of the report's own text (without its end). */
void report_text_line(struct report_text *r, const char *s, size_t n);

/* An SMTP reply in s[0..n): "550 ...", "550-5.1.1 ...", "said: 550 ...";
 * where it starts, or NULL. */
const char *report_text_smtp_reply(const char *s, size_t n);

#endif

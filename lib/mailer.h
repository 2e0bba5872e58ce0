/*
 * Handing a message to sendmail: "SENDMAIL -oi -f SENDER -- RCPT...", the
 * message on its standard input (a private temporary file, so that
 * sendmail reads it whole even if we die), its output to our standard
 * error, its exit status checked (anything but 0 is a failure, to be
 * retried).
 */
#ifndef RW_MAILER_H
#define RW_MAILER_H

#include <stddef.h>

#define MAILER_ARGS_MAX 32	/* words of the sendmail setting */
#define MAILER_RCPTS_MAX 16

/* Split the sendmail setting (cmd) into words and check that the first
 * is executable; on failure exits 78 naming confpath. */
void mailer_init(const char *cmd, const char *confpath);

/* Send msg[0..len) from sender to the n recipients.  Returns 0 when
 * sendmail took it, else -1 with the reason in why. */
int mailer_send(const char *sender, const char *const *rcpt, int n,
    const char *msg, size_t len, char *why, size_t whylen);

/* The same, and done(arg) called once sendmail took it, by a process of
 * its own that lives on if ours is killed meanwhile: what sendmail took
 * is marked done whatever becomes of the caller. */
int mailer_send_then(const char *sender, const char *const *rcpt, int n,
    const char *msg, size_t len, void (*done)(void *), void *arg, char *why,
    size_t whylen);

#endif

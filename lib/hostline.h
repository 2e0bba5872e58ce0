/*
 * The lines relaywatch-hosts prints and relaywatch-due reads, and that
 * relaywatch-due prints and relaywatch-probe reads:
 *
 *   IP [DOMAIN] [ptr=NAMEDOMAIN | helo=NAMEDOMAIN]
 *
 * the address canonical (ip.h); DOMAIN the one its users send from (a
 * host name of two labels or more, in lower case); after it, from
 * relaywatch-hosts only, the domain of the host's own name as Exim
 * looked it up (ptr=, forward-confirmed) or, without one, of its HELO
 * (helo=), which relaywatch-due falls back on when the senders choose
 * none.  relaywatch-hosts(1) documents the line.
 *
 * And, from relaywatch-due to relaywatch-probe, the retest of a BLOCK
 * for remailing (why=remailed mailbox=ADDRESS): a new probe into that
 * mailbox, not into the host,
 *
 *   IP mailbox=ADDRESS
 */
#ifndef RW_HOSTLINE_H
#define RW_HOSTLINE_H

#include <stddef.h>

#include "domain.h"
#include "ip.h"
#include "mailboxes.h"

/* Longest line, without its newline. */
#define HOSTLINE_MAX (IP_TEXT_MAX + 2 * (DOMAIN_MAX + 1) + 5)

/* Where a host's name came from. */
enum hostline_name { HOSTLINE_NONE, HOSTLINE_PTR, HOSTLINE_HELO };

/* Its word in the line ("ptr", "helo"), or "". */
const char *hostline_name_word(enum hostline_name from);

/* Parse s[0..n): 0 with *ip, domain (DOMAIN_MAX + 1 bytes; "" when the
 * line has none) and name (the same) and *from, or -1 with *why. */
int hostline_parse(const char *s, size_t n, struct ip *ip, char *domain,
    char *name, enum hostline_name *from, const char **why);

/* The line for the address written iptext[0..iplen) (canonical),
 * domain and name (NULL or "" for none) into buf (HOSTLINE_MAX + 2
 * bytes), with its newline; returns its length. */
size_t hostline_put(char *buf, const char *iptext, size_t iplen,
    const char *domain, const char *name, enum hostline_name from);

/* Longest retest line, without its newline. */
#define HOSTLINE_MAILBOX_MAX (IP_TEXT_MAX + 9 + MAILBOX_MAX)

/* The retest line for iptext[0..iplen) and the mailbox addr into buf
 * (HOSTLINE_MAILBOX_MAX + 2 bytes), with its newline; its length. */
size_t hostline_mailbox_put(char *buf, const char *iptext, size_t iplen,
    const char *addr);

/* s[0..n) as a retest line: 1 with *ip and addr (MAILBOX_MAX + 1
 * bytes), 0 when it is not of that form (no " mailbox="), -1 with *why
 * when it is, but bad. */
int hostline_mailbox_parse(const char *s, size_t n, struct ip *ip,
    char *addr, const char **why);

#endif

/*
 * The relay forms ("variants") of a probe: a sender form (ours, one in
 * the customer's own domain, the null sender) with a recipient form
 * (our special mailbox routed to the customer's host; the percent hack,
 * the quoted local part or the bang path, each at the customer's own
 * domain or at its address literal).  Each has a number (in tokens, at
 * most TOKEN_VARIANT_MAX, and as bit 1 << number of relaywatch.conf's
 * variants), a name (in relaywatch.conf, X-Relaywatch and verdicts) and
 * what it means in the customer's words, for the notice.  This is the
 * one list of them; the numbers of the first four are those of tokens
 * issued before the others existed.
 */
#ifndef RW_VARIANT_H
#define RW_VARIANT_H

#include <stddef.h>

enum { VARIANT_PLAIN, VARIANT_PERCENT, VARIANT_QUOTED, VARIANT_BANG,
    VARIANT_OWN_SENDER, VARIANT_NULL_SENDER, VARIANT_PERCENT_NAME,
    VARIANT_QUOTED_NAME, VARIANT_BANG_NAME, VARIANT_N };

#define VARIANT_BIT(i) (1u << (i))
#define VARIANT_NAMES "plain percent quoted bang own-sender null-sender " \
	"percent-name quoted-name bang-name"
/* The default set: every misconfiguration relaywatch-probe(1) names,
 * in as few messages as can catch them. */
#define VARIANT_DEFAULT "plain own-sender null-sender percent-name"

/* Sender forms. */
enum variant_sender { SENDER_OURS, SENDER_OWN, SENDER_NULL };

/* The name of variant i, or NULL when there is none. */
const char *variant_name(unsigned i);

/* The variant named s[0..n), or -1. */
int variant_named(const char *s, size_t n);

/* What variant i is, in the customer's words ("your server relayed a
 * message ..."), or "" for none. */
const char *variant_words(unsigned i);

/* Variant i's sender form. */
enum variant_sender variant_sender(unsigned i);

/*
 * The variants sent for a host, in order, into out (VARIANT_N room):
 * those of the set bits that can be made.  Without the customer's
 * domain (have_domain 0), the own-domain sender is left out and a form
 * at the customer's names becomes the same form at its address literal
 * (once).  Returns how many: the messages a test costs.
 */
size_t variant_plan(unsigned bits, int have_domain, unsigned *out);

/*
 * Variant i's recipient into buf (bufsz bytes): what an open relay
 * would deliver to local@domain, written at the customer's domain
 * (their, for the forms at its names) or at literal ("[192.0.2.7]",
 * "[IPv6:2001:db8::7]").  Returns 0, or -1 when it does not fit or
 * their is needed and NULL.
 */
int variant_recipient(unsigned i, const char *local, const char *domain,
    const char *their, const char *literal, char *buf, size_t bufsz);

#endif

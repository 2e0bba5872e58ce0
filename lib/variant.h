/*
 * The relay variants: the ways a probe's recipient is written so that an
 * open relay passes it on.  Each has a number (in tokens, and as bit
 * 1 << number of relaywatch.conf's variants), a name (in relaywatch.conf,
 * X-Relaywatch and verdicts), its recipient and its description for the
 * customer's notice.  This is the one list of them.
 */
#ifndef RW_VARIANT_H
#define RW_VARIANT_H

#include <stddef.h>

enum { VARIANT_PLAIN, VARIANT_PERCENT, VARIANT_QUOTED, VARIANT_BANG,
    VARIANT_N };

#define VARIANT_BIT(i) (1u << (i))
#define VARIANT_NAMES "plain percent quoted bang"

/* The name of variant i, or NULL when there is none. */
const char *variant_name(unsigned i);

/* The variant named s[0..n), or -1. */
int variant_named(const char *s, size_t n);

/* What variant i's recipient looks like, for the customer: " (...)", or
 * "" for none. */
const char *variant_form(unsigned i);

/*
 * Variant i's recipient into buf (bufsz bytes): what an open relay at
 * literal ("[192.0.2.7]", "[IPv6:2001:db8::7]") would deliver to
 * local@domain.  Returns 0, or -1 when it does not fit.
 */
int variant_recipient(unsigned i, const char *local, const char *domain,
    const char *literal, char *buf, size_t bufsz);

#endif

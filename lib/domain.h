/*
 * Mail domains: the one check of a domain name (relaywatch.conf's domain,
 * a customer's domain from its senders), and the domain of a sender's
 * address as Exim's main log writes it.
 */
#ifndef RW_DOMAIN_H
#define RW_DOMAIN_H

#include <stddef.h>

/* Longest domain name. */
#define DOMAIN_MAX 253

/* Whether s[0..n) is a host name: labels of letters, digits and '-'
 * (not first or last), 1 to 63 long, separated by single dots, at most
 * DOMAIN_MAX in all.  0, or -1 with *why. */
int domain_check(const char *s, size_t n, const char **why);

/*
 * The domain of the plain address a[0..n) ("local@domain", no quotes,
 * no blanks) into out (DOMAIN_MAX + 1 bytes), in lower case: a host
 * name with at least two labels.  Returns its length, or 0 when there
 * is none such (the null sender, a quoted local part, an address
 * literal, an unqualified name).
 */
size_t domain_of_address(const char *a, size_t n, char *out);

/*
 * The domain of the host name h[0..n) (any case): the name without its
 * first label when it has three labels or more ("mail.shop.example" is
 * in "shop.example"), else the name, in lower case into out (DOMAIN_MAX
 * + 1 bytes).  Returns its length, or 0 when h is not a host name of two
 * labels or more, the last with a letter (an address is none).
 */
size_t domain_of_host(const char *h, size_t n, char *out);

/* Whether the domain d[0..n) is parent or under it (any case). */
int domain_within(const char *d, size_t n, const char *parent);

#endif

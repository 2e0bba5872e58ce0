/*
 * The lines relaywatch-hosts prints and relaywatch-due reads, and that
 * relaywatch-due prints and relaywatch-probe reads: "IP" or "IP DOMAIN",
 * the address canonical (ip.h), the domain the one its users send from
 * (a host name of two labels or more, in lower case).
 * relaywatch-hosts(1) documents the line.
 */
#ifndef RW_HOSTLINE_H
#define RW_HOSTLINE_H

#include <stddef.h>

#include "domain.h"
#include "ip.h"

/* Longest line, without its newline. */
#define HOSTLINE_MAX (IP_TEXT_MAX + 1 + DOMAIN_MAX)

/* Parse s[0..n): 0 with *ip and domain (DOMAIN_MAX + 1 bytes; "" when
 * the line has none), or -1 with *why. */
int hostline_parse(const char *s, size_t n, struct ip *ip, char *domain,
    const char **why);

/* The line for the address written iptext[0..iplen) (canonical) and
 * domain (NULL or "" for none) into buf (HOSTLINE_MAX + 2 bytes), with
 * its newline; returns its length. */
size_t hostline_put(char *buf, const char *iptext, size_t iplen,
    const char *domain);

#endif

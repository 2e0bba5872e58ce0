/*
 * Host lines (hostline.h).
 */
#include <string.h>

#include "hostline.h"

int
hostline_parse(const char *s, size_t n, struct ip *ip, char *domain,
    const char **why)
{
	const char *sp = memchr(s, ' ', n);
	char addr[DOMAIN_MAX + 3];
	size_t dn;

	domain[0] = '\0';
	if (sp == NULL)
		return ip_parse_canonical(s, n, ip, why);
	if (ip_parse_canonical(s, (size_t)(sp - s), ip, why) < 0)
		return -1;
	dn = (size_t)(s + n - sp - 1);
	if (dn == 0 || dn > DOMAIN_MAX) {
		*why = "no domain, or one too long, after the address";
		return -1;
	}
	/* The domain as a sender's would be: the one rule of what a
	 * customer's domain may be. */
	addr[0] = 'x';
	addr[1] = '@';
	memcpy(addr + 2, sp + 1, dn);
	if (domain_of_address(addr, dn + 2, domain) != dn ||
	    memcmp(domain, sp + 1, dn) != 0) {
		domain[0] = '\0';
		*why = "not a domain of two labels or more, in lower case, "
		    "after the address";
		return -1;
	}
	return 0;
}

size_t
hostline_put(char *buf, const char *iptext, size_t iplen, const char *domain)
{
	size_t n = iplen, dn = domain ? strlen(domain) : 0;

	memmove(buf, iptext, iplen);
	if (dn > 0 && dn <= DOMAIN_MAX) {
		buf[n++] = ' ';
		memcpy(buf + n, domain, dn);
		n += dn;
	}
	buf[n++] = '\n';
	return n;
}

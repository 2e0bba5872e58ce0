/*
 * Host lines (hostline.h).
 */
#include <string.h>

#include "hostline.h"

const char *
hostline_name_word(enum hostline_name from)
{
	return from == HOSTLINE_PTR ? "ptr" : from == HOSTLINE_HELO ? "helo" :
	    "";
}

/* A domain written as relaywatch-hosts writes it: the one rule of what
 * a customer's domain may be (that of a sender's address). */
static int
domain_word(const char *w, size_t n, char *out)
{
	char addr[DOMAIN_MAX + 3];

	out[0] = '\0';
	if (n == 0 || n > DOMAIN_MAX)
		return -1;
	addr[0] = 'x';
	addr[1] = '@';
	memcpy(addr + 2, w, n);
	if (domain_of_address(addr, n + 2, out) != n ||
	    memcmp(out, w, n) != 0) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int
hostline_parse(const char *s, size_t n, struct ip *ip, char *domain,
    char *name, enum hostline_name *from, const char **why)
{
	const char *p = memchr(s, ' ', n), *e = s + n, *w, *sp;
	size_t wn;

	domain[0] = name[0] = '\0';
	*from = HOSTLINE_NONE;
	if (p == NULL)
		return ip_parse_canonical(s, n, ip, why);
	if (ip_parse_canonical(s, (size_t)(p - s), ip, why) < 0)
		return -1;
	for (w = p + 1; w <= e; w = sp + 1) {
		if ((sp = memchr(w, ' ', (size_t)(e - w))) == NULL)
			sp = e;
		wn = (size_t)(sp - w);
		if (*from != HOSTLINE_NONE) {
			*why = "a word after the host's name";
			return -1;
		}
		if (wn > 4 && memcmp(w, "ptr=", 4) == 0) {
			*from = HOSTLINE_PTR;
			w += 4, wn -= 4;
		} else if (wn > 5 && memcmp(w, "helo=", 5) == 0) {
			*from = HOSTLINE_HELO;
			w += 5, wn -= 5;
		} else if (domain[0] != '\0') {
			*why = "two domains after the address";
			return -1;
		}
		if (domain_word(w, wn, *from != HOSTLINE_NONE ? name :
		    domain) < 0) {
			*why = "not a domain of two labels or more, in lower "
			    "case, after the address";
			return -1;
		}
		if (sp == e)
			break;
	}
	return 0;
}

size_t
hostline_put(char *buf, const char *iptext, size_t iplen, const char *domain,
    const char *name, enum hostline_name from)
{
	size_t n = iplen, dn = domain ? strlen(domain) : 0,
	    nn = name ? strlen(name) : 0;
	const char *word = hostline_name_word(from);

	memmove(buf, iptext, iplen);
	if (dn > 0 && dn <= DOMAIN_MAX) {
		buf[n++] = ' ';
		memcpy(buf + n, domain, dn);
		n += dn;
	}
	if (nn > 0 && nn <= DOMAIN_MAX && *word != '\0') {
		buf[n++] = ' ';
		memcpy(buf + n, word, strlen(word));
		n += strlen(word);
		buf[n++] = '=';
		memcpy(buf + n, name, nn);
		n += nn;
	}
	buf[n++] = '\n';
	return n;
}

static const char mailbox_word[] = " mailbox=";

size_t
hostline_mailbox_put(char *buf, const char *iptext, size_t iplen,
    const char *addr)
{
	size_t n = iplen, an = strlen(addr);

	memmove(buf, iptext, iplen);
	memcpy(buf + n, mailbox_word, sizeof mailbox_word - 1);
	n += sizeof mailbox_word - 1;
	if (an > MAILBOX_MAX)
		an = MAILBOX_MAX;	/* (then it does not parse) */
	memcpy(buf + n, addr, an);
	n += an;
	buf[n++] = '\n';
	return n;
}

int
hostline_mailbox_parse(const char *s, size_t n, struct ip *ip, char *addr,
    const char **why)
{
	const char *sp = memchr(s, ' ', n), *a;
	size_t an;

	if (sp == NULL || (size_t)(s + n - sp) < sizeof mailbox_word - 1 ||
	    memcmp(sp, mailbox_word, sizeof mailbox_word - 1) != 0)
		return 0;
	if (ip_parse_canonical(s, (size_t)(sp - s), ip, why) < 0)
		return -1;
	a = sp + sizeof mailbox_word - 1;
	an = (size_t)(s + n - a);
	if ((*why = mailboxes_invalid(a, an)) != NULL)
		return -1;
	memcpy(addr, a, an);
	addr[an] = '\0';
	return 1;
}

/*
 * The relay forms of a probe (variant.h).
 */
#include <stdio.h>
#include <string.h>

#include "variant.h"

/* Recipient forms, and where they are addressed. */
enum { R_PLAIN, R_PERCENT, R_QUOTED, R_BANG };
enum { AT_NONE, AT_LITERAL, AT_NAME };

static const struct {
	const char *name, *words;
	enum variant_sender sender;
	int rcpt, at;
	int literal;		/* for a form at names: the same at [IP] */
} variants[VARIANT_N] = {
	[VARIANT_PLAIN] = { "plain",
	    "your server relayed a message from our address to our "
	    "address, sent to it by us",
	    SENDER_OURS, R_PLAIN, AT_NONE, -1 },
	[VARIANT_PERCENT] = { "percent",
	    "your server relayed a message addressed "
	    "local%domain@[your address] (the percent hack)",
	    SENDER_OURS, R_PERCENT, AT_LITERAL, -1 },
	[VARIANT_QUOTED] = { "quoted",
	    "your server relayed a message addressed "
	    "\"local@domain\"@[your address] (a quoted address)",
	    SENDER_OURS, R_QUOTED, AT_LITERAL, -1 },
	[VARIANT_BANG] = { "bang",
	    "your server relayed a message addressed "
	    "domain!local@[your address] (a bang path)",
	    SENDER_OURS, R_BANG, AT_LITERAL, -1 },
	[VARIANT_OWN_SENDER] = { "own-sender",
	    "your server relayed a message whose sender claimed to be in "
	    "your own domain: it trusts any sender that says so",
	    SENDER_OWN, R_PLAIN, AT_NONE, -1 },
	[VARIANT_NULL_SENDER] = { "null-sender",
	    "your server relayed a message from the null sender (<>, the "
	    "sender of bounces): it lets bounces through to anywhere",
	    SENDER_NULL, R_PLAIN, AT_NONE, -1 },
	[VARIANT_PERCENT_NAME] = { "percent-name",
	    "your server relayed a message addressed "
	    "local%domain@your.domain (the percent hack at your own domain)",
	    SENDER_OURS, R_PERCENT, AT_NAME, VARIANT_PERCENT },
	[VARIANT_QUOTED_NAME] = { "quoted-name",
	    "your server relayed a message addressed "
	    "\"local@domain\"@your.domain (a quoted address at your own "
	    "domain)",
	    SENDER_OURS, R_QUOTED, AT_NAME, VARIANT_QUOTED },
	[VARIANT_BANG_NAME] = { "bang-name",
	    "your server relayed a message addressed "
	    "domain!local@your.domain (a bang path at your own domain)",
	    SENDER_OURS, R_BANG, AT_NAME, VARIANT_BANG },
};

const char *
variant_name(unsigned i)
{
	return i < VARIANT_N ? variants[i].name : NULL;
}

int
variant_named(const char *s, size_t n)
{
	int i;

	for (i = 0; i < VARIANT_N; i++)
		if (strlen(variants[i].name) == n &&
		    memcmp(variants[i].name, s, n) == 0)
			return i;
	return -1;
}

const char *
variant_words(unsigned i)
{
	return i < VARIANT_N ? variants[i].words : "";
}

enum variant_sender
variant_sender(unsigned i)
{
	return i < VARIANT_N ? variants[i].sender : SENDER_OURS;
}

size_t
variant_plan(unsigned bits, int have_domain, unsigned *out)
{
	unsigned i, taken = 0;
	size_t n = 0;

	for (i = 0; i < VARIANT_N; i++) {
		unsigned v = i;

		if (!(bits & VARIANT_BIT(i)))
			continue;
		if (!have_domain && variants[i].sender == SENDER_OWN)
			continue;
		if (!have_domain && variants[i].at == AT_NAME)
			v = (unsigned)variants[i].literal;
		if (taken & VARIANT_BIT(v))
			continue;
		taken |= VARIANT_BIT(v);
		out[n++] = v;
	}
	return n;
}

int
variant_recipient(unsigned i, const char *local, const char *domain,
    const char *their, const char *literal, char *buf, size_t bufsz)
{
	const char *at;
	int n;

	if (i >= VARIANT_N)
		return -1;
	at = variants[i].at == AT_NAME ? their : literal;
	if (variants[i].at != AT_NONE && at == NULL)
		return -1;
	switch (variants[i].rcpt) {
	case R_PLAIN:	/* routed to the host by our Exim */
		n = snprintf(buf, bufsz, "%s@%s", local, domain);
		break;
	case R_PERCENT:	/* the percent hack */
		n = snprintf(buf, bufsz, "%s%%%s@%s", local, domain, at);
		break;
	case R_QUOTED:
		n = snprintf(buf, bufsz, "\"%s@%s\"@%s", local, domain, at);
		break;
	default:	/* a bang path */
		n = snprintf(buf, bufsz, "%s!%s@%s", domain, local, at);
		break;
	}
	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

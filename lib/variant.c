/*
 * The relay variants (variant.h).
 */
#include <stdio.h>
#include <string.h>

#include "variant.h"

static const struct {
	const char *name, *form;
} variants[VARIANT_N] = {
	[VARIANT_PLAIN] = { "plain",
	    " (to our own address, sent to your server)" },
	[VARIANT_PERCENT] = { "percent", " (local%domain@[your address])" },
	[VARIANT_QUOTED] = { "quoted",
	    " (\"local@domain\"@[your address])" },
	[VARIANT_BANG] = { "bang", " (domain!local@[your address])" },
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
variant_form(unsigned i)
{
	return i < VARIANT_N ? variants[i].form : "";
}

int
variant_recipient(unsigned i, const char *local, const char *domain,
    const char *literal, char *buf, size_t bufsz)
{
	int n;

	switch (i) {
	case VARIANT_PLAIN:	/* routed to the host by our Exim */
		n = snprintf(buf, bufsz, "%s@%s", local, domain);
		break;
	case VARIANT_PERCENT:	/* the percent hack */
		n = snprintf(buf, bufsz, "%s%%%s@%s", local, domain, literal);
		break;
	case VARIANT_QUOTED:
		n = snprintf(buf, bufsz, "\"%s@%s\"@%s", local, domain,
		    literal);
		break;
	case VARIANT_BANG:	/* a bang path */
		n = snprintf(buf, bufsz, "%s!%s@%s", domain, local, literal);
		break;
	default:
		return -1;
	}
	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

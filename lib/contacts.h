/*
 * The contacts file: "NETWORK ADDRESS..." lines, a network as an address
 * or CIDR block, then one or more mail addresses separated by blanks or
 * commas; '#' comments.  The most specific network holding an address
 * names whom its notice goes to.
 */
#ifndef RW_CONTACTS_H
#define RW_CONTACTS_H

#include <stddef.h>

#include "ip.h"
#include "mailer.h"

#define CONTACTS_MAX 100000

struct contact {
	struct ip first, last;
	int prefix;
	char *rcpt[MAILER_RCPTS_MAX - 1];
	int n;
};

struct contacts {
	struct contact *v;
	size_t n, cap;
};

/* Read path into cs (zeroed by the caller); a missing file is an empty
 * list.  Returns 0, or a sysexits(3) code with "FILE:LINE: what" in err:
 * EX_CONFIG for a bad line, EX_NOINPUT when it cannot be opened, EX_OSERR
 * when out of memory.  On failure cs holds nothing. */
int contacts_read(struct contacts *cs, const char *path, char *err,
    size_t errlen);

/* The most specific entry whose network holds ip, or NULL. */
const struct contact *contacts_for(const struct contacts *cs,
    const struct ip *ip);

void contacts_free(struct contacts *cs);

#endif

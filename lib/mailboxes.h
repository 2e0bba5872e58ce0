/*
 * The mailboxes file: the customers who collect their mail from ours and
 * may re-send it, one a line, "NETWORK MAILBOX" (the network they collect
 * from, an address or CIDR block, then the mailbox), for
 * relaywatch-probe -m.
 */
#ifndef RW_MAILBOXES_H
#define RW_MAILBOXES_H

#include <stddef.h>

#include "ip.h"

#define MAILBOX_MAX 254

/*
 * One line, its comment and the blanks around it stripped (s[0..n),
 * NUL-terminated): 0 with the network in *first and *last and the
 * mailbox at *addr (inside s, NUL-terminated, at most MAILBOX_MAX
 * characters), or -1 with *why.  A mailbox is local@domain in printable
 * ASCII without blanks, quotes, angle brackets, commas, semicolons,
 * colons, parentheses, brackets or backslashes.
 */
/* NULL when s[0..n) is a mailbox as this file has it, else why not. */
const char *mailboxes_invalid(const char *s, size_t n);

int mailboxes_line(const char *s, size_t n, struct ip *first,
    struct ip *last, const char **addr, const char **why);

/*
 * Whether the mailboxes file at path lists the mailbox addr (any case)
 * with a network that holds ip: 1 yes, 0 no, or -1 with errno when it
 * cannot be read (ENOENT: there is none).  *listed is set to how many
 * lines name addr, *bad to how many are not mailboxes lines (they hold
 * nothing; relaywatch-probe -m names them).
 */
int mailboxes_holds(const char *path, const char *addr, const struct ip *ip,
    unsigned long *listed, unsigned long *bad);

#endif

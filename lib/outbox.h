/*
 * Notices not yet sent: statedir/outbox, a file per blocked address named
 * by the address, holding the change line that relaywatch-db apply
 * printed for its new BLOCK and, on a second line, "evidence PATH" when
 * the message kept as evidence is known.  apply puts the entry there
 * before it records the BLOCK, so that a notice survives a crash of
 * apply or of relaywatch-notify and a sendmail that fails; the notice is
 * taken out once sendmail has it.
 */
#ifndef RW_OUTBOX_H
#define RW_OUTBOX_H

#include <stddef.h>

#include "ip.h"
#include "state.h"

#define OUTBOX_ENTRY_MAX 8192

/* statedir/outbox into out (n bytes); 0, or -1 when too long. */
int outbox_dir(const char *statedir, char *out, size_t n);

/* Put the change line (len bytes, no newline) for ip, with the evidence
 * path if not NULL or empty; made atomically and fsync'd, the outbox
 * made (mode 700) if need be.  0, or -1 with errno. */
int outbox_put(const char *statedir, const struct ip *ip, const char *change,
    size_t len, const char *evidence);

/*
 * An entry's text, buf[0..n), as outbox_put wrote it: the change line's
 * address in *ip and its new state in *sl (pointing into buf), and the
 * evidence path in ev (evsz bytes; "" when there is none).  0, or -1
 * with *why: anything else, cut short or with bytes after it, is not an
 * entry.
 */
int outbox_parse(const char *buf, size_t n, struct ip *ip,
    struct stateline *sl, char *ev, size_t evsz, const char **why);

/* Whether ip's entry holds this change line: 1, 0, or -1 with errno. */
int outbox_holds(const char *statedir, const struct ip *ip,
    const char *change, size_t len);

/* Take ip's entry out if it holds this change line: 1 when taken, 0 when
 * there is none or it holds another, -1 with errno. */
int outbox_take(const char *statedir, const struct ip *ip, const char *change,
    size_t len);

#endif

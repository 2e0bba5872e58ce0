/*
 * A delivery status part (RFC 3464), read a line at a time: what its
 * Action fields say, whether a Status is permanent, and the first
 * Diagnostic-Code, folded lines and all.
 */
#ifndef RW_DSN_H
#define RW_DSN_H

#include <stddef.h>

#define DSN_DIAG_MAX 200

struct dsn {
	int failed, delayed, other;	/* Action: failed or expired, delayed,
					 * delivered (deliverable, relayed,
					 * expanded) */
	int odd;			/* an Action RFC 3464 does not know */
	int status5, status2;		/* Status: 5.x.x and 2.x.x fields */
	char diag[DSN_DIAG_MAX + 1];	/* the first Diagnostic-Code's text */
	int diag_open;			/* its field may go on */
};

/* One line of a delivery status part (without its end). */
void dsn_line(struct dsn *d, const char *s, size_t n);

#endif

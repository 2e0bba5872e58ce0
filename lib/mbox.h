/*
 * Messages printed as an mbox (relaywatch-probe -n, relaywatch-notify -n),
 * for people and for tests to read.
 */
#ifndef RW_MBOX_H
#define RW_MBOX_H

#include "buf.h"

/* The line that starts a message: "From SENDER DATE" (t in UTC). */
void mbox_from(struct buf *b, const char *sender, long long t);

#endif

/*
 * Messages printed as an mbox (mbox.h).
 */
#include "mbox.h"
#include "utc.h"

void
mbox_from(struct buf *b, const char *sender, long long t)
{
	/* (the last time's text: a run prints many messages a second) */
	static char date[UTC_TEXT_MAX];
	static long long last = -1;

	if (t != last || date[0] == '\0') {
		utc_format(t, UTC_MBOX, date);
		last = t;
	}
	buf_strs(b, "From ", sender, " ", date, "\n", (const char *)0);
}

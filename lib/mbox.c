/*
 * Messages printed as an mbox (mbox.h).
 */
#include "mbox.h"
#include "utc.h"

void
mbox_from(struct buf *b, const char *sender, long long t)
{
	char date[UTC_TEXT_MAX];

	buf_strs(b, "From ", sender, " ", utc_format(t, UTC_MBOX, date), "\n",
	    (const char *)0);
}

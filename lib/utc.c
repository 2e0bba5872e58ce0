/*
 * Times in UTC (utc.h).
 */
#include <stdio.h>
#include <time.h>

#include "utc.h"

const char *
utc_format(long long t, enum utc_form form, char *buf)
{
	time_t tt = (time_t)t;
	struct tm tm;
	size_t n = 0;

	if ((long long)tt == t && gmtime_r(&tt, &tm) != NULL)
		switch (form) {
		case UTC_READABLE:
			n = strftime(buf, UTC_TEXT_MAX, "%Y-%m-%d %H:%M:%S UTC",
			    &tm);
			break;
		case UTC_DAY:
			n = strftime(buf, UTC_TEXT_MAX, "%Y-%m-%d", &tm);
			break;
		case UTC_RFC5322:
			n = strftime(buf, UTC_TEXT_MAX,
			    "%a, %d %b %Y %H:%M:%S +0000", &tm);
			break;
		case UTC_MBOX:
			n = strftime(buf, UTC_TEXT_MAX, "%a %b %e %H:%M:%S %Y",
			    &tm);
			break;
		}
	if (n == 0)
		snprintf(buf, UTC_TEXT_MAX, "@%lld", t);
	return buf;
}

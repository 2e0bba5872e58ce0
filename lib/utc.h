/*
 * Times as people and mail read them, in UTC.
 */
#ifndef RW_UTC_H
#define RW_UTC_H

enum utc_form {
	UTC_READABLE,	/* 2026-11-28 15:04:05 UTC */
	UTC_DAY,	/* 2026-11-28 */
	UTC_RFC5322,	/* Sat, 28 Nov 2026 15:04:05 +0000 (Date:) */
	UTC_MBOX	/* Sat Nov 28 15:04:05 2026 (an mbox From line) */
};

#define UTC_TEXT_MAX 40

/* t in form into buf (UTC_TEXT_MAX bytes); "@T" for a time that cannot be
 * shown.  Returns buf. */
const char *utc_format(long long t, enum utc_form form, char *buf);

#endif

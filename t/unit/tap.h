/*
 * A few TAP helpers for the C unit tests.  Each check prints "ok N - what"
 * or "not ok N - what" with "# " lines saying what was wrong.
 */
#ifndef RW_TAP_H
#define RW_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static void
tap_vresult(int good, const char *fmt, va_list ap)
{
	printf("%sok %d - ", good ? "" : "not ", ++tap_n);
	vprintf(fmt, ap);
	putchar('\n');
	if (!good)
		tap_failed++;
}

__attribute__((format(printf, 2, 3)))
static __attribute__((unused)) int
ok(int good, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(good, fmt, ap);
	va_end(ap);
	return good;
}

/* Strings equal (NULL is "(null)"). */
__attribute__((format(printf, 3, 4)))
static __attribute__((unused)) int
is_str(const char *got, const char *want, const char *fmt, ...)
{
	va_list ap;
	int good = (got == NULL && want == NULL) ||
	    (got && want && strcmp(got, want) == 0);

	va_start(ap, fmt);
	tap_vresult(good, fmt, ap);
	va_end(ap);
	if (!good)
		printf("#   got:  \"%s\"\n#   want: \"%s\"\n",
		    got ? got : "(null)", want ? want : "(null)");
	return good;
}

__attribute__((format(printf, 3, 4)))
static __attribute__((unused)) int
is_int(long long got, long long want, const char *fmt, ...)
{
	va_list ap;
	int good = got == want;

	va_start(ap, fmt);
	tap_vresult(good, fmt, ap);
	va_end(ap);
	if (!good)
		printf("#   got:  %lld\n#   want: %lld\n", got, want);
	return good;
}

static __attribute__((unused)) int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif

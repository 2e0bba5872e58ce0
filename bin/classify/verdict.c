/*
 * The verdict line relaywatch-classify prints, and what -v says (classify.h).
 */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <sysexits.h>

#include "classify.h"
#include "ip.h"
#include "state.h"
#include "variant.h"

void
say(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "relaywatch-classify: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/* ---- tokens ----------------------------------------------------------- */

/* The name of a token's variant, for a verdict. */
const char *
variant_text(unsigned v)
{
	const char *n = variant_name(v);

	return n ? n : "unknown";
}

/* ---- verdicts --------------------------------------------------------- */

static char out[STATE_LINE_MAX];
static size_t outlen;

void
kv(const char *k, const char *v)
{
	if (state_put_kv(out, sizeof out, &outlen, k, v) < 0)
		errx(EX_SOFTWARE, "verdict line too long");
}

void
verdict_begin(const struct ip *ip, enum status status)
{
	if (state_put_head(out, sizeof out, &outlen, ip, status, now) < 0)
		errx(EX_SOFTWARE, "verdict line too long");
}

int
verdict_print(void)
{
	out[outlen++] = '\n';
	if (fwrite(out, 1, outlen, stdout) != outlen || fflush(stdout) != 0)
		err(EX_IOERR, "standard output");
	return 0;
}

/* No verdict begun (for a harness that reads many messages). */
void
verdict_clear(void)
{
	outlen = 0;
}

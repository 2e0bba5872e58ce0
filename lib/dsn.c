/*
 * A delivery status part (dsn.h).
 */
#include <string.h>
#include <strings.h>

#include "ascii.h"
#include "dsn.h"

static void
dsn_field(struct dsn *d, const char *name, size_t nlen, const char *v,
    size_t n)
{
#define IS(s) (nlen == sizeof s - 1 && strncasecmp(name, s, nlen) == 0)
	size_t i = 0;

	while (i < n && ascii_isspace((unsigned char)v[i]))
		i++;
	v += i;
	n -= i;
	if (IS("Action")) {
		if (ascii_find_ci(v, n, "failed") ||
		    ascii_find_ci(v, n, "expired"))
			d->failed++;
		else if (ascii_find_ci(v, n, "delayed"))
			d->delayed++;
		else if (ascii_find_ci(v, n, "delivered") ||
		    ascii_find_ci(v, n, "deliverable") ||
		    ascii_find_ci(v, n, "relayed") ||
		    ascii_find_ci(v, n, "expanded"))
			d->other++;
		else
			d->odd++;
	} else if (IS("Status")) {
		if (n > 0 && v[0] == '5')
			d->status5++;
		else if (n > 0 && v[0] == '2')
			d->status2++;
	} else if (IS("Diagnostic-Code")) {
		const char *semi = memchr(v, ';', n);

		d->diag_open = 0;
		if (d->diag[0] == '\0') {
			if (semi) {
				n -= (size_t)(semi + 1 - v);
				v = semi + 1;
			}
			ascii_copy_clean(d->diag, sizeof d->diag, v, n);
			d->diag_open = 1;
		}
	} else
		d->diag_open = 0;
#undef IS
}

/* A folded line of a field: the rest of the diagnostic. */
static void
dsn_continued(struct dsn *d, const char *s, size_t n)
{
	size_t have = strlen(d->diag);

	if (!d->diag_open || have + 2 >= sizeof d->diag)
		return;
	d->diag[have++] = ' ';
	ascii_copy_clean(d->diag + have, sizeof d->diag - have, s, n);
}

void
dsn_line(struct dsn *d, const char *s, size_t n)
{
	const char *c = memchr(s, ':', n);

	if (n > 0 && ascii_isspace((unsigned char)s[0]))
		dsn_continued(d, s, n);
	else if (c && c > s)
		dsn_field(d, s, (size_t)(c - s), c + 1, n - (size_t)(c + 1 - s));
	else
		d->diag_open = 0;
}

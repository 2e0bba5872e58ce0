#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "grow.h"
#include "netset.h"
#include "text.h"
#include "textfile.h"

void
netset_init(struct netset *ns)
{
	ns->r = NULL;
	ns->n = ns->cap = 0;
}

void
netset_free(struct netset *ns)
{
	free(ns->r);
	netset_init(ns);
}

int
netset_add(struct netset *ns, const struct ip *first, const struct ip *last)
{
	struct netrange *r = grow(ns->r, &ns->cap, ns->n + 1, sizeof *r);

	if (r == NULL)
		return -1;
	ns->r = r;
	ns->r[ns->n].first = *first;
	ns->r[ns->n].last = *last;
	ns->n++;
	return 0;
}

static int
cmp_range(const void *a, const void *b)
{
	return ip_cmp(&((const struct netrange *)a)->first,
	    &((const struct netrange *)b)->first);
}

/* a + 1 == b, as 128-bit numbers */
static int
adjacent(const struct ip *a, const struct ip *b)
{
	struct ip t = *a;
	int i;

	for (i = 15; i >= 0; i--)
		if (++t.b[i] != 0)
			break;
	return i >= 0 && ip_cmp(&t, b) == 0;
}

void
netset_finish(struct netset *ns)
{
	size_t i, o = 0;

	if (ns->n == 0)
		return;
	qsort(ns->r, ns->n, sizeof *ns->r, cmp_range);
	for (i = 1; i < ns->n; i++) {
		struct netrange *cur = &ns->r[o];

		if (ip_cmp(&ns->r[i].first, &cur->last) <= 0 ||
		    adjacent(&cur->last, &ns->r[i].first)) {
			if (ip_cmp(&ns->r[i].last, &cur->last) > 0)
				cur->last = ns->r[i].last;
		} else
			ns->r[++o] = ns->r[i];
	}
	ns->n = o + 1;
}

int
netset_contains(const struct netset *ns, const struct ip *ip)
{
	return netset_overlaps(ns, ip, ip);
}

int
netset_overlaps(const struct netset *ns, const struct ip *first,
    const struct ip *last)
{
	size_t lo = 0, hi = ns->n;

	/* Last range that starts at or before last: the ranges are sorted
	 * and apart, so only it can reach back to first. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ip_cmp(&ns->r[mid].first, last) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && ip_cmp(first, &ns->r[lo - 1].last) <= 0;
}

int
netset_read(struct netset *ns, const char *path, int missing_ok, char *err,
    size_t errlen)
{
	struct textfile tf;
	const char *why;
	char *line, *item;
	size_t len;
	int rc;

	if (textfile_open(&tf, path) < 0) {
		if (errno == ENOENT && missing_ok) {
			netset_finish(ns);
			return 0;
		}
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? EX_NOINPUT :
		    errno == EACCES ? EX_NOPERM : EX_IOERR;
	}
	while ((rc = textfile_next(&tf, &line, &len, &why)) > 0) {
		struct ip first, last;

		len = text_strip(line, len, &item);
		if (len == 0)
			continue;
		if (ip_parse_cidr(item, len, &first, &last, &why) < 0) {
			char shown[80];

			snprintf(err, errlen, "%s:%lu: \"%s\": %s", path,
			    tf.lineno, text_quote(item, len, shown, sizeof shown),
			    why);
			textfile_close(&tf);
			return EX_DATAERR;
		}
		if (netset_add(ns, &first, &last) < 0) {
			snprintf(err, errlen, "%s: out of memory", path);
			textfile_close(&tf);
			return EX_OSERR;
		}
	}
	if (rc < 0) {
		rc = ferror(tf.f) ? EX_IOERR : EX_DATAERR;
		snprintf(err, errlen, "%s:%lu: %s", path, tf.lineno, why);
		textfile_close(&tf);
		return rc;
	}
	textfile_close(&tf);
	netset_finish(ns);
	return 0;
}

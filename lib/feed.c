/*
 * The health of the log feed (feed.h).
 */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "ascii.h"
#include "feed.h"
#include "text.h"
#include "utc.h"

void
feed_init(struct feed *f, long long silence, const char *zone)
{
	memset(f, 0, sizeof *f);
	f->silence = silence;
	f->zone = zone ? zone : "";
}

/* "1h5m", "40s": how long, for people. */
static const char *
span(long long secs, char *buf, size_t bufsz)
{
	if (secs < 0)
		secs = 0;
	if (secs >= 86400)
		snprintf(buf, bufsz, "%lldd%lldh", secs / 86400,
		    secs % 86400 / 3600);
	else if (secs >= 3600)
		snprintf(buf, bufsz, "%lldh%lldm", secs / 3600,
		    secs % 3600 / 60);
	else if (secs >= 60)
		snprintf(buf, bufsz, "%lldm%llds", secs / 60, secs % 60);
	else
		snprintf(buf, bufsz, "%llds", secs);
	return buf;
}

/* Whether source s is src[0..len) (its first FEED_NAME_MAX bytes). */
static int
is_source(const struct feed_source *s, const char *src, size_t len)
{
	return s->rawlen == len && memcmp(s->raw, src, len) == 0;
}

/* The source named src, added when new; NULL when the table is full.
 * Lines come in runs from one source: the last one is tried first. */
static struct feed_source *
source(struct feed *f, const char *src, size_t len)
{
	char name[FEED_NAME_MAX + 1];
	size_t i;

	if (len > FEED_NAME_MAX)
		len = FEED_NAME_MAX;
	if (f->last < f->n && is_source(&f->s[f->last], src, len))
		return &f->s[f->last];
	for (i = 0; i < f->n; i++)
		if (is_source(&f->s[i], src, len))
			return &f->s[f->last = i];
	text_quote(src, len, name, sizeof name);
	if (f->n == FEED_SOURCES) {
		if (!f->full)
			warnx("feed: more than %d sources (the last: %s); "
			    "the others are not watched", FEED_SOURCES, name);
		f->full = 1;
		return NULL;
	}
	memset(&f->s[f->n], 0, sizeof f->s[f->n]);
	memcpy(f->s[f->n].raw, src, len);
	f->s[f->n].rawlen = len;
	memcpy(f->s[f->n].name, name, sizeof name);
	f->last = f->n;
	return &f->s[f->n++];
}

void
feed_line(struct feed *f, const char *src, size_t len, time_t now)
{
	struct feed_source *s;
	char t[32];

	if (f->silence <= 0 || (s = source(f, src, len)) == NULL)
		return;
	if (s->silent != 0)
		warnx("feed: %s sends again, after %s without a line",
		    s->name, span((long long)(now - s->last), t, sizeof t));
	s->silent = 0;
	s->last = now;
}

/* Whether name is zone or a name in it (ASCII case ignored). */
static int
in_zone(const char *name, size_t nlen, const char *zone)
{
	size_t zl = strlen(zone), i;

	if (zl == 0 || nlen < zl)
		return 0;
	for (i = 0; i < zl; i++)
		if (ascii_lower((unsigned char)name[nlen - zl + i]) !=
		    ascii_lower((unsigned char)zone[i]))
			return 0;
	return nlen == zl || name[nlen - zl - 1] == '.';
}

void
feed_dns_defer(struct feed *f, const char *src, size_t len,
    const char *name, size_t nlen, time_t now)
{
	struct feed_source *s;
	char q[300];

	if (!in_zone(name, nlen, f->zone) || (s = source(f, src, len)) == NULL)
		return;
	if (s->dns_first == 0) {
		warnx("feed: %s cannot look up our zone %s (\"DNS list lookup "
		    "defer\" for %s): it accepts the hosts we BLOCK; check "
		    "rbldnsd and that host's resolver", s->name, f->zone,
		    text_quote(name, nlen, q, sizeof q));
		s->dns_first = now;
		s->dns_n = 0;
	}
	s->dns_n++;
	s->dns_last = now;
}

void
feed_check(struct feed *f, time_t now)
{
	char t[32], u[UTC_TEXT_MAX];
	long long quiet = f->silence > 0 ? f->silence : 3600;
	size_t i;

	for (i = 0; i < f->n; i++) {
		struct feed_source *s = &f->s[i];

		if (f->silence > 0 && s->last != 0 && s->silent == 0 &&
		    (long long)(now - s->last) >= f->silence) {
			warnx("feed: no line from %s for %s (the last at %s): "
			    "its Exim, its rsyslog or the way here is down, "
			    "and the hosts that send through it are not "
			    "tested", s->name, span((long long)(now - s->last),
			    t, sizeof t), utc_format(s->last, UTC_READABLE, u));
			s->silent = now;
		}
		if (s->dns_first != 0 && (long long)(now - s->dns_last) >=
		    quiet) {
			warnx("feed: %s: no failed lookup of %s for %s (%llu "
			    "since %s)", s->name, f->zone, span(quiet, t,
			    sizeof t), s->dns_n, utc_format(s->dns_first,
			    UTC_READABLE, u));
			s->dns_first = s->dns_last = 0;
			s->dns_n = 0;
		}
	}
}

void
feed_report(const struct feed *f, time_t now)
{
	char line[1024], t[32];
	size_t i, len;
	int silent = 0, failing = 0;

	len = (size_t)snprintf(line, sizeof line, "feed: %zu source%s%s",
	    f->n, f->n == 1 ? "" : "s", f->full ? " (and more not watched)" :
	    "");
	for (i = 0; i < f->n && len < sizeof line; i++)
		if (f->s[i].silent != 0)
			len += (size_t)snprintf(line + len, sizeof line - len,
			    "%s%s (for %s)", silent++ ? ", " : "; silent: ",
			    f->s[i].name, span((long long)(now - f->s[i].last),
			    t, sizeof t));
	for (i = 0; i < f->n && len < sizeof line; i++)
		if (f->s[i].dns_first != 0)
			len += (size_t)snprintf(line + len, sizeof line - len,
			    "%s%s (%llu)", failing++ ? ", " :
			    "; failing lookups of our zone: ", f->s[i].name,
			    f->s[i].dns_n);
	if (!silent && !failing && len < sizeof line)
		snprintf(line + len, sizeof line - len, ", all sending");
	warnx("%s", line);
}

size_t
feed_status(const struct feed *f, char *buf, size_t bufsz)
{
	size_t i, n = 0;

	if (bufsz == 0)
		return 0;
	buf[0] = '\0';
	for (i = 0; i < f->n; i++) {
		int k = snprintf(buf + n, bufsz - n, "source %lld %lld %s\n",
		    (long long)f->s[i].last, (long long)f->s[i].silent,
		    f->s[i].name);

		if (k < 0 || (size_t)k >= bufsz - n) {
			buf[n] = '\0';	/* the sources that fit */
			break;
		}
		n += (size_t)k;
	}
	return n;
}

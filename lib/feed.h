/*
 * The health of the log feed: with several smart hosts, each one's main
 * log reaches the tester by rsyslog, and a feed that stops, or a smart
 * host whose lookups of our DNS zone fail, would look like a quiet day.
 * A source (a syslog line's HOST field: the smart host's address, or
 * "local") that has sent since the start and then sends nothing for the
 * silence period is said once, and again when it is back; a source whose
 * lookups of the zone fail is said at its first failure, and when none
 * has failed for the silence period.  Everything is said on the standard
 * error, one line an incident, never one a log line.
 */
#ifndef RW_FEED_H
#define RW_FEED_H

#include <stddef.h>
#include <time.h>

#define FEED_SOURCES 256	/* sources watched; more are said once */
#define FEED_NAME_MAX 64	/* bytes of a source's name kept */

struct feed_source {
	char raw[FEED_NAME_MAX];		/* as in the line (cut) */
	size_t rawlen;
	char name[FEED_NAME_MAX + 1];		/* as shown */
	time_t last;			/* its last line */
	time_t silent;			/* said silent at, or 0 */
	time_t dns_first, dns_last;	/* the failed lookups said, or 0 */
	unsigned long long dns_n;
};

struct feed {
	struct feed_source s[FEED_SOURCES];
	size_t n, last;			/* (the source of the last line) */
	long long silence;		/* seconds; 0: not watched */
	const char *zone;		/* our DNS zone, or "" */
	int full;			/* more sources than watched (said) */
};

/* Watch for silences of silence seconds (0: none) and for failed lookups
 * of zone ("" or NULL: none). */
void feed_init(struct feed *f, long long silence, const char *zone);

/* A line from source src (len bytes, any bytes) at now. */
void feed_line(struct feed *f, const char *src, size_t len, time_t now);

/* A failed lookup of name by source src: counted when name is in zone. */
void feed_dns_defer(struct feed *f, const char *src, size_t len,
    const char *name, size_t nlen, time_t now);

/* Say the sources gone silent and the failures that ended, as of now. */
void feed_check(struct feed *f, time_t now);

/* One line: how many sources, which are silent, which fail lookups. */
void feed_report(const struct feed *f, time_t now);

/* For relaywatch-db status (statusfile.h): a line a source, "source LAST
 * SILENT NAME" (its last line, since when it is said silent or 0, its
 * name as shown), into buf (bufsz bytes, NUL-terminated); the length, 0
 * when there is no source. */
size_t feed_status(const struct feed *f, char *buf, size_t bufsz);

#endif

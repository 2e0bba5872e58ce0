/*
 * relaywatch.conf: "name = value" lines, '#' comments.  The names and
 * defaults are those of relaywatch.conf(5); unknown names, names given twice
 * and bad values are errors naming FILE:LINE.
 */
#ifndef RW_CONF_H
#define RW_CONF_H

#include <stddef.h>

#include "ip.h"

#define CONF_DEFAULT_PATH "/etc/relaywatch/relaywatch.conf"
#define CONF_VALUE_MAX 1024

/* Whether s is a plain mail address (local@domain, nothing to quote, at
 * most 254 characters, not starting with '-'): 0, or -1 with *why. */
int conf_valid_address(const char *s, const char **why);

/* Which main-log lines name the sending host (relaywatch-hosts). */
enum { HOSTS_FROM_ARRIVALS = 1, HOSTS_FROM_MARKER = 2, HOSTS_FROM_BOTH = 3 };

struct conf {
	const char *path;	/* the file read, or the default not found */
	int found;		/* 0: the default file was absent */

	char statedir[CONF_VALUE_MAX];
	char keyfile[CONF_VALUE_MAX];
	char netblocks[CONF_VALUE_MAX];
	char exclude[CONF_VALUE_MAX];
	char own_hosts[CONF_VALUE_MAX];	/* our MTAs that hand mail in */
	char mailboxes[CONF_VALUE_MAX];
	char contacts[CONF_VALUE_MAX];
	char blocked_nets[CONF_VALUE_MAX];
	char mainlog[CONF_VALUE_MAX];
	char sendmail[CONF_VALUE_MAX];
	char domain[CONF_VALUE_MAX];
	char mailbox[CONF_VALUE_MAX];
	char abuse[CONF_VALUE_MAX];
	char probe_source[CONF_VALUE_MAX];	/* as written */
	struct ip probe_src[2];		/* probe_source: one per family */
	int nprobe_src;

	long long retest_after;		/* seconds */
	long long pending_timeout;
	long long token_lifetime;
	long long retest_unreachable;
	long long probe_rate;		/* per minute, 0: no limit */
	long long probe_queue;		/* hosts waiting for the rate */
	unsigned variants;		/* VARIANT_BIT(i): variant.h */
	long long domain_wait;		/* seconds a new host waits for its
					 * senders' domain */
	int hosts_from;			/* HOSTS_FROM_* */
	int warn_only;			/* log and mark, do not refuse */
	int ptr_lookup;			/* notices may follow PTR names */
	long long ptr_timeout;		/* seconds */
	int ipv6_prefix;		/* bits of an IPv6 customer's network */
	char dnsbl_data[CONF_VALUE_MAX];	/* rbldnsd's data, or "" */
	char dnsbl_zone[CONF_VALUE_MAX];	/* the zone Exim asks, or "" */
	long long dnsbl_ttl;		/* seconds */
	long long feed_silence;		/* seconds a source may be silent,
					 * 0: not watched */
};

/* The value of a text setting (a path, command, domain, local part,
 * address or IP) as read, defaults applied; NULL for any other name. */
const char *conf_text(const struct conf *c, const char *name);

/* The file to read: path if given, else $RELAYWATCH_CONF, else the
 * default. */
const char *conf_path(const char *path);

/*
 * Set c to the defaults and read the file named by conf_path(path).  A
 * missing default file leaves the defaults; a missing file that was named
 * (by -c or $RELAYWATCH_CONF) is an error.  Returns 0, or EX_CONFIG with
 * the reason in err.
 */
int conf_read(struct conf *c, const char *path, char *err, size_t errlen);

/* conf_read, printing "PROG: reason" and exiting 78 on failure. */
void conf_load(struct conf *c, const char *path);

/* Exit 78 naming the file unless `domain` is set (programs that write
 * mail need it). */
void conf_require_domain(const struct conf *c);

/* Parse a duration ("90s", "30m", "48h", "14d") into seconds; returns 0,
 * or -1 with *why set. */
int conf_parse_duration(const char *s, long long *out, const char **why);

#endif

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "ascii.h"
#include "conf.h"
#include "domain.h"
#include "ip.h"
#include "text.h"
#include "textfile.h"
#include "variant.h"

enum type { T_PATH, T_COMMAND, T_DOMAIN, T_LOCALPART, T_ADDRESS, T_DURATION,
    T_COUNT, T_POSITIVE, T_VARIANTS, T_SOURCES, T_HOSTS_FROM, T_BOOL,
    T_PREFIX, T_TTL, T_WAIT };

struct option {
	const char *name;
	enum type type;
	size_t off;
	const char *def;
};

#define S(f) offsetof(struct conf, f)
static const struct option options[] = {
	{ "statedir", T_PATH, S(statedir), "/var/lib/relaywatch" },
	{ "keyfile", T_PATH, S(keyfile), "/etc/relaywatch/key" },
	{ "netblocks", T_PATH, S(netblocks), "/etc/relaywatch/netblocks" },
	{ "exclude", T_PATH, S(exclude), "/etc/relaywatch/exclude" },
	{ "own_hosts", T_PATH, S(own_hosts), "/etc/relaywatch/own_hosts" },
	{ "contacts", T_PATH, S(contacts), "/etc/relaywatch/contacts" },
	{ "mailboxes", T_PATH, S(mailboxes), "/etc/relaywatch/mailboxes" },
	{ "blocked_nets", T_PATH, S(blocked_nets), "" },	/* statedir/ */
	{ "mainlog", T_PATH, S(mainlog), "/var/log/exim4/mainlog" },
	{ "sendmail", T_COMMAND, S(sendmail), "/usr/sbin/sendmail" },
	{ "domain", T_DOMAIN, S(domain), "" },
	{ "mailbox", T_LOCALPART, S(mailbox), "relaytest" },
	{ "abuse", T_ADDRESS, S(abuse), "" },
	{ "retest_after", T_DURATION, S(retest_after), "14d" },
	{ "pending_timeout", T_DURATION, S(pending_timeout), "48h" },
	{ "token_lifetime", T_DURATION, S(token_lifetime), "7d" },
	{ "probe_rate", T_COUNT, S(probe_rate), "60" },
	{ "variants", T_VARIANTS, S(variants), VARIANT_DEFAULT },
	{ "domain_wait", T_WAIT, S(domain_wait), "10m" },
	{ "probe_source", T_SOURCES, S(probe_source), "" },
	{ "retest_unreachable", T_DURATION, S(retest_unreachable), "1d" },
	{ "hosts_from", T_HOSTS_FROM, S(hosts_from), "arrivals" },
	{ "probe_queue", T_POSITIVE, S(probe_queue), "100000" },
	{ "warn_only", T_BOOL, S(warn_only), "no" },
	{ "ptr_lookup", T_BOOL, S(ptr_lookup), "yes" },
	{ "ptr_timeout", T_DURATION, S(ptr_timeout), "5s" },
	{ "ipv6_prefix", T_PREFIX, S(ipv6_prefix), "64" },
	{ "dnsbl_data", T_PATH, S(dnsbl_data), "" },
	{ "dnsbl_zone", T_DOMAIN, S(dnsbl_zone), "" },
	{ "dnsbl_ttl", T_TTL, S(dnsbl_ttl), "5s" },
	{ "feed_silence", T_WAIT, S(feed_silence), "1h" },
};
#undef S
#define NOPTIONS (sizeof options / sizeof options[0])

#define DURATION_MAX (3650LL * 86400)
#define PROBE_RATE_MAX 1000000

const char *
conf_path(const char *path)
{
	const char *env;

	if (path)
		return path;
	env = getenv("RELAYWATCH_CONF");
	return env && *env ? env : CONF_DEFAULT_PATH;
}

int
conf_parse_duration(const char *s, long long *out, const char **why)
{
	long long v = 0, mult;
	const char *p = s;

	if (*p < '0' || *p > '9') {
		*why = "not a duration (a number and s, m, h or d: 90s, 30m, "
		    "48h, 14d)";
		return -1;
	}
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p++ - '0');
		if (v > DURATION_MAX) {
			*why = "duration too long (at most 3650d)";
			return -1;
		}
	}
	switch (*p) {
	case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	case '\0':
		*why = "duration needs a unit: s, m, h or d (e.g. 48h)";
		return -1;
	default:
		*why = "unknown duration unit (use s, m, h or d)";
		return -1;
	}
	if (p[1] != '\0') {
		*why = "trailing characters after duration";
		return -1;
	}
	if (v == 0) {
		*why = "duration must be more than zero";
		return -1;
	}
	if (v > DURATION_MAX / mult) {
		*why = "duration too long (at most 3650d)";
		return -1;
	}
	*out = v * mult;
	return 0;
}

static int
is_ldh(int c)
{
	return ascii_isalnum(c) || c == '-';
}

static int
valid_domain(const char *s, const char **why)
{
	return domain_check(s, strlen(s), why);
}

/* A dot-atom local part without '+', which relaywatch uses as the token
 * separator. */
static int
valid_localpart(const char *s, const char **why)
{
	size_t n = strlen(s);
	const char *p;

	/* With '+' and a token of up to 50 characters, at most 64. */
	if (n == 0 || n > 13) {
		*why = "must be 1 to 13 characters (the token takes 51 of the "
		    "64 a local part may have)";
		return -1;
	}
	for (p = s; *p; p++)
		if (!is_ldh((unsigned char)*p) && *p != '_' &&
		    !(*p == '.' && p != s && p[1] != '\0' && p[1] != '.')) {
			*why = "local part may hold only letters, digits, "
			    "'-', '_' and inner dots";
			return -1;
		}
	return 0;
}

int
conf_valid_address(const char *s, const char **why)
{
	const char *at = strrchr(s, '@');
	const char *p;

	if (strlen(s) > 254) {
		*why = "longer than 254 characters";
		return -1;
	}
	if (*s == '-') {
		*why = "starts with '-', as an option would";
		return -1;
	}
	if (at == NULL || at == s) {
		*why = "not a mail address (local@domain)";
		return -1;
	}
	for (p = s; p < at; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' ||
		    *p == '>' || *p == '(' || *p == ')' || *p == ',' ||
		    *p == ';' || *p == ':' || *p == '\\' || *p == '@' ||
		    (unsigned char)*p >= 0x7f) {
			*why = "local part holds a character that needs quoting";
			return -1;
		}
	return valid_domain(at + 1, why);
}

static int
set_value(struct conf *c, const struct option *o, const char *v,
    const char **why)
{
	char *dst = (char *)c + o->off;
	long long n;
	const char *p;

	switch (o->type) {
	case T_PATH:
	case T_COMMAND:
		if (v[0] != '/') {
			*why = o->type == T_PATH ? "must be an absolute path" :
			    "must start with an absolute path";
			return -1;
		}
		break;
	case T_DOMAIN:
		if (*v && valid_domain(v, why) < 0)
			return -1;
		break;
	case T_LOCALPART:
		if (valid_localpart(v, why) < 0)
			return -1;
		break;
	case T_ADDRESS:
		if (*v && conf_valid_address(v, why) < 0)
			return -1;
		break;
	case T_SOURCES:
		/* One address, or one of each family. */
		c->nprobe_src = 0;
		for (p = v; *p;) {
			size_t len;
			struct ip ip;

			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '\0')
				break;
			len = strcspn(p, " \t");
			if (ip_parse_canonical(p, len, &ip, why) < 0)
				return -1;
			if (c->nprobe_src == 2 || (c->nprobe_src == 1 &&
			    ip_is_v4(&ip) == ip_is_v4(&c->probe_src[0]))) {
				*why = "at most one IPv4 and one IPv6 address";
				return -1;
			}
			c->probe_src[c->nprobe_src++] = ip;
			p += len;
		}
		break;
	case T_BOOL:
		if (strcmp(v, "yes") == 0)
			n = 1;
		else if (strcmp(v, "no") == 0)
			n = 0;
		else {
			*why = "must be yes or no";
			return -1;
		}
		*(int *)(void *)dst = (int)n;
		return 0;
	case T_DURATION:
		if (conf_parse_duration(v, &n, why) < 0)
			return -1;
		*(long long *)(void *)dst = n;
		return 0;
	case T_WAIT:
		/* A duration, or 0: no wait. */
		if (strcmp(v, "0") == 0)
			n = 0;
		else if (conf_parse_duration(v, &n, why) < 0)
			return -1;
		else if (n > 86400) {
			*why = "a wait of at most 1d, or 0 for none";
			return -1;
		}
		*(long long *)(void *)dst = n;
		return 0;
	case T_TTL:
		if (conf_parse_duration(v, &n, why) < 0)
			return -1;
		if (n < 1 || n > 86400) {
			*why = "not a time to live from 1s to 1d";
			return -1;
		}
		*(long long *)(void *)dst = n;
		return 0;
	case T_PREFIX:
		for (n = 0, p = v; *p >= '0' && *p <= '9' && n <= 128; p++)
			n = n * 10 + (*p - '0');
		if (p == v || *p != '\0' || n < 16 || n > 128) {
			*why = "not a prefix length from 16 to 128";
			return -1;
		}
		*(int *)(void *)dst = (int)n;
		return 0;
	case T_COUNT:
	case T_POSITIVE:
		if (*v == '\0') {
			*why = "not a number";
			return -1;
		}
		for (n = 0, p = v; *p; p++) {
			if (*p < '0' || *p > '9') {
				*why = "not a whole number";
				return -1;
			}
			n = n * 10 + (*p - '0');
			if (n > PROBE_RATE_MAX) {
				*why = "too large (at most 1000000)";
				return -1;
			}
		}
		if (o->type == T_POSITIVE && n == 0) {
			*why = "must be at least 1";
			return -1;
		}
		*(long long *)(void *)dst = n;
		return 0;
	case T_VARIANTS: {
		unsigned bits = 0;

		for (p = v; *p;) {
			size_t len;
			int i;

			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '\0')
				break;
			len = strcspn(p, " \t");
			if ((i = variant_named(p, len)) < 0) {
				*why = "unknown variant (known: "
				    VARIANT_NAMES ")";
				return -1;
			}
			bits |= VARIANT_BIT(i);
			p += len;
		}
		if (bits == 0) {
			*why = "no variant named";
			return -1;
		}
		*(unsigned *)(void *)dst = bits;
		return 0;
	}
	case T_HOSTS_FROM:
		if (strcmp(v, "arrivals") == 0)
			n = HOSTS_FROM_ARRIVALS;
		else if (strcmp(v, "marker") == 0)
			n = HOSTS_FROM_MARKER;
		else if (strcmp(v, "both") == 0)
			n = HOSTS_FROM_BOTH;
		else {
			*why = "must be arrivals, marker or both";
			return -1;
		}
		*(int *)(void *)dst = (int)n;
		return 0;
	}
	if (strlen(v) >= CONF_VALUE_MAX) {
		*why = "value too long";
		return -1;
	}
	strcpy(dst, v);
	return 0;
}

static void
set_defaults(struct conf *c)
{
	const char *why;
	size_t i;

	memset(c, 0, sizeof *c);
	for (i = 0; i < NOPTIONS; i++)
		if (options[i].def[0] != '\0' &&
		    set_value(c, &options[i], options[i].def, &why) < 0)
			abort();	/* a default that does not parse */
}

int
conf_read(struct conf *c, const char *path, char *err, size_t errlen)
{
	unsigned long seen[NOPTIONS];
	struct textfile tf;
	const char *why;
	char *line;
	size_t len;
	int rc;

	set_defaults(c);
	memset(seen, 0, sizeof seen);
	c->path = conf_path(path);
	c->found = 1;
	if (textfile_open(&tf, c->path) < 0) {
		int e = errno;
		const char *env = getenv("RELAYWATCH_CONF");

		if (e == ENOENT && path == NULL && (env == NULL ||
		    *env == '\0')) {
			c->found = 0;
			goto done;
		}
		snprintf(err, errlen, "%s: %s", c->path, strerror(e));
		return EX_CONFIG;
	}
	while ((rc = textfile_next(&tf, &line, &len, &why)) > 0) {
		char *item, *eq, *name, *value, shown[80];
		size_t i, nlen;

		if (text_strip(line, len, &item) == 0)
			continue;
		eq = strchr(item, '=');
		if (eq == NULL) {
			snprintf(err, errlen, "%s:%lu: \"%s\": expected "
			    "name = value", c->path, tf.lineno,
			    text_quote(item, strlen(item), shown, sizeof shown));
			goto fail;
		}
		*eq = '\0';
		nlen = text_strip(item, (size_t)(eq - item), &name);
		text_strip(eq + 1, strlen(eq + 1), &value);
		for (i = 0; i < NOPTIONS; i++)
			if (strlen(options[i].name) == nlen &&
			    strcmp(options[i].name, name) == 0)
				break;
		if (i == NOPTIONS) {
			snprintf(err, errlen, "%s:%lu: unknown setting \"%s\"",
			    c->path, tf.lineno,
			    text_quote(name, nlen, shown, sizeof shown));
			goto fail;
		}
		if (seen[i]) {
			snprintf(err, errlen, "%s:%lu: %s set again (first "
			    "set at line %lu)", c->path, tf.lineno, name,
			    seen[i]);
			goto fail;
		}
		seen[i] = tf.lineno;
		if (set_value(c, &options[i], value, &why) < 0) {
			snprintf(err, errlen, "%s:%lu: %s = \"%s\": %s",
			    c->path, tf.lineno, name,
			    text_quote(value, strlen(value), shown, sizeof shown),
			    why);
			goto fail;
		}
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s:%lu: %s", c->path, tf.lineno, why);
		goto fail;
	}
	textfile_close(&tf);
done:
	/* blocked.nets beside the state by default: relaywatch replaces it
	 * by a rename, so its directory is relaywatch's, and the
	 * configuration's directory stays root's. */
	if (c->blocked_nets[0] == '\0' &&
	    (size_t)snprintf(c->blocked_nets, sizeof c->blocked_nets,
	    "%s/blocked.nets", c->statedir) >= sizeof c->blocked_nets) {
		snprintf(err, errlen, "%s: statedir too long", c->path);
		return EX_CONFIG;
	}
	if (c->dnsbl_data[0] != '\0' && c->dnsbl_zone[0] == '\0') {
		snprintf(err, errlen, "%s: dnsbl_data is set but not "
		    "dnsbl_zone, the zone rbldnsd serves it as", c->path);
		return EX_CONFIG;
	}
	if (c->abuse[0] == '\0' && c->domain[0] != '\0') {
		if ((size_t)snprintf(c->abuse, sizeof c->abuse, "abuse@%s",
		    c->domain) >= sizeof c->abuse) {
			snprintf(err, errlen, "%s: domain too long", c->path);
			return EX_CONFIG;
		}
	}
	return 0;
fail:
	textfile_close(&tf);
	return EX_CONFIG;
}

void
conf_load(struct conf *c, const char *path)
{
	char err[512];

	if (conf_read(c, path, err, sizeof err) != 0)
		errx(EX_CONFIG, "%s", err);
}

void
conf_require_domain(const struct conf *c)
{
	if (c->domain[0] == '\0')
		errx(EX_CONFIG, "%s: domain is not set (e.g. domain = "
		    "isp.example)%s", c->path,
		    c->found ? "" : "; the file does not exist");
}

const char *
conf_text(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < NOPTIONS; i++)
		if (strcmp(options[i].name, name) == 0)
			break;
	if (i == NOPTIONS)
		return NULL;
	switch (options[i].type) {
	case T_PATH:
	case T_COMMAND:
	case T_DOMAIN:
	case T_LOCALPART:
	case T_ADDRESS:
	case T_SOURCES:
		return (const char *)c + options[i].off;
	default:
		return NULL;
	}
}

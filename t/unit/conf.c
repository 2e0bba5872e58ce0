/* lib/conf.c: relaywatch.conf. */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "tap.h"
#include "text.h"
#include "variant.h"

static char dir[] = "/tmp/rw-conf-XXXXXX";
static char path[300];

static void
write_conf(const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* The configuration text must fail with the message want (after
 * "PATH:"). */
static void
bad(const char *text, const char *want)
{
	struct conf c;
	char err[512], expect[600], shown[100];
	size_t i;

	write_conf(text);
	for (i = 0; text[i] && i < sizeof shown - 1; i++)
		shown[i] = text[i] == '\n' ? '|' : text[i];
	shown[i] = '\0';
	is_int(conf_read(&c, path, err, sizeof err), EX_CONFIG,
	    "refuse \"%s\"", shown);
	snprintf(expect, sizeof expect, "%s:%s", path, want);
	is_str(err, expect, "message for \"%s\"", shown);
}

static void
duration(const char *s, long long want)
{
	long long v = -1;
	const char *why = NULL;

	if (want < 0)
		ok(conf_parse_duration(s, &v, &why) < 0, "refuse duration "
		    "\"%s\"", s);
	else if (ok(conf_parse_duration(s, &v, &why) == 0, "duration %s",
	    s))
		is_int(v, want, "value of %s", s);
	else
		printf("#   %s\n", why);
}

int
main(void)
{
	struct conf c;
	char err[512];

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(path, sizeof path, "%s/relaywatch.conf", dir);

	duration("90s", 90);
	duration("30m", 1800);
	duration("48h", 172800);
	duration("14d", 1209600);
	duration("3650d", 3650LL * 86400);
	duration("3651d", -1);
	duration("99999999999999999999d", -1);
	duration("14", -1);
	duration("0s", -1);
	duration("-1d", -1);
	duration("+1d", -1);
	duration("1.5d", -1);
	duration("1dd", -1);
	duration("1w", -1);
	duration("", -1);
	duration("d", -1);
	duration(" 1d", -1);

	/* Defaults, with no file: the default path is absent in tests. */
	unsetenv("RELAYWATCH_CONF");
	write_conf("domain = isp.example\n");
	if (!is_int(conf_read(&c, path, err, sizeof err), 0, "minimal file"))
		printf("#   %s\n", err);
	is_str(c.statedir, "/var/lib/relaywatch", "default statedir");
	is_str(c.keyfile, "/etc/relaywatch/key", "default keyfile");
	is_str(c.netblocks, "/etc/relaywatch/netblocks", "default netblocks");
	is_str(c.exclude, "/etc/relaywatch/exclude", "default exclude");
	is_str(c.blocked_nets, "/var/lib/relaywatch/blocked.nets",
	    "default blocked_nets: in statedir");
	write_conf("statedir = /srv/rw\n");
	conf_read(&c, path, err, sizeof err);
	is_str(c.blocked_nets, "/srv/rw/blocked.nets",
	    "default blocked_nets: in statedir, wherever that is");
	write_conf("domain = isp.example\n");
	conf_read(&c, path, err, sizeof err);
	is_str(c.mainlog, "/var/log/exim4/mainlog", "default mainlog");
	is_str(c.sendmail, "/usr/sbin/sendmail", "default sendmail");
	is_str(c.mailbox, "relaytest", "default mailbox");
	is_str(c.abuse, "abuse@isp.example", "default abuse");
	is_int(c.retest_after, 14 * 86400, "default retest_after");
	is_int(c.pending_timeout, 48 * 3600, "default pending_timeout");
	is_int(c.token_lifetime, 7 * 86400, "default token_lifetime");
	is_int(c.probe_rate, 60, "default probe_rate");
	is_int(c.probe_queue, 100000, "default probe_queue");
	is_int(c.variants, VARIANT_BIT(VARIANT_PLAIN) |
	    VARIANT_BIT(VARIANT_OWN_SENDER) |
	    VARIANT_BIT(VARIANT_NULL_SENDER) |
	    VARIANT_BIT(VARIANT_PERCENT_NAME), "default variants");
	is_int(c.domain_wait, 600, "default domain_wait");
	is_str(c.probe_source, "", "no default probe_source");
	is_int(c.retest_unreachable, 86400, "default retest_unreachable");
	is_int(c.hosts_from, HOSTS_FROM_ARRIVALS, "default hosts_from");
	is_str(c.dnsbl_data, "", "no default dnsbl_data");
	is_str(c.dnsbl_zone, "", "no default dnsbl_zone");
	is_int(c.dnsbl_ttl, 5, "default dnsbl_ttl");
	is_str(conf_text(&c, "mainlog"), "/var/log/exim4/mainlog",
	    "conf_text: a default path");
	is_str(conf_text(&c, "abuse"), "abuse@isp.example",
	    "conf_text: the derived abuse address");
	ok(conf_text(&c, "probe_rate") == NULL, "conf_text: not for numbers");
	ok(conf_text(&c, "nosuch") == NULL, "conf_text: not for unknown names");
	{
		static const char *const badaddr[] = { "-oQ@x.example",
		    "a b@x.example", "\"a\"@x.example", "x.example", "@x.example",
		    "a@", "a<b@x.example", NULL };
		const char *why;
		int i;

		for (i = 0; badaddr[i]; i++)
			ok(conf_valid_address(badaddr[i], &why) < 0,
			    "conf_valid_address refuses %s", badaddr[i]);
		ok(conf_valid_address("noc+relay@customer.example", &why) == 0,
		    "conf_valid_address takes noc+relay@customer.example");
	}

	write_conf("# relaywatch\n\n  statedir=/srv/rw  \n"
	    "domain = isp.example # our domain\n"
	    "mailbox = relay-test\nabuse = abuse-desk@isp.example\n"
	    "retest_after = 7d\npending_timeout = 36h\n"
	    "token_lifetime = 3d\nprobe_rate = 0\nvariants = quoted plain\n"
	    "probe_source = 2001:db8::9\nretest_unreachable = 90m\r\n"
	    "sendmail = /usr/sbin/exim4 -C /etc/x#y\nhosts_from = marker\n"
	    "probe_queue = 1\ndomain_wait = 0\n");
	if (!is_int(conf_read(&c, path, err, sizeof err), 0, "full file"))
		printf("#   %s\n", err);
	is_str(c.statedir, "/srv/rw", "statedir, blanks trimmed");
	is_str(c.domain, "isp.example", "domain, comment stripped");
	is_str(c.mailbox, "relay-test", "mailbox");
	is_str(c.abuse, "abuse-desk@isp.example", "abuse");
	is_int(c.retest_after, 7 * 86400, "retest_after");
	is_int(c.pending_timeout, 36 * 3600, "pending_timeout");
	is_int(c.probe_rate, 0, "probe_rate 0");
	is_int(c.domain_wait, 0, "domain_wait 0: no wait");
	is_int(c.variants, VARIANT_BIT(VARIANT_PLAIN) |
	    VARIANT_BIT(VARIANT_QUOTED), "variants");
	is_str(c.probe_source, "2001:db8::9", "probe_source");
	is_int(c.nprobe_src, 1, "probe_source: one address");
	is_int(c.retest_unreachable, 5400, "CRLF line");
	is_str(c.sendmail, "/usr/sbin/exim4 -C /etc/x#y",
	    "'#' inside a word is not a comment");
	is_int(c.hosts_from, HOSTS_FROM_MARKER, "hosts_from");
	is_int(c.probe_queue, 1, "probe_queue");
	write_conf("probe_source = 2001:db8::9\t 192.0.2.9\nwarn_only = yes\n"
	    "ptr_lookup = no\nptr_timeout = 2s\n");
	if (!is_int(conf_read(&c, path, err, sizeof err), 0, "two sources"))
		printf("#   %s\n", err);
	is_int(c.nprobe_src, 2, "probe_source: one of each family");
	ok(!ip_is_v4(&c.probe_src[0]) && ip_is_v4(&c.probe_src[1]),
	    "probe_source: in the order written");
	is_int(c.warn_only, 1, "warn_only");
	is_int(c.ptr_lookup, 0, "ptr_lookup");
	is_int(c.ptr_timeout, 2, "ptr_timeout");

	bad("domain = isp.example\nfrobnicate = 1\n",
	    "2: unknown setting \"frobnicate\"");
	bad("domain\n", "1: \"domain\": expected name = value");
	bad("domain = a\ndomain = b\n", "2: domain set again (first set at "
	    "line 1)");
	bad("statedir = var/lib\n", "1: statedir = \"var/lib\": must be an "
	    "absolute path");
	bad("sendmail = sendmail -t\n", "1: sendmail = \"sendmail -t\": must "
	    "start with an absolute path");
	bad("retest_after = 14\n", "1: retest_after = \"14\": duration needs "
	    "a unit: s, m, h or d (e.g. 48h)");
	bad("pending_timeout = 2w\n", "1: pending_timeout = \"2w\": unknown "
	    "duration unit (use s, m, h or d)");
	bad("probe_rate = -1\n", "1: probe_rate = \"-1\": not a whole number");
	bad("probe_rate = 10000000\n", "1: probe_rate = \"10000000\": too "
	    "large (at most 1000000)");
	bad("probe_rate =\n", "1: probe_rate = \"\": not a number");
	bad("probe_queue = 0\n", "1: probe_queue = \"0\": must be at least 1");
	bad("dnsbl_ttl = 0s\n", "1: dnsbl_ttl = \"0s\": duration must be "
	    "more than zero");
	bad("dnsbl_ttl = 2d\n", "1: dnsbl_ttl = \"2d\": not a time to live "
	    "from 1s to 1d");
	bad("dnsbl_ttl = 5\n", "1: dnsbl_ttl = \"5\": duration needs a "
	    "unit: s, m, h or d (e.g. 48h)");
	bad("dnsbl_data = /var/lib/relaywatch/dnsbl\n", " dnsbl_data is set "
	    "but not dnsbl_zone, the zone rbldnsd serves it as");
	bad("dnsbl_data = relaywatch.zone\n", "1: dnsbl_data = "
	    "\"relaywatch.zone\": must be an absolute path");
	bad("dnsbl_zone = -x.example\n", "1: dnsbl_zone = \"-x.example\": label "
	    "starting with '-'");
	bad("probe_queue = 1000001\n", "1: probe_queue = \"1000001\": too "
	    "large (at most 1000000)");
	bad("variants = plain uucp\n", "1: variants = \"plain uucp\": unknown "
	    "variant (known: plain percent quoted bang own-sender null-sender "
	    "percent-name quoted-name bang-name)");
	bad("variants = percent-names\n", "1: variants = \"percent-names\": "
	    "unknown variant (known: plain percent quoted bang own-sender "
	    "null-sender percent-name quoted-name bang-name)");
	bad("domain_wait = 2d\n", "1: domain_wait = \"2d\": a wait of at most "
	    "1d, or 0 for none");
	bad("domain_wait = 5\n", "1: domain_wait = \"5\": duration needs a "
	    "unit: s, m, h or d (e.g. 48h)");
	bad("domain_wait = -1m\n", "1: domain_wait = \"-1m\": not a duration "
	    "(a number and s, m, h or d: 90s, 30m, 48h, 14d)");
	bad("variants =\n", "1: variants = \"\": no variant named");
	bad("domain = isp..example\n", "1: domain = \"isp..example\": empty "
	    "label or label ending in '-'");
	bad("domain = isp_example\n", "1: domain = \"isp_example\": domain may "
	    "hold only letters, digits, '-' and '.'");
	bad("domain = -isp.example\n", "1: domain = \"-isp.example\": label "
	    "starting with '-'");
	bad("mailbox = relay+test\n", "1: mailbox = \"relay+test\": local part "
	    "may hold only letters, digits, '-', '_' and inner dots");
	bad("mailbox =\n", "1: mailbox = \"\": must be 1 to 13 characters "
	    "(the token takes 51 of the 64 a local part may have)");
	bad("mailbox = relaytest-abcd\n", "1: mailbox = \"relaytest-abcd\": "
	    "must be 1 to 13 characters (the token takes 51 of the 64 a local "
	    "part may have)");
	bad("abuse = nobody\n", "1: abuse = \"nobody\": not a mail address "
	    "(local@domain)");
	bad("abuse = a b@isp.example\n", "1: abuse = \"a b@isp.example\": "
	    "local part holds a character that needs quoting");
	bad("probe_source = 127.0.0.09\n", "1: probe_source = \"127.0.0.09\": "
	    "leading zero in IPv4 address");
	bad("probe_source = 2001:DB8::9\n", "1: probe_source = \"2001:DB8::9\": "
	    "address not in canonical form (lower case, compressed)");
	bad("hosts_from = all\n", "1: hosts_from = \"all\": must be arrivals, "
	    "marker or both");
	bad("probe_source = 192.0.2.9 192.0.2.10\n", "1: probe_source = "
	    "\"192.0.2.9 192.0.2.10\": at most one IPv4 and one IPv6 address");
	bad("probe_source = ::9 2001:db8::9\n", "1: probe_source = "
	    "\"::9 2001:db8::9\": at most one IPv4 and one IPv6 address");
	bad("probe_source = 192.0.2.9 ::9 10.0.0.1\n", "1: probe_source = "
	    "\"192.0.2.9 ::9 10.0.0.1\": at most one IPv4 and one IPv6 address");
	bad("probe_source = 192.0.2.9,::9\n", "1: probe_source = "
	    "\"192.0.2.9,::9\": trailing characters after IPv4 address");
	bad("warn_only = 1\n", "1: warn_only = \"1\": must be yes or no");
	bad("ptr_lookup = YES\n", "1: ptr_lookup = \"YES\": must be yes or no");
	bad("ptr_timeout = 5\n", "1: ptr_timeout = \"5\": duration needs a "
	    "unit: s, m, h or d (e.g. 48h)");
	bad("domain = \x01\xfe\n", "1: domain = \"\\x01\\xfe\": domain may hold "
	    "only letters, digits, '-' and '.'");
	bad("\xff\xfe = 1\n", "1: unknown setting \"\\xff\\xfe\"");
	{
		char longline[6000];

		memset(longline, 'a', sizeof longline - 1);
		longline[sizeof longline - 1] = '\0';
		bad(longline, "1: line too long");
	}
	{
		FILE *f = fopen(path, "w");

		fwrite("domain = a\0b\n", 1, 13, f);
		fclose(f);
		is_int(conf_read(&c, path, err, sizeof err), EX_CONFIG,
		    "NUL byte refused");
	}

	/* Which file. */
	setenv("RELAYWATCH_CONF", path, 1);
	write_conf("domain = env.example\n");
	is_int(conf_read(&c, NULL, err, sizeof err), 0, "$RELAYWATCH_CONF read");
	is_str(c.domain, "env.example", "from $RELAYWATCH_CONF");
	setenv("RELAYWATCH_CONF", "/nonexistent/relaywatch.conf", 1);
	is_int(conf_read(&c, NULL, err, sizeof err), EX_CONFIG,
	    "missing $RELAYWATCH_CONF file: 78");
	is_str(err, "/nonexistent/relaywatch.conf: No such file or directory",
	    "missing $RELAYWATCH_CONF file: message");
	is_int(conf_read(&c, path, err, sizeof err), 0, "-c wins over "
	    "$RELAYWATCH_CONF");
	is_int(conf_read(&c, "/nonexistent/x.conf", err, sizeof err),
	    EX_CONFIG, "missing -c file: 78");
	is_int(conf_read(&c, dir, err, sizeof err), EX_CONFIG,
	    "a directory: 78");
	unsetenv("RELAYWATCH_CONF");
	if (access(CONF_DEFAULT_PATH, F_OK) != 0) {
		is_int(conf_read(&c, NULL, err, sizeof err), 0,
		    "missing default file: defaults");
		ok(c.found == 0 && c.domain[0] == '\0', "and no domain");
	}
	if (geteuid() != 0) {
		chmod(path, 0);
		is_int(conf_read(&c, path, err, sizeof err), EX_CONFIG,
		    "unreadable file: 78");
	}
	{
		char buf[12];

		is_str(text_quote("abc", 3, buf, sizeof buf), "abc",
		    "text_quote: plain");
		is_str(text_quote("a\nb\\", 4, buf, sizeof buf), "a\\x0ab...",
		    "text_quote: escapes, cut to fit");
		is_str(text_quote("0123456789", 10, buf, 8), "0123...",
		    "text_quote: cut with ...");
	}
	unlink(path);
	rmdir(dir);
	return done_testing();
}

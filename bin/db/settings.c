/*
 * relaywatch-db setting, check and exim-macros: the configuration, as
 * the programs and Exim read it; the state is not touched (db.h).
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "conf.h"
#include "db.h"
#include "dnsbl.h"
#include "ip.h"
#include "netset.h"
#include "preflight.h"
#include "state.h"
#include "state_cdb.h"

/*
 * Our own MTAs (own_hosts) that Exim refuses now: a BLOCK recorded before
 * the host was listed.  Said, with what to do; each address of a range
 * of at most 256 is looked at.  Returns how many addresses were.
 */
static unsigned long
own_hosts_blocked(void)
{
	struct netset own;
	char why[1024], buf[STATE_LINE_MAX], path[CONF_VALUE_MAX + 16],
	    text[IP_TEXT_MAX + 1];
	unsigned long n = 0;
	size_t k;

	netset_init(&own);
	if (netset_read(&own, conf.own_hosts, 1, why, sizeof why) != 0)
		return 0;	/* (preflight said why) */
	for (k = 0; k < own.n; k++) {
		struct ip ip = own.r[k].first;
		int i, j;

		for (i = 0; i < 256; i++) {
			struct stateline sl;

			n++;
			if (state_cdb_now(conf.statedir, &ip, &sl, buf,
			    sizeof buf, path, sizeof path) == 1 &&
			    sl.status == ST_BLOCK) {
				ip_format(&ip, text);
				warnx("%s: one of our own hosts (own_hosts), "
				    "BLOCKed in %s: Exim refuses it; lift it "
				    "with: relaywatch-db unblock %s", text, path,
				    text);
			}
			if (ip_cmp(&ip, &own.r[k].last) == 0)
				break;
			for (j = 15; j >= 0 && ++ip.b[j] == 0; j--)
				;
		}
	}
	netset_free(&own);
	return n;
}

/* check: is the installation fit to run (preflight). */
int
cmd_check(int argc, char **argv)
{
	unsigned long own_checked;
	size_t nnets;
	int rc;

	(void)argc;
	(void)argv;
	if ((rc = preflight(&conf, &nnets)) != 0)
		return rc;
	own_checked = own_hosts_blocked();
	printf("%s: ok: %zu customer network%s, probes from %s", conf.path,
	    nnets, nnets == 1 ? "" : "s", conf.probe_source);
	if (own_checked > 0)
		printf(", %lu of our own host%s", own_checked,
		    own_checked == 1 ? "" : "s");
	printf("\n");
	if (fflush(stdout) != 0 || ferror(stdout))
		err(EX_IOERR, "standard output");
	return 0;
}

/*
 * exim-macros: the Exim macros that must agree with relaywatch.conf,
 * generated from it, so that each setting is kept once.  The Exim
 * fragments (relaywatch-macros) include the file this is written to.
 */
int
cmd_exim_macros(int argc, char **argv)
{
	char src[2 * (IP_TEXT_MAX + 1) + 8] = "<; ";
	int i;

	(void)argc;
	(void)argv;
	conf_require_domain(&conf);
	/* Exim expands the path inside ${lookup}: nothing it would read
	 * as syntax. */
	if (cdb_path[strspn(cdb_path, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+-")] != '\0')
		errx(EX_CONFIG, "%s: statedir %s holds a character Exim would "
		    "expand; use letters, digits and / . _ + -", conf.path,
		    conf.statedir);
	for (i = 0; i < conf.nprobe_src; i++) {
		char ip[IP_TEXT_MAX + 1];

		ip_format(&conf.probe_src[i], ip);
		if (i > 0)
			strcat(src, " ; ");
		strcat(src, ip);
	}
	printf("# relaywatch: Exim macros from %s, written by\n"
	    "# \"relaywatch-db exim-macros\": change that file and run it "
	    "again, never this one.\n", conf.path);
	printf("RELAYWATCH_CDB = %s\n", cdb_path);
	printf("RELAYWATCH_RECENT = %s\n", recent_path);
	printf("RELAYWATCH_SERIAL = %s\n", serial_path);
	printf("RELAYWATCH_MARKS = %s.d\n", serial_path);
	printf("RELAYWATCH_DOMAINS = %s\n", conf.domain);
	printf("RELAYWATCH_MAILBOX = %s\n", conf.mailbox);
	printf("RELAYWATCH_ABUSE = %s\n", conf.abuse);
	if (conf.nprobe_src > 0)
		printf("RELAYWATCH_PROBE_SOURCE = %s\n", src);
	printf("RELAYWATCH_IPV6_PREFIX = %d\n", conf.ipv6_prefix);
	if (conf.dnsbl_zone[0] != '\0')
		printf("RELAYWATCH_DNSBL_ZONE = %s\n", conf.dnsbl_zone);
	/* A probe failing for a fault of ours: kept past its token's life,
	 * so that its bounce is no verdict (relaywatch-retry). */
	printf("RELAYWATCH_PROBE_KEEP = F,%llds,15m\n",
	    conf.token_lifetime + 86400);
	if (conf.warn_only)
		printf("RELAYWATCH_WARN_ONLY = yes\n");
	if (fflush(stdout) != 0 || ferror(stdout))
		err(EX_IOERR, "standard output");
	return 0;
}

/* The text settings named, one a line, as the programs see them: for
 * scripts, which should not parse relaywatch.conf themselves. */
int
cmd_setting(int argc, char **argv)
{
	int i;

	if (argc == 0)
		db_usage("setting needs a name");
	for (i = 0; i < argc; i++)
		if (conf_text(&conf, argv[i]) == NULL)
			db_usage("%s: not a text setting", argv[i]);
	for (i = 0; i < argc; i++)
		printf("%s\n", conf_text(&conf, argv[i]));
	if (fflush(stdout) != 0 || ferror(stdout))
		err(EX_IOERR, "standard output");
	return 0;
}

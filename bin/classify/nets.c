/*
 * Whose host an address is: our customer networks, our own MTAs, the
 * smart hosts of our farm (via=, through=) (classify.h).
 */
#include <err.h>
#include <stdio.h>
#include <sysexits.h>

#include "classify.h"
#include "ip.h"
#include "netset.h"

/* ---- where it came from ----------------------------------------------- */

/* A netblocks-style file (netset.h) into ns, read once; exits 75 when it
 * cannot be read now: the MTA keeps the message and tries again. */
static void
read_nets(struct netset *ns, int *done, const char *path, int missing_ok,
    const char *what)
{
	char why[512];

	if (*done)
		return;
	netset_init(ns);
	if (netset_read(ns, path, missing_ok, why, sizeof why) != 0)
		errx(EX_TEMPFAIL, "%s (%s)", why, what);
	*done = 1;
}

/* Whether ip is one of our customers' (netblocks). */
int
in_netblocks(const struct ip *ip)
{
	static struct netset nets;
	static int done;

	read_nets(&nets, &done, conf.netblocks, 0, "netblocks");
	return netset_contains(&nets, ip);
}

/* Whether ip is one of our own MTAs (own_hosts). */
static int
own_host(const struct ip *ip)
{
	static struct netset own;
	static int done;

	read_nets(&own, &done, conf.own_hosts, 1, "own_hosts");
	return netset_contains(&own, ip);
}

/*
 * The host that handed the message to our farm, as an index into
 * seen.path, or -1 with the reason in why.  Our own Exim wrote the top
 * Received field, naming the host that handed the message to it; each
 * field below was written by the host named in the field above it, and
 * is believed only while that host is one of our own (own_hosts).  The
 * first host named that is not ours is the one: the fields under it are
 * the sender's to write and prove nothing.
 */
int
farm_entry(char *why, size_t whysz)
{
	char t[IP_TEXT_MAX + 1];
	int k;

	if (seen.received == 0 || seen.top_local || seen.npath == 0 ||
	    !seen.path[0].named) {
		snprintf(why, whysz, "it came back without leaving this host "
		    "(no Received field naming a sending host)");
		return -1;
	}
	for (k = 0; own_host(&seen.path[k].ip); k++) {
		ip_format(&seen.path[k].ip, t);
		if (k + 1 == seen.npath || !seen.path[k + 1].named) {
			snprintf(why, whysz, "the Received field that our "
			    "own host %s wrote names no host that handed it "
			    "over", t);
			return -1;
		}
	}
	return k;
}

/* via=, the host that handed the message to our farm (seen.path[k]),
 * and through=, the hosts of ours it passed before this one. */
void
farm_kv(int k)
{
	char buf[RECEIVED_MAX * (IP_TEXT_MAX + 1) + 1];
	size_t o = 0;
	int i;

	ip_format(&seen.path[k].ip, buf);
	kv("via", buf);
	if (k == 0)
		return;
	for (i = 0; i < k; i++) {
		if (i > 0)
			buf[o++] = ',';
		o += ip_format(&seen.path[i].ip, buf + o);
	}
	buf[o] = '\0';
	kv("through", buf);
}

/* The host that handed a message to our farm, for -H: an undecided
 * message's hold names it.  k < 0: none. */
int held_via = -1;

#include <sys/socket.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "ip.h"
#include "netset.h"
#include "path.h"
#include "preflight.h"
#include "token.h"

static void unreadable(int *, const char *, const struct stat *,
    const char *);
static void problem(int *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Note a problem: the first one's code is the result. */
static void
problem(int *rc, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	if (*rc == 0)
		*rc = code;
}

/* Whether ip is an address of this host: a socket can be bound to it. */
static int
local_address(const struct ip *ip, const char **why)
{
	char text[IP_TEXT_MAX + 1];
	struct addrinfo hints, *ai;
	int fd, ok;

	ip_format(ip, text);
	memset(&hints, 0, sizeof hints);
	hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(text, NULL, &hints, &ai) != 0) {
		*why = "not an address";
		return 0;
	}
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	ok = fd >= 0 && bind(fd, ai->ai_addr, ai->ai_addrlen) == 0;
	*why = fd < 0 ? strerror(errno) : ok ? "" : strerror(errno);
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return ok;
}

/* A directory we must be able to write in (to create and rename). */
static void
writable_dir(int *rc, const char *dir, const char *what)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		problem(rc, EX_CANTCREAT, "%s: %s (%s)", dir, strerror(errno),
		    what);
	else if (!S_ISDIR(st.st_mode))
		problem(rc, EX_CANTCREAT, "%s: not a directory (%s)", dir, what);
	else if (access(dir, W_OK | X_OK) < 0)
		problem(rc, EX_NOPERM, "%s: not writable by this user (%s)",
		    dir, what);
}

int
preflight(const struct conf *c, size_t *nnets)
{
	static struct keys ks;	/* large, and cleared after use */
	struct netset nets, excl, own;
	struct stat st;
	char err[1024], dir[CONF_VALUE_MAX];
	const char *why;
	int rc = 0, code, need4 = 0, need6 = 0, have4 = 0, have6 = 0, i;
	size_t k;

	*nnets = 0;
	if (c->domain[0] == '\0')
		problem(&rc, EX_CONFIG, "%s: domain is not set (e.g. domain = "
		    "isp.example)%s", c->path, c->found ? "" :
		    "; the file does not exist");

	if ((code = token_keys_read(&ks, c->keyfile, err, sizeof err)) != 0)
		problem(&rc, code, "%s", err);
	token_keys_clear(&ks);

	netset_init(&nets);
	netset_init(&excl);
	if ((code = netset_read(&nets, c->netblocks, 0, err, sizeof err)) != 0)
		problem(&rc, code, "%s (netblocks in %s)", err, c->path);
	else if (nets.n == 0)
		problem(&rc, EX_CONFIG, "%s: no customer networks (netblocks "
		    "in %s): nothing would ever be tested", c->netblocks,
		    c->path);
	if ((code = netset_read(&excl, c->exclude, 1, err, sizeof err)) != 0)
		problem(&rc, code, "%s (exclude in %s)", err, c->path);
	netset_init(&own);
	if ((code = netset_read(&own, c->own_hosts, 1, err, sizeof err)) != 0)
		problem(&rc, code, "%s (own_hosts in %s)", err, c->path);
	/* Our own MTAs inside the customer networks: fine, and said, for
	 * they are never tested nor blocked all the same. */
	for (k = 0; k < own.n; k++)
		if (netset_overlaps(&nets, &own.r[k].first, &own.r[k].last)) {
			char text[IP_TEXT_MAX + 1];

			ip_format(&own.r[k].first, text);
			warnx("%s: our own host %s%s is inside netblocks (%s): "
			    "it is never tested nor blocked all the same",
			    c->own_hosts, text, ip_cmp(&own.r[k].first,
			    &own.r[k].last) ? " (and the range after it)" : "",
			    c->netblocks);
		}
	netset_free(&own);
	*nnets = nets.n;
	for (k = 0; k < nets.n; k++) {
		if (ip_is_v4(&nets.r[k].first))
			need4 = 1;
		else
			need6 = 1;
	}

	/* Probes must leave from their own address, of each family the
	 * customers have: Exim sends from its own address otherwise. */
	for (i = 0; i < c->nprobe_src; i++) {
		char text[IP_TEXT_MAX + 1];

		if (ip_is_v4(&c->probe_src[i]))
			have4 = 1;
		else
			have6 = 1;
		ip_format(&c->probe_src[i], text);
		if (!local_address(&c->probe_src[i], &why))
			problem(&rc, EX_CONFIG, "probe_source %s is not an "
			    "address of this host (%s); add it to an "
			    "interface", text, why);
	}
	if (need4 && !have4)
		problem(&rc, EX_CONFIG, "%s: netblocks hold IPv4 networks but "
		    "probe_source has no IPv4 address", c->path);
	if (need6 && !have6)
		problem(&rc, EX_CONFIG, "%s: netblocks hold IPv6 networks but "
		    "probe_source has no IPv6 address", c->path);
	netset_free(&nets);
	netset_free(&excl);

	writable_dir(&rc, c->statedir, "statedir");
	if (path_dir(c->blocked_nets, dir, sizeof dir) < 0)
		problem(&rc, EX_CONFIG, "%s: blocked_nets too long", c->path);
	else
		writable_dir(&rc, dir, "the directory of blocked_nets, which "
		    "is replaced by a rename");

	/* The main log may not exist yet (a fresh Exim), but its directory
	 * must be there to be followed, and the log readable once it is. */
	if (path_dir(c->mainlog, dir, sizeof dir) < 0)
		problem(&rc, EX_CONFIG, "%s: mainlog too long", c->path);
	else if (stat(dir, &st) < 0)
		problem(&rc, EX_NOINPUT, "%s: %s (the directory of mainlog)",
		    dir, strerror(errno));
	else if (access(dir, R_OK | X_OK) < 0)
		unreadable(&rc, dir, &st, "the directory of mainlog");
	else if (stat(c->mainlog, &st) == 0 && access(c->mainlog, R_OK) < 0)
		unreadable(&rc, c->mainlog, &st, "mainlog");
	return rc;
}

/*
 * PATH, which this user must read, is not readable: said with the fix,
 * joining the group that may read it (Debian's Exim log: adm).
 */
static void
unreadable(int *rc, const char *path, const struct stat *st, const char *what)
{
	struct passwd *pw = getpwuid(geteuid());
	struct group *gr = getgrgid(st->st_gid);

	if (pw != NULL && gr != NULL && (st->st_mode & S_IRGRP))
		problem(rc, EX_NOPERM, "%s: not readable by %s (%s): add the "
		    "user to the group that reads it, then start relaywatch "
		    "again: adduser %s %s", path, pw->pw_name, what,
		    pw->pw_name, gr->gr_name);
	else
		problem(rc, EX_NOPERM, "%s: not readable by this user (%s)",
		    path, what);
}

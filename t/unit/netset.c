/* lib/netset.c: netblocks files and membership. */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "netset.h"
#include "tap.h"

static char dir[] = "/tmp/rw-netset-XXXXXX";

static const char *
file(const char *name, const char *text, size_t len)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
	return path;
}

static int
has(const struct netset *ns, const char *a)
{
	struct ip ip;

	if (ip_parse(a, strlen(a), &ip, NULL) < 0) {
		printf("# bad test address %s\n", a);
		return -1;
	}
	return netset_contains(ns, &ip);
}

static void
bad_file(const char *name, const char *text, int code, const char *want)
{
	struct netset ns;
	char err[256] = "";
	const char *path = file(name, text, strlen(text));
	char expect[300];
	int rc;

	netset_init(&ns);
	rc = netset_read(&ns, path, 0, err, sizeof err);
	is_int(rc, code, "%s: exit code", name);
	snprintf(expect, sizeof expect, "%s/%s", dir, want);
	is_str(err, expect, "%s: message", name);
	netset_free(&ns);
}

int
main(void)
{
	struct netset ns;
	char err[256];
	const char *path;
	char *big;
	size_t i, off;
	int rc;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}

	netset_init(&ns);
	{
		const char *t = "# customers\n\n10.0.0.0/8\n"
		    "192.0.2.0/24   # a comment\n  198.51.100.7  \n"
		    "2001:db8:100::/40\n::1\r\n127.0.0.2\n127.0.0.3\n"
		    "#not an address\n172.16.0.1/12\n";

		path = file("netblocks", t, strlen(t));
	}
	rc = netset_read(&ns, path, 0, err, sizeof err);
	if (!is_int(rc, 0, "read a netblocks file"))
		printf("#   %s\n", err);
	is_int(has(&ns, "10.1.2.3"), 1, "10.1.2.3 in 10/8");
	is_int(has(&ns, "11.0.0.0"), 0, "11.0.0.0 not in");
	is_int(has(&ns, "9.255.255.255"), 0, "9.255.255.255 not in");
	is_int(has(&ns, "192.0.2.255"), 1, "last of a /24");
	is_int(has(&ns, "192.0.3.0"), 0, "after the /24");
	is_int(has(&ns, "198.51.100.7"), 1, "single address with blanks");
	is_int(has(&ns, "198.51.100.8"), 0, "next to a single address");
	is_int(has(&ns, "2001:db8:1ff:ffff::1"), 1, "IPv6 in /40");
	is_int(has(&ns, "2001:db8:200::"), 0, "IPv6 after /40");
	is_int(has(&ns, "::1"), 1, "::1 with CRLF");
	is_int(has(&ns, "::ffff:10.0.0.1"), 1, "IPv4-mapped matches IPv4");
	is_int(has(&ns, "::a00:1"), 0, "IPv4-compatible is not IPv4");
	is_int(has(&ns, "127.0.0.2"), 1, "adjacent singles merged (1)");
	is_int(has(&ns, "127.0.0.3"), 1, "adjacent singles merged (2)");
	is_int(has(&ns, "172.31.255.255"), 1, "host bits ignored, as Exim");
	is_int((long long)ns.n, 7, "ranges merged");
	netset_free(&ns);

	netset_init(&ns);
	rc = netset_read(&ns, dir, 0, err, sizeof err);
	is_int(rc, EX_IOERR, "a directory: read error, 74");
	ok(strstr(err, "Is a directory") != NULL, "a directory: %s", err);
	netset_free(&ns);

	netset_init(&ns);
	rc = netset_read(&ns, "/nonexistent/exclude", 1, err, sizeof err);
	is_int(rc, 0, "missing optional file is empty");
	is_int(has(&ns, "10.0.0.1"), 0, "and holds nothing");
	rc = netset_read(&ns, "/nonexistent/netblocks", 0, err, sizeof err);
	is_int(rc, EX_NOINPUT, "missing required file: 66");
	is_str(err, "/nonexistent/netblocks: No such file or directory",
	    "missing required file: message");
	netset_free(&ns);

	bad_file("b1", "10.0.0.0/8\n10.0.0.0/33\n", EX_DATAERR,
	    "b1:2: \"10.0.0.0/33\": prefix length too large");
	bad_file("b2", "host.example\n", EX_DATAERR,
	    "b2:1: \"host.example\": empty or non-numeric part in IPv4 address");
	bad_file("b3", "!10.0.0.1\n", EX_DATAERR,
	    "b3:1: \"!10.0.0.1\": empty or non-numeric part in IPv4 address");
	bad_file("b4", "10.0.0.1 10.0.0.2\n", EX_DATAERR,
	    "b4:1: \"10.0.0.1 10.0.0.2\": trailing characters after IPv4 address");
	bad_file("b5", "\x01\xff\n", EX_DATAERR,
	    "b5:1: \"\\x01\\xff\": empty or non-numeric part in IPv4 address");
	{
		char nul[] = "10.0.0.1\n10.0.0.2\0\n";

		path = file("b6", nul, sizeof nul - 1);
		netset_init(&ns);
		rc = netset_read(&ns, path, 0, err, sizeof err);
		is_int(rc, EX_DATAERR, "NUL byte: 65");
		ok(strstr(err, "b6:2: NUL byte in line") != NULL,
		    "NUL byte: names the line (%s)", err);
		netset_free(&ns);
	}
	big = malloc(4 << 20);
	memset(big, '1', 1 << 20);
	path = file("b7", big, 1 << 20);
	netset_init(&ns);
	rc = netset_read(&ns, path, 0, err, sizeof err);
	is_int(rc, EX_DATAERR, "megabyte line: 65");
	ok(strstr(err, "b7:1: line too long") != NULL, "megabyte line: %s", err);
	netset_free(&ns);
	chmod(path, 0);
	if (geteuid() != 0) {
		netset_init(&ns);
		rc = netset_read(&ns, path, 0, err, sizeof err);
		is_int(rc, EX_NOPERM, "unreadable: 77");
		netset_free(&ns);
	}
	unlink(path);

	/* 100,000 entries: membership against a linear scan. */
	for (off = 0, i = 0; i < 100000; i++) {
		unsigned a = (unsigned)rand();

		if (i % 3 == 0)
			off += (size_t)sprintf(big + off, "2001:db8:%x:%x::/64\n",
			    a & 0xffff, (a >> 16) & 0xffff);
		else
			off += (size_t)sprintf(big + off, "%u.%u.%u.0/%u\n",
			    a & 0xff, (a >> 8) & 0xff, (a >> 16) & 0xff,
			    24 + (a >> 24) % 9);
	}
	path = file("many", big, off);
	netset_init(&ns);
	rc = netset_read(&ns, path, 0, err, sizeof err);
	is_int(rc, 0, "read 100000 entries");
	{
		struct netset raw;
		int wrong = 0;

		netset_init(&raw);
		/* The unmerged ranges, for a linear check. */
		for (i = 0, off = 0; i < 100000; i++) {
			char *nl = strchr(big + off, '\n');
			struct ip f, l;

			ip_parse_cidr(big + off, (size_t)(nl - big - off), &f, &l,
			    NULL);
			netset_add(&raw, &f, &l);
			off = (size_t)(nl - big) + 1;
		}
		for (i = 0; i < 2000; i++) {
			struct ip ip;
			size_t j;
			int lin = 0;

			ip = raw.r[rand() % raw.n].first;
			ip.b[15] ^= (unsigned char)(rand() % 3);
			ip.b[14] ^= (unsigned char)(rand() % 2 ? 0 : rand());
			for (j = 0; j < raw.n && !lin; j++)
				lin = ip_cmp(&raw.r[j].first, &ip) <= 0 &&
				    ip_cmp(&ip, &raw.r[j].last) <= 0;
			if (lin != netset_contains(&ns, &ip))
				wrong++;
		}
		ok(wrong == 0, "2000 lookups agree with a linear scan");
		/* Ranges that meet the set: against a linear scan too. */
		for (wrong = 0, i = 0; i < 2000; i++) {
			struct ip f, l;
			size_t j;
			int lin = 0;

			f = raw.r[rand() % raw.n].first;
			f.b[15] ^= (unsigned char)(rand() % 7);
			l = f;
			l.b[15] = (unsigned char)(l.b[15] | (rand() % 16));
			if (rand() % 2)
				l.b[14] = (unsigned char)(l.b[14] + 1);
			for (j = 0; j < raw.n && !lin; j++)
				lin = ip_cmp(&raw.r[j].first, &l) <= 0 &&
				    ip_cmp(&f, &raw.r[j].last) <= 0;
			if (lin != netset_overlaps(&ns, &f, &l))
				wrong++;
		}
		ok(wrong == 0, "2000 overlaps agree with a linear scan");
		netset_free(&raw);
	}
	netset_free(&ns);
	free(big);
	unlink(file("netblocks", "", 0));
	for (i = 1; i <= 6; i++) {
		char p[300];

		snprintf(p, sizeof p, "%s/b%zu", dir, i);
		unlink(p);
	}
	snprintf(err, sizeof err, "%s/many", dir);
	unlink(err);
	rmdir(dir);
	return done_testing();
}

/* lib/ip.c: parsing, canonical form, CIDR blocks. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <stdlib.h>

#include "ip.h"
#include "tap.h"
#include "text.h"

static void
canon(const char *in, const char *want)
{
	struct ip ip;
	const char *why = NULL;
	char buf[IP_TEXT_MAX + 1];

	if (!ok(ip_parse(in, strlen(in), &ip, &why) == 0, "parse %s", in)) {
		printf("#   why: %s\n", why);
		return;
	}
	ip_format(&ip, buf);
	is_str(buf, want, "canonical form of %s", in);
	ok(ip_parse_canonical(want, strlen(want), &ip, &why) == 0,
	    "%s is canonical", want);
	if (strcmp(in, want) != 0)
		ok(ip_parse_canonical(in, strlen(in), &ip, &why) < 0,
		    "%s is not canonical", in);
}

static void
bad(const char *in, const char *why_want)
{
	struct ip ip;
	const char *why = NULL;
	int rc = ip_parse(in, strlen(in), &ip, &why);
	char shown[64];

	text_quote(in, strlen(in), shown, sizeof shown);
	ok(rc < 0, "refuse \"%s\"", shown);
	if (rc < 0 && why_want)
		is_str(why, why_want, "reason for \"%s\"", shown);
}

static void
cidr(const char *in, const char *first, const char *last)
{
	struct ip a, b;
	const char *why = NULL;
	char fa[IP_TEXT_MAX + 1], fb[IP_TEXT_MAX + 1];

	if (!ok(ip_parse_cidr(in, strlen(in), &a, &b, &why) == 0, "cidr %s",
	    in)) {
		printf("#   why: %s\n", why);
		return;
	}
	ip_format(&a, fa);
	ip_format(&b, fb);
	is_str(fa, first, "first of %s", in);
	is_str(fb, last, "last of %s", in);
}

static void
bad_cidr(const char *in)
{
	struct ip a, b;
	const char *why;

	ok(ip_parse_cidr(in, strlen(in), &a, &b, &why) < 0,
	    "refuse block \"%s\"", in);
}

/* Random addresses: our text form is inet_ntop's, and parses back. */
static void
roundtrip(void)
{
	int i, bad_n = 0;

	for (i = 0; i < 200000; i++) {
		struct ip ip, back;
		char mine[IP_TEXT_MAX + 1], theirs[INET6_ADDRSTRLEN];
		int j, zeros = rand() % 17;

		for (j = 0; j < 16; j++)
			ip.b[j] = (unsigned char)(rand() % 4 == 0 ? rand() : 0);
		for (j = 0; j < zeros; j++)
			ip.b[rand() % 16] = 0;
		if (i % 10 == 0) {
			memset(ip.b, 0, 10);
			ip.b[10] = ip.b[11] = 0xff;
		}
		ip_format(&ip, mine);
		if (ip_is_v4(&ip))
			inet_ntop(AF_INET, ip.b + 12, theirs, sizeof theirs);
		else
			inet_ntop(AF_INET6, ip.b, theirs, sizeof theirs);
		if (strcmp(mine, theirs) != 0 ||
		    ip_parse_canonical(mine, strlen(mine), &back, NULL) < 0 ||
		    ip_cmp(&ip, &back) != 0) {
			if (bad_n++ < 5)
				printf("# mismatch: mine %s, inet_ntop %s\n",
				    mine, theirs);
		}
	}
	ok(bad_n == 0, "200000 random addresses format as inet_ntop and "
	    "parse back");
}

/* Random strings: we accept exactly what inet_pton accepts. */
static void
fuzz(void)
{
	static const char alpha[] = "0123456789abcdefABCDEF::::....%/[] xg";
	int i, bad_n = 0;

	for (i = 0; i < 300000; i++) {
		char s[48];
		unsigned char bin[16];
		struct ip ip;
		int n = rand() % 40, j, mine, theirs;

		for (j = 0; j < n; j++)
			s[j] = alpha[rand() % (int)(sizeof alpha - 1)];
		s[n] = '\0';
		mine = ip_parse(s, (size_t)n, &ip, NULL) == 0;
		theirs = inet_pton(strchr(s, ':') ? AF_INET6 : AF_INET, s,
		    bin) == 1;
		if (mine != theirs || (mine && memcmp(strchr(s, ':') ?
		    ip.b : ip.b + 12, bin, strchr(s, ':') ? 16 : 4) != 0)) {
			if (bad_n++ < 5)
				printf("# \"%s\": ours %d, inet_pton %d\n", s,
				    mine, theirs);
		}
	}
	ok(bad_n == 0, "300000 random strings: accepted as inet_pton does");
}

int
main(void)
{
	struct ip ip;

	canon("127.0.0.1", "127.0.0.1");
	canon("0.0.0.0", "0.0.0.0");
	canon("255.255.255.255", "255.255.255.255");
	canon("::", "::");
	canon("::1", "::1");
	canon("2001:DB8::ABCD", "2001:db8::abcd");
	canon("2001:0db8:0000:0000:0000:0000:0000:abcd", "2001:db8::abcd");
	canon("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
	canon("::ffff:127.0.0.5", "127.0.0.5");
	canon("::FFFF:7f00:5", "127.0.0.5");
	canon("fe80::1:2:3:4", "fe80::1:2:3:4");
	canon("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0");
	canon("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8");
	canon("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304");

	bad("", "empty address");
	bad("01.2.3.4", "leading zero in IPv4 address");
	bad("1.2.3.04", "leading zero in IPv4 address");
	bad("256.1.1.1", "IPv4 address part above 255");
	bad("1.2.3", "too few parts in IPv4 address");
	bad("1.2.3.4.5", "trailing characters after IPv4 address");
	bad("1.2.3.4 ", "trailing characters after IPv4 address");
	bad(" 1.2.3.4", NULL);
	bad("1.2.3.4/24", "prefix length not allowed here");
	bad("1.2.3.4%eth0", "zone id not allowed");
	bad("fe80::1%eth0", "zone id not allowed");
	bad("[::1]", "brackets not allowed");
	bad("::1]", "brackets not allowed");
	bad("0x1.2.3.4", NULL);
	bad("1..2.3", NULL);
	bad("-1.2.3.4", NULL);
	bad("1:2:3:4:5:6:7:8:9", "IPv6 address too long");
	bad("1::2::3", "more than one :: in IPv6 address");
	bad(":::", NULL);
	bad(":1::", "IPv6 address starts with a single colon");
	bad("1:", "IPv6 address ends with a single colon");
	bad("12345::", "IPv6 group longer than 4 hex digits");
	bad("1:2:3:4:5:6:7", "too few groups in IPv6 address");
	bad("1:2:3:4:5:6:7:8::", "IPv6 address too long for ::");
	bad("::ffff:01.2.3.4", "leading zero in IPv4 address");
	bad("::1.2.3.4:5", NULL);
	bad("1:2:3:4:5:6:7:1.2.3.4", "IPv6 address too long");
	bad("g::", NULL);
	bad("1.2.3.4\n", NULL);
	{
		char nul[] = "1.2.3.4\0junk";
		ok(ip_parse(nul, sizeof nul - 1, &ip, NULL) < 0,
		    "refuse an address followed by NUL and junk");
	}
	{
		char big[200];

		memset(big, '1', sizeof big);
		ok(ip_parse(big, sizeof big, &ip, NULL) < 0,
		    "refuse 200 digits");
	}
	ok(ip_parse_canonical("::ffff:1.2.3.4", 14, &ip, NULL) < 0,
	    "IPv4-mapped is not canonical");
	ok(ip_parse_canonical("2001:DB8::1", 11, &ip, NULL) < 0,
	    "upper case is not canonical");

	cidr("10.0.0.0/8", "10.0.0.0", "10.255.255.255");
	cidr("10.1.2.3/8", "10.0.0.0", "10.255.255.255");
	cidr("192.0.2.7", "192.0.2.7", "192.0.2.7");
	cidr("192.0.2.7/32", "192.0.2.7", "192.0.2.7");
	cidr("0.0.0.0/0", "0.0.0.0", "255.255.255.255");
	cidr("2001:db8::/32", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	cidr("2001:db8::1/128", "2001:db8::1", "2001:db8::1");
	cidr("::/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	cidr("2001:db8::/33", "2001:db8::", "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff");
	bad_cidr("10.0.0.0/33");
	bad_cidr("10.0.0.0/");
	bad_cidr("10.0.0.0/08");
	bad_cidr("10.0.0.0/8x");
	bad_cidr("10.0.0.0/-1");
	bad_cidr("::/129");
	bad_cidr("::/1000");
	bad_cidr("/8");
	bad_cidr("10.0.0/8");
	/* An address's network, as ip_parse_cidr reads it written out. */
	{
		static const char *const nets[][2] = {
			{ "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64" },
			{ "2001:db8:1:2:3:4:5:6", "2001:db8::/33" },
			{ "2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6/128" },
			{ "2001:db8:1:2:3:4:5:6", "::/0" },
			{ "192.0.2.7", "192.0.2.7/32" },
		};
		static const int bits[] = { 64, 33, 128, 0, 64 };
		size_t i;

		for (i = 0; i < sizeof nets / sizeof nets[0]; i++) {
			struct ip a, f, l, wf, wl;

			ip_parse(nets[i][0], strlen(nets[i][0]), &a, NULL);
			ip_parse_cidr(nets[i][1], strlen(nets[i][1]), &wf, &wl,
			    NULL);
			ip_network_range(&a, bits[i], &f, &l);
			ok(ip_cmp(&f, &wf) == 0 && ip_cmp(&l, &wl) == 0,
			    "the network of %s at %d bits: %s", nets[i][0],
			    bits[i], nets[i][1]);
		}
	}

	srand(1);
	roundtrip();
	fuzz();
	return done_testing();
}

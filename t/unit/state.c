/* lib/state.c: state lines, key=value fields, the map. */
#include <stdlib.h>

#include "blocked_nets.h"
#include "state.h"
#include "statemap.h"
#include "tap.h"
#include "text.h"

static void
good(const char *l, const char *status, long long t)
{
	struct stateline sl;
	const char *why = NULL;
	char shown[100];

	text_quote(l, strlen(l), shown, sizeof shown);
	if (!ok(state_parse(l, strlen(l), &sl, &why) == 0, "parse %s", shown)) {
		printf("#   why: %s\n", why);
		return;
	}
	is_str(state_status_name(sl.status), status, "status of %s", shown);
	is_int(sl.time, t, "time of %s", shown);
}

static void
bad(const char *l, const char *want)
{
	struct stateline sl;
	const char *why = NULL;
	char shown[100];

	text_quote(l, strlen(l), shown, sizeof shown);
	ok(state_parse(l, strlen(l), &sl, &why) < 0, "refuse %s", shown);
	if (want)
		is_str(why, want, "reason for %s", shown);
}

int
main(void)
{
	struct stateline sl;
	struct statemap m;
	char buf[STATE_LINE_MAX + 1], val[STATE_LINE_MAX + 1];
	const char *why;
	size_t n;
	int i, wrong;

	good("192.0.2.1 OK 1", "OK", 1);
	good("192.0.2.1 BLOCK 1764115200 why=relayed variant=plain", "BLOCK",
	    1764115200);
	good("2001:db8::1 UNKNOWN 0 why=probe", "UNKNOWN", 0);
	good("192.0.2.1 OK 5 diag=\"550 5.7.1 \\\"no\\\" \\\\ relay\"", "OK", 5);
	good("192.0.2.1 OK 5 a= b-c_d=x", "OK", 5);
	good("192.0.2.1 OK 253402300799", "OK", 253402300799LL);
	bad("", "expected IP STATUS TIME");
	bad("192.0.2.1", "expected IP STATUS TIME");
	bad("192.0.2.01 OK 1", "leading zero in IPv4 address");
	bad("2001:DB8::1 OK 1", "address not in canonical form (lower case, compressed)");
	bad("::ffff:192.0.2.1 OK 1", "IPv4-mapped address not written as plain IPv4");
	bad("192.0.2.1 ok 1", "status is not OK, BLOCK or UNKNOWN");
	bad("192.0.2.1 OK", "status is not OK, BLOCK or UNKNOWN");
	bad("192.0.2.1 OK ", "time is not a number of seconds");
	bad("192.0.2.1 OK 01", "time is not a number of seconds");
	bad("192.0.2.1 OK -1", "time is not a number of seconds");
	bad("192.0.2.1 OK 1x", "time is not a number of seconds");
	bad("192.0.2.1 OK 253402300800", "time out of range");
	bad("192.0.2.1 OK 99999999999999999999999", "time out of range");
	bad("192.0.2.1  OK 1", NULL);
	bad("192.0.2.1 OK 1 ", "trailing blank");
	bad("192.0.2.1 OK 1  why=x", "bad key=value field");
	bad("192.0.2.1 OK 1 why", "bad key=value field");
	bad("192.0.2.1 OK 1 =x", "bad key=value field");
	bad("192.0.2.1 OK 1 Why=x", "bad key=value field");
	bad("192.0.2.1 OK 1 1why=x", "bad key=value field");
	bad("192.0.2.1 OK 1 why=a\"b", "bad character in a value");
	bad("192.0.2.1 OK 1 why=a\\b", "bad character in a value");
	bad("192.0.2.1 OK 1 why=\"a", "unterminated quoted value");
	bad("192.0.2.1 OK 1 why=\"a\"b", "junk after a quoted value");
	bad("192.0.2.1 OK 1 why=\"a\\x\"", "bad escape in a quoted value");
	bad("192.0.2.1 OK 1 why=\"a\tb\"", "control or non-ASCII byte in a value");
	bad("192.0.2.1 OK 1 why=\xc3\xa9", "bad character in a value");
	bad("192.0.2.1 OK 1 abcdefghijabcdefghijabcdefghijabc=x",
	    "bad key=value field");
	{
		char nul[] = "192.0.2.1 OK 1 why=a\0b";

		ok(state_parse(nul, sizeof nul - 1, &sl, &why) < 0,
		    "refuse a NUL byte");
	}
	memset(buf, 'a', sizeof buf);
	memcpy(buf, "192.0.2.1 OK 1 why=", 19);
	ok(state_parse(buf, sizeof buf, &sl, &why) < 0, "refuse a long line");

	/* Any value written by state_put_kv reads back with state_get. */
	srand(3);
	for (wrong = 0, i = 0; i < 20000; i++) {
		char v[64];
		int k, len = rand() % 40;

		for (k = 0; k < len; k++)
			v[k] = (char)(1 + rand() % 255);
		v[len] = '\0';
		n = (size_t)snprintf(buf, sizeof buf, "192.0.2.1 OK 1");
		if (state_put_kv(buf, sizeof buf, &n, "why", v) < 0 ||
		    state_put_kv(buf, sizeof buf, &n, "x", "y") < 0 ||
		    state_parse(buf, n, &sl, &why) < 0 ||
		    state_get(&sl, "why", val, sizeof val) == NULL) {
			wrong++;
			continue;
		}
		for (k = 0; k < len; k++)
			if ((unsigned char)v[k] < 0x20 || (unsigned char)v[k] > 0x7e)
				v[k] = '?';
		if (strcmp(val, v) != 0 && wrong++ < 3)
			printf("# wrote %s, read %s\n", v, val);
	}
	ok(wrong == 0, "20000 random values: written and read back");
	{
		/* An empty value at the very end: nothing read past it (a
		 * buffer of exactly the line, as a mapped file's last). */
		static const char l[] = "192.0.2.1 OK 1 why=";
		char *exact = malloc(sizeof l - 1);
		long long t;

		memcpy(exact, l, sizeof l - 1);
		ok(state_parse(exact, sizeof l - 1, &sl, &why) == 0 &&
		    state_get(&sl, "why", val, sizeof val) != NULL &&
		    val[0] == '\0', "an empty value at the end of the line");
		free(exact);
		n = (size_t)snprintf(buf, sizeof buf,
		    "192.0.2.1 OK 1 a=17 b=253402300800 c=1x d= e=0");
		state_parse(buf, n, &sl, &why);
		ok(state_get_time(&sl, "a", &t) == 0 && t == 17,
		    "state_get_time: a time");
		ok(state_get_time(&sl, "b", &t) < 0 &&
		    state_get_time(&sl, "c", &t) < 0 &&
		    state_get_time(&sl, "d", &t) < 0 &&
		    state_get_time(&sl, "f", &t) < 0,
		    "state_get_time: out of range, junk, empty, absent");
		ok(state_get_time(&sl, "e", &t) == 0 && t == 0,
		    "state_get_time: zero");
	}
	n = 0;
	buf[0] = '\0';
	memset(val, 'v', 200);
	val[200] = '\0';
	ok(state_put_kv(buf, 100, &n, "why", val) < 0, "a value too long refused");

	/* The map: last put wins, 200000 IPs through growth. */
	statemap_init(&m);
	{
		static char lines[200000][40];
		const struct statemap_entry *en;
		struct ip ip;

		for (wrong = 0, i = 0; i < 200000; i++) {
			snprintf(lines[i], sizeof lines[i], "10.%d.%d.%d OK %d",
			    i / 65536 % 256, i / 256 % 256, i % 256, i);
			if (state_parse(lines[i], strlen(lines[i]), &sl, &why) < 0 ||
			    statemap_put(&m, &sl) < 0)
				wrong++;
		}
		for (i = 0; i < 1000; i++) {
			snprintf(lines[i], sizeof lines[i], "10.0.%d.%d BLOCK %d",
			    i / 256, i % 256, 1000000 + i);
			if (state_parse(lines[i], strlen(lines[i]), &sl, &why) < 0 ||
			    statemap_put(&m, &sl) < 0)
				wrong++;
		}
		is_int((long long)m.n, 200000, "200000 IPs in the map");
		ip_parse("10.0.3.231", 10, &ip, NULL);
		en = statemap_get(&m, &ip);
		ok(en && en->status == ST_BLOCK && memcmp(en->rest,
		    "BLOCK 1000999", 13) == 0, "the last line wins");
		ip_parse("10.3.13.63", 10, &ip, NULL);
		en = statemap_get(&m, &ip);
		ok(en && en->status == ST_OK, "others keep theirs");
		ip_parse("10.9.9.9", 8, &ip, NULL);
		ok(statemap_get(&m, &ip) == NULL, "an absent IP is absent");
		ok(wrong == 0, "no put failed");
	}
	statemap_free(&m);

	/* Change lines: written by apply, read by notify, one format. */
	{
		static const char *const in[] = {
			"192.0.2.7 BLOCK 1800000000 why=relayed variant=percent",
			"2001:db8::7 OK 1800000001 why=refused diag=\"550 no\"",
		};
		enum status olds[] = { ST_NONE, ST_BLOCK };
		struct stateline cl, back;
		char out[STATE_CHANGE_MAX];
		const char *cwhy;
		struct ip ip2;
		size_t k, cn = 0;

		for (k = 0; k < 2; k++) {
			state_parse(in[k], strlen(in[k]), &cl, &cwhy);
			cn = state_format_change(&cl, olds[k], out);
			ok(cn > 0 && out[cn - 1] == '\n' &&
			    state_parse_change(out, cn - 1, &ip2, &back,
			    &cwhy) == 0 && ip_cmp(&ip2, &cl.ip) == 0 &&
			    back.status == cl.status && back.time == cl.time &&
			    back.rest_len == cl.rest_len,
			    "a change line read back as written");
		}
		ok(memcmp(out, "2001:db8::7 BLOCK OK ", 21) == 0,
		    "change line: IP OLD NEW TIME ...");
	}
	/* relaywatch's lines of blocked.nets, read back (the DNS form). */
	{
		static const struct {
			const char *line;
			int rc, bits;
			const char *why;
		} bl[] = {
			{ "192.0.2.7  # relaywatch 2026-11-26 why=relayed", 1,
			    32, "relayed" },
			{ "2001:db8:1:2::/64  # relaywatch 2026-11-26 why=relayed "
			    "address=2001:db8:1:2::5", 1, 64, "relayed" },
			{ "2001:db8::5  # relaywatch 2026-11-26", 1, 128, "" },
			{ "192.0.2.7  # by hand", 0, 0, NULL },
			{ "192.0.2.7", 0, 0, NULL },
			{ "# relaywatch 2026-11-26", 0, 0, NULL },
			{ "192.0.2.7  # relaywatchers", 0, 0, NULL },
			{ "bogus  # relaywatch 2026-11-26", -1, 0, NULL },
			{ "192.0.2.0/24  # relaywatch 2026-11-26", -1, 0, NULL },
			{ "2001:db8::/8  # relaywatch 2026-11-26", -1, 0, NULL },
			{ "2001:db8::/129  # relaywatch 2026-11-26", -1, 0, NULL },
			{ "2001:db8::/  # relaywatch 2026-11-26", -1, 0, NULL },
			{ "2001:db8::/64x  # relaywatch 2026-11-26", -1, 0, NULL },
			{ "192.0.2.7  # relaywatch", -1, 0, NULL },
			{ "192.0.2.7  # relaywatch 2026-1x-26", -1, 0, NULL },
			{ "192.0.2.7  # relaywatch 2026-11-2", -1, 0, NULL },
			{ "192.0.2.7  # relaywatch 2026-11-26x", -1, 0, NULL },
			{ "192.0.2.7  # relaywatch 2026-11-26 why=", 1, 32, "" },
		};
		struct blocked_line b;
		const char *bwhy;
		size_t k;
		int r;

		for (k = 0; k < sizeof bl / sizeof bl[0]; k++) {
			r = blocked_nets_line(bl[k].line, strlen(bl[k].line),
			    &b, &bwhy);
			is_int(r, bl[k].rc, "blocked.nets: %s", bl[k].line);
			if (r == 1 && bl[k].why) {
				is_int(b.bits, bl[k].bits, "  its bits");
				ok(b.daylen == 10 &&
				    memcmp(b.day, "2026-11-26", 10) == 0,
				    "  its day");
				ok(b.whylen == strlen(bl[k].why) &&
				    memcmp(b.why, bl[k].why, b.whylen) == 0,
				    "  its why");
			}
		}
	}
	return done_testing();
}

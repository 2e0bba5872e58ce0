/*
 * The line formats between programs: state lines (what apply reads,
 * what the state holds) parsed, formatted and parsed again; key=value
 * fields written and read back; the change lines notify reads; the
 * lines of blocked.nets that the DNS form is made from; the lines of the
 * mailboxes file; the host lines of relaywatch-hosts and relaywatch-due
 * and the sender domains in them, and their tally; the lines of the
 * status files the stages write for relaywatch-db status; outbox entries
 * (what relaywatch-notify -q reads back); the log position, as the file
 * and as -s; a PTR name as notify takes the postmaster's domain from it.
 */
#include <stdio.h>
#include <string.h>

#include "blocked_nets.h"
#include "clocksteps.h"
#include "domain.h"
#include "fuzz.h"
#include "hostline.h"
#include "ip.h"
#include "logpos.h"
#include "mailboxes.h"
#include "outbox.h"
#include "sendertally.h"
#include "state.h"
#include "statusfile.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *why;
	char buf[STATE_LINE_MAX + 1], val[STATE_LINE_MAX + 1],
	    text[IP_TEXT_MAX + 1];
	struct stateline sl, again;
	struct ip ip;
	size_t n;
	long long t;

	if (state_parse(s, size, &sl, &why) == 0) {
		/* The line is canonical: written again, it is itself. */
		n = ip_format(&sl.ip, text);
		FUZZ_ASSERT(n < size && memcmp(s, text, n) == 0 && s[n] == ' ');
		FUZZ_ASSERT(sl.rest == s + n + 1 && sl.rest_len == size - n - 1);
		FUZZ_ASSERT(state_parse_value(sl.rest, sl.rest_len, &again,
		    &why) == 0);
		FUZZ_ASSERT(again.status == sl.status && again.time == sl.time &&
		    again.kv_len == sl.kv_len);
		FUZZ_ASSERT(sl.time >= 0 && sl.time <= STATE_TIME_MAX);
		state_get(&sl, "why", val, sizeof val);
		state_get(&sl, "retest", val, 2);
		state_get_time(&sl, "token-time", &t);
	}
	/* Any bytes as a value: written, the line parses and gives them back
	 * (control and non-ASCII bytes as '?'). */
	if (size < 200) {
		char v[201];
		size_t k;

		memcpy(v, s, size);
		v[size] = '\0';
		n = (size_t)snprintf(buf, sizeof buf, "192.0.2.1 OK 1");
		if (state_put_kv(buf, sizeof buf, &n, "why", v) == 0) {
			FUZZ_ASSERT(state_parse(buf, n, &sl, &why) == 0);
			FUZZ_ASSERT(state_get(&sl, "why", val, sizeof val));
			for (k = 0; k < strlen(v); k++)
				if ((unsigned char)v[k] < 0x20 ||
				    (unsigned char)v[k] > 0x7e)
					v[k] = '?';
			FUZZ_ASSERT(strcmp(val, v) == 0);
		}
	}
	if (size >= 17) {
		/* A line made by the writers: it parses, and says what
		 * they were given. */
		enum status st = (enum status)(ST_OK + (uint8_t)s[16] % 3);
		long long when, k;
		struct ip a;
		size_t m = 0;

		memcpy(&when, s, 8);
		memcpy(&k, s + 8, 8);
		when = when < 0 ? -(when + 1) : when;
		when %= STATE_TIME_MAX + 1;
		memset(&a, 0, sizeof a);
		memcpy(a.b, s, 16);
		FUZZ_ASSERT(state_put_head(buf, sizeof buf, &m, &a, st,
		    when) == 0);
		FUZZ_ASSERT(state_put_time(buf, sizeof buf, &m, "probes",
		    k) == 0);
		FUZZ_ASSERT(state_parse(buf, m, &sl, &why) == 0);
		FUZZ_ASSERT(ip_cmp(&sl.ip, &a) == 0 && sl.time == when &&
		    sl.status == st);
		FUZZ_ASSERT(state_get(&sl, "probes", val, sizeof val) != NULL);
		snprintf(text, sizeof text, "%lld", k);
		FUZZ_ASSERT(strcmp(text, val) == 0);
	}
	if (state_parse_change(s, size, &ip, &sl, &why) == 0)
		FUZZ_ASSERT(sl.status >= ST_OK && sl.status <= ST_UNKNOWN);
	{
		struct blocked_line bl;
		int r = blocked_nets_line(s, size, &bl, &why);

		FUZZ_ASSERT(r >= -1 && r <= 1);
		if (r == 1) {
			FUZZ_ASSERT(bl.bits >= 16 && bl.bits <= 128);
			FUZZ_ASSERT(!ip_is_v4(&bl.net) || bl.bits == 32);
			FUZZ_ASSERT(bl.daylen == 10 && bl.day > s &&
			    bl.day + 10 <= s + size);
			FUZZ_ASSERT(bl.whylen == 0 || (bl.why > s &&
			    bl.why + bl.whylen <= s + size &&
			    memchr(bl.why, ' ', bl.whylen) == NULL));
		}
	}
	if (size < 1024) {
		char line[1025];
		struct ip first, last;
		const char *addr;

		memcpy(line, s, size);
		line[size] = '\0';
		if (mailboxes_line(line, size, &first, &last, &addr, &why) == 0) {
			FUZZ_ASSERT(ip_cmp(&first, &last) <= 0);
			FUZZ_ASSERT(addr > line && addr < line + size);
			FUZZ_ASSERT(strlen(addr) <= MAILBOX_MAX &&
			    strchr(addr, '@') != NULL &&
			    strpbrk(addr, " \t\r\n") == NULL);
		} else
			FUZZ_ASSERT(why != NULL && why[0] != '\0');
	}
	{
		/* A remailer's retest line: written again, it is itself. */
		char addr[MAILBOX_MAX + 1], line[HOSTLINE_MAILBOX_MAX + 2];
		int r = hostline_mailbox_parse(s, size, &ip, addr, &why);

		if (r == 1) {
			n = ip_format(&ip, text);
			n = hostline_mailbox_put(line, text, n, addr);
			FUZZ_ASSERT(n == size + 1 && memcmp(line, s, size) == 0);
		} else if (r < 0)
			FUZZ_ASSERT(why != NULL && why[0] != '\0');
	}
	{
		/* A host line: written again, it is itself. */
		char dom[DOMAIN_MAX + 1], name[DOMAIN_MAX + 1],
		    line[HOSTLINE_MAX + 2];
		static struct sendertally tally;
		struct sendertally_host *th;
		enum hostline_name from;

		if (hostline_parse(s, size, &ip, dom, name, &from, &why) == 0) {
			n = ip_format(&ip, text);
			n = hostline_put(line, text, n, dom, name, from);
			FUZZ_ASSERT(n == size + 1 && memcmp(line, s, size) == 0);
			FUZZ_ASSERT(strlen(dom) <= DOMAIN_MAX);
			if (tally.cap == 0)
				FUZZ_ASSERT(sendertally_init(&tally, 4) == 0);
			if ((th = sendertally_put(&tally, &ip, 1)) != NULL) {
				sendertally_count(th, dom);
				sendertally_count(th, dom);
				sendertally_name(th, name, (int)from);
				FUZZ_ASSERT(th->name_from == 0 ||
				    strlen(th->name) <= DOMAIN_MAX);
				FUZZ_ASSERT(dom[0] == '\0' ||
				    sendertally_choice(th) != NULL);
			}
			while (sendertally_next_due(&tally, -1, &ip))
				sendertally_drop(&tally, &ip);
			FUZZ_ASSERT(tally.n == 0);
		} else
			FUZZ_ASSERT(why != NULL && why[0] != '\0');
		/* Any bytes as a sender: a domain, if any, is a host name of
		 * two labels in lower case, the end of the address. */
		n = domain_of_host(s, size, name);
		FUZZ_ASSERT(n == 0 || (n <= size && strlen(name) == n &&
		    domain_check(name, n, &why) == 0));
		n = domain_of_address(s, size, dom);
		FUZZ_ASSERT(n == 0 || (n <= DOMAIN_MAX && strlen(dom) == n));
		if (n > 0) {
			FUZZ_ASSERT(domain_check(dom, n, &why) == 0 &&
			    strchr(dom, '.') != NULL && n < size &&
			    s[size - n - 1] == '@');
			for (size_t k = 0; k < n; k++)
				FUZZ_ASSERT(dom[k] < 'A' || dom[k] > 'Z');
		}
	}
	{
		/* Status file lines: each within the text, a key of [a-z-],
		 * a printable value; every line taken or refused once. */
		const char *p = s, *e = s + size, *k, *v;
		size_t kl, vl, lines = 0;
		long long x;
		int r;

		while ((r = statusfile_line(&p, e, &k, &kl, &v, &vl)) != 0) {
			FUZZ_ASSERT(p > s && p <= e);
			FUZZ_ASSERT(++lines <= size);
			if (r < 0)
				continue;
			FUZZ_ASSERT(kl > 0 && k >= s && v == k + kl + 1 &&
			    v + vl < e && v[vl] == '\n');
			if (statusfile_number(v, vl, &x) == 0)
				FUZZ_ASSERT(x >= 0 && vl <= 18);
		}
	}
	{
		/* A clock.steps line: two numbers, the step not 0 and not
		 * past a century. */
		long long w, st;

		if (clocksteps_line(s, size, &w, &st) == 0)
			FUZZ_ASSERT(w >= 0 && st != 0 &&
			    st <= CLOCKSTEPS_LIMIT && st >= -CLOCKSTEPS_LIMIT);
	}
	{
		/* An outbox entry: its change line parses, the evidence
		 * path is a whole line of the entry without a NUL. */
		char ev[OUTBOX_ENTRY_MAX];

		if (outbox_parse(s, size, &ip, &sl, ev, sizeof ev, &why) == 0) {
			FUZZ_ASSERT(sl.status >= ST_OK && sl.status <= ST_UNKNOWN);
			FUZZ_ASSERT(size > 0 && s[size - 1] == '\n');
			n = strlen(ev);
			FUZZ_ASSERT(n == 0 || (n + 10 <= size &&
			    memcmp(s + size - n - 1, ev, n) == 0 &&
			    strchr(ev, '\n') == NULL));
		} else
			FUZZ_ASSERT(why != NULL && why[0] != '\0');
	}
	{
		/* The log position: written again, it is read back. */
		struct logpos p, q;
		char line[LOGPOS_WIDTH];

		if (logpos_parse(s, size, ' ', &p) == 0 ||
		    logpos_parse(s, size, ':', &p) == 0) {
			logpos_format(&p, line);
			FUZZ_ASSERT(logpos_parse(line, LOGPOS_WIDTH, ' ',
			    &q) == 0 && q.ino == p.ino && q.off == p.off);
		}
	}
	{
		/* A PTR name: the domain notify writes to is ours or not,
		 * whichever case it comes in. */
		char name[DOMAIN_MAX + 1];

		if ((n = domain_of_host(s, size, name)) > 0)
			FUZZ_ASSERT(domain_within(name, n, "isp.example") ==
			    (n >= 11 && strcmp(name + n - 11, "isp.example") ==
			    0 && (n == 11 || name[n - 12] == '.')));
	}
	return 0;
}

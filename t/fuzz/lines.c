/*
 * The line formats between programs: state lines (what apply reads,
 * what the state holds) parsed, formatted and parsed again; key=value
 * fields written and read back; the change lines notify reads; the
 * lines of blocked.nets that the DNS form is made from; the lines of the
 * mailboxes file.
 */
#include <stdio.h>
#include <string.h>

#include "blocked_nets.h"
#include "fuzz.h"
#include "ip.h"
#include "mailboxes.h"
#include "stateline.h"

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
	return 0;
}

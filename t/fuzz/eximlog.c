/*
 * Exim main-log lines.  The first byte chooses: even, the rest is a whole
 * line; 1 (of 4), the rest is a client's HELO inside an arrival line whose
 * connection came from 192.0.2.77, as Exim logs it with
 * helo_accept_junk_hosts: the parser may refuse the line, but must never
 * name an address the client wrote; 3 (of 4), the rest is the local part
 * of a recipient a client chose, in the delivery line of another
 * transport to 192.0.2.88 as Exim 4.96 writes it (measured): unquoted,
 * blanks and all, lower-cased by the router (caseful_local_part is off by
 * default), bytes outside printable ASCII escaped, then the address as
 * given in <>: never taken for a delivery of our probe, whose fields Exim
 * writes in upper case.
 */
#include <string.h>

#include "eximlog.h"
#include "fuzz.h"

/* A local part as Exim's log shows it in a delivery line: lower-cased,
 * unquoted, bytes outside printable ASCII as \ooo (string_printing()).
 * Returns its length in out (room for 4 * n bytes). */
static size_t
exim_local_part(const uint8_t *p, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] > 0x7e) {
			out[o++] = '\\';
			out[o++] = (char)('0' + (p[i] >> 6));
			out[o++] = (char)('0' + ((p[i] >> 3) & 7));
			out[o++] = (char)('0' + (p[i] & 7));
		} else if (p[i] >= 'A' && p[i] <= 'Z')
			out[o++] = (char)(p[i] - 'A' + 'a');
		else
			out[o++] = (char)p[i];
	}
	return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char pre[] = "2026-11-26 22:00:00 1xWhVY-0001L1-2j "
	    "<= a@b.example H=(", post[] = ") [192.0.2.77]:4321 "
	    "I=[127.0.0.1]:25 P=esmtp S=458 id=x@y";
	static const char dpre[] = "2026-11-26 22:00:00 1xWhVY-0001L1-2j => ",
	    dpost[] = " R=dnslookup T=remote_smtp H=mx.example [192.0.2.88] "
	    "C=\"250 OK\"";
	char line[70000], text[IP_TEXT_MAX + 1];
	struct eximlog el;

	if (size == 0)
		return 0;
	if ((data[0] & 3) == 3) {
		size_t n = sizeof dpre - 1;

		if (9 * (size - 1) + 32 > sizeof line - sizeof dpre -
		    sizeof dpost)
			return 0;
		memcpy(line, dpre, n);
		n += exim_local_part(data + 1, size - 1, line + n);
		memcpy(line + n, "@x.example <\"", 13);
		n += 13;
		n += exim_local_part(data + 1, size - 1, line + n);
		memcpy(line + n, "\"@x.example>", 12);
		n += 12;
		memcpy(line + n, dpost, sizeof dpost - 1);
		n += sizeof dpost - 1;
		eximlog_parse(line, n, &el);
		FUZZ_ASSERT(el.kind != EL_PROBE_DELIVERED &&
		    el.kind != EL_PROBE_DEFERRED);
		return 0;
	}
	if (!(data[0] & 1)) {
		eximlog_parse((const char *)data + 1, size - 1, &el);
		if (el.kind == EL_PROBE_DELIVERED ||
		    el.kind == EL_PROBE_DEFERRED) {
			const char *r = el.rcpt;

			FUZZ_ASSERT(r >= (const char *)data + 1 && r +
			    el.rcpt_len <= (const char *)data + size);
			FUZZ_ASSERT(el.rcpt_len > 0 && !memchr(r, ' ',
			    el.rcpt_len) && !memchr(r, '"', el.rcpt_len) &&
			    !memchr(r, '\\', el.rcpt_len));
		}
		if (el.kind == EL_DNSLIST_DEFER)
			FUZZ_ASSERT(el.detail >= (const char *)data + 1 &&
			    el.detail + el.detail_len <=
			    (const char *)data + size && el.detail_len > 0 &&
			    !memchr(el.detail, ' ', el.detail_len));
		if (el.source != NULL)
			FUZZ_ASSERT(el.source >= (const char *)data + 1 &&
			    el.source + el.source_len <=
			    (const char *)data + size && el.source_len > 0);
		if (el.kind == EL_ARRIVAL || el.kind == EL_MARKER) {
			if (el.text_len > 0) {
				FUZZ_ASSERT(el.text >= (const char *)data + 1 &&
				    el.text + el.text_len <=
				    (const char *)data + size);
				FUZZ_ASSERT(el.text_len == ip_format(&el.ip,
				    text) && memcmp(text, el.text,
				    el.text_len) == 0);
			}
		}
		return 0;
	}
	if (size - 1 > sizeof line - sizeof pre - sizeof post ||
	    memchr(data + 1, '\n', size - 1) || memchr(data + 1, '\0', size - 1))
		return 0;
	memcpy(line, pre, sizeof pre - 1);
	memcpy(line + sizeof pre - 1, data + 1, size - 1);
	memcpy(line + sizeof pre - 1 + size - 1, post, sizeof post - 1);
	eximlog_parse(line, sizeof pre - 1 + size - 1 + sizeof post - 1, &el);
	if (el.kind == EL_ARRIVAL) {
		ip_format(&el.ip, text);
		FUZZ_ASSERT(strcmp(text, "192.0.2.77") == 0);
	}
	return 0;
}

/* lib/eximlog.c: which lines name a sending host, and which host. */
#include <stdlib.h>
#include <string.h>

#include "eximlog.h"
#include "tap.h"
#include "text.h"

static const char *kinds[] = { "other", "arrival", "marker", "local", "bad",
    "delivered", "deferred", "dnslist-defer" };

static void
line(const char *l, enum eximlog_kind want, const char *want_ip)
{
	struct eximlog el;
	char buf[IP_TEXT_MAX + 1], shown[100];

	text_quote(l, strlen(l), shown, sizeof shown);
	eximlog_parse(l, strlen(l), &el);
	if (!is_str(kinds[el.kind], kinds[want], "kind of %s", shown)) {
		if (el.why)
			printf("#   why: %s\n", el.why);
		return;
	}
	if (want_ip) {
		ip_format(&el.ip, buf);
		is_str(buf, want_ip, "address from %s", shown);
	}
}

#define T "2026-11-26 22:00:00 "
#define ID "1xWhVY-0001L1-2j "

int
main(void)
{
	char *big;
	size_t i;

	/* DESIGN.md's line, and its variations by log_selector. */
	line(T "[5147] " ID "<= alice@customer.example H=(mail.customer.example) "
	    "[127.0.0.5]:34831 I=[127.0.0.1]:2525 P=esmtp S=458 id=x@y "
	    "for bob@remote.example", EL_ARRIVAL, "127.0.0.5");
	line(T ID "<= a@b H=(helo) [127.0.0.5] P=esmtp S=458",
	    EL_ARRIVAL, "127.0.0.5");
	line(T ID "<= a@b H=[127.0.0.5] P=smtp S=458", EL_ARRIVAL, "127.0.0.5");
	line(T ID "<= a@b H=[127.0.0.5]", EL_ARRIVAL, "127.0.0.5");
	line(T ID "<= a@b H=mx.example [192.0.2.1]:25 P=esmtps X=TLS1.3:"
	    "TLS_AES_256_GCM_SHA384:256 CV=no S=1", EL_ARRIVAL, "192.0.2.1");
	line(T ID "<= a@b H=mx.example (helo.example) [192.0.2.1]:25 P=esmtp",
	    EL_ARRIVAL, "192.0.2.1");
	line(T ID "<= a@b DS H=mx.example [192.0.2.1] P=esmtp", EL_ARRIVAL,
	    "192.0.2.1");
	line("2026-11-26 22:00:00.123 " ID "<= a@b H=([192.0.2.9]) "
	    "[192.0.2.1]:1 P=esmtp", EL_ARRIVAL, "192.0.2.1");
	line("2026-11-26 22:00:00 +0100 [77] " ID "<= <> H=(x) [192.0.2.1] "
	    "P=esmtp", EL_ARRIVAL, "192.0.2.1");
	line("2026-11-26 22:00:00 -0500 " ID "<= a@b H=([]) [192.0.2.1] "
	    "P=esmtp", EL_ARRIVAL, "192.0.2.1");
	line(T "1sDcIh-000000004YY-3wAT <= a@b H=(x) [192.0.2.1]:1 P=esmtp",
	    EL_ARRIVAL, "192.0.2.1");
	line(T ID "<= a@b H=(v6.example) [::1]:42596 I=[::1]:2525 P=esmtp",
	    EL_ARRIVAL, "::1");
	line(T ID "<= a@b H=[2001:db8::abcd]:42596 P=esmtp", EL_ARRIVAL,
	    "2001:db8::abcd");
	line(T ID "<= a@b H=x [2001:DB8::ABCD] P=esmtp", EL_ARRIVAL,
	    "2001:db8::abcd");
	line(T ID "<= a@b H=mailer.fict.example [192.168.123.123] U=exim "
	    "P=smtp S=5678", EL_ARRIVAL, "192.168.123.123");
	line(T ID "<= a@b R=1abcde-000000-00 H=(x) [192.0.2.1] P=esmtp",
	    EL_ARRIVAL, "192.0.2.1");
	/* Syslog. */
	line("Nov 26 22:00:00 smarthost exim[5147]: " ID "<= a@b H=(x) "
	    "[192.0.2.1]:1 P=esmtp", EL_ARRIVAL, "192.0.2.1");
	line("Nov  6 22:00:00 smarthost exim[5147]: " T "[5147] " ID
	    "<= a@b H=(x) [192.0.2.1]:1 P=esmtp", EL_ARRIVAL, "192.0.2.1");
	line("2026-11-26T22:00:00.123456+00:00 smarthost exim[5147]: " ID
	    "<= a@b H=(x) [192.0.2.1]:1 P=esmtp", EL_ARRIVAL, "192.0.2.1");
	line("Nov 26 22:00:00 smarthost exim: " ID "<= a@b H=[192.0.2.1]",
	    EL_ARRIVAL, "192.0.2.1");
	line("Nov 26 22:00:00 smarthost exim[5147]: [1\\2] " ID
	    "<= a@b H=(x) [6.6.6.6]", EL_OTHER, NULL);
	line("Foo 26 22:00:00 smarthost exim[5147]: " ID "<= a@b H=[1.2.3.4]",
	    EL_OTHER, NULL);
	/* Through syslog, only Exim's tag (logger -t anything). */
	line("Nov 26 22:00:00 smarthost mallory[99]: " ID "<= a@b H=(x) "
	    "[192.0.2.1]:1 P=esmtp", EL_BAD, NULL);
	line("Nov 26 22:00:00 smarthost exim4[99]: " ID "<= a@b H=(x) "
	    "[192.0.2.1]:1 P=esmtp", EL_BAD, NULL);
	line("Nov 26 22:00:00 smarthost eximx: " T ID "<= a@b H=(x) "
	    "[192.0.2.1]:1 P=esmtp", EL_BAD, NULL);
	line("Nov 26 22:00:00 smarthost logger: RELAYWATCH ip=192.0.2.1",
	    EL_BAD, NULL);
	line("Nov 26 22:00:00 smarthost exim[1]: RELAYWATCH ip=192.0.2.1",
	    EL_MARKER, "192.0.2.1");
	line("Nov 26 22:00:00 smarthost cron[1]: (root) CMD (x)", EL_OTHER,
	    NULL);

	/* Where a syslog line came from, and failed lookups of a DNS list
	 * (Exim 4.96's words). */
	{
		struct eximlog el;
		static const char *dl = "Dec  7 10:00:00 192.0.2.2 exim: " T
		    "DNS list lookup defer (probably timeout) for "
		    "5.0.0.127.rw.isp.test: assumed not in list";
		static const char *bad[] = {
			"Dec  7 10:00:00 192.0.2.2 logger: " T "DNS list lookup "
			    "defer (probably timeout) for 5.0.0.127.rw.isp.test: "
			    "assumed not in list",
			T "DNS list lookup defer (probably timeout for x: y",
			T "DNS list lookup defer (x) for : y",
			T "DNS list lookup defer (x) for a.b",
			T "DNS list lookup defer (x) fo a.b: y",
			T "DNS list lookup deferred (x) for a.b: y",
			T "DNS list",
		};
		size_t k;

		eximlog_parse(dl, strlen(dl), &el);
		ok(el.kind == EL_DNSLIST_DEFER && el.detail_len == 21 &&
		    memcmp(el.detail, "5.0.0.127.rw.isp.test", 21) == 0,
		    "a failed DNS list lookup: the name asked");
		ok(el.source_len == 9 && memcmp(el.source, "192.0.2.2", 9) == 0,
		    "  and the syslog line's source");
		line(T ID "DNS list lookup defer (probably timeout) for "
		    "x.zone: assumed not in list", EL_DNSLIST_DEFER, NULL);
		for (k = 0; k < sizeof bad / sizeof bad[0]; k++)
			line(bad[k], EL_OTHER, NULL);
		eximlog_parse(T ID "<= a@b H=[127.0.0.5]", strlen(T ID
		    "<= a@b H=[127.0.0.5]"), &el);
		ok(el.source == NULL, "no source without a syslog prefix");
	}

	/* Hostile HELOs (helo_accept_junk_hosts), as Exim 4.96 logs them. */
	line(T "[2685] 1xWitH-0000hJ-24 <= a@b H=(x) [6.6.6.6] (y) "
	    "[127.0.0.6]:53443 I=[127.0.0.1]:2525 P=esmtp S=414", EL_BAD, NULL);
	line(T "[2692] 1xWitH-0000hQ-33 <= a@b H=(x) [6.6.6.6]:1 "
	    "I=[1.1.1.1]:25 P=esmtp S=1 (y) [127.0.0.6]:52829 "
	    "I=[127.0.0.1]:2525 P=esmtp S=443", EL_BAD, NULL);
	line(T ID "<= a@b H=([6.6.6.6]) [127.0.0.6]:35177 P=esmtp",
	    EL_ARRIVAL, "127.0.0.6");
	line(T ID "<= a@b H=(x) [6.6.6.6]) [127.0.0.6]:1 P=esmtp",
	    EL_ARRIVAL, "127.0.0.6");
	line(T ID "<= a@b H=(x(y)z) [127.0.0.8]:58359 P=esmtp",
	    EL_ARRIVAL, "127.0.0.8");
	line(T ID "<= a@b H=(x) [6.6.6.6] (y) [127.0.0.6]", EL_BAD, NULL);
	line(T ID "<= a@b H=(x) [6.6.6.6]", EL_ARRIVAL, "6.6.6.6");
	/* Client text after the address that looks like one. */
	line(T ID "<= a@b H=(x) [127.0.0.6]:1 P=esmtp T=\"a) [6.6.6.6] b\"",
	    EL_BAD, NULL);
	line(T ID "<= a@b H=[127.0.0.6]:1 P=esmtp T=\"a) [6.6.6.6] b\"",
	    EL_ARRIVAL, "127.0.0.6");
	/* Senders that hold fields. */
	line(T ID "<= \"a H=[6.6.6.6] b\"@x H=(ok.example) [127.0.0.7]:52079 "
	    "P=esmtp", EL_ARRIVAL, "127.0.0.7");
	line(T ID "<= \"a\\\" H=[6.6.6.6] \\\"b\"@x H=(ok) [127.0.0.7] P=esmtp",
	    EL_ARRIVAL, "127.0.0.7");
	line(T ID "<= \"a H=[6.6.6.6] P=esmtp", EL_BAD, NULL);
	line(T ID "<= a\\ H=[6.6.6.6] P=esmtp", EL_BAD, NULL);
	line(T ID "<= a\"b H=[6.6.6.6] P=esmtp", EL_BAD, NULL);

	/* Local submissions and Exim's own bounces. */
	line(T ID "<= root@smarthost.test U=root P=local S=289", EL_LOCAL, NULL);
	line(T ID "<= <> R=1xWhVY-0001L1-2j U=Debian-exim P=local S=1",
	    EL_LOCAL, NULL);
	line(T ID "<= a@b P=local-esmtp S=1", EL_LOCAL, NULL);

	/* What became of our probes: delivered (the customer's host took
	 * it), deferred; each variant's recipient as Exim logs it. */
#define TOK "cb7qaaacnmfmegx5m3nallmtvnrj5vi"
	line(T ID "=> relaytest+" TOK "@isp.example R=relaywatch_probe "
	    "T=relaywatch_smtp H=127.0.0.2 [127.0.0.2] K C=\"250 OK\"",
	    EL_PROBE_DELIVERED, "127.0.0.2");
	line(T ID "=> relaytest+" TOK "@isp.example@[127.0.0.2] <\"relaytest+"
	    TOK "@isp.example\"@[127.0.0.2]> R=relaywatch_literal "
	    "T=relaywatch_smtp H=[127.0.0.2] [127.0.0.2] K C=\"250 OK\"",
	    EL_PROBE_DELIVERED, "127.0.0.2");
	line(T ID "=> isp.example!relaytest+" TOK "@[127.0.0.2] "
	    "R=relaywatch_literal T=relaywatch_smtp H=[127.0.0.2] "
	    "[127.0.0.2]* K C=\"250 OK\"", EL_PROBE_DELIVERED, "127.0.0.2");
	line(T ID "=> relaytest+" TOK "@isp.example P=<relaytest+" TOK
	    "@isp.example> F=<relaytest+" TOK "@isp.example> R=relaywatch_probe "
	    "T=relaywatch_smtp H=::1 [::1]:2525 C=\"250 OK\"",
	    EL_PROBE_DELIVERED, "::1");
	line("Nov 26 22:00:00 h exim[1]: " T ID "=> relaytest+" TOK
	    "@isp.example R=r T=relaywatch_smtp H=a [192.0.2.1]",
	    EL_PROBE_DELIVERED, "192.0.2.1");
	line(T ID "== relaytest+" TOK "@isp.example R=relaywatch_probe "
	    "T=relaywatch_smtp defer (99): Cannot assign requested address",
	    EL_PROBE_DEFERRED, NULL);
	/* Not ours: another transport, client text that holds the fields,
	 * a recipient with blanks or quotes, syslog lines not Exim's. */
	line(T ID "=> \"a T=relaywatch_smtp H=x [6.6.6.6]\"@x R=dnslookup "
	    "T=remote_smtp H=mx [192.0.2.1]", EL_OTHER, NULL);
	line(T ID "=> a\\ T=relaywatch_smtp H=x [6.6.6.6] R=r T=remote_smtp "
	    "H=mx [192.0.2.1]", EL_OTHER, NULL);
	line(T ID "=> a@b <\"x T=relaywatch_smtp H=x [6.6.6.6]\"@y> R=r "
	    "T=remote_smtp H=mx [192.0.2.1]", EL_OTHER, NULL);
	line(T ID "=> a\x01b@c R=r T=relaywatch_smtp H=x [6.6.6.6]", EL_OTHER,
	    NULL);
	line(T ID "=> a\xff" "b@c R=r T=relaywatch_smtp H=x [6.6.6.6]", EL_OTHER,
	    NULL);
	line(T ID "=> a@b R=r T=relaywatch_smtpx H=x [6.6.6.6]", EL_OTHER,
	    NULL);
	line(T ID "=> a@b R=r T=relaywatch_smtp H=x [6.6.6.6]x", EL_OTHER,
	    NULL);
	line(T ID "=> a@b R=r T=relaywatch_smtp H=x", EL_OTHER, NULL);
	line(T ID "=> a@b R=r T=relaywatch_smtp", EL_OTHER, NULL);
	line(T ID "=> a@b T=relaywatch_smtp H=x [6.6.6.6]", EL_OTHER, NULL);
	line(T ID "=>  R=r T=relaywatch_smtp H=x [6.6.6.6]", EL_OTHER, NULL);
	line(T "=> a@b R=r T=relaywatch_smtp H=x [6.6.6.6]", EL_OTHER, NULL);
	line(T ID "== a@b R=r T=relaywatch_smtp defer 99: x", EL_OTHER, NULL);
	line(T ID "== a@b R=r T=relaywatch_smtp defer (99)", EL_OTHER, NULL);
	line("Nov 26 22:00:00 h evil[1]: " T ID "=> relaytest+" TOK
	    "@isp.example R=r T=relaywatch_smtp H=a [192.0.2.1]", EL_BAD, NULL);

	/* Other lines. */
	line(T ID "=> c <c@d> R=all T=remote H=mx [192.0.2.1]", EL_OTHER, NULL);
	line(T ID "-> c <c@d> R=all T=remote H=mx [192.0.2.1]", EL_OTHER, NULL);
	line(T ID "== c R=dnslookup defer (-53): retry time", EL_OTHER, NULL);
	line(T ID "** c R=x: No Such User", EL_OTHER, NULL);
	line(T ID "Completed", EL_OTHER, NULL);
	line(T "H=(x) [192.0.2.1]:1 F=<a@b> rejected RCPT <c@d>: no",
	    EL_OTHER, NULL);
	line(T "SMTP connection from (x) [192.0.2.1]:1 closed by QUIT",
	    EL_OTHER, NULL);
	line(T "<= a@b H=[192.0.2.1]", EL_OTHER, NULL);
	line(T ID "(= a@b H=[192.0.2.1] P=esmtp", EL_OTHER, NULL);
	line(T "[2721] 1xWitJ-0000ht-0l **** log string overflowed log buffer "
	    "****", EL_OTHER, NULL);
	line("", EL_OTHER, NULL);
	line(" Suggested action: use keep_environment.", EL_OTHER, NULL);
	line("<= a@b H=[192.0.2.1]", EL_OTHER, NULL);
	line("garbage " ID "<= a@b H=[192.0.2.1]", EL_OTHER, NULL);

	/* The marker. */
	line(T "[2685] 1xWitH-0000hJ-24 RELAYWATCH ip=127.0.0.6", EL_MARKER,
	    "127.0.0.6");
	line(T "RELAYWATCH ip=2001:db8::1", EL_MARKER, "2001:db8::1");
	line(T ID "RELAYWATCH ip=127.0.0.6 x", EL_BAD, NULL);
	line(T ID "RELAYWATCH ip=", EL_BAD, NULL);
	line(T ID "RELAYWATCH ip=2001:DB8::1", EL_BAD, NULL);
	line(T ID "<= a@b H=(RELAYWATCH ip=6.6.6.6) [127.0.0.6]", EL_ARRIVAL,
	    "127.0.0.6");

	/* Truncated and broken. */
	line(T ID "<= a@b H=(x) [6.6.6", EL_BAD, NULL);
	line(T ID "<= a@b H=(xxxxxxxxxxxxxxxxxxxxxxxx", EL_BAD, NULL);
	line(T ID "<= a@b H=[127.0.0.1", EL_BAD, NULL);
	line(T ID "<= a@b H=[127.0.0.1]x", EL_BAD, NULL);
	line(T ID "<= a@b H=[127.0.0.1]:", EL_BAD, NULL);
	line(T ID "<= a@b H=[127.0.0.1]:123456", EL_BAD, NULL);
	line(T ID "<= a@b H=[01.0.0.1]", EL_BAD, NULL);
	line(T ID "<= a@b H=[fe80::1%eth0]", EL_BAD, NULL);
	line(T ID "<= a@b H=name", EL_BAD, NULL);
	line(T ID "<= a@b", EL_BAD, NULL);
	line(T ID "<= ", EL_BAD, NULL);
	line(T ID "<= a@b X=y H=[1.2.3.4]", EL_BAD, NULL);
	line("2026-11-26 22:00", EL_OTHER, NULL);
	line("2026-11-26 22:00:00", EL_OTHER, NULL);
	line("2026-11-26 22:00:00 [", EL_OTHER, NULL);
	line("2026-11-26 22:00:00 [12", EL_OTHER, NULL);
	line("2026-11-26 22:00:00 1xWhVY-0001L1-2", EL_OTHER, NULL);
	{
		/* Exim writes no NUL; one comes from a damaged file.  Where
		 * the sender or the address should be, it spoils the line. */
		char nul1[] = T ID "<= a\0@b H=[6.6.6.6] P=esmtp";
		char nul2[] = T ID "<= \"a\0 H=[6.6.6.6]\"@b H=[192.0.2.1]";
		char nul3[] = T ID "<= a@b H=[192.0.2\0.1] P=esmtp";
		char nul4[] = T ID "<= a@b H=(x) [6.6.6.6] \0\0\0\0\0\0\0\0";
		struct eximlog el;

		eximlog_parse(nul1, sizeof nul1 - 1, &el);
		is_str(kinds[el.kind], "bad", "a NUL in the sender spoils the line");
		eximlog_parse(nul2, sizeof nul2 - 1, &el);
		is_str(kinds[el.kind], "bad", "a NUL in a quoted sender too");
		eximlog_parse(nul3, sizeof nul3 - 1, &el);
		is_str(kinds[el.kind], "bad", "a NUL in the address too");
		eximlog_parse(nul4, sizeof nul4 - 1, &el);
		is_str(kinds[el.kind], "bad", "zeros do not hide a fake HELO");
	}

	/* Every prefix of a good line: never an address but the real one. */
	{
		const char *l = "Nov 26 22:00:00 h exim[1]: " T "[5] " ID
		    "<= \"q r\"@b DS H=n (x) [127.0.0.5]:34831 I=[::1]:25 "
		    "P=esmtp";
		size_t n = strlen(l), wrong = 0;

		for (i = 0; i <= n; i++) {
			struct eximlog el;
			char buf[IP_TEXT_MAX + 1];

			eximlog_parse(l, i, &el);
			if (el.kind == EL_ARRIVAL) {
				ip_format(&el.ip, buf);
				if (strcmp(buf, "127.0.0.5") != 0 && wrong++ < 3)
					printf("# prefix %zu gave %s\n", i, buf);
			}
		}
		ok(wrong == 0, "no prefix of a line yields a wrong address");
	}

	/* Random bytes and mutations: no crash (the sanitizers watch), and a
	 * junk HELO never yields its fake address. */
	big = malloc(1 << 20);
	for (i = 0; i < (1 << 20); i++)
		big[i] = (char)(rand() % 256);
	{
		struct eximlog el;
		size_t off;

		for (off = 0; off + 300 < (1 << 20); off += 97)
			eximlog_parse(big + off, (size_t)(rand() % 300), &el);
		ok(1, "random bytes do not crash the parser");
	}
	{
		static const char pieces[][16] = { ") [6.6.6.6]", "(", ")",
		    " [6.6.6.6]:1", " I=[6.6.6.6]:25", " P=esmtp", "\"", "\\",
		    " H=[6.6.6.6]", " ", "[", "]", "x", ":", "@b", "\"@b ",
		    " H=(a)", " H=n" };
		unsigned long wrong = 0, n;

		for (n = 0; n < 200000; n++) {
			char l[512], helo[200];
			size_t hl = 0, k = (size_t)(rand() % 8);
			struct eximlog el;
			char buf[IP_TEXT_MAX + 1];
			int len;

			while (k-- > 0) {
				const char *p = pieces[rand() % 18];

				memcpy(helo + hl, p, strlen(p));
				hl += strlen(p);
			}
			helo[hl] = '\0';
			if (n % 2)
				len = snprintf(l, sizeof l, T ID "<= a@b H=(%s) "
				    "[127.0.0.6]:1 I=[127.0.0.1]:25 P=esmtp S=1",
				    helo);
			else
				len = snprintf(l, sizeof l, T ID "<= \"%s\"@b "
				    "H=(x) [127.0.0.6]:1 P=esmtp S=1", helo);
			eximlog_parse(l, (size_t)len, &el);
			if (el.kind == EL_ARRIVAL) {
				ip_format(&el.ip, buf);
				if (strcmp(buf, "127.0.0.6") != 0 && wrong++ < 3)
					printf("# %s gave %s\n", l, buf);
			}
		}
		ok(wrong == 0, "200000 junk HELOs and senders: never a fake "
		    "address");
	}
	free(big);
	return done_testing();
}

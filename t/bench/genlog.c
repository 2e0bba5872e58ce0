/*
 * genlog: write a realistic Exim main log for the benchmarks.
 *
 *   genlog MESSAGES [SEED] > mainlog
 *
 * Per message: a connection line for some, the arrival (<=), one or two
 * deliveries (=>, ->), sometimes a deferral (==) or a failure (**), and
 * Completed; between messages, RCPT rejects and connection-closed lines.
 * Senders are 100,000 customers, a tenth of them IPv6, drawn from a long
 * tail (a few send most of the mail); a few arrivals have hostile HELOs,
 * some are local submissions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CUSTOMERS 100000

static unsigned long long rng = 88172645463325252ULL;

static unsigned
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 11);
}

/* Long tail: customer k is drawn about as often as 1/k. */
static unsigned
customer(void)
{
	double u = (rnd() % 1000000) / 1000000.0;
	unsigned k = (unsigned)(CUSTOMERS * u * u * u * u);

	return k < CUSTOMERS ? k : CUSTOMERS - 1;
}

static void
host(unsigned k, char *buf, size_t len)
{
	if (k % 10 == 9)
		snprintf(buf, len, "2001:db8:%x:%x::%x", k >> 12, (k >> 4) & 0xff,
		    k % 16 + 1);
	else
		snprintf(buf, len, "10.%u.%u.%u", (k >> 16) & 0xff,
		    (k >> 8) & 0xff, (k & 0xff) | 1);
}

static const char b62[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static void
msgid(unsigned long n, char *buf)
{
	unsigned long v = n * 2654435761UL + 12345;
	int i;

	buf[0] = '1';
	for (i = 1; i < 6; i++, v /= 62)
		buf[i] = b62[v % 62];
	buf[6] = '-';
	for (i = 7; i < 13; i++)
		buf[i] = b62[rnd() % 62];
	buf[13] = '-';
	buf[14] = b62[rnd() % 62];
	buf[15] = b62[rnd() % 62];
	buf[16] = '\0';
}

int
main(int argc, char *argv[])
{
	unsigned long messages, n;
	unsigned pid = 4000;
	long t0 = 22 * 3600;
	static char obuf[1 << 20];

	if (argc < 2 || (messages = strtoul(argv[1], NULL, 10)) == 0) {
		fprintf(stderr, "usage: genlog MESSAGES [SEED]\n");
		return 64;
	}
	if (argc > 2)
		rng ^= strtoull(argv[2], NULL, 10) * 0x9E3779B97F4A7C15ULL;
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	for (n = 0; n < messages; n++) {
		char ip[64], id[17], ts[32];
		unsigned k = customer(), r = rnd() % 1000, port;
		long t = t0 + (long)(n * 86400 / messages);

		snprintf(ts, sizeof ts, "2026-11-26 %02ld:%02ld:%02ld",
		    t / 3600 % 24, t / 60 % 60, t % 60);
		host(k, ip, sizeof ip);
		msgid(n, id);
		port = 1024 + rnd() % 60000;
		pid++;
		if (r < 200)
			printf("%s [%u] SMTP connection from (mail%u.customer%u."
			    "example) [%s]:%u I=[192.0.2.25]:25 (TCP/IP "
			    "connection count = %u)\n", ts, pid, k % 7, k, ip,
			    port, 1 + r % 20);
		if (r < 10) {
			/* Local submission */
			printf("%s [%u] %s <= user%u@smarthost.example U=user%u "
			    "P=local S=%u id=%s.%u@smarthost.example\n", ts, pid,
			    id, k, k, 400 + rnd() % 5000, ts + 11, pid);
		} else if (r == 999) {
			/* Hostile HELO */
			printf("%s [%u] %s <= spam@bad.example H=(x) [6.6.6.6] "
			    "(y) [%s]:%u I=[192.0.2.25]:25 P=esmtp S=%u "
			    "id=%u@x\n", ts, pid, id, ip, port, 300 + rnd() % 900,
			    pid);
		} else {
			printf("%s [%u] %s <= %s%u@customer%u.example "
			    "H=(mail%u.customer%u.example) [%s]:%u "
			    "I=[192.0.2.25]:25 P=esmtp%s S=%u "
			    "id=%08x.%u@customer%u.example\n", ts, pid, id,
			    r % 3 ? "alice" : "office", k % 50, k, k % 7, k,
			    ip, port, r % 4 ? "" : "sa", 400 + rnd() % 60000,
			    rnd(), pid, k);
		}
		pid++;
		printf("%s [%u] %s => bob%u@remote%u.example R=dnslookup "
		    "T=remote_smtp H=mx%u.remote%u.example [198.51.100.%u] "
		    "X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes C=\"250 2.0.0 "
		    "OK id=%08x\"\n", ts, pid, id, rnd() % 1000, r % 97, r % 3,
		    r % 97, 1 + r % 250, rnd());
		if (r % 5 == 0)
			printf("%s [%u] %s -> carol%u@remote%u.example "
			    "R=dnslookup T=remote_smtp H=mx%u.remote%u.example "
			    "[198.51.100.%u] C=\"250 OK\"\n", ts, pid, id,
			    rnd() % 1000, r % 97, r % 3, r % 97, 1 + r % 250);
		if (r % 17 == 0)
			printf("%s [%u] %s == dave@slow%u.example R=dnslookup "
			    "T=remote_smtp defer (-44) H=mx.slow%u.example "
			    "[203.0.113.%u]: SMTP error from remote mail server "
			    "after RCPT TO:<dave@slow%u.example>: 451 4.7.1 "
			    "Greylisted, try again later\n", ts, pid, id, r % 9,
			    r % 9, 1 + r % 200, r % 9);
		else if (r % 41 == 0)
			printf("%s [%u] %s ** nobody@remote%u.example "
			    "R=dnslookup T=remote_smtp H=mx.remote%u.example "
			    "[198.51.100.%u]: SMTP error from remote mail server "
			    "after RCPT TO:<nobody@remote%u.example>: 550 5.1.1 "
			    "User unknown\n", ts, pid, id, r % 97, r % 97,
			    1 + r % 250, r % 97);
		else
			printf("%s [%u] %s Completed\n", ts, pid, id);
		if (r % 8 == 0)
			printf("%s [%u] H=(helo%u.example) [%s]:%u "
			    "I=[192.0.2.25]:25 F=<x%u@spam.example> rejected "
			    "RCPT <y@elsewhere.example>: relay not permitted\n",
			    ts, pid + 1, r, ip, port + 1, r);
		if (r < 200)
			printf("%s [%u] SMTP connection from (mail%u.customer%u."
			    "example) [%s]:%u I=[192.0.2.25]:25 closed by QUIT\n",
			    ts, pid - 1, k % 7, k, ip, port);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("genlog: standard output");
		return 74;
	}
	return 0;
}

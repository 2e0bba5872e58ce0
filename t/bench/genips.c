/*
 * genips: input for relaywatch-due's benchmark.
 *
 *   genips lines LINES CUSTOMERS     IPs, one a line, drawn from CUSTOMERS
 *                                    customers with a long tail
 *   genips state CUSTOMERS IPS NOW   a state of IPS addresses: 4 in 5
 *                                    customers (most tested lately, some
 *                                    due), the rest former customers
 *
 * Customer k is 10.x.y.z, or 2001:db8:... for one in ten; the most active
 * customers are spread over the numbers, not the first ones.
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long rng = 88172645463325252ULL;

static unsigned long long
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
ip_of(unsigned long k, char *buf, size_t len)
{
	if (k % 10 == 9) {
		unsigned char b[16] = { 0x20, 0x01, 0x0d, 0xb8 };

		b[5] = (unsigned char)(k >> 16);
		b[7] = (unsigned char)(k >> 8);
		b[15] = (unsigned char)((k & 0xff) + 1);
		b[14] = (unsigned char)(((k & 0xff) + 1) >> 8);
		inet_ntop(AF_INET6, b, buf, (socklen_t)len);
	} else
		snprintf(buf, len, "10.%lu.%lu.%lu", (k >> 16) & 0xff,
		    (k >> 8) & 0xff, k & 0xff);
}

int
main(int argc, char *argv[])
{
	char ip[64];
	unsigned long i;

	if (argc == 4 && strcmp(argv[1], "lines") == 0) {
		unsigned long lines = strtoul(argv[2], NULL, 10);
		unsigned long n = strtoul(argv[3], NULL, 10);

		for (i = 0; i < lines; i++) {
			/* rank r drawn about as often as 1/r^(2/3) */
			double u = (double)(rnd() >> 11) / 9007199254740992.0;
			unsigned long r = (unsigned long)((double)n * u * u * u);

			if (r >= n)
				r = n - 1;
			/* 2654435761 is prime to 2 and 5: a permutation of
			 * 0 .. 10^k - 1 */
			ip_of((unsigned long)((r * 2654435761ULL) % n), ip,
			    sizeof ip);
			puts(ip);
		}
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "state") == 0) {
		unsigned long n = strtoul(argv[2], NULL, 10);
		unsigned long ips = strtoul(argv[3], NULL, 10);
		long long now = strtoll(argv[4], NULL, 10);
		unsigned long k;

		for (i = 0, k = 0; i < ips; k++) {
			unsigned kind = (unsigned)(k % 100);

			if (k < n && kind % 5 == 4)
				continue;	/* a customer never tested */
			if (k < n)
				ip_of(k, ip, sizeof ip);
			else	/* a former customer */
				snprintf(ip, sizeof ip, "172.%lu.%lu.%lu",
				    16 + ((k >> 16) & 0xf), (k >> 8) & 0xff,
				    k & 0xff);
			if (kind < 60)
				printf("%s OK %lld why=refused diag=\"550 5.7.1 "
				    "Relaying denied\"\n", ip, now - 86400 *
				    (long long)(k % 13));
			else if (kind < 70)
				printf("%s OK %lld why=no-answer\n", ip,
				    now - 86400 * (15 + (long long)(k % 30)));
			else if (kind < 80)
				printf("%s OK %lld why=unreachable\n", ip,
				    now - 3600 * (long long)(k % 48));
			else if (kind < 95)
				printf("%s UNKNOWN %lld why=probe\n", ip,
				    now - 3600 * (long long)(k % 40));
			else
				printf("%s BLOCK %lld why=relayed variant=plain "
				    "via=%s\n", ip, now - 86400 *
				    (long long)(k % 90), ip);
			i++;
		}
		return 0;
	}
	fprintf(stderr, "usage: genips lines LINES CUSTOMERS\n"
	    "       genips state CUSTOMERS IPS NOW\n");
	return 64;
}

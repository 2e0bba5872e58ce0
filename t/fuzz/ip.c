/* Addresses against inet_pton(3) and inet_ntop(3). */
#include <arpa/inet.h>
#include <string.h>

#include "fuzz.h"
#include "ip.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[128], text[IP_TEXT_MAX + 1], ntop[INET6_ADDRSTRLEN];
	unsigned char b[16];
	struct ip ip, again, first, last;
	const char *why;
	int ours, v4, v6;

	if (size >= sizeof s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	ours = ip_parse((const char *)data, size, &ip, &why) == 0;
	if (memchr(data, '\0', size) != NULL) {
		FUZZ_ASSERT(!ours);
		return 0;
	}
	v4 = inet_pton(AF_INET, s, b) == 1;
	v6 = !v4 && inet_pton(AF_INET6, s, b) == 1;
	/* inet_pton takes what we take; we refuse some it takes (none
	 * the other way round). */
	if (ours)
		FUZZ_ASSERT(v4 || v6);
	if (ours) {
		size_t n = ip_format(&ip, text);

		FUZZ_ASSERT(n == strlen(text) && n <= IP_TEXT_MAX);
		FUZZ_ASSERT(ip_parse_canonical(text, n, &again, &why) == 0);
		FUZZ_ASSERT(ip_cmp(&ip, &again) == 0);
		if (v4) {
			FUZZ_ASSERT(ip_is_v4(&ip));
			FUZZ_ASSERT(memcmp(ip.b + 12, b, 4) == 0);
		} else if (!ip_is_v4(&ip)) {
			FUZZ_ASSERT(memcmp(ip.b, b, 16) == 0);
			inet_ntop(AF_INET6, b, ntop, sizeof ntop);
			FUZZ_ASSERT(strcmp(ntop, text) == 0);
		}
		/* An IPv6 customer's network: within it, idempotent, and
		 * spelt as Exim's ${mask} spells it. */
		{
			int bits = 16 + (int)(size % 113);
			char mask[IP_MASK_TEXT_MAX + 1];
			struct ip net, net2;

			ip_network(&ip, bits, &net);
			ip_network(&net, bits, &net2);
			FUZZ_ASSERT(ip_cmp(&net, &net2) == 0 &&
			    ip_cmp(&net, &ip) <= 0);
			FUZZ_ASSERT(ip_format_exim_mask(&ip, bits, mask) <=
			    IP_MASK_TEXT_MAX && mask[39] == '/');
		}
		/* The canonical spelling is the only one canonical. */
		if (strcmp(text, s) != 0)
			FUZZ_ASSERT(ip_parse_canonical(s, size, &again,
			    &why) < 0);
	}
	if (ip_parse_cidr((const char *)data, size, &first, &last, &why) == 0)
		FUZZ_ASSERT(ip_cmp(&first, &last) <= 0);
	return 0;
}

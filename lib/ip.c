#include <stdio.h>
#include <string.h>

#include "ip.h"
#include "text.h"

static const unsigned char v4mapped[12] =
    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Eight bytes as a big-endian number: addresses compare as numbers. */
static uint64_t
load_be64(const unsigned char *p)
{
	return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 |
	    (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 |
	    (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
	    (uint64_t)p[6] << 8 | (uint64_t)p[7];
}

/* Dotted quad, exactly n bytes, into out[4]. */
static int
parse_v4(const char *s, size_t n, unsigned char *out, const char **why)
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		unsigned v = 0;
		size_t start = i;

		if (part > 0) {
			if (i >= n || s[i] != '.') {
				*why = i >= n ? "too few parts in IPv4 address"
				    : "unexpected character in IPv4 address";
				return -1;
			}
			start = ++i;
		}
		while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 4)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start) {
			*why = "empty or non-numeric part in IPv4 address";
			return -1;
		}
		if (i - start > 3 || v > 255) {
			*why = "IPv4 address part above 255";
			return -1;
		}
		if (s[start] == '0' && i - start > 1) {
			*why = "leading zero in IPv4 address";
			return -1;
		}
		out[part] = (unsigned char)v;
	}
	if (i != n) {
		*why = s[i] == '%' ? "zone id not allowed"
		    : s[i] == '/' ? "prefix length not allowed here"
		    : "trailing characters after IPv4 address";
		return -1;
	}
	return 0;
}

static int
parse_v6(const char *s, size_t n, unsigned char *out, const char **why)
{
	unsigned char b[16];
	size_t i = 0;
	int ngroups = 0, gap = -1;

	memset(b, 0, sizeof b);
	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (n >= 1 && s[0] == ':') {
		*why = "IPv6 address starts with a single colon";
		return -1;
	}
	while (i < n) {
		size_t start = i;
		unsigned v = 0;
		int h;

		while (i < n && (h = text_hexval((unsigned char)s[i])) >= 0 &&
		    i - start < 5) {
			v = (v << 4) | (unsigned)h;
			i++;
		}
		if (i < n && s[i] == '.') {
			/* Embedded dotted quad: the last 32 bits. */
			if (ngroups > 6) {
				*why = "IPv6 address too long";
				return -1;
			}
			if (parse_v4(s + start, n - start, b + 2 * ngroups,
			    why) < 0)
				return -1;
			ngroups += 2;
			i = n;
			break;
		}
		if (i == start) {
			*why = i < n && s[i] == '%' ? "zone id not allowed"
			    : i < n && s[i] == '/' ? "prefix length not allowed here"
			    : "unexpected character in IPv6 address";
			return -1;
		}
		if (i - start > 4) {
			*why = "IPv6 group longer than 4 hex digits";
			return -1;
		}
		if (ngroups >= 8) {
			*why = "IPv6 address too long";
			return -1;
		}
		b[2 * ngroups] = (unsigned char)(v >> 8);
		b[2 * ngroups + 1] = (unsigned char)v;
		ngroups++;
		if (i == n)
			break;
		if (s[i] != ':') {
			*why = s[i] == '%' ? "zone id not allowed"
			    : s[i] == '/' ? "prefix length not allowed here"
			    : s[i] == ']' ? "brackets not allowed"
			    : "unexpected character in IPv6 address";
			return -1;
		}
		i++;
		if (i < n && s[i] == ':') {
			if (gap >= 0) {
				*why = "more than one :: in IPv6 address";
				return -1;
			}
			gap = ngroups;
			i++;
		} else if (i == n) {
			*why = "IPv6 address ends with a single colon";
			return -1;
		}
	}
	if (gap >= 0) {
		int tail = ngroups - gap;

		if (ngroups > 7) {
			*why = "IPv6 address too long for ::";
			return -1;
		}
		memmove(b + 16 - 2 * tail, b + 2 * gap, (size_t)(2 * tail));
		memset(b + 2 * gap, 0, (size_t)(16 - 2 * ngroups));
	} else if (ngroups != 8) {
		*why = "too few groups in IPv6 address";
		return -1;
	}
	memcpy(out, b, 16);
	return 0;
}

int
ip_parse(const char *s, size_t n, struct ip *out, const char **why)
{
	const char *r;

	if (!why)
		why = &r;
	if (n == 0) {
		*why = "empty address";
		return -1;
	}
	if (n > 64) {
		*why = "address too long";
		return -1;
	}
	if (s[0] == '[') {
		*why = "brackets not allowed";
		return -1;
	}
	if (memchr(s, ':', n) == NULL) {
		memcpy(out->b, v4mapped, 12);
		return parse_v4(s, n, out->b + 12, why);
	}
	return parse_v6(s, n, out->b, why);
}

int
ip_is_v4(const struct ip *ip)
{
	return memcmp(ip->b, v4mapped, 12) == 0;
}

static char *
put_dec(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

static char *
put_v4(char *p, const unsigned char *b)
{
	p = put_dec(p, b[0]);
	*p++ = '.';
	p = put_dec(p, b[1]);
	*p++ = '.';
	p = put_dec(p, b[2]);
	*p++ = '.';
	return put_dec(p, b[3]);
}

/*
 * The text inet_ntop(3) gives, which is what Exim logs: lower-case hex
 * without leading zeros, the longest run of two or more zero groups (the
 * first of equal runs) as "::", and an IPv4-compatible address (::a.b.c.d)
 * with a dotted quad.
 */
static char *
put_v6(char *p, const unsigned char *b)
{
	static const char hex[] = "0123456789abcdef";
	unsigned w[8];
	int i, best = -1, bestlen = 0, cur = -1, curlen = 0;

	for (i = 0; i < 8; i++) {
		w[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
		if (w[i] == 0) {
			if (cur < 0) {
				cur = i;
				curlen = 0;
			}
			if (++curlen > bestlen) {
				best = cur;
				bestlen = curlen;
			}
		} else
			cur = -1;
	}
	if (bestlen < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			if (i + bestlen == 8)
				*p++ = ':';
			i += bestlen - 1;
			continue;
		}
		if (i > 0)
			*p++ = ':';
		if (i == 6 && best == 0 && bestlen == 6)
			return put_v4(p, b + 12);
		if (w[i] >= 0x1000)
			*p++ = hex[w[i] >> 12];
		if (w[i] >= 0x100)
			*p++ = hex[w[i] >> 8 & 15];
		if (w[i] >= 0x10)
			*p++ = hex[w[i] >> 4 & 15];
		*p++ = hex[w[i] & 15];
	}
	return p;
}

size_t
ip_format(const struct ip *ip, char *buf)
{
	char *p = ip_is_v4(ip) ? put_v4(buf, ip->b + 12) : put_v6(buf, ip->b);

	*p = '\0';
	return (size_t)(p - buf);
}

int
ip_parse_canonical(const char *s, size_t n, struct ip *out, const char **why)
{
	char buf[IP_TEXT_MAX + 1];
	const char *r;
	size_t len;

	if (!why)
		why = &r;
	if (ip_parse(s, n, out, why) < 0)
		return -1;
	/* A dotted quad that parsed is canonical (no leading zeros). */
	if (memchr(s, ':', n) == NULL)
		return 0;
	len = ip_format(out, buf);
	if (len != n || memcmp(buf, s, n) != 0) {
		*why = ip_is_v4(out) && memchr(s, ':', n) ?
		    "IPv4-mapped address not written as plain IPv4" :
		    "address not in canonical form (lower case, compressed)";
		return -1;
	}
	return 0;
}

int
ip_parse_cidr(const char *s, size_t n, struct ip *first, struct ip *last,
    const char **why)
{
	const char *slash = memchr(s, '/', n);
	const char *r;
	size_t alen = slash ? (size_t)(slash - s) : n;
	unsigned len, maxlen;
	struct ip a;
	int i;

	if (!why)
		why = &r;
	if (ip_parse(s, alen, &a, why) < 0)
		return -1;
	maxlen = ip_is_v4(&a) ? 32 : 128;
	len = maxlen;
	if (slash) {
		const char *p = slash + 1, *e = s + n;

		if (p == e || e - p > 3) {
			*why = "bad prefix length";
			return -1;
		}
		if (*p == '0' && e - p > 1) {
			*why = "leading zero in prefix length";
			return -1;
		}
		for (len = 0; p < e; p++) {
			if (*p < '0' || *p > '9') {
				*why = "bad prefix length";
				return -1;
			}
			len = len * 10 + (unsigned)(*p - '0');
		}
		if (len > maxlen) {
			*why = "prefix length too large";
			return -1;
		}
	}
	if (maxlen == 32)
		len += 96;
	*first = a;
	*last = a;
	for (i = 0; i < 16; i++) {
		int keep = (int)len - 8 * i;
		unsigned char mask;

		if (keep >= 8)
			continue;
		mask = keep <= 0 ? 0 : (unsigned char)(0xff << (8 - keep));
		first->b[i] &= mask;
		last->b[i] |= (unsigned char)~mask;
	}
	return 0;
}

int
ip_cmp(const struct ip *a, const struct ip *b)
{
	uint64_t x = load_be64(a->b), y = load_be64(b->b);

	if (x == y) {
		x = load_be64(a->b + 8);
		y = load_be64(b->b + 8);
	}
	return (x > y) - (x < y);
}

void
ip_network(const struct ip *ip, int bits, struct ip *out)
{
	int i;

	*out = *ip;
	if (ip_is_v4(ip) || bits >= 128 || bits < 0)
		return;
	for (i = bits / 8; i < 16; i++)
		out->b[i] = i == bits / 8 ? (unsigned char)(out->b[i] &
		    (0xff00 >> (bits % 8))) : 0;
}

void
ip_network_range(const struct ip *ip, int bits, struct ip *first,
    struct ip *last)
{
	int i;

	ip_network(ip, bits, first);
	*last = *first;
	if (ip_is_v4(ip) || bits >= 128 || bits < 0)
		return;
	for (i = bits / 8; i < 16; i++)
		last->b[i] = i == bits / 8 ? (unsigned char)(last->b[i] |
		    (0xff >> (bits % 8))) : 0xff;
}

size_t
ip_format_exim_mask(const struct ip *ip, int bits, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	struct ip net;
	size_t n = 0;
	int i;

	ip_network(ip, bits, &net);
	for (i = 0; i < 16; i++) {
		if (i > 0 && i % 2 == 0)
			buf[n++] = '.';
		buf[n++] = hex[net.b[i] >> 4];
		buf[n++] = hex[net.b[i] & 15];
	}
	n += (size_t)snprintf(buf + n, 5, "/%d", bits);
	return n;
}

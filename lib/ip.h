/*
 * IP addresses as relaywatch keeps them: 16 bytes, IPv4 stored as the
 * IPv4-mapped IPv6 address ::ffff:a.b.c.d, so that one ordering covers both
 * families.  The text form is the one Exim gives $sender_host_address:
 * dotted quad for IPv4 (and for IPv4-mapped IPv6), inet_ntop(3) for IPv6.
 */
#ifndef RW_IP_H
#define RW_IP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Longest canonical text form, without the NUL ("ffff:...:255.255.255.255"). */
#define IP_TEXT_MAX 45

struct ip {
	unsigned char b[16];
};

/* Parse an IPv4 or IPv6 address of exactly n bytes.  Accepts every valid
 * spelling (upper case, uncompressed, embedded dotted quad); refuses leading
 * zeros in dotted-quad octets, zone ids, brackets, prefixes and trailing junk.
 * Returns 0, or -1 with *why set to a static reason. */
int ip_parse(const char *s, size_t n, struct ip *out, const char **why);

/* Like ip_parse, and also refuses any spelling but the canonical one. */
int ip_parse_canonical(const char *s, size_t n, struct ip *out,
    const char **why);

/* Parse "ADDR" or "ADDR/LEN".  For IPv4 LEN is 0-32 and counts in the IPv4
 * address; the result is the first and last address of the block (host
 * bits in ADDR are ignored, as Exim's host lists do). */
int ip_parse_cidr(const char *s, size_t n, struct ip *first, struct ip *last,
    const char **why);

/* Write the canonical form and a NUL into buf (IP_TEXT_MAX + 1 bytes);
 * returns its length. */
size_t ip_format(const struct ip *ip, char *buf);

int ip_is_v4(const struct ip *ip);

/* A hash of the 16 bytes for tables (MurmurHash3's finaliser: every input
 * bit moves every output bit, so that the low bits used as an index vary). */
static inline uint64_t
ip_hash(const struct ip *ip)
{
	uint64_t a, b;

	memcpy(&a, ip->b, 8);
	memcpy(&b, ip->b + 8, 8);
	a = a * 0x9E3779B97F4A7C15ULL ^ b;
	a ^= a >> 33;
	a *= 0xFF51AFD7ED558CCDULL;
	a ^= a >> 33;
	a *= 0xC4CEB9FE1A85EC53ULL;
	a ^= a >> 33;
	return a;
}

int ip_cmp(const struct ip *a, const struct ip *b);

/* Whether a and b are the same address: ip_cmp's == 0, for hash tables. */
static inline int
ip_same(const struct ip *a, const struct ip *b)
{
	uint64_t a0, a1, b0, b1;

	memcpy(&a0, a->b, 8);
	memcpy(&a1, a->b + 8, 8);
	memcpy(&b0, b->b, 8);
	memcpy(&b1, b->b + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/*
 * An IPv6 customer's network: ip with all but its first bits bits zero
 * (an IPv4 address, or bits 128, as it is).  And that network as Exim's
 * ${mask:ADDRESS/BITS} writes it, the key relaywatch-db compile gives it
 * in state.cdb: "2001.0db8.0001.0002.0000.0000.0000.0000/64" (at most
 * IP_MASK_TEXT_MAX bytes, NUL-terminated).
 */
#define IP_MASK_TEXT_MAX 44
void ip_network(const struct ip *ip, int bits, struct ip *out);
/* That network's first and last address. */
void ip_network_range(const struct ip *ip, int bits, struct ip *first,
    struct ip *last);
size_t ip_format_exim_mask(const struct ip *ip, int bits, char *buf);

#endif

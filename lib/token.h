/*
 * Probe tokens: the customer's address, the time of issue and the relay
 * variant, under an HMAC-SHA256 tag, written in lower-case base32 (RFC 4648
 * alphabet, no padding) so that they survive case folding, header folding,
 * quoted-printable and base64, and fit in a local part:
 *
 *   bytes  version << 4 | variant (1), address (4 for IPv4, 16 for IPv6),
 *          time of issue (4, seconds since the epoch, big-endian),
 *          tag (10: the first 80 bits of HMAC-SHA256 over the bytes before
 *          it, keyed with the first key of the key file)
 *   text   31 characters for IPv4, 50 for IPv6
 *
 * A mailbox probe's token has version 2 and, in place of the address,
 * the first 16 bytes of SHA-256 over the mailbox's address in lower
 * case: 50 characters.
 *
 * relaywatch-state(5) documents the format.
 */
#ifndef RW_TOKEN_H
#define RW_TOKEN_H

#include <stddef.h>

#include "ip.h"

#define TOKEN_VERSION 1
#define TOKEN_VERSION_MAILBOX 2
#define TOKEN_DIGEST_BYTES 16
#define TOKEN_TAG_BYTES 10
#define TOKEN_V4_LEN 31
#define TOKEN_V6_LEN 50
#define TOKEN_MAX TOKEN_V6_LEN
#define TOKEN_VARIANT_MAX 15
/* A token from more than this much ahead of our clock is refused: an
 * hour, so that a tester whose clock was stepped back (by up to that)
 * still reads the tokens it issued before; only our key makes tokens,
 * so a later time proves nothing to an attacker. */
#define TOKEN_SKEW 3600

#define KEY_MIN_BYTES 32
#define KEY_MAX_BYTES 128
#define KEYS_MAX 16

struct keys {
	unsigned char key[KEYS_MAX][KEY_MAX_BYTES];
	size_t len[KEYS_MAX];
	size_t n;
};

/*
 * Read the key file: one key a line as hexadecimal digits (at least 64,
 * that is 32 bytes), '#' comments; the first key signs, all verify.
 * Returns 0, or a sysexits(3) code with the reason in err: EX_NOPERM when
 * the file may be read by its group or others (or cannot be read for want
 * of permission), EX_CONFIG when it is missing, holds no key, or a key is
 * malformed or too short.
 */
int token_keys_read(struct keys *ks, const char *path, char *err, size_t errlen);

/* Forget the keys (the memory is cleared). */
void token_keys_clear(struct keys *ks);

struct token {
	struct ip ip;		/* the host's (all zeros for a mailbox) */
	long long time;
	unsigned variant;
	int mailbox;		/* a mailbox probe's token: */
	unsigned char digest[TOKEN_DIGEST_BYTES];	/* its address's */
};

/* The digest of a mailbox's address (n bytes at addr, any case) into
 * out; 0, or -1 when it cannot be computed. */
int token_mailbox_digest(const char *addr, size_t n, unsigned char *out);

/* Write the token for t into out (TOKEN_MAX + 1 bytes, NUL-terminated),
 * signed with the first key; returns its length, or 0 when t's time or
 * variant is out of range. */
size_t token_make(const struct keys *ks, const struct token *t, char *out);

/*
 * Check the n characters at s (any case): returns 0 with *t set, or -1
 * with *why: bad encoding, wrong tag (no key made it), expired (issued
 * more than lifetime seconds before now), from the future.
 */
int token_check(const struct keys *ks, const char *s, size_t n,
    long long now, long long lifetime, struct token *t, const char **why);

/* A probe's Message-ID is <TOKEN_MSGID_PREFIX TOKEN @ domain>: Exim's
 * main log names it (id=) in the line of the probe's arrival, whatever
 * its sender. */
#define TOKEN_MSGID_PREFIX "relaywatch."

#endif

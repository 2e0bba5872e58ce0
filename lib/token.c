/*
 * The SHA-256 functions that OpenSSL 3 keeps for compatibility need no
 * provider: loading one costs a process (relaywatch-classify runs once per
 * message) more time than everything else it does.
 */
#define OPENSSL_API_COMPAT 10101

#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "text.h"
#include "textfile.h"
#include "token.h"

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

void
token_keys_clear(struct keys *ks)
{
	OPENSSL_cleanse(ks, sizeof *ks);
}

int
token_keys_read(struct keys *ks, const char *path, char *err, size_t errlen)
{
	struct textfile tf;
	struct stat st;
	const char *why;
	char *line, *item;
	size_t len, n, i;
	int rc;

	token_keys_clear(ks);
	if (textfile_open(&tf, path) < 0) {
		int e = errno;

		if (e == ENOENT) {
			snprintf(err, errlen, "%s: no key file; make one: "
			    "umask 077; openssl rand -hex 32 > %s", path, path);
			return EX_CONFIG;
		}
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return e == EACCES ? EX_NOPERM : EX_CONFIG;
	}
	if (fstat(fileno(tf.f), &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = EX_CONFIG;
		goto out;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "%s: mode %04o: others than its owner may "
		    "use it; chmod 600 %s", path, (unsigned)(st.st_mode & 07777),
		    path);
		rc = EX_NOPERM;
		goto out;
	}
	while ((rc = textfile_next(&tf, &line, &len, &why)) > 0) {
		unsigned char *k;

		if ((n = text_strip(line, len, &item)) == 0)
			continue;
		if (ks->n == KEYS_MAX) {
			snprintf(err, errlen, "%s:%lu: more than %d keys", path,
			    tf.lineno, KEYS_MAX);
			rc = EX_CONFIG;
			goto out;
		}
		for (i = 0; i < n && text_hexval((unsigned char)item[i]) >= 0; i++)
			;
		if (i < n || n % 2) {
			snprintf(err, errlen, "%s:%lu: a key is hexadecimal "
			    "digits, an even number of them", path, tf.lineno);
			rc = EX_CONFIG;
			goto out;
		}
		if (n < 2 * KEY_MIN_BYTES || n > 2 * KEY_MAX_BYTES) {
			snprintf(err, errlen, "%s:%lu: key of %zu hex digits; "
			    "from %d to %d (openssl rand -hex 32)", path,
			    tf.lineno, n, 2 * KEY_MIN_BYTES, 2 * KEY_MAX_BYTES);
			rc = EX_CONFIG;
			goto out;
		}
		k = ks->key[ks->n];
		for (i = 0; i < n / 2; i++)
			k[i] = (unsigned char)(text_hexval((unsigned char)item[2 * i]) << 4 |
			    text_hexval((unsigned char)item[2 * i + 1]));
		ks->len[ks->n++] = n / 2;
		OPENSSL_cleanse(line, len);
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s:%lu: %s", path, tf.lineno, why);
		rc = EX_CONFIG;
		goto out;
	}
	if (ks->n == 0) {
		snprintf(err, errlen, "%s: no key in it (openssl rand -hex 32)",
		    path);
		rc = EX_CONFIG;
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(tf.buf, sizeof tf.buf);
	textfile_close(&tf);
	if (rc != 0)
		token_keys_clear(ks);
	return rc;
}

/* The payload's bytes: version and variant, address, time; its length. */
static size_t
payload(const struct token *t, unsigned char *b)
{
	size_t n = 0;
	uint32_t tm = (uint32_t)t->time;

	b[n++] = (unsigned char)((t->mailbox ? TOKEN_VERSION_MAILBOX :
	    TOKEN_VERSION) << 4 | t->variant);
	if (t->mailbox) {
		memcpy(b + n, t->digest, TOKEN_DIGEST_BYTES);
		n += TOKEN_DIGEST_BYTES;
	} else if (ip_is_v4(&t->ip)) {
		memcpy(b + n, t->ip.b + 12, 4);
		n += 4;
	} else {
		memcpy(b + n, t->ip.b, 16);
		n += 16;
	}
	b[n++] = (unsigned char)(tm >> 24);
	b[n++] = (unsigned char)(tm >> 16);
	b[n++] = (unsigned char)(tm >> 8);
	b[n++] = (unsigned char)tm;
	return n;
}

/* HMAC-SHA256 (RFC 2104) of b[0..n), cut to TOKEN_TAG_BYTES. */
static int
tag(const unsigned char *key, size_t keylen, const unsigned char *b,
    size_t n, unsigned char *out)
{
	unsigned char k[SHA256_CBLOCK], pad[SHA256_CBLOCK],
	    inner[SHA256_DIGEST_LENGTH], md[SHA256_DIGEST_LENGTH];
	SHA256_CTX c;
	size_t i;
	int ok;

	memset(k, 0, sizeof k);
	if (keylen > sizeof k) {
		if (!SHA256_Init(&c) || !SHA256_Update(&c, key, keylen) ||
		    !SHA256_Final(k, &c))
			return -1;
	} else
		memcpy(k, key, keylen);
	for (i = 0; i < sizeof pad; i++)
		pad[i] = k[i] ^ 0x36;
	ok = SHA256_Init(&c) && SHA256_Update(&c, pad, sizeof pad) &&
	    SHA256_Update(&c, b, n) && SHA256_Final(inner, &c);
	for (i = 0; i < sizeof pad; i++)
		pad[i] = k[i] ^ 0x5c;
	ok = ok && SHA256_Init(&c) && SHA256_Update(&c, pad, sizeof pad) &&
	    SHA256_Update(&c, inner, sizeof inner) && SHA256_Final(md, &c);
	if (ok)
		memcpy(out, md, TOKEN_TAG_BYTES);
	OPENSSL_cleanse(k, sizeof k);
	OPENSSL_cleanse(pad, sizeof pad);
	OPENSSL_cleanse(&c, sizeof c);
	return ok ? 0 : -1;
}

size_t
token_make(const struct keys *ks, const struct token *t, char *out)
{
	unsigned char b[1 + 16 + 4 + TOKEN_TAG_BYTES];
	size_t n, i, o = 0;
	unsigned acc = 0, bits = 0;

	if (ks->n == 0 || t->variant > TOKEN_VARIANT_MAX || t->time < 0 ||
	    t->time > (long long)UINT32_MAX)
		return 0;
	n = payload(t, b);
	if (tag(ks->key[0], ks->len[0], b, n, b + n) < 0)
		return 0;
	n += TOKEN_TAG_BYTES;
	for (i = 0; i < n; i++) {
		acc = (acc << 8 | b[i]) & 0xfff;
		for (bits += 8; bits >= 5; bits -= 5)
			out[o++] = b32[(acc >> (bits - 5)) & 31];
	}
	if (bits > 0)
		out[o++] = b32[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return o;
}

int
token_check(const struct keys *ks, const char *s, size_t n, long long now,
    long long lifetime, struct token *t, const char **why)
{
	unsigned char b[1 + 16 + 4 + TOKEN_TAG_BYTES], want[TOKEN_TAG_BYTES];
	size_t i, o = 0, len, iplen;
	unsigned acc = 0, bits = 0;
	int ok = 0;

	if (n != TOKEN_V4_LEN && n != TOKEN_V6_LEN) {
		*why = "bad encoding (length)";
		return -1;
	}
	iplen = n == TOKEN_V4_LEN ? 4 : 16;
	len = 1 + iplen + 4 + TOKEN_TAG_BYTES;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		const char *p;

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c == '\0' || (p = strchr(b32, c)) == NULL) {
			*why = "bad encoding (not base32)";
			return -1;
		}
		acc = (acc << 5 | (unsigned)(p - b32)) & 0xfff;
		if ((bits += 5) >= 8) {
			bits -= 8;
			b[o++] = (unsigned char)(acc >> bits);
		}
	}
	/* The bits left over are zeros in a token we made. */
	if (o != len || (acc & ((1u << bits) - 1)) != 0) {
		*why = "bad encoding (trailing bits)";
		return -1;
	}
	if (b[0] >> 4 != TOKEN_VERSION && (b[0] >> 4 != TOKEN_VERSION_MAILBOX ||
	    iplen != TOKEN_DIGEST_BYTES)) {
		*why = "bad encoding (version)";
		return -1;
	}
	for (i = 0; i < ks->n; i++) {
		if (tag(ks->key[i], ks->len[i], b, len - TOKEN_TAG_BYTES,
		    want) < 0) {
			*why = "cannot compute HMAC";
			return -1;
		}
		ok |= CRYPTO_memcmp(want, b + len - TOKEN_TAG_BYTES,
		    TOKEN_TAG_BYTES) == 0;
	}
	if (!ok) {
		*why = "wrong tag";
		return -1;
	}
	t->variant = b[0] & 15;
	t->mailbox = b[0] >> 4 == TOKEN_VERSION_MAILBOX;
	memset(&t->ip, 0, sizeof t->ip);
	memset(t->digest, 0, sizeof t->digest);
	if (t->mailbox)
		memcpy(t->digest, b + 1, TOKEN_DIGEST_BYTES);
	else if (iplen == 4) {
		t->ip.b[10] = t->ip.b[11] = 0xff;
		memcpy(t->ip.b + 12, b + 1, 4);
	} else {
		memcpy(t->ip.b, b + 1, 16);
		if (ip_is_v4(&t->ip)) {
			/* We write an IPv4 address in 4 bytes. */
			*why = "bad encoding (IPv4 as IPv6)";
			return -1;
		}
	}
	t->time = (long long)b[1 + iplen] << 24 | (long long)b[2 + iplen] << 16 |
	    (long long)b[3 + iplen] << 8 | b[4 + iplen];
	if (t->time > now + TOKEN_SKEW) {
		*why = "from the future";
		return -1;
	}
	if (now - t->time > lifetime) {
		*why = "expired";
		return -1;
	}
	return 0;
}

int
token_mailbox_digest(const char *addr, size_t n, unsigned char *out)
{
	unsigned char md[SHA256_DIGEST_LENGTH], low[256];
	SHA256_CTX c;
	size_t i, k;
	int ok;

	ok = SHA256_Init(&c);
	/* In pieces, lowered as it goes: an address of any length. */
	for (i = 0; ok && i < n; i += k) {
		for (k = 0; k < sizeof low && i + k < n; k++) {
			unsigned char ch = (unsigned char)addr[i + k];

			low[k] = ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch;
		}
		ok = SHA256_Update(&c, low, k);
	}
	ok = ok && SHA256_Final(md, &c);
	if (ok)
		memcpy(out, md, TOKEN_DIGEST_BYTES);
	OPENSSL_cleanse(&c, sizeof c);
	return ok ? 0 : -1;
}

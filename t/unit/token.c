/* lib/token.c: key files, known answers, and tokens that must not verify. */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tap.h"
#include "token.h"
#include "token_words.h"

static char dir[] = "/tmp/rw-token-XXXXXX";
static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

#define T0 1800000000LL
#define DAY 86400LL

static const char *
keyfile(const char *name, const char *text, int mode)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0 ||
	    chmod(path, (mode_t)mode) != 0) {
		perror(path);
		exit(2);
	}
	return path;
}

static int
bad_keys(const char *name, const char *text, int mode, int want,
    const char *what)
{
	struct keys ks;
	char err[512] = "";
	int rc = token_keys_read(&ks, keyfile(name, text, mode), err, sizeof err);

	if (!is_int(rc, want, "key file %s: exit %d", what, want))
		printf("#   %s\n", err);
	else if (rc != 0)
		printf("# %s\n", err);
	return rc;
}

static struct token
tk(const char *ip, long long t, unsigned v)
{
	struct token k;

	memset(&k, 0, sizeof k);
	if (ip_parse(ip, strlen(ip), &k.ip, NULL) < 0)
		abort();
	k.time = t;
	k.variant = v;
	return k;
}

/* Bytes to base32 and back, to forge tokens with a valid-looking form. */
static size_t
enc(const unsigned char *b, size_t n, char *out)
{
	unsigned acc = 0, bits = 0;
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		acc = (acc << 8 | b[i]) & 0xfff;
		for (bits += 8; bits >= 5; bits -= 5)
			out[o++] = b32[(acc >> (bits - 5)) & 31];
	}
	if (bits)
		out[o++] = b32[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return o;
}

static size_t
dec(const char *s, unsigned char *b)
{
	unsigned acc = 0, bits = 0;
	size_t o = 0;

	for (; *s; s++) {
		acc = (acc << 5 | (unsigned)(strchr(b32, *s) - b32)) & 0xfff;
		if ((bits += 5) >= 8) {
			bits -= 8;
			b[o++] = (unsigned char)(acc >> bits);
		}
	}
	return o;
}

int
main(void)
{
	struct keys ks, other, both;
	struct token t, got;
	char err[512], tok[TOKEN_MAX + 1], tok6[TOKEN_MAX + 1], s[64];
	const char *why;
	unsigned char b[64];
	size_t n, i, j;
	int fails, rc;

	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return 2;
	}

	/* Key files. */
	rc = token_keys_read(&ks, keyfile("key", "# the key\n"
	    "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191A1B1C1D1E1F  # comment\n", 0600), err,
	    sizeof err);
	if (!is_int(rc, 0, "key file: one key, comments, upper-case hex"))
		printf("#   %s\n", err);
	is_int((long long)ks.n, 1, "one key read");
	is_int((long long)ks.len[0], 32, "of 32 bytes");
	rc = token_keys_read(&other, keyfile("other", "ff0102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f\r\n", 0400), err, sizeof err);
	is_int(rc, 0, "key file: CRLF, mode 0400");
	rc = token_keys_read(&both, keyfile("both",
	    "aa0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
	    "\n"
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
	    0600), err, sizeof err);
	is_int(rc == 0 ? (long long)both.n : -1, 2, "key file: two keys");
	{
		struct keys none;
		char path[300];

		snprintf(path, sizeof path, "%s/missing", dir);
		rc = token_keys_read(&none, path, err, sizeof err);
		is_int(rc, EX_CONFIG, "key file missing: 78");
		ok(strstr(err, "openssl rand -hex 32") != NULL,
		    "and it says how to make one");
	}
	bad_keys("k644", "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f\n", 0644, EX_NOPERM,
	    "readable by all");
	bad_keys("k640", "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f\n", 0640, EX_NOPERM,
	    "readable by the group");
	bad_keys("k602", "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f\n", 0602, EX_NOPERM,
	    "writable by others");
	bad_keys("short", "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e\n", 0600, EX_CONFIG,
	    "a key of 31 bytes");
	bad_keys("odd", "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f0\n", 0600, EX_CONFIG,
	    "an odd number of digits");
	bad_keys("nothex", "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1g\n", 0600, EX_CONFIG,
	    "a non-hex digit");
	bad_keys("blank", "0001020304050607 08090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f\n", 0600, EX_CONFIG,
	    "a blank inside a key");
	bad_keys("empty", "# nothing\n\n", 0600, EX_CONFIG, "no key");
	bad_keys("zero", "", 0600, EX_CONFIG, "an empty file");
	{
		char big[600];

		memset(big, 'a', 514);
		strcpy(big + 514, "\n");
		bad_keys("long", big, 0600, EX_CONFIG, "a key of 257 bytes");
	}
	{
		char many[2000] = "";

		for (i = 0; i < KEYS_MAX + 1; i++)
			strcat(many, "000102030405060708090a0b0c0d0e0f"
			    "101112131415161718191a1b1c1d1e1f\n");
		bad_keys("many", many, 0600, EX_CONFIG, "17 keys");
	}
	{
		char nul[80] = "0001020304050607\0" "08090a0b0c0d0e0f";
		FILE *f;
		char path[300];
		struct keys k;

		snprintf(path, sizeof path, "%s/nul", dir);
		f = fopen(path, "w");
		fwrite(nul, 1, 33, f);
		fclose(f);
		chmod(path, 0600);
		is_int(token_keys_read(&k, path, err, sizeof err), EX_CONFIG,
		    "key file: a NUL byte");
	}

	/* Known answers (computed apart with Python's hmac and base64). */
	t = tk("192.0.2.7", T0, 1);
	n = token_make(&ks, &t, tok);
	is_str(tok, "chaaaaqhnne5eaa4jihfbbip5r4qxfi", "known answer, IPv4");
	is_int((long long)n, TOKEN_V4_LEN, "IPv4 token: 31 characters");
	t = tk("2001:db8::25", T0, 2);
	n = token_make(&ks, &t, tok6);
	is_str(tok6, "ciqacdnyaaaaaaaaaaaaaaaaaaswwsosaaar5imuargg6nahqe",
	    "known answer, IPv6");
	is_int((long long)n, TOKEN_V6_LEN, "IPv6 token: 50 characters");
	ok(strlen("relaytest+") + n <= 64, "mailbox+token fits in 64 octets");

	/* Round trips. */
	rc = token_check(&ks, tok, strlen(tok), T0 + 10, 7 * DAY, &got, &why);
	t = tk("192.0.2.7", T0, 1);
	ok(rc == 0 && got.time == T0 && got.variant == 1 &&
	    ip_cmp(&got.ip, &t.ip) == 0,
	    "IPv4 token verifies: address, time, variant");
	rc = token_check(&ks, tok6, strlen(tok6), T0, 7 * DAY, &got, &why);
	t = tk("2001:db8::25", T0, 2);
	ok(rc == 0 && got.variant == 2 && ip_cmp(&got.ip, &t.ip) == 0,
	    "IPv6 token verifies");
	for (i = 0; tok[i]; i++)
		s[i] = (char)(tok[i] >= 'a' ? tok[i] - 32 : tok[i]);
	s[i] = '\0';
	ok(token_check(&ks, s, i, T0, 7 * DAY, &got, &why) == 0,
	    "upper case verifies (case folding)");
	ok(token_check(&both, tok, strlen(tok), T0, 7 * DAY, &got, &why) == 0,
	    "a later key verifies (rotation)");

	/* A mailbox probe's token: the address's digest, any case. */
	{
		unsigned char d1[TOKEN_DIGEST_BYTES], d2[TOKEN_DIGEST_BYTES];
		char tokm[TOKEN_MAX + 1];
		struct token m;

		ok(token_mailbox_digest("Info@Shop.Example", 17, d1) == 0 &&
		    token_mailbox_digest("info@shop.example", 17, d2) == 0 &&
		    memcmp(d1, d2, sizeof d1) == 0,
		    "mailbox digest: the same in any case");
		token_mailbox_digest("info@shop.example.", 18, d2);
		ok(memcmp(d1, d2, sizeof d1) != 0,
		    "mailbox digest: another address, another digest");
		memset(&m, 0, sizeof m);
		m.mailbox = 1;
		memcpy(m.digest, d1, sizeof d1);
		m.time = T0;
		n = token_make(&ks, &m, tokm);
		is_int((long long)n, TOKEN_V6_LEN, "mailbox token: 50 characters");
		rc = token_check(&ks, tokm, n, T0, 7 * DAY, &got, &why);
		ok(rc == 0 && got.mailbox && got.time == T0 &&
		    memcmp(got.digest, d1, sizeof d1) == 0,
		    "mailbox token verifies: its digest and time");
		ok(rc == 0 && ip_is_v4(&got.ip) == 0 && got.ip.b[0] == 0 &&
		    got.ip.b[15] == 0, "  and names no host");
		rc = token_check(&ks, tok6, strlen(tok6), T0, 7 * DAY, &got, &why);
		ok(rc == 0 && !got.mailbox, "a host's token is not a mailbox's");
		tokm[5] = tokm[5] == 'a' ? 'b' : 'a';
		ok(token_check(&ks, tokm, n, T0, 7 * DAY, &got, &why) < 0,
		    "a mailbox token changed: refused");
	}

	/* Time. */
	ok(token_check(&ks, tok, strlen(tok), T0 + 7 * DAY, 7 * DAY, &got,
	    &why) == 0, "at token_lifetime: good");
	rc = token_check(&ks, tok, strlen(tok), T0 + 7 * DAY + 1, 7 * DAY,
	    &got, &why);
	ok(rc < 0 && strcmp(why, "expired") == 0, "past token_lifetime: expired");
	ok(token_check(&ks, tok, strlen(tok), T0 - TOKEN_SKEW, 7 * DAY, &got,
	    &why) == 0, "a little ahead of our clock: good");
	rc = token_check(&ks, tok, strlen(tok), T0 - TOKEN_SKEW - 1, 7 * DAY,
	    &got, &why);
	ok(rc < 0 && strcmp(why, "from the future") == 0, "from the future");

	/* What must not verify. */
	rc = token_check(&other, tok, strlen(tok), T0, 7 * DAY, &got, &why);
	ok(rc < 0 && strcmp(why, "wrong tag") == 0, "another key: wrong tag");
	fails = 0;
	for (i = 0; tok6[i]; i++)
		for (j = 0; j < 32; j++) {
			strcpy(s, tok6);
			if (s[i] == b32[j])
				continue;
			s[i] = b32[j];
			if (token_check(&ks, s, strlen(s), T0, 7 * DAY, &got,
			    &why) == 0) {
				printf("# verified: %s\n", s);
				fails++;
			}
		}
	for (i = 0; tok[i]; i++)
		for (j = 0; j < 32; j++) {
			strcpy(s, tok);
			if (s[i] == b32[j])
				continue;
			s[i] = b32[j];
			if (token_check(&ks, s, strlen(s), T0, 7 * DAY, &got,
			    &why) == 0)
				fails++;
		}
	is_int(fails, 0, "every altered character fails (%zu tries)",
	    (strlen(tok) + strlen(tok6)) * 31);
	/* Another address (or time, or variant) under the same tag. */
	fails = 0;
	n = dec(tok, b);
	for (i = 1; i < 9; i++)
		for (j = 0; j < 8; j++) {
			unsigned char c[64];

			memcpy(c, b, n);
			c[i] ^= (unsigned char)(1 << j);
			enc(c, n, s);
			if (token_check(&ks, s, strlen(s), T0, 7 * DAY, &got,
			    &why) == 0)
				fails++;
		}
	is_int(fails, 0, "every other address, time and variant under the "
	    "tag fails");
	{
		struct token a = tk("192.0.2.8", T0, 1);
		char t2[TOKEN_MAX + 1];

		token_make(&ks, &a, t2);
		ok(strcmp(t2, tok) != 0 && token_check(&ks, t2, strlen(t2), T0,
		    7 * DAY, &got, &why) == 0 && ip_cmp(&got.ip, &a.ip) == 0,
		    "another address's own token names that address");
	}
	rc = token_check(&ks, tok, strlen(tok) - 1, T0, 7 * DAY, &got, &why);
	ok(rc < 0 && strncmp(why, "bad encoding", 12) == 0, "cut short: bad "
	    "encoding");
	strcpy(s, tok);
	s[3] = '1';
	rc = token_check(&ks, s, strlen(s), T0, 7 * DAY, &got, &why);
	ok(rc < 0 && strncmp(why, "bad encoding", 12) == 0, "'1' is not "
	    "base32: bad encoding");
	strcpy(s, tok);
	s[30] = b32[(strchr(b32, s[30]) - b32) ^ 1];
	rc = token_check(&ks, s, strlen(s), T0, 7 * DAY, &got, &why);
	ok(rc < 0 && strcmp(why, "bad encoding (trailing bits)") == 0,
	    "trailing bits set: bad encoding");
	{
		unsigned char c[64];

		unsigned char md[32];
		unsigned mdlen;

		/* A payload of our own making, well signed. */
		c[0] = 0x11;
		memcpy(c + 1, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\0\2\7", 16);
		c[17] = 0x6b;
		c[18] = 0x49;
		c[19] = 0xd2;
		c[20] = 0x00;
		HMAC(EVP_sha256(), ks.key[0], (int)ks.len[0], c, 21, md, &mdlen);
		memcpy(c + 21, md, 10);
		enc(c, 31, s);
		rc = token_check(&ks, s, strlen(s), T0, 7 * DAY, &got, &why);
		ok(rc < 0 && strncmp(why, "bad encoding", 12) == 0,
		    "an IPv4 address in 16 bytes: bad encoding");
	}
	/* Random strings of both lengths never verify. */
	srand(7);
	fails = 0;
	for (i = 0; i < 100000; i++) {
		size_t len = i % 2 ? TOKEN_V4_LEN : TOKEN_V6_LEN;

		for (j = 0; j < len; j++)
			s[j] = b32[rand() % 32];
		s[j] = '\0';
		if (token_check(&ks, s, len, T0, 7 * DAY, &got, &why) == 0)
			fails++;
	}
	is_int(fails, 0, "100,000 random tokens: none verifies");
	for (i = 0; i < 10000; i++) {
		size_t len = (size_t)rand() % 60;

		for (j = 0; j < len; j++)
			s[j] = (char)(rand() % 256);
		if (token_check(&ks, s, len, T0, 7 * DAY, &got, &why) == 0)
			fails++;
	}
	is_int(fails, 0, "10,000 random byte strings: none verifies");

	/* Out of range. */
	t = tk("192.0.2.7", -1, 0);
	is_int((long long)token_make(&ks, &t, tok), 0, "negative time: no token");
	t = tk("192.0.2.7", T0, 16);
	is_int((long long)token_make(&ks, &t, tok), 0, "variant 16: no token");

	/* Finding a token in text. */
	{
		char out[TOKEN_MAX + 1], long_[200];
		const char *a = "isp.example!RelayTest+cb7qaaacnmfmegx5m3nallmtvnrj5vi@[192.0.2.7]";

		is_int((long long)token_words_after(a, strlen(a), "relaytest+", out),
		    31, "token_words_after: the prefix in any case");
		is_str(out, "cb7qaaacnmfmegx5m3nallmtvnrj5vi", "  the run after it");
		is_int((long long)token_words_after(a, strlen(a), "nobody+", out), 0,
		    "token_words_after: no prefix, no token");
		is_int((long long)token_words_after("x+", 2, "x+", out), 0,
		    "token_words_after: the prefix at the end: no token");
		memset(long_, 'a', sizeof long_);
		memcpy(long_, "x+", 2);
		is_int((long long)token_words_after(long_, sizeof long_, "x+", out),
		    TOKEN_MAX + 1, "token_words_after: a run longer than a token");
		is_int((long long)token_words_after(a, 10, "relaytest+", out), 0,
		    "token_words_after: only within n bytes");
	}

	token_keys_clear(&ks);
	is_int((long long)ks.n, 0, "keys cleared");
	{
		char cmd[300];

		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return done_testing();
}

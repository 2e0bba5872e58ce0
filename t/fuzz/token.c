/*
 * Tokens: any text checked against the key never crashes and, when it
 * checks, makes the same token again; tokens made from fuzzed fields
 * check, in any case, and one changed character makes them fail.
 */
#include <string.h>

#include "fuzz.h"
#include "token.h"

static struct keys ks;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char tok[TOKEN_MAX + 1], again[TOKEN_MAX + 1], err[256];
	struct token t, u;
	const char *why;
	long long now = 1795000000;
	size_t n, i;

	if (ks.n == 0) {
		const char *path = fuzz_file((const uint8_t *)FUZZ_KEY_HEX "\n",
		    sizeof FUZZ_KEY_HEX);

		if (token_keys_read(&ks, path, err, sizeof err) != 0)
			fuzz_fail(err, __FILE__, __LINE__);
	}
	if (token_check(&ks, (const char *)data, size, now, 7 * 86400, &u,
	    &why) == 0) {
		n = token_make(&ks, &u, again);
		FUZZ_ASSERT(n == size);
		for (i = 0; i < n; i++)
			FUZZ_ASSERT(again[i] == (char)(data[i] | 0x20) ||
			    again[i] == (char)data[i]);
	}
	if (size < 22)
		return 0;
	memset(&t, 0, sizeof t);
	/* a host's token, or a mailbox's (its digest from the same bytes) */
	if ((t.mailbox = data[21] & 1))
		memcpy(t.digest, data, TOKEN_DIGEST_BYTES);
	else
		memcpy(t.ip.b, data, 16);
	/* issued within the lifetime */
	t.time = now - (long long)(data[16] | data[17] << 8 | data[18] << 16) %
	    (7 * 86400);
	t.variant = data[19] % (TOKEN_VARIANT_MAX + 1);
	if ((n = token_make(&ks, &t, tok)) == 0)
		return 0;
	FUZZ_ASSERT(token_check(&ks, tok, n, now, 7 * 86400, &u, &why) == 0);
	FUZZ_ASSERT(u.mailbox == t.mailbox && u.time == t.time &&
	    u.variant == t.variant);
	FUZZ_ASSERT(t.mailbox ? memcmp(u.digest, t.digest,
	    TOKEN_DIGEST_BYTES) == 0 : ip_cmp(&u.ip, &t.ip) == 0);
	for (i = 0; i < n; i++)
		if (tok[i] >= 'a' && tok[i] <= 'z')
			tok[i] = (char)(tok[i] - 32);
	FUZZ_ASSERT(token_check(&ks, tok, n, now, 7 * 86400, &u, &why) == 0);
	i = data[20] % (n - 1);	/* (the last holds padding bits) */
	tok[i] = tok[i] == 'A' ? 'B' : 'A';
	FUZZ_ASSERT(token_check(&ks, tok, n, now, 7 * 86400, &u, &why) < 0);
	return 0;
}

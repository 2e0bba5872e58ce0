/*
 * The files people write: the configuration, the key file, netblocks
 * (and exclude), the contacts file.  The first byte chooses which reader
 * gets the rest; each either takes it or says why, and never crashes.
 */
#include <string.h>

#include "conf.h"
#include "contacts.h"
#include "fuzz.h"
#include "netset.h"
#include "token.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024];
	const char *path;
	struct conf c;
	struct keys ks;
	struct netset ns;
	struct contacts cs;
	struct ip ip;
	size_t i;

	if (size == 0)
		return 0;
	path = fuzz_file(data + 1, size - 1);
	err[0] = '\0';
	switch (data[0] % 4) {
	case 0:
		if (conf_read(&c, path, err, sizeof err) != 0)
			FUZZ_ASSERT(err[0] != '\0');
		break;
	case 1:
		if (token_keys_read(&ks, path, err, sizeof err) == 0) {
			FUZZ_ASSERT(ks.n >= 1 && ks.n <= KEYS_MAX);
			for (i = 0; i < ks.n; i++)
				FUZZ_ASSERT(ks.len[i] >= KEY_MIN_BYTES &&
				    ks.len[i] <= KEY_MAX_BYTES);
			token_keys_clear(&ks);
		} else
			FUZZ_ASSERT(err[0] != '\0');
		break;
	case 2:
		netset_init(&ns);
		if (netset_read(&ns, path, 0, err, sizeof err) == 0) {
			for (i = 1; i < ns.n; i++)
				FUZZ_ASSERT(ip_cmp(&ns.r[i - 1].last,
				    &ns.r[i].first) < 0);
			for (i = 0; i < ns.n; i++)
				FUZZ_ASSERT(netset_contains(&ns, &ns.r[i].first) &&
				    netset_contains(&ns, &ns.r[i].last));
		} else
			FUZZ_ASSERT(err[0] != '\0');
		netset_free(&ns);
		break;
	case 3:
		memset(&cs, 0, sizeof cs);
		if (contacts_read(&cs, path, err, sizeof err) == 0) {
			for (i = 0; i < cs.n; i++) {
				FUZZ_ASSERT(cs.v[i].n >= 1);
				FUZZ_ASSERT(contacts_for(&cs,
				    &cs.v[i].first) != NULL);
			}
		} else
			FUZZ_ASSERT(err[0] != '\0' && cs.n == 0);
		memset(&ip, 0, sizeof ip);
		contacts_for(&cs, &ip);
		contacts_free(&cs);
		break;
	}
	return 0;
}

/*
 * The state file's text, as a crash or anyone with the service user's
 * rights may leave it: compiled from its end into a CDB, which must hold
 * exactly what reading it from its start gives (each address's last good
 * line); then recent.cdb written from it as a tail, over that CDB; and
 * blocked.nets updated, the same bytes taken for that file.
 */
#include <cdb.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "blocked_nets.h"
#include "fuzz.h"
#include "recent.h"
#include "state_compile.h"
#include "statemap.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size);
	char cdbpath[4096], recentpath[4096], netspath[4096], *text;
	struct statefile sf = { -1, path, NULL, 0 };
	struct statemap all, blocks;
	struct statepos pos = { 1, 2, size };
	struct atomic_file af;
	struct cdb c;
	unsigned long bad = 0;
	size_t i, nrec = 0;
	unsigned at;
	int fd;

	snprintf(cdbpath, sizeof cdbpath, "%s.cdb", path);
	snprintf(recentpath, sizeof recentpath, "%s.recent", path);
	snprintf(netspath, sizeof netspath, "%s.nets", path);
	/* The text NUL-free for nobody: a copy of exactly size bytes. */
	if ((text = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(text, data, size);
	sf.text = text;
	sf.len = size;
	statemap_init(&all);
	statemap_init(&blocks);
	FUZZ_ASSERT(statemap_load(&sf, &all) >= 0);
	FUZZ_ASSERT(state_compile(&af, cdbpath, path, text, size, &pos, 64,
	    &blocks, &bad) == 0 && atomic_commit(&af, NULL) == 0);
	if ((fd = open(cdbpath, O_RDONLY)) < 0 || cdb_init(&c, fd) < 0)
		abort();
	/* Every address read from the start: its record, the same. */
	for (i = 0; i < all.n; i++) {
		const struct statemap_entry *en = &all.e[i];

		FUZZ_ASSERT(cdb_find(&c, en->rest - 1 - en->keylen,
		    en->keylen) > 0);
		FUZZ_ASSERT(cdb_datalen(&c) == en->rest_len &&
		    memcmp(cdb_get(&c, en->rest_len, cdb_datapos(&c)),
		    en->rest, en->rest_len) == 0);
	}
	/* And nothing else, but the position and the networks. */
	cdb_seqinit(&at, &c);
	while (cdb_seqnext(&at, &c) > 0)
		if (memchr(cdb_getkey(&c), '/', cdb_keylen(&c)) == NULL)
			nrec++;
	FUZZ_ASSERT(nrec == all.n + 1);
	FUZZ_ASSERT(recent_write(recentpath, NULL, &all, &c, &pos, 64) == 0);
	cdb_free(&c);
	close(fd);
	/* The same bytes as blocked.nets: people's lines kept, ours for
	 * the addresses of the state replaced. */
	if ((fd = open(netspath, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    write(fd, data, size) != (ssize_t)size || close(fd) != 0)
		abort();
	blocked_nets_update(netspath, &all, 64);
	unlink(cdbpath);
	unlink(recentpath);
	unlink(netspath);
	statemap_free(&all);
	statemap_free(&blocks);
	free(text);
	return 0;
}

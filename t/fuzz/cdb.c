/*
 * state.cdb as any bytes, in memory (as tinycdb's cdb_init maps a file):
 * the readers of relaywatch-due, sweep and status (every record, the
 * position, the count from the header) and a lookup, as Exim's is.
 * Each either gives what parses or says the CDB is damaged.
 */
#include <cdb.h>
#include <string.h>

#include "fuzz.h"
#include "ip.h"
#include "state.h"
#include "state_cdb.h"

static unsigned long records;

static void
each(void *arg, const struct stateline *sl)
{
	char text[IP_TEXT_MAX + 1];

	(void)arg;
	FUZZ_ASSERT(sl->status >= ST_OK && sl->status <= ST_UNKNOWN);
	FUZZ_ASSERT(ip_format(&sl->ip, text) > 0);
	records++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct statepos pos;
	struct cdb c;
	unsigned dend;

	/* What cdb_init makes of a file of these bytes. */
	if (size < 2048 || size > 0xffffffffu)
		return 0;
	memset(&c, 0, sizeof c);
	c.cdb_fd = -1;
	c.cdb_fsize = (unsigned)size;
	c.cdb_mem = data;
	dend = cdb_unpack(data);
	c.cdb_dend = dend < 2048 ? 2048 : dend >= size ? (unsigned)size : dend;

	records = 0;
	FUZZ_ASSERT(state_cdb_count(&c) <= size / 32);
	(void)state_cdb_position(&c, &pos);
	FUZZ_ASSERT(state_cdb_each(&c, "fuzz.cdb", each, NULL) >= -1);
	FUZZ_ASSERT(records <= size / 16);
	if (cdb_find(&c, "192.0.2.7", 9) > 0) {
		unsigned vl = cdb_datalen(&c);
		const char *v = cdb_get(&c, vl, cdb_datapos(&c));
		struct stateline sl;
		const char *why;

		if (v != NULL)
			(void)state_parse_value(v, vl, &sl, &why);
	}
	return 0;
}

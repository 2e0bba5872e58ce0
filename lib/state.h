/*
 * The state: a text file of lines "IP STATUS TIME [key=value ...]", the
 * last line of an IP being its status and the earlier ones its history
 * (relaywatch-state(5)).  Writers append whole lines under an exclusive
 * flock(2); readers read under a shared one.
 */
#ifndef RW_STATE_H
#define RW_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "ip.h"

#define STATE_LINE_MAX 4096
#define STATE_TIME_MAX 253402300799LL	/* 9999-12-31 23:59:59 UTC */

enum status { ST_NONE = 0, ST_OK, ST_BLOCK, ST_UNKNOWN };

struct stateline {
	const char *line;	/* the line parsed */
	struct ip ip;
	enum status status;
	long long time;
	const char *rest;	/* "STATUS TIME [key=value ...]": the CDB value */
	size_t rest_len;
	const char *kv;		/* "key=value ...", or at rest + rest_len */
	size_t kv_len;
};

/* The paths of the state and its CDB in statedir; 0, or -1 when too
 * long for the buffers. */
int state_paths(const char *statedir, char *state, size_t statesz,
    char *cdb, size_t cdbsz);

/* Parse one line (without its newline).  Returns 0, or -1 with *why. */
int state_parse(const char *line, size_t len, struct stateline *out,
    const char **why);

/* Parse the part after the IP, "STATUS TIME [key=value ...]" (a CDB
 * value): as state_parse, leaving out->line and out->ip alone. */
int state_parse_value(const char *rest, size_t len, struct stateline *out,
    const char **why);

const char *status_name(enum status s);

/* A change line of relaywatch-db apply, "IP OLD NEW TIME [key=value ...]",
 * OLD a status or "-": 0 with *ip and, in *sl, NEW's value (sl->ip not
 * set), or -1 with *why. */
int state_parse_change(const char *line, size_t len, struct ip *ip,
    struct stateline *sl, const char **why);

/* The value of key in sl's key=value part, unquoted into buf (bufsz
 * bytes, NUL-terminated); returns buf, or NULL when the key is absent. */
const char *state_get(const struct stateline *sl, const char *key, char *buf,
    size_t bufsz);

/* The value of key as a time (digits only, at most STATE_TIME_MAX) in
 * *t: 0, or -1 when absent or not such a number. */
int state_get_time(const struct stateline *sl, const char *key,
    long long *t);

/* Append value to dst (at *len, dstsz bytes) as a key=value field:
 * quoted when it holds a blank, '"' or '\'; control characters become
 * '?'.  Returns 0, or -1 when it does not fit. */
int state_put_kv(char *dst, size_t dstsz, size_t *len, const char *key,
    const char *value);

/*
 * The last line of each IP: entries in the order the IPs were first put
 * (so, for a state read from its file, nearly the order of its text),
 * found through an index of slots holding an entry's number and part of
 * its hash.  Entries point into the text they were read from, which must
 * outlive the map.
 */
struct statemap_entry {
	struct ip ip;
	const char *rest;	/* the key, the IP's text, ends at rest - 1 */
	uint32_t rest_len;
	uint8_t status, keylen;
};

struct statemap {
	struct statemap_entry *e;	/* e[0 .. n) */
	size_t n, ecap;
	uint64_t *slot;			/* entry number + 1, hash bits */
	size_t scap;
	int mapped;			/* slot came from mmap */
};

/* Zeroed memory for n items of a big table: from mmap, zeroed without a
 * memset, with huge pages where the system has them (*mapped set). */
void *table_alloc(size_t n, size_t size, int *mapped);
void table_free(void *p, size_t n, size_t size, int mapped);

void statemap_init(struct statemap *m);
/* Room for n entries without growing; 0, or -1 when out of memory. */
int statemap_reserve(struct statemap *m, size_t n);
void statemap_free(struct statemap *m);
/* Set ip's last line; returns 0, or -1 when out of memory. */
int statemap_put(struct statemap *m, const struct stateline *sl);
const struct statemap_entry *statemap_get(const struct statemap *m,
    const struct ip *ip);

/*
 * A locked state file.  state_open locks path (creating it), exclusively
 * or shared; state_map maps what it holds now (text, len; len 0 for an
 * empty file).  Returns 0, or -1 with errno set.
 */
struct statefile {
	int fd;
	const char *path;
	char *text;
	size_t len;
};

int state_open(struct statefile *sf, const char *path, int exclusive);
int state_map(struct statefile *sf);
/* What ends a line that a crash cut short, so that it does not parse. */
#define STATE_CUT_MARK " #cut"

/* Append n bytes of whole lines, and fsync; a line left cut short before
 * them is ended with STATE_CUT_MARK first.  When a write fails part way
 * the file is cut back to where it ended. */
int state_append(struct statefile *sf, const char *buf, size_t n);
void state_close(struct statefile *sf);

/*
 * Read every line of the mapped text into m (last wins).  Bad lines are
 * reported as "PATH:LINE: why" through warnx, up to 100, and counted.
 * Returns the number of bad lines, or -1 when out of memory.
 */
long state_load(const struct statefile *sf, struct statemap *m);


/*
 * Where a state.cdb's content ends in the state: the file (device and
 * inode) and the offset just after the last line it holds.  The CDB keeps
 * it under the key "relaywatch-state", which no address can equal, as
 * "DEV INO OFFSET"; relaywatch-due reads the state's lines after it.
 */
#define STATE_CDB_POSKEY "relaywatch-state"

struct statepos {
	unsigned long long dev, ino, off;
};

/* sf's file and the end of its text as mapped; 0, or -1 without a file. */
int state_position(const struct statefile *sf, struct statepos *pos);

/* Build PATH's CDB from m: key the IP, value its last line's rest; and
 * pos, when not NULL, under STATE_CDB_POSKEY.  An IPv6 BLOCK is also
 * recorded under its network of v6bits bits, keyed as Exim's ${mask}
 * writes it (ip_format_exim_mask), so that the RCPT ACL refuses the
 * customer's other addresses too; a key with a '/' is such a record. */
int state_write_cdb(const char *path, const struct statemap *m,
    const struct statepos *pos, int v6bits);

struct cdb;
/* The position recorded in an open CDB: 0, or -1 when it has none or
 * it does not parse. */
int state_cdb_position(struct cdb *c, struct statepos *pos);

/* ip's record in the CDB at path: 1 with *sl (its text in buf, bufsz
 * bytes), 0 when it has none, -1 with errno. */
int state_cdb_get(const char *path, const struct ip *ip, struct stateline *sl,
    char *buf, size_t bufsz);

/*
 * Make relaywatch's lines in the Exim host list at path name exactly the
 * addresses whose status in m is BLOCK, one a line with a comment
 * ("192.0.2.7  # relaywatch 2026-11-26 why=relayed"), an IPv6 one by its
 * network of v6bits bits ("2001:db8:1:2::/64  # relaywatch ..."); lines
 * written by people stay as they are.  The file is replaced atomically,
 * created if missing.  Returns 0, or -1 with errno set.
 */
int blocked_nets_sync(const char *path, const struct statemap *m,
    int v6bits);

#endif

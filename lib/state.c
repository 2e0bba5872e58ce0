#define _DEFAULT_SOURCE		/* flock(2) */
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cdb.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "state.h"
#include "stream.h"
#include "textfile.h"

int
state_paths(const char *statedir, char *state, size_t statesz, char *cdb,
    size_t cdbsz)
{
	return (size_t)snprintf(state, statesz, "%s/state", statedir) >=
	    statesz || (size_t)snprintf(cdb, cdbsz, "%s/state.cdb",
	    statedir) >= cdbsz ? -1 : 0;
}

static const char *const status_names[] = { "", "OK", "BLOCK", "UNKNOWN" };

int
state_parse_change(const char *line, size_t len, struct ip *ip,
    struct stateline *sl, const char **why)
{
	const char *e = line + len, *sp1, *sp2;
	size_t ol;

	if ((sp1 = memchr(line, ' ', len)) == NULL ||
	    (sp2 = memchr(sp1 + 1, ' ', (size_t)(e - sp1 - 1))) == NULL) {
		*why = "expected IP OLD NEW TIME";
		return -1;
	}
	if (ip_parse_canonical(line, (size_t)(sp1 - line), ip, why) < 0)
		return -1;
	ol = (size_t)(sp2 - sp1 - 1);
	if (!(ol == 1 && sp1[1] == '-') &&
	    !(ol == 2 && memcmp(sp1 + 1, "OK", 2) == 0) &&
	    !(ol == 5 && memcmp(sp1 + 1, "BLOCK", 5) == 0) &&
	    !(ol == 7 && memcmp(sp1 + 1, "UNKNOWN", 7) == 0)) {
		*why = "the old status is not -, OK, BLOCK or UNKNOWN";
		return -1;
	}
	return state_parse_value(sp2 + 1, (size_t)(e - sp2 - 1), sl, why);
}

const char *
status_name(enum status s)
{
	return status_names[s];
}

static int
key_char(int c, int first)
{
	return (c >= 'a' && c <= 'z') || (!first && ((c >= '0' && c <= '9') ||
	    c == '-' || c == '_'));
}

/* One key=value field at p; returns its end, or NULL with *why. */
static const char *
parse_field(const char *p, const char *e, const char **why)
{
	const char *k = p;

	while (p < e && key_char((unsigned char)*p, p == k))
		p++;
	if (p == k || p - k > 32 || p == e || *p != '=') {
		*why = "bad key=value field";
		return NULL;
	}
	p++;
	if (p < e && *p == '"') {
		for (p++; p < e && *p != '"'; p++) {
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) {
				*why = "control or non-ASCII byte in a value";
				return NULL;
			}
			if (*p == '\\' && (++p == e || (*p != '"' && *p != '\\'))) {
				*why = "bad escape in a quoted value";
				return NULL;
			}
		}
		if (p == e) {
			*why = "unterminated quoted value";
			return NULL;
		}
		p++;
	} else
		for (; p < e && *p != ' '; p++)
			if ((unsigned char)*p <= 0x20 || (unsigned char)*p > 0x7e ||
			    *p == '"' || *p == '\\') {
				*why = "bad character in a value";
				return NULL;
			}
	if (p < e && *p != ' ') {
		*why = "junk after a quoted value";
		return NULL;
	}
	return p;
}

int
state_parse_value(const char *rest, size_t len, struct stateline *out,
    const char **why)
{
	const char *p = rest, *e = rest + len, *q;
	long long t = 0;
	int s;

	out->rest = rest;
	for (s = ST_OK; s <= ST_UNKNOWN; s++) {
		size_t n = strlen(status_names[s]);

		if ((size_t)(e - p) > n && memcmp(p, status_names[s], n) == 0 &&
		    p[n] == ' ')
			break;
	}
	if (s > ST_UNKNOWN) {
		*why = "status is not OK, BLOCK or UNKNOWN";
		return -1;
	}
	out->status = (enum status)s;
	p += strlen(status_names[s]) + 1;
	for (q = p; p < e && *p >= '0' && *p <= '9'; p++) {
		t = t * 10 + (*p - '0');
		if (t > STATE_TIME_MAX) {
			*why = "time out of range";
			return -1;
		}
	}
	if (p == q || (*q == '0' && p - q > 1) || (p < e && *p != ' ')) {
		*why = "time is not a number of seconds";
		return -1;
	}
	out->time = t;
	out->kv = p < e ? p + 1 : e;
	while (p < e) {
		if (++p == e) {
			*why = "trailing blank";
			return -1;
		}
		if ((p = parse_field(p, e, why)) == NULL)
			return -1;
	}
	out->kv_len = (size_t)(e - out->kv);
	out->rest_len = len;
	return 0;
}

int
state_parse(const char *line, size_t len, struct stateline *out,
    const char **why)
{
	const char *q;

	if (len > STATE_LINE_MAX) {
		*why = "line too long";
		return -1;
	}
	out->line = line;
	q = memchr(line, ' ', len);
	if (q == NULL) {
		*why = "expected IP STATUS TIME";
		return -1;
	}
	if (ip_parse_canonical(line, (size_t)(q - line), &out->ip, why) < 0)
		return -1;
	return state_parse_value(q + 1, (size_t)(line + len - q - 1), out,
	    why);
}

const char *
state_get(const struct stateline *sl, const char *key, char *buf,
    size_t bufsz)
{
	const char *p = sl->kv, *e = sl->kv + sl->kv_len, *why;
	size_t klen = strlen(key);

	while (p < e) {
		const char *end = parse_field(p, e, &why);
		size_t o = 0;

		if (end == NULL)
			return NULL;
		if ((size_t)(end - p) > klen && memcmp(p, key, klen) == 0 &&
		    p[klen] == '=') {
			p += klen + 1;
			if (p < end && *p == '"') {
				for (p++; p < end - 1; p++) {
					if (*p == '\\')
						p++;
					if (o + 1 < bufsz)
						buf[o++] = *p;
				}
			} else
				for (; p < end; p++)
					if (o + 1 < bufsz)
						buf[o++] = *p;
			buf[o] = '\0';
			return buf;
		}
		p = end + 1;
	}
	return NULL;
}

int
state_get_time(const struct stateline *sl, const char *key, long long *t)
{
	char v[24];
	const char *p;
	long long x = 0;

	if (state_get(sl, key, v, sizeof v) == NULL || v[0] == '\0')
		return -1;
	for (p = v; *p >= '0' && *p <= '9'; p++)
		if ((x = x * 10 + (*p - '0')) > STATE_TIME_MAX)
			return -1;
	if (*p != '\0')
		return -1;
	*t = x;
	return 0;
}

int
state_put_kv(char *dst, size_t dstsz, size_t *len, const char *key,
    const char *value)
{
	size_t o = *len;
	const char *v;
	int quote = *value == '\0';

	for (v = value; *v; v++)
		if ((unsigned char)*v <= 0x20 || (unsigned char)*v > 0x7e ||
		    *v == '"' || *v == '\\')
			quote = 1;
#define PUT(c) do { if (o + 1 >= dstsz) return -1; dst[o++] = (c); } while (0)
	if (o > 0)
		PUT(' ');
	for (v = key; *v; v++)
		PUT(*v);
	PUT('=');
	if (quote)
		PUT('"');
	for (v = value; *v; v++) {
		unsigned char c = (unsigned char)*v;

		if (quote && (c == '"' || c == '\\'))
			PUT('\\');
		PUT(c < 0x20 || c > 0x7e ? '?' : (char)c);
	}
	if (quote)
		PUT('"');
#undef PUT
	dst[o] = '\0';
	*len = o;
	return 0;
}

/*
 * The map: open addressing on the 16 address bytes.
 *
 * The index: a slot is 0 (empty) or, in its low 32 bits, the entry's
 * number plus one and, in its high 32 bits, the top of the entry's hash,
 * which spares reading the entry for most slots passed over.  At most
 * half full.  Large indexes come from mmap, zeroed without a memset, with
 * huge pages where the system has them.
 */
void *
table_alloc(size_t n, size_t size, int *mapped)
{
	size_t bytes = n * size;

	*mapped = 0;
	if (size && n > SIZE_MAX / size)
		return NULL;
#if defined(MAP_ANONYMOUS)
	if (bytes >= (4u << 20)) {
		void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return NULL;
#if defined(MADV_HUGEPAGE)
		madvise(p, bytes, MADV_HUGEPAGE);
#endif
		*mapped = 1;
		return p;
	}
#endif
	return calloc(n, size);
}

void
table_free(void *p, size_t n, size_t size, int mapped)
{
	if (mapped)
		munmap(p, n * size);
	else
		free(p);
}

static uint64_t *
index_alloc(size_t cap, int *mapped)
{
	return table_alloc(cap, sizeof(uint64_t), mapped);
}

static void
index_free(uint64_t *slot, size_t cap, int mapped)
{
	table_free(slot, cap, sizeof *slot, mapped);
}

void
statemap_init(struct statemap *m)
{
	memset(m, 0, sizeof *m);
}

void
statemap_free(struct statemap *m)
{
	free(m->e);
	index_free(m->slot, m->scap, m->mapped);
	statemap_init(m);
}

/* The slot of ip: its own, or the empty one where it would go. */
static uint64_t *
find_slot(const struct statemap *m, const struct ip *ip, size_t h)
{
	uint64_t tag = (uint64_t)(uint32_t)(h >> 32) << 32;
	size_t i = h & (m->scap - 1);

	for (;; i = (i + 1) & (m->scap - 1)) {
		uint64_t s = m->slot[i];

		if (s == 0)
			return &m->slot[i];
		if ((s & 0xffffffff00000000ULL) == tag &&
		    memcmp(m->e[(uint32_t)s - 1].ip.b, ip->b, 16) == 0)
			return &m->slot[i];
	}
}

static int
index_grow(struct statemap *m, size_t cap)
{
	struct statemap old = *m;
	size_t i;
	int mapped;

	if (cap > UINT32_MAX)
		return -1;
	if ((m->slot = index_alloc(cap, &mapped)) == NULL) {
		m->slot = old.slot;
		return -1;
	}
	m->scap = cap;
	m->mapped = mapped;
	for (i = 0; i < m->n; i++) {
		uint64_t h = ip_hash(&m->e[i].ip);

		*find_slot(m, &m->e[i].ip, (size_t)h) =
		    (uint64_t)(uint32_t)(h >> 32) << 32 | (i + 1);
	}
	index_free(old.slot, old.scap, old.mapped);
	return 0;
}

static int
entries_grow(struct statemap *m, size_t cap)
{
	struct statemap_entry *e = realloc(m->e, cap * sizeof *e);

	if (e == NULL || cap > SIZE_MAX / sizeof *e)
		return -1;
	m->e = e;
	m->ecap = cap;
	return 0;
}

int
statemap_reserve(struct statemap *m, size_t n)
{
	size_t cap = m->scap ? m->scap : 1024;

	while (cap / 2 < n + 1)
		cap *= 2;
	if (cap > m->scap && index_grow(m, cap) < 0)
		return -1;
	return n > m->ecap ? entries_grow(m, n) : 0;
}

int
statemap_put(struct statemap *m, const struct stateline *sl)
{
	struct statemap_entry *en;
	uint64_t *s;
	size_t h;

	if ((m->n + 1) * 2 > m->scap &&
	    index_grow(m, m->scap ? 2 * m->scap : 1024) < 0)
		return -1;
	h = (size_t)ip_hash(&sl->ip);
	s = find_slot(m, &sl->ip, h);
	if (*s == 0) {
		if (m->n == m->ecap &&
		    entries_grow(m, m->ecap ? 2 * m->ecap : 1024) < 0)
			return -1;
		en = &m->e[m->n++];
		en->ip = sl->ip;
		*s = (uint64_t)(uint32_t)(h >> 32) << 32 | m->n;
	} else
		en = &m->e[(uint32_t)*s - 1];
	en->rest = sl->rest;
	en->rest_len = (uint32_t)sl->rest_len;
	en->status = (uint8_t)sl->status;
	en->keylen = (uint8_t)(sl->rest - sl->line - 1);
	return 0;
}

const struct statemap_entry *
statemap_get(const struct statemap *m, const struct ip *ip)
{
	uint64_t *s;

	if (m->scap == 0)
		return NULL;
	s = find_slot(m, ip, (size_t)ip_hash(ip));
	return *s ? &m->e[(uint32_t)*s - 1] : NULL;
}

/* The file. */

int
state_open(struct statefile *sf, const char *path, int exclusive)
{
	struct stat a, b;

	sf->path = path;
	sf->text = NULL;
	sf->len = 0;
	for (;;) {
		/* Never through a link. */
		sf->fd = open(path, exclusive ?
		    O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW :
		    O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (sf->fd < 0) {
			if (!exclusive && errno == ENOENT)
				return 0;	/* no state yet: empty */
			return -1;
		}
		while (flock(sf->fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
			if (errno != EINTR)
				goto fail;
		/* compact may have put a new file in place while we waited
		 * for the lock on the old one: then lock the new one. */
		if (fstat(sf->fd, &a) < 0)
			goto fail;
		if (stat(path, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			return 0;
		close(sf->fd);
	}
fail:
	{
		int e = errno;

		close(sf->fd);
		sf->fd = -1;
		errno = e;
		return -1;
	}
}

int
state_map(struct statefile *sf)
{
	struct stat st;

	if (sf->text)
		munmap(sf->text, sf->len);
	sf->text = NULL;
	sf->len = 0;
	if (sf->fd < 0)
		return 0;
	if (fstat(sf->fd, &st) < 0)
		return -1;
	if (st.st_size == 0)
		return 0;
	sf->text = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, sf->fd,
	    0);
	if (sf->text == MAP_FAILED) {
		sf->text = NULL;
		return -1;
	}
	sf->len = (size_t)st.st_size;
	return 0;
}

int
state_append(struct statefile *sf, const char *buf, size_t n)
{
	struct stat st;
	char last;

	if (fstat(sf->fd, &st) < 0)
		return -1;
	/* A line cut short by a crash is ended so that it cannot parse (no
	 * field may start with '#'): "10.3.2.110 UNKNOWN 1795839" must not
	 * be read as a verdict with a wrong time. */
	if (st.st_size > 0 && pread(sf->fd, &last, 1, st.st_size - 1) == 1 &&
	    last != '\n') {
		if (write_all(sf->fd, STATE_CUT_MARK "\n",
		    sizeof STATE_CUT_MARK) < 0)
			goto undo;
		st.st_size += (off_t)sizeof STATE_CUT_MARK;
	}
	if (write_all(sf->fd, buf, n) < 0)
		goto undo;
	return fsync(sf->fd);
undo:
	/* A write that failed part way (a full disk) leaves nothing: we
	 * hold the lock, and the file ends where it ended. */
	{
		int e = errno;

		(void)!ftruncate(sf->fd, st.st_size);
		errno = e;
		return -1;
	}
}

void
state_close(struct statefile *sf)
{
	if (sf->text)
		munmap(sf->text, sf->len);
	if (sf->fd >= 0)
		close(sf->fd);	/* and the lock */
	sf->text = NULL;
	sf->fd = -1;
}

/* Ask for ip's slot to be brought into the cache: the table is far larger
 * than the caches, and a state is read in one sweep. */
static void
prefetch_slot(const struct statemap *m, const struct ip *ip)
{
#if defined(__GNUC__)
	__builtin_prefetch(&m->slot[(size_t)ip_hash(ip) & (m->scap - 1)]);
#else
	(void)m;
	(void)ip;
#endif
}

#define LOAD_AHEAD 16

long
state_load(const struct statefile *sf, struct statemap *m)
{
	const char *p = sf->text, *e = sf->text + sf->len;
	struct stateline ring[LOAD_AHEAD];
	unsigned long lineno = 0, parsed = 0, put = 0;
	long bad = 0;

	/* Some 50 bytes a line: room for about as many IPs as lines, so
	 * that the table seldom grows. */
	if (statemap_reserve(m, sf->len / 50) < 0)
		return -1;

	/* Lines are parsed LOAD_AHEAD ahead of their insertion, their slots
	 * prefetched meanwhile; the order of insertion is the file's. */
	while (p < e || put < parsed) {
		const char *nl = NULL, *why;

		if (p < e && parsed - put < LOAD_AHEAD) {
			struct stateline *sl = &ring[parsed % LOAD_AHEAD];

			lineno++;
			nl = memchr(p, '\n', (size_t)(e - p));
			if (nl == NULL)
				why = "last line cut short (no newline)";
			else if (state_parse(p, (size_t)(nl - p), sl, &why) == 0) {
				prefetch_slot(m, &sl->ip);
				parsed++;
				p = nl + 1;
				continue;
			}
			if (bad++ < 100)
				warnx("%s:%lu: %s", sf->path, lineno, why);
			else if (bad == 101)
				warnx("%s: more bad lines; not reporting each",
				    sf->path);
			p = nl ? nl + 1 : e;
			continue;
		}
		if (statemap_put(m, &ring[put % LOAD_AHEAD]) < 0)
			return -1;
		put++;
	}
	return bad;
}

struct cdb_fill {
	const struct statemap *m;
	const struct statepos *pos;
	int v6bits;
};

static int
fill_cdb(int fd, void *arg)
{
	const struct cdb_fill *cf = arg;
	const struct statemap *m = cf->m;
	struct cdb_make cm;
	char pos[80];
	size_t i;
	int n = 0;

	if (cdb_make_start(&cm, fd) < 0)
		return -1;
	if (cf->pos)
		n = snprintf(pos, sizeof pos, "%llu %llu %llu", cf->pos->dev,
		    cf->pos->ino, cf->pos->off);
	if (n > 0 && cdb_make_add(&cm, STATE_CDB_POSKEY,
	    sizeof STATE_CDB_POSKEY - 1, pos, (unsigned)n) < 0)
		goto fail;
	/* In the entries' order, nearly the text's: read in one sweep. */
	for (i = 0; i < m->n; i++) {
		const struct statemap_entry *en = &m->e[i];

		/* The key is the line's canonical IP, just before rest. */
		if (cdb_make_add(&cm, en->rest - 1 - en->keylen, en->keylen,
		    en->rest, en->rest_len) < 0)
			goto fail;
	}
	/* The IPv6 BLOCKs' networks (several BLOCKs in one: several
	 * records, each a BLOCK; Exim takes the first). */
	for (i = 0; cf->v6bits < 128 && i < m->n; i++) {
		const struct statemap_entry *en = &m->e[i];
		char key[IP_MASK_TEXT_MAX + 1];
		size_t kl;

		if (en->status != ST_BLOCK || ip_is_v4(&en->ip))
			continue;
		kl = ip_format_exim_mask(&en->ip, cf->v6bits, key);
		if (cdb_make_add(&cm, key, (unsigned)kl, en->rest,
		    en->rest_len) < 0)
			goto fail;
	}
	return cdb_make_finish(&cm);
fail:
	{
		int e = errno;

		cdb_make_finish(&cm);	/* frees its memory */
		errno = e;
		return -1;
	}
}

int
state_write_cdb(const char *path, const struct statemap *m,
    const struct statepos *pos, int v6bits)
{
	struct cdb_fill cf = { m, pos, v6bits };

	return write_atomically(path, fill_cdb, &cf, 0644);
}

int
state_position(const struct statefile *sf, struct statepos *pos)
{
	struct stat st;

	if (sf->fd < 0 || fstat(sf->fd, &st) < 0)
		return -1;
	pos->dev = (unsigned long long)st.st_dev;
	pos->ino = (unsigned long long)st.st_ino;
	pos->off = sf->len;
	return 0;
}

/* A whole decimal number at *p, up to a blank or the end; 0 or -1. */
static int
parse_ull(const char **p, const char *e, unsigned long long *v)
{
	const char *q = *p;

	*v = 0;
	for (; *p < e && **p >= '0' && **p <= '9'; (*p)++) {
		if (*v > (~0ULL - 9) / 10)
			return -1;
		*v = *v * 10 + (unsigned)(**p - '0');
	}
	if (*p == q || (*p < e && **p != ' '))
		return -1;
	if (*p < e)
		(*p)++;
	return 0;
}

int
state_cdb_get(const char *path, const struct ip *ip, struct stateline *sl,
    char *buf, size_t bufsz)
{
	char key[IP_TEXT_MAX + 1];
	size_t kl = ip_format(ip, key);
	const char *why;
	struct cdb c;
	unsigned vl;
	int fd, rc, e = EINVAL;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -1;
	if (cdb_init(&c, fd) < 0) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if ((rc = cdb_find(&c, key, (unsigned)kl)) > 0) {
		vl = cdb_datalen(&c);
		if (vl >= bufsz || cdb_read(&c, buf, vl, cdb_datapos(&c)) < 0 ||
		    (buf[vl] = '\0', state_parse_value(buf, vl, sl, &why)) < 0)
			rc = -1;
		else {
			sl->ip = *ip;
			rc = 1;
		}
	} else if (rc < 0)
		e = errno;
	cdb_free(&c);
	close(fd);
	if (rc < 0)
		errno = e;
	return rc;
}

int
state_cdb_position(struct cdb *c, struct statepos *pos)
{
	const char *p, *e;
	unsigned len;

	if (cdb_find(c, STATE_CDB_POSKEY, sizeof STATE_CDB_POSKEY - 1) <= 0)
		return -1;
	len = cdb_datalen(c);
	if ((p = cdb_get(c, len, cdb_datapos(c))) == NULL)
		return -1;
	e = p + len;
	if (parse_ull(&p, e, &pos->dev) < 0 || p == e ||
	    parse_ull(&p, e, &pos->ino) < 0 || p == e ||
	    parse_ull(&p, e, &pos->off) < 0 || p != e)
		return -1;
	return 0;
}

/* Is line (len bytes) one of ours: "ADDRESS<blanks># relaywatch ..."? */
static int
blocked_line_ours(const char *line, size_t len)
{
	const char *hash = memchr(line, '#', len);

	return hash != NULL && hash > line && (hash[-1] == ' ' ||
	    hash[-1] == '\t') && (size_t)(line + len - hash) >= 12 &&
	    memcmp(hash, "# relaywatch", 12) == 0 &&
	    (line + len - hash == 12 || hash[12] == ' ');
}

struct blocked_fill {
	const char *old;	/* the current file's text, or NULL */
	size_t oldlen;
	const struct statemap *m;
	int v6bits;
};

static int
fill_blocked(int fd, void *arg)
{
	const struct blocked_fill *bf = arg;
	const char *p = bf->old, *e = bf->old + bf->oldlen;
	FILE *f;
	size_t i;
	int rc;

	if ((fd = dup(fd)) < 0 || (f = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* People's lines, as they were. */
	while (p && p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);

		if (!blocked_line_ours(p, n)) {
			fwrite(p, 1, n, f);
			fputc('\n', f);
		}
		p += n + 1;
	}
	/* Ours: every BLOCK. */
	for (i = 0; i < bf->m->n; i++) {
		const struct statemap_entry *en = &bf->m->e[i];
		char ip[IP_TEXT_MAX + 5], day[16], why[64] = "";
		const char *r = en->rest, *sp, *w;
		struct tm tm;
		time_t t;

		if (en->status != ST_BLOCK)
			continue;
		if (ip_is_v4(&en->ip) || bf->v6bits >= 128)
			ip_format(&en->ip, ip);
		else {
			struct ip net;
			size_t n;

			ip_network(&en->ip, bf->v6bits, &net);
			n = ip_format(&net, ip);
			snprintf(ip + n, sizeof ip - n, "/%d", bf->v6bits);
		}
		t = (time_t)strtoll(r + 6, NULL, 10);
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(day, sizeof day, "%Y-%m-%d", &tm) == 0)
			strcpy(day, "?");
		/* The why= field, for the people reading the file. */
		for (sp = r; (w = memchr(sp, ' ', (size_t)(r + en->rest_len -
		    sp))) != NULL; sp = w + 1)
			if ((size_t)(r + en->rest_len - w) > 5 &&
			    memcmp(w, " why=", 5) == 0) {
				const char *v = w + 5, *ve = v;

				while (ve < r + en->rest_len && *ve != ' ')
					ve++;
				snprintf(why, sizeof why, " why=%.*s",
				    (int)(ve - v), v);
				break;
			}
		fprintf(f, "%s  # relaywatch %s%s\n", ip, day, why);
	}
	rc = fflush(f) == 0 && !ferror(f) ? 0 : -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

int
blocked_nets_sync(const char *path, const struct statemap *m, int v6bits)
{
	struct blocked_fill bf = { NULL, 0, m, v6bits };
	struct stat st;
	int fd, rc, e;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno != ENOENT)
		return -1;
	if (fd >= 0) {
		if (fstat(fd, &st) < 0) {
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (st.st_size > 0) {
			bf.old = mmap(NULL, (size_t)st.st_size, PROT_READ,
			    MAP_PRIVATE, fd, 0);
			if (bf.old == MAP_FAILED) {
				e = errno;
				close(fd);
				errno = e;
				return -1;
			}
			bf.oldlen = (size_t)st.st_size;
		}
	}
	rc = write_atomically(path, fill_blocked, &bf, 0644);
	e = errno;
	if (bf.old)
		munmap((void *)bf.old, bf.oldlen);
	if (fd >= 0)
		close(fd);
	errno = e;
	return rc;
}

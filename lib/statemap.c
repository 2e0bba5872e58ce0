/*
 * The last line of each address of a state, in memory (statemap.h).
 *
 * Open addressing on the 16 address bytes.  The index: a slot is 0
 * (empty) or, in its low 32 bits, the entry's number plus one and, in its
 * high 32 bits, the top of the entry's hash, which spares reading the
 * entry for most slots passed over.  At most half full.
 */
#include <err.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "lines.h"
#include "statemap.h"

static uint64_t *
index_alloc(size_t cap, int *mapped)
{
	return bigmem_alloc(cap, sizeof(uint64_t), mapped);
}

static void
index_free(uint64_t *slot, size_t cap, int mapped)
{
	bigmem_free(slot, cap, sizeof *slot, mapped);
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

int
statemap_line(const struct statemap_entry *en, struct stateline *sl)
{
	const char *why;

	if (state_parse_value(en->rest, en->rest_len, sl, &why) < 0)
		return -1;
	sl->line = en->rest - en->keylen - 1;
	sl->ip = en->ip;
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

/* (compile of 10 M addresses: 10.5 s with it, 10.7 to 11.2 s without;
 * at 1 M the difference is within the noise) */
#define LOAD_AHEAD 16

long
statemap_load(const struct statefile *sf, struct statemap *m)
{
	return statemap_load_from(sf, 0, m);
}

long
statemap_load_from(const struct statefile *sf, size_t from, struct statemap *m)
{
	const char *p, *e;
	struct stateline ring[LOAD_AHEAD];
	unsigned long lineno = 0, parsed = 0, put = 0;
	long bad = 0;

	if (sf->len <= from)
		return 0;
	p = sf->text + from;
	e = sf->text + sf->len;

	/* Some 50 bytes a line: room for about as many IPs as lines, so
	 * that the table seldom grows. */
	if (statemap_reserve(m, (sf->len - from) / 50) < 0)
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
			/* (the lines before from counted only now) */
			if (bad == 0 && from > 0)
				lineno += lines_count(sf->text, from);
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


int
statemap_entry_cmp(const void *a, const void *b)
{
	return ip_cmp(&(*(const struct statemap_entry *const *)a)->ip,
	    &(*(const struct statemap_entry *const *)b)->ip);
}

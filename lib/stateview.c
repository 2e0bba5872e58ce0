/*
 * The state now: state.cdb and the lines after it (stateview.h).
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grow.h"
#include "lines.h"
#include "state_cdb.h"
#include "stateview.h"

int
stateview_open(struct stateview *v, const struct statefile *sf,
    const char *cdb_path, const char **why)
{
	struct statepos pos;

	memset(v, 0, sizeof *v);
	v->sf = sf;
	v->cdb_path = cdb_path;
	if (state_cdb_open_for(cdb_path, sf->fd, sf->text, sf->len, &v->cdb,
	    &v->fd, &pos, why) < 0)
		return -1;
	v->from = (size_t)pos.off;
	return 0;
}

void
stateview_close(struct stateview *v)
{
	size_t i;

	if (v->fd >= 0) {
		cdb_free(&v->cdb);
		close(v->fd);
	}
	v->fd = -1;
	for (i = 0; i < v->nmade; i++)
		free(v->made[i]);
	free(v->made);
	v->made = NULL;
	v->nmade = v->madecap = 0;
}

/* ip's CDB record as a line of its own ("IP VALUE"), into m. */
static int
get_record(struct stateview *v, const struct ip *ip, struct statemap *m)
{
	char key[IP_TEXT_MAX + 1], *line;
	size_t kl = ip_format(ip, key);
	struct stateline sl;
	const char *why;
	unsigned vl;
	int rc;

	if ((rc = cdb_find(&v->cdb, key, (unsigned)kl)) <= 0)
		return rc;
	vl = cdb_datalen(&v->cdb);
	if (vl > STATE_LINE_MAX) {
		warnx("%s: record \"%s\": too long", v->cdb_path, key);
		return 0;
	}
	if ((v->made = grow(v->made, &v->madecap, v->nmade + 1,
	    sizeof *v->made)) == NULL ||
	    (line = malloc(kl + 1 + vl + 1)) == NULL)
		return -1;
	v->made[v->nmade++] = line;
	memcpy(line, key, kl);
	line[kl] = ' ';
	if (cdb_read(&v->cdb, line + kl + 1, vl, cdb_datapos(&v->cdb)) < 0)
		return -1;
	line[kl + 1 + vl] = '\0';
	if (state_parse(line, kl + 1 + vl, &sl, &why) < 0) {
		warnx("%s: record \"%s\": %s", v->cdb_path, key, why);
		return 0;
	}
	return statemap_put(m, &sl);
}

/* The addresses looked for, by their text: a small open-addressed table
 * of indexes into keys. */
struct wanted {
	char (*key)[IP_TEXT_MAX + 1];
	unsigned char *len;
	size_t *slot, mask;
};

static uint64_t
key_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n-- > 0)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

static int
wanted_make(struct wanted *w, const struct ip *ips, size_t n)
{
	size_t cap = 16, i;

	while (cap < 2 * n)
		cap *= 2;
	w->key = malloc((n ? n : 1) * sizeof *w->key);
	w->len = malloc(n ? n : 1);
	w->slot = calloc(cap, sizeof *w->slot);
	w->mask = cap - 1;
	if (w->key == NULL || w->len == NULL || w->slot == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		size_t s;

		w->len[i] = (unsigned char)ip_format(&ips[i], w->key[i]);
		for (s = key_hash(w->key[i], w->len[i]) & w->mask;
		    w->slot[s]; s = (s + 1) & w->mask)
			;
		w->slot[s] = i + 1;
	}
	return 0;
}

static int
wanted_has(const struct wanted *w, const char *k, size_t n)
{
	size_t s;

	for (s = key_hash(k, n) & w->mask; w->slot[s]; s = (s + 1) & w->mask)
		if (w->len[w->slot[s] - 1] == n &&
		    memcmp(w->key[w->slot[s] - 1], k, n) == 0)
			return 1;
	return 0;
}

static void
wanted_free(struct wanted *w)
{
	free(w->key);
	free(w->len);
	free(w->slot);
}

/* A bad line of the tail: "PATH:LINE: why", its number counted only
 * now. */
static void
tail_bad(const struct stateview *v, const char *p, const char *why)
{
	const struct statefile *sf = v->sf;

	warnx("%s:%zu: %s", sf->path, lines_count(sf->text,
	    (size_t)(p - sf->text)) + 1, why);
}

int
stateview_get(struct stateview *v, const struct ip *ips, size_t n,
    struct statemap *m)
{
	const struct statefile *sf = v->sf;
	const char *p, *e;
	struct wanted w;
	unsigned bad = 0;
	size_t i;
	int rc = -1;

	for (i = 0; i < n; i++)
		if (get_record(v, &ips[i], m) < 0)
			return -1;
	if (sf->len <= v->from)
		return 0;
	p = sf->text + v->from;
	e = sf->text + sf->len;
	if (wanted_make(&w, ips, n) < 0)
		goto out;
	/* The tail, each line's address looked for by its text (the
	 * state's is canonical): only the lines of those parsed. */
	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *sp, *why;
		size_t len = nl ? (size_t)(nl - p) : (size_t)(e - p);
		struct stateline sl;

		sp = memchr(p, ' ', len < IP_TEXT_MAX + 1 ? len :
		    IP_TEXT_MAX + 1);
		if (sp && wanted_has(&w, p, (size_t)(sp - p))) {
			if (nl == NULL)
				why = "last line cut short (no newline)";
			else if (state_parse(p, len, &sl, &why) == 0) {
				if (statemap_put(m, &sl) < 0)
					goto out;
				why = NULL;
			}
			if (why && bad++ < 10)
				tail_bad(v, p, why);
		}
		p = nl ? nl + 1 : e;
	}
	rc = 0;
out:
	wanted_free(&w);
	return rc;
}

long
stateview_tail(const struct stateview *v, struct statemap *m)
{
	return statemap_load_from(v->sf, v->from, m);
}

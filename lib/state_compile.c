/*
 * state.cdb compiled from the state's text (state_compile.h).  The text is
 * walked from its end; the pages read are given back as it goes, and the
 * ones before asked for ahead, so that 10 M addresses cost the set of
 * addresses met (ipset.h) and tinycdb's own 8 bytes a record.
 */
#define _DEFAULT_SOURCE		/* madvise(2) */
#include <sys/mman.h>

#include <cdb.h>
#include <err.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "ipset.h"
#include "lines.h"
#include "state_cdb.h"
#include "state_compile.h"

#define WINDOW (8u << 20)	/* pages given back and asked for at once */
#define SAID_MAX 100

struct said {
	unsigned long long from_end;	/* 1: the last line */
	const char *why;
};

struct compile {
	const char *state_path, *text;
	size_t len;
	const struct statepos *pos;
	int v6bits;
	struct statemap *blocks;
	struct said said[SAID_MAX];
	unsigned long bad;
	unsigned long long lines;
};

static void
bad_line(struct compile *c, const char *why)
{
	/* Kept in a ring: the SAID_MAX met last are the file's first,
	 * said in the file's order at the end. */
	c->said[c->bad % SAID_MAX].from_end = c->lines;
	c->said[c->bad % SAID_MAX].why = why;
	c->bad++;
}

static void
say_bad_lines(const struct compile *c)
{
	unsigned long n = c->bad < SAID_MAX ? c->bad : SAID_MAX, i;

	/* The ring from the entry written last backwards: the first lines
	 * of the file, in its order. */
	for (i = 0; i < n; i++) {
		const struct said *s = &c->said[(c->bad - 1 - i) % SAID_MAX];

		warnx("%s:%llu: %s", c->state_path,
		    c->lines - s->from_end + 1, s->why);
	}
	if (c->bad > SAID_MAX)
		warnx("%s: more bad lines (%lu in all); not reporting each",
		    c->state_path, c->bad);
}

/* A line of the state, met from the end: its record if it is its
 * address's last good one; 0, or -1 with errno. */
static int
take_line(struct compile *c, struct cdb_make *cm, struct ipset *seen,
    const char *line, size_t len)
{
	const char *sp = memchr(line, ' ', len), *why;
	struct stateline sl;

	c->lines++;
	if (len > STATE_LINE_MAX) {
		bad_line(c, "line too long");
		return 0;
	}
	if (sp == NULL) {
		bad_line(c, "expected IP STATUS TIME");
		return 0;
	}
	if (ip_parse_canonical(line, (size_t)(sp - line), &sl.ip, &why) < 0) {
		bad_line(c, why);
		return 0;
	}
	/* An older line of an address met: history. */
	if (ipset_has(seen, &sl.ip))
		return 0;
	sl.line = line;
	if (state_parse_value(sp + 1, (size_t)(line + len - sp - 1), &sl,
	    &why) < 0) {
		bad_line(c, why);
		return 0;	/* the address's line before it stands */
	}
	if (ipset_add(seen, &sl.ip) < 0)
		return -1;
	if (cdb_make_add(cm, line, (unsigned)(sp - line), sl.rest,
	    (unsigned)sl.rest_len) < 0)
		return -1;
	if (sl.status == ST_BLOCK && statemap_put(c->blocks, &sl) < 0)
		return -1;
	return 0;
}

static int
fill_compiled(int fd, void *arg)
{
	struct compile *c = arg;
	const char *text = c->text, *p = c->len ? text + c->len : text;
	const char *given = p;	/* pages from here on given back */
	struct cdb_make cm;
	struct ipset seen;
	char pos[80];
	size_t i;
	int n = 0, e2;

	if (ipset_init(&seen) < 0)
		return -1;
	if (cdb_make_start(&cm, fd) < 0)
		goto fail;
	if (c->pos)
		n = snprintf(pos, sizeof pos, "%llu %llu %llu", c->pos->dev,
		    c->pos->ino, c->pos->off);
	if (n > 0 && cdb_make_add(&cm, STATE_CDB_POSKEY,
	    sizeof STATE_CDB_POSKEY - 1, pos, (unsigned)n) < 0)
		goto fail;
	/* A last line without its newline was cut short by a crash. */
	if (p > text && p[-1] != '\n') {
		c->lines++;
		bad_line(c, "last line cut short (no newline)");
		p = lines_start((char *)text, (char *)p);
	}
	while (p > text) {
		const char *end = p - 1;	/* its newline */
		size_t back = (size_t)(given - end);

		p = lines_start((char *)text, (char *)end);
		if (take_line(c, &cm, &seen, p, (size_t)(end - p)) < 0)
			goto fail;
		if (back >= WINDOW) {
			uintptr_t to = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
			uintptr_t from = (uintptr_t)text & ~(uintptr_t)4095;

			if (to < (uintptr_t)given) {
				madvise((void *)to, (uintptr_t)given - to,
				    MADV_DONTNEED);
				given = (const char *)to;
			}
			if ((uintptr_t)given - from > WINDOW)
				from = (uintptr_t)given - WINDOW;
			madvise((void *)from, (uintptr_t)given - from,
			    MADV_WILLNEED);
		}
	}
	/* The IPv6 BLOCKs' networks (several BLOCKs in one: several
	 * records, each a BLOCK naming its address; Exim takes the
	 * first). */
	for (i = 0; c->v6bits < 128 && i < c->blocks->n; i++)
		if (state_cdb_add_network(&cm, &c->blocks->e[i],
		    c->v6bits) < 0)
			goto fail;
	ipset_free(&seen);
	return cdb_make_finish(&cm);
fail:
	e2 = errno;
	cdb_make_finish(&cm);	/* frees its memory */
	ipset_free(&seen);
	errno = e2;
	return -1;
}

int
state_compile(struct atomic_file *af, const char *cdb_path,
    const char *state_path, const char *text,
    size_t len, const struct statepos *pos, int v6bits,
    struct statemap *blocks, unsigned long *bad)
{
	struct compile *c;
	int rc, e;

	if ((c = calloc(1, sizeof *c)) == NULL)
		return -1;
	c->state_path = state_path;
	c->text = text;
	c->len = len;
	c->pos = pos;
	c->v6bits = v6bits;
	c->blocks = blocks;
	rc = atomic_prepare(af, cdb_path, fill_compiled, c, 0644);
	e = errno;
	if (c->bad > 0)
		say_bad_lines(c);
	if (bad)
		*bad = c->bad;
	free(c);
	errno = e;
	return rc;
}

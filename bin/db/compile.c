/*
 * relaywatch-db compile and compact: state.cdb built anew, and the
 * state written as one line per address (db.h).
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "atomic.h"
#include "buf.h"
#include "conf.h"
#include "db.h"
#include "ip.h"
#include "lines.h"
#include "recent.h"
#include "state.h"
#include "state_compile.h"
#include "statefile.h"
#include "statemap.h"
#include "stateview.h"
#include "wr.h"

static size_t
count_lines(const struct statefile *sf)
{
	return sf->len ? lines_count(sf->text, sf->len) : 0;
}

/* Is sf's file the one pos is in? */
static int
same_file(const struct statefile *sf, const struct statepos *pos)
{
	struct statepos now;

	return statefile_position(sf, &now) == 0 && now.dev == pos->dev &&
	    now.ino == pos->ino;
}

/*
 * compile: state.cdb built from the state as it was when compile began,
 * without holding the lock while it is built (appliers go on); then,
 * locked, put in place with recent.cdb made anew for the lines written
 * meanwhile, and blocked.nets whole.
 */
int
cmd_compile(int argc, char **argv)
{
	struct statefile sf, now;
	struct statemap blocks, tail;
	struct stateview view;
	struct atomic_file af;
	struct statepos pos;
	size_t i;
	int rc = 0;

	(void)argc;
	(void)argv;
	/* (a compact killed on the way left its copy of the state) */
	atomic_remove_dead_temps(state_path);
	db_lock(&sf, 0);
	if (sf.fd < 0) {
		/* No state yet: the empty one, created. */
		statefile_close(&sf);
		db_lock(&sf, 1);
		rc = publish_rebuild(&sf);
		if (rc == 0)
			publish_done();
		statefile_close(&sf);
		return rc;
	}
	if (statefile_position(&sf, &pos) < 0 || statefile_unlock(&sf) < 0)
		db_failed(state_path);
	pos.off = publish_whole_lines(&sf);
	statemap_init(&blocks);
	if (state_compile(&af, cdb_path, state_path, sf.text, pos.off, &pos,
	    conf.ipv6_prefix, &blocks, NULL) < 0)
		db_failed(cdb_path);
	db_lock(&now, 1);
	if (!same_file(&now, &pos)) {
		/* Compacted meanwhile, which built its own. */
		atomic_abandon(&af);
		statefile_close(&now);
		statefile_close(&sf);
		statemap_free(&blocks);
		return 0;
	}
	if (atomic_commit(&af, NULL) < 0)
		db_failed(cdb_path);
	if (!db_view(&view, &now))
		errx(EX_SOFTWARE, "%s: not the one just built", cdb_path);
	publish_recent(&view, &now, &tail);
	/* blocked.nets: the BLOCKs the CDB has, as the lines after it
	 * leave them. */
	for (i = 0; i < tail.n; i++) {
		struct stateline sl;

		db_entry_line(&tail.e[i], &sl);
		if (statemap_put(&blocks, &sl) < 0)
			err(EX_OSERR, "out of memory");
	}
	if (publish_blocked(&blocks, 1) < 0)
		rc = EX_TEMPFAIL;
	else
		publish_done();
	statemap_free(&tail);
	statemap_free(&blocks);
	stateview_close(&view);
	statefile_close(&now);
	statefile_close(&sf);
	return rc;
}

struct compact_fill {
	const struct statemap_entry **v;
	size_t n;
	unsigned long long written;	/* bytes */
};

static int
fill_compact(int fd, void *arg)
{
	struct compact_fill *cf = arg;
	struct buf b = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; i < cf->n; i++) {
		char ip[IP_TEXT_MAX + 1];

		buf_add(&b, ip, ip_format(&cf->v[i]->ip, ip));
		buf_str(&b, " ");
		buf_add(&b, cf->v[i]->rest, cf->v[i]->rest_len);
		buf_str(&b, "\n");
		if (b.len > 1 << 20 || i + 1 == cf->n) {
			if (wr_all(fd, b.p, b.len) < 0) {
				rc = -1;
				break;
			}
			cf->written += b.len;
			b.len = 0;
		}
	}
	buf_free(&b);
	return rc;
}

/* state.cdb and an empty recent.cdb for the compacted file (fd, its
 * text ending at pos->off); NULL, or the file that failed with errno
 * set. */
static const char *
compact_cdb(int fd, const struct statepos *pos)
{
	struct statemap blocks, none;
	struct atomic_file af;
	char *text = NULL;
	const char *failed = cdb_path;
	int e, rc;

	statemap_init(&blocks);
	statemap_init(&none);
	if (pos->off > 0 && (text = mmap(NULL, (size_t)pos->off, PROT_READ,
	    MAP_SHARED, fd, 0)) == MAP_FAILED)
		return state_path;
	if (state_compile(&af, cdb_path, state_path, text, (size_t)pos->off,
	    pos, conf.ipv6_prefix, &blocks, NULL) == 0 &&
	    atomic_commit(&af, NULL) == 0) {
		rc = recent_write(recent_path, serial_path, &none, NULL, pos,
		    conf.ipv6_prefix);
		failed = rc == 0 ? NULL : rc == -2 ? serial_path : recent_path;
	}
	e = errno;
	if (text)
		munmap(text, (size_t)pos->off);
	statemap_free(&blocks);
	errno = e;
	return failed;
}

/*
 * compact: the state as one line per IP, its last; the file it replaces
 * is kept as state.1 (state.1 becomes state.2, and so on).  The state file
 * always exists: the old one is linked to state.1 before the new one is
 * renamed over it.  Writers waiting for the lock on the old file notice
 * and lock the new one.
 */
int
cmd_compact(int argc, char **argv)
{
	struct statefile sf;
	struct statemap m;
	struct compact_fill cf;
	struct statepos pos;
	struct stat st;
	char from[sizeof state_path + 8], to[sizeof state_path + 8];
	const char *failed;
	size_t i;
	int k, held;

	(void)argc;
	(void)argv;
	db_open(&sf, 1, &m);
	if ((cf.v = malloc((m.n + 1) * sizeof *cf.v)) == NULL)
		err(EX_OSERR, "out of memory");
	for (cf.n = 0, i = 0; i < m.n; i++)
		cf.v[cf.n++] = &m.e[i];
	qsort(cf.v, cf.n, sizeof *cf.v, statemap_entry_cmp);
	for (k = HISTORY_KEEP - 1; k >= 1; k--) {
		snprintf(from, sizeof from, "%s.%d", state_path, k);
		snprintf(to, sizeof to, "%s.%d", state_path, k + 1);
		if (rename(from, to) < 0 && errno != ENOENT)
			err(EX_CANTCREAT, "%s", to);
	}
	snprintf(to, sizeof to, "%s.1", state_path);
	if (link(state_path, to) < 0)
		err(EX_CANTCREAT, "%s", to);
	cf.written = 0;
	/* The new file stays locked until its CDB is written: a writer that
	 * opens it meanwhile waits, and its CDB comes after this one, which
	 * would otherwise undo its change. */
	if (atomic_write_held(state_path, fill_compact, &cf, 0644,
	    &held) < 0)
		db_failed(state_path);
	/* A CDB naming the new file and the end of the compacted text, so
	 * that readers of the CDB go on with the lines appended after it. */
	if (fstat(held, &st) < 0)
		db_failed(state_path);
	pos.dev = (unsigned long long)st.st_dev;
	pos.ino = (unsigned long long)st.st_ino;
	pos.off = cf.written;
	if ((failed = compact_cdb(held, &pos)) != NULL)
		db_failed(failed);
	if (close(held) < 0)
		db_failed(state_path);
	printf("%s: %zu lines, %zu addresses; the old file is %s\n",
	    state_path, count_lines(&sf), cf.n, to);
	statefile_close(&sf);
	statemap_free(&m);
	free(cf.v);
	if (fflush(stdout) != 0 || ferror(stdout))
		err(EX_IOERR, "standard output");
	return 0;
}

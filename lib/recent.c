/*
 * recent.cdb and its serial (recent.h).
 */
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "recent.h"
#include "state_cdb.h"

struct recent_fill {
	const struct statemap *tail;
	struct cdb *main;
	const struct statepos *pos;
	int v6bits;
};

/* A tail entry by its IPv6 network, for grouping. */
struct by_net {
	struct ip net;
	const struct statemap_entry *en;
};

static int
cmp_net(const void *a, const void *b)
{
	return ip_cmp(&((const struct by_net *)a)->net,
	    &((const struct by_net *)b)->net);
}

/* The address a network record of state.cdb names (its value ends with
 * " address=IP"): 0, or -1 when it names none (a CDB built before
 * records named it). */
static int
record_address(const char *v, unsigned vl, struct ip *ip)
{
	const char *p, *e = v + vl, *why;

	for (p = e; p > v; p--)
		if (p[-1] == ' ' && (size_t)(e - p) > 8 &&
		    memcmp(p, "address=", 8) == 0)
			return ip_parse_canonical(p + 8, (size_t)(e - p - 8),
			    ip, &why);
	return -1;
}

/* The records of the network of g[0..n) (tail entries, sorted by it). */
static int
add_network(struct cdb_make *cm, const struct recent_fill *rf,
    const struct by_net *g, size_t n)
{
	char key[IP_MASK_TEXT_MAX + 1];
	size_t kl = ip_format_exim_mask(&g[0].net, rf->v6bits, key), i;
	const struct statemap_entry *free_one = NULL;
	int added = 0, had = 0;

	if (rf->main) {
		struct cdb_find cf;
		int r;

		if (cdb_findinit(&cf, rf->main, key, (unsigned)kl) < 0)
			return -1;
		while ((r = cdb_findnext(&cf)) > 0) {
			unsigned vl = cdb_datalen(rf->main);
			const char *v = cdb_get(rf->main, vl,
			    cdb_datapos(rf->main));
			struct ip ip;

			if (v == NULL)
				return -1;
			had = 1;
			/* An address the tail has: the tail says. */
			if (record_address(v, vl, &ip) == 0 &&
			    statemap_get(rf->tail, &ip) != NULL)
				continue;
			if (cdb_make_add(cm, key, (unsigned)kl, v, vl) < 0)
				return -1;
			added = 1;
		}
		if (r < 0)
			return -1;
	}
	for (i = 0; i < n; i++) {
		if (g[i].en->status != ST_BLOCK) {
			free_one = g[i].en;
			continue;
		}
		if (state_cdb_add_network(cm, g[i].en, rf->v6bits) < 0)
			return -1;
		added = 1;
	}
	/* Lifted, all of them: a record that is not a BLOCK hides
	 * main's. */
	if (!added && had && free_one) {
		char val[STATE_CDB_NETVAL_MAX];
		size_t vl = state_cdb_network_value(free_one, val);

		if (vl == 0 || cdb_make_add(cm, key, (unsigned)kl, val,
		    (unsigned)vl) < 0)
			return -1;
	}
	return 0;
}

static int
fill_recent(int fd, void *arg)
{
	const struct recent_fill *rf = arg;
	const struct statemap *t = rf->tail;
	struct by_net *g = NULL;
	struct cdb_make cm;
	char pos[80];
	size_t i, j, ng = 0;
	int n, e;

	if (cdb_make_start(&cm, fd) < 0)
		return -1;
	n = snprintf(pos, sizeof pos, "%llu %llu %llu", rf->pos->dev,
	    rf->pos->ino, rf->pos->off);
	if (cdb_make_add(&cm, STATE_CDB_POSKEY, sizeof STATE_CDB_POSKEY - 1,
	    pos, (unsigned)n) < 0)
		goto fail;
	for (i = 0; i < t->n; i++) {
		const struct statemap_entry *en = &t->e[i];

		if (cdb_make_add(&cm, en->rest - 1 - en->keylen, en->keylen,
		    en->rest, en->rest_len) < 0)
			goto fail;
	}
	if (rf->v6bits < 128) {
		if ((g = malloc((t->n ? t->n : 1) * sizeof *g)) == NULL)
			goto fail;
		for (i = 0; i < t->n; i++)
			if (!ip_is_v4(&t->e[i].ip)) {
				ip_network(&t->e[i].ip, rf->v6bits, &g[ng].net);
				g[ng++].en = &t->e[i];
			}
		qsort(g, ng, sizeof *g, cmp_net);
		for (i = 0; i < ng; i = j) {
			for (j = i + 1; j < ng && ip_cmp(&g[j].net,
			    &g[i].net) == 0; j++)
				;
			if (add_network(&cm, rf, g + i, j - i) < 0)
				goto fail;
		}
		free(g);
		g = NULL;
	}
	return cdb_make_finish(&cm);
fail:
	e = errno;
	free(g);
	cdb_make_finish(&cm);
	errno = e;
	return -1;
}

/* The serial: the time to the nanosecond and the writer's process, a
 * line no earlier write has had. */
static int
fill_serial(int fd, void *arg)
{
	const char *text = arg;
	size_t n = strlen(text);

	return write(fd, text, n) == (ssize_t)n && write(fd, "\n", 1) == 1 ?
	    0 : -1;
}

/* The marks' directory of the serial at serial ("SERIAL.d"), opened, not
 * through a symbolic link; made (mode 755, for Exim) when missing.
 * Returns its descriptor, or -1. */
static int
marks_open(const char *serial, int create)
{
	char dir[PATH_MAX];
	int fd;

	if ((size_t)snprintf(dir, sizeof dir, "%s.d", serial) >= sizeof dir) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (create && mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -1;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return -1;
	if (create && fchmod(fd, 0755) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Remove every mark in dfd but keep ("" for none).  0, or -1. */
static int
marks_clear(int dfd, const char *keep)
{
	DIR *d;
	struct dirent *de;
	int fd, rc = 0;

	if ((fd = dup(dfd)) < 0)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] == 'm' && strcmp(de->d_name, keep) != 0 &&
		    unlinkat(dfd, de->d_name, 0) < 0 && errno != ENOENT)
			rc = -1;
	closedir(d);
	return rc;
}

/*
 * A new serial: its mark first (an empty file SERIAL.d/mTEXT), then the
 * serial (TEXT), then the old marks removed.  A session holding an old
 * serial finds its mark gone and reads the serial again, which is then
 * new already.  0, or -1 with errno.
 */
static int
serial_write(const char *serial)
{
	struct timespec ts;
	char text[64], mark[72];
	int dfd, fd, e;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return -1;
	snprintf(text, sizeof text, "%lld.%09ld-%ld", (long long)ts.tv_sec,
	    ts.tv_nsec, (long)getpid());
	snprintf(mark, sizeof mark, "m%s", text);
	if ((dfd = marks_open(serial, 1)) < 0)
		return -1;
	if ((fd = openat(dfd, mark, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) < 0 || close(fd) < 0 ||
	    atomic_write(serial, fill_serial, text, 0644) < 0 ||
	    marks_clear(dfd, mark) < 0) {
		e = errno;
		close(dfd);
		errno = e;
		return -1;
	}
	close(dfd);
	return 0;
}

int
recent_write(const char *path, const char *serial,
    const struct statemap *tail, struct cdb *main,
    const struct statepos *pos, int v6bits)
{
	struct recent_fill rf = { tail, main, pos, v6bits };
	int e, dfd;

	if (atomic_write(path, fill_recent, &rf, 0644) < 0)
		return -1;
	if (serial == NULL || serial_write(serial) == 0)
		return 0;
	/* Without its serial or marks Exim looks up every message again,
	 * which is slower but right; a serial or mark left as it was is
	 * not. */
	e = errno;
	(void)unlink(serial);
	if ((dfd = marks_open(serial, 0)) >= 0) {
		(void)marks_clear(dfd, "");
		close(dfd);
	}
	errno = e;
	return -2;
}

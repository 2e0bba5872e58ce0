/*
 * state.cdb: built whole from a state map, read one address at a time
 * (state_cdb.h).
 */
#define _DEFAULT_SOURCE		/* madvise(2) */
#include <sys/mman.h>
#include <sys/stat.h>

#include <cdb.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "state_cdb.h"
#include "text.h"

int
state_cdb_add_network(struct cdb_make *cm, const struct statemap_entry *en,
    int v6bits)
{
	char key[IP_MASK_TEXT_MAX + 1], val[STATE_CDB_NETVAL_MAX];
	size_t kl, vl;

	if (en->status != ST_BLOCK || ip_is_v4(&en->ip) || v6bits >= 128)
		return 0;
	kl = ip_format_exim_mask(&en->ip, v6bits, key);
	if ((vl = state_cdb_network_value(en, val)) == 0) {
		errno = EINVAL;
		return -1;
	}
	return cdb_make_add(cm, key, (unsigned)kl, val, (unsigned)vl);
}

size_t
state_cdb_network_value(const struct statemap_entry *en, char *val)
{
	size_t vl = en->rest_len;

	if (vl > STATE_LINE_MAX)
		return 0;
	memcpy(val, en->rest, vl);
	memcpy(val + vl, " address=", 9);
	vl += 9;
	return vl + ip_format(&en->ip, val + vl);
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
state_cdb_now(const char *statedir, const struct ip *ip, struct stateline *sl,
    char *buf, size_t bufsz, char *path, size_t pathsz)
{
	int r;

	if ((size_t)snprintf(path, pathsz, "%s/recent.cdb", statedir) >=
	    pathsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((r = state_cdb_get(path, ip, sl, buf, bufsz)) != 0 &&
	    !(r < 0 && errno == ENOENT))
		return r;
	if ((size_t)snprintf(path, pathsz, "%s/state.cdb", statedir) >=
	    pathsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return state_cdb_get(path, ip, sl, buf, bufsz);
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

int
state_cdb_open_for(const char *path, int sfd, const char *text, size_t len,
    struct cdb *c, int *fd, struct statepos *pos, const char **why)
{
	struct stat st;
	char nl;

	*fd = -1;
	if (sfd < 0 || fstat(sfd, &st) < 0) {
		*why = "no state file";
		return -1;
	}
	if (text == NULL)
		len = (size_t)st.st_size;
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		*why = errno == ENOENT ? "missing" : "cannot be read";
		return -1;
	}
	if (cdb_init(c, *fd) < 0) {
		*why = "damaged";
		goto fail;
	}
	if (state_cdb_position(c, pos) < 0) {
		*why = "no position in the state recorded";
		goto fail_cdb;
	}
	if (pos->dev != (unsigned long long)st.st_dev ||
	    pos->ino != (unsigned long long)st.st_ino || pos->off > len ||
	    (pos->off > 0 && (text != NULL ? text[pos->off - 1] :
	    (pread(sfd, &nl, 1, (off_t)pos->off - 1) == 1 ? nl : 0)) != '\n')) {
		*why = "built from a state file since compacted or replaced";
		goto fail_cdb;
	}
	return 0;
fail_cdb:
	cdb_free(c);
fail:
	close(*fd);
	*fd = -1;
	return -1;
}

size_t
state_cdb_count(struct cdb *c)
{
	const unsigned char *h = cdb_get(c, 2048, 0);
	size_t slots = 0;
	int i;

	/* The header: 256 hash tables' (position, slots), each table with
	 * twice as many slots as it has records. */
	for (i = 0; h && i < 256; i++)
		slots += cdb_unpack(h + 8 * i + 4);
	/* (a damaged header says anything: a record takes 32 bytes at
	 * least, its two slots and its lengths) */
	if (slots / 2 > c->cdb_fsize / 32)
		return c->cdb_fsize / 32;
	return slots / 2;
}

int
state_cdb_each(struct cdb *c, const char *path,
    void (*fn)(void *, const struct stateline *), void *arg)
{
	const unsigned char *base = cdb_get(c, 2048, 0);
	unsigned at, dropped = 0;
	int rc;

	cdb_seqinit(&at, c);
	while ((rc = cdb_seqnext(&at, c)) > 0) {
		const char *key = cdb_getkey(c), *val = cdb_getdata(c), *why;
		unsigned klen = cdb_keylen(c);
		struct stateline sl;

		/* (tinycdb's bounds check of a record lets a length past
		 * the data by, which its cdb_get then refuses) */
		if (key == NULL || val == NULL ||
		    cdb_keypos(c) + klen > c->cdb_dend ||
		    cdb_datapos(c) + cdb_datalen(c) > c->cdb_dend) {
			errno = EPROTO;
			rc = -1;
			break;
		}
		if ((klen == sizeof STATE_CDB_POSKEY - 1 &&
		    memcmp(key, STATE_CDB_POSKEY, klen) == 0) ||
		    memchr(key, '/', klen) != NULL)
			continue;	/* the position; an IPv6 network */
		if (ip_parse_canonical(key, klen, &sl.ip, &why) < 0 ||
		    state_parse_value(val, cdb_datalen(c), &sl, &why) < 0) {
			char shown[80];

			/* A record that does not parse: the CDB is
			 * damaged, and none of it is believed. */
			warnx("%s: record \"%s\": %s", path,
			    text_quote(key, klen, shown, sizeof shown), why);
			errno = EPROTO;
			rc = -1;
			break;
		}
		fn(arg, &sl);
		/* Read once: give back the pages read, so that the CDB does
		 * not stay in this process's memory. */
		if (base && at - dropped >= (8u << 20)) {
			unsigned to = at & ~4095u;

			madvise((void *)(uintptr_t)(base + dropped),
			    to - dropped, MADV_DONTNEED);
			dropped = to;
		}
	}
	if (rc < 0)
		warnx("%s: damaged (%s)", path, strerror(errno));
	return rc < 0 ? -1 : 0;
}

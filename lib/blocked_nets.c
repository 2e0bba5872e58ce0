/*
 * relaywatch's lines in the Exim host list of blocked networks
 * (blocked_nets.h).
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "blocked_nets.h"
#include "utc.h"

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

/* The value of " NAME=" in [p, e) (name with its '='), or NULL. */
static const char *
field_value(const char *p, const char *e, const char *name, size_t *vlen)
{
	size_t n = strlen(name);
	const char *v, *ve;

	for (; p + n < e; p++)
		if (p[0] == ' ' && memcmp(p + 1, name, n) == 0) {
			v = p + 1 + n;
			for (ve = v; ve < e && *ve != ' '; ve++)
				;
			*vlen = (size_t)(ve - v);
			return v;
		}
	return NULL;
}

/* The address one of our lines is for: the host it names, or the
 * address= of a network's line; 0, or -1 when it names none (a network
 * line written before they named it). */
static int
blocked_line_address(const char *line, size_t len, struct ip *ip)
{
	const char *v, *why;
	size_t n;

	if ((v = field_value(line, line + len, "address=", &n)) != NULL)
		return ip_parse_canonical(v, n, ip, &why);
	for (n = 0; n < len && line[n] != ' ' && line[n] != '\t'; n++)
		if (line[n] == '/')
			return -1;
	return ip_parse_canonical(line, n, ip, &why);
}


int
blocked_nets_line(const char *line, size_t len, struct blocked_line *bl,
    const char **why)
{
	const char *e = line + len, *hash, *d, *slash;
	size_t n;

	if (!blocked_line_ours(line, len))
		return 0;
	hash = memchr(line, '#', len);
	for (n = 0; line + n < hash && line[n] != ' ' && line[n] != '\t'; n++)
		;
	slash = memchr(line, '/', n);
	if (ip_parse_canonical(line, slash ? (size_t)(slash - line) : n,
	    &bl->net, why) < 0)
		return -1;
	bl->bits = ip_is_v4(&bl->net) ? 32 : 128;
	if (slash) {
		const char *p = slash + 1;
		int bits = 0;

		if (ip_is_v4(&bl->net) || p == line + n) {
			*why = "a network that is not IPv6/BITS";
			return -1;
		}
		for (; p < line + n && *p >= '0' && *p <= '9' && bits <= 128;
		    p++)
			bits = bits * 10 + (*p - '0');
		if (p != line + n || bits < 16 || bits > 128) {
			*why = "not a prefix length from 16 to 128";
			return -1;
		}
		bl->bits = bits;
	}
	/* "# relaywatch YYYY-MM-DD" */
	d = hash + 12;
	if (e - d < 11 || d[0] != ' ' || d[5] != '-' || d[8] != '-' ||
	    (e - d > 11 && d[11] != ' ')) {
		*why = "no day after \"# relaywatch\"";
		return -1;
	}
	bl->day = d + 1;
	bl->daylen = 10;
	for (n = 0; n < 10; n++)
		if (n != 4 && n != 7 && (bl->day[n] < '0' || bl->day[n] > '9')) {
			*why = "no day after \"# relaywatch\"";
			return -1;
		}
	bl->why = field_value(d + 11, e, "why=", &bl->whylen);
	if (bl->why == NULL) {
		bl->why = "";
		bl->whylen = 0;
	}
	return 1;
}

struct blocked_fill {
	const char *old;	/* the current file's text, or NULL */
	size_t oldlen;
	const struct statemap *m;
	int whole, v6bits;
};

static int
fill_blocked(int fd, void *arg)
{
	const struct blocked_fill *bf = arg;
	const char *p = bf->old, *e = p ? p + bf->oldlen : NULL;
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

		struct ip a;

		/* Ours go unless only some addresses are written (m's)
		 * and the line is for another. */
		if (!blocked_line_ours(p, n) || (!bf->whole &&
		    (blocked_line_address(p, n, &a) < 0 ||
		    statemap_get(bf->m, &a) == NULL))) {
			fwrite(p, 1, n, f);
			fputc('\n', f);
		}
		p += n + 1;
	}
	/* Ours: every BLOCK of m. */
	for (i = 0; i < bf->m->n; i++) {
		const struct statemap_entry *en = &bf->m->e[i];
		char ip[IP_TEXT_MAX + 5], day[UTC_TEXT_MAX], why[64] = "";
		char addr[IP_TEXT_MAX + 10] = "";
		const char *r = en->rest, *w;
		size_t wl;

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
			memcpy(addr, " address=", 9);
			ip_format(&en->ip, addr + 9);
		}
		utc_format(strtoll(r + 6, NULL, 10), UTC_DAY, day);
		/* The why= field, for the people reading the file. */
		if ((w = field_value(r, r + en->rest_len, "why=", &wl)) != NULL)
			snprintf(why, sizeof why, " why=%.*s", (int)wl, w);
		fprintf(f, "%s  # relaywatch %s%s%s\n", ip, day, why, addr);
	}
	rc = fflush(f) == 0 && !ferror(f) ? 0 : -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

int
blocked_nets_map(const char *path, struct blocked_text *bt)
{
	struct stat st;
	int fd, e;

	bt->text = NULL;
	bt->len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (st.st_size > 0) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ,
		    MAP_PRIVATE, fd, 0);

		if (p == MAP_FAILED)
			goto fail;
		bt->text = p;
		bt->len = (size_t)st.st_size;
	}
	close(fd);
	return 0;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

void
blocked_nets_unmap(struct blocked_text *bt)
{
	int e = errno;

	if (bt->text)
		munmap((void *)bt->text, bt->len);
	bt->text = NULL;
	bt->len = 0;
	errno = e;
}

static int
write_blocked(const char *path, const struct statemap *m, int whole,
    int v6bits)
{
	struct blocked_fill bf = { NULL, 0, m, whole, v6bits };
	struct blocked_text old;
	int rc;

	if (blocked_nets_map(path, &old) < 0)
		return -1;
	bf.old = old.text;
	bf.oldlen = old.len;
	rc = atomic_write(path, fill_blocked, &bf, 0644);
	blocked_nets_unmap(&old);
	return rc;
}

int
blocked_nets_sync(const char *path, const struct statemap *m, int v6bits)
{
	return write_blocked(path, m, 1, v6bits);
}

int
blocked_nets_update(const char *path, const struct statemap *m, int v6bits)
{
	return write_blocked(path, m, 0, v6bits);
}

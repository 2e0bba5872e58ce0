#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "outbox.h"
#include "wr.h"

int
outbox_dir(const char *statedir, char *out, size_t n)
{
	return (size_t)snprintf(out, n, "%s/outbox", statedir) >= n ? -1 : 0;
}

static int
entry_path(const char *statedir, const struct ip *ip, char *out, size_t n)
{
	char text[IP_TEXT_MAX + 1];

	ip_format(ip, text);
	return (size_t)snprintf(out, n, "%s/outbox/%s", statedir, text) >= n ?
	    -1 : 0;
}

struct entry {
	const char *change, *evidence;
	size_t len;
};

static int
fill_entry(int fd, void *arg)
{
	const struct entry *en = arg;
	char buf[OUTBOX_ENTRY_MAX];
	int n;

	n = snprintf(buf, sizeof buf, "%.*s\n", (int)en->len, en->change);
	if (en->evidence && *en->evidence && n > 0 && (size_t)n < sizeof buf)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "evidence %s\n",
		    en->evidence);
	if (n < 0 || (size_t)n >= sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return wr_all(fd, buf, (size_t)n);
}

int
outbox_parse(const char *buf, size_t n, struct ip *ip, struct stateline *sl,
    char *ev, size_t evsz, const char **why)
{
	const char *nl = memchr(buf, '\n', n), *p, *e = buf + n;
	size_t len;

	if (nl == NULL) {
		*why = "no whole change line";
		return -1;
	}
	if (state_parse_change(buf, (size_t)(nl - buf), ip, sl, why) < 0)
		return -1;
	ev[0] = '\0';
	if ((p = nl + 1) == e)
		return 0;
	if ((size_t)(e - p) < 10 || memcmp(p, "evidence ", 9) != 0 ||
	    (nl = memchr(p, '\n', (size_t)(e - p))) == NULL || nl + 1 != e) {
		*why = "not a change line and an evidence line";
		return -1;
	}
	p += 9;
	len = (size_t)(nl - p);
	if (len == 0 || len >= evsz || memchr(p, '\0', len) != NULL) {
		*why = "evidence path empty, too long or with a NUL";
		return -1;
	}
	memcpy(ev, p, len);
	ev[len] = '\0';
	return 0;
}

int
outbox_put(const char *statedir, const struct ip *ip, const char *change,
    size_t len, const char *evidence)
{
	struct entry en = { change, evidence, len };
	char dir[4096], path[4096];

	if (outbox_dir(statedir, dir, sizeof dir) < 0 ||
	    entry_path(statedir, ip, path, sizeof path) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	return atomic_write(path, fill_entry, &en, 0600);
}

/* Whether the entry at path holds this change line: 1, 0, or -1. */
static int
holds(const char *path, const char *change, size_t len)
{
	char buf[OUTBOX_ENTRY_MAX];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n < 0)
		return -1;
	return (size_t)n > len && memcmp(buf, change, len) == 0 &&
	    buf[len] == '\n';
}

int
outbox_holds(const char *statedir, const struct ip *ip, const char *change,
    size_t len)
{
	char path[4096];

	if (entry_path(statedir, ip, path, sizeof path) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return holds(path, change, len);
}

int
outbox_take(const char *statedir, const struct ip *ip, const char *change,
    size_t len)
{
	char path[4096];
	int r;

	if (entry_path(statedir, ip, path, sizeof path) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((r = holds(path, change, len)) <= 0)
		return r;
	if (unlink(path) < 0)
		return errno == ENOENT ? 0 : -1;
	return 1;
}

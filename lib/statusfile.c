/*
 * What a running stage says of itself (statusfile.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "statusfile.h"
#include "wr.h"

int
statusfile_path(const char *statedir, const char *name, char *path,
    size_t pathsz)
{
	int n = snprintf(path, pathsz, "%s/%s", statedir, name);

	return n < 0 || (size_t)n >= pathsz ? -1 : 0;
}

struct text {
	const char *s;
	size_t len;
};

static int
fill(int fd, void *arg)
{
	const struct text *t = arg;

	return wr_all(fd, t->s, t->len);
}

int
statusfile_write(const char *path, const char *text, size_t len)
{
	struct text t = { text, len };

	/* (what the stages say is no secret: an operator reads it) */
	return atomic_write(path, fill, &t, 0644);
}

long
statusfile_read(const char *path, char *buf, time_t *mtime)
{
	struct stat st;
	size_t have = 0;
	ssize_t got;
	int fd, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	*mtime = st.st_mtime;
	for (;;) {
		if (have == STATUSFILE_MAX) {
			char c;

			if ((got = read(fd, &c, 1)) < 0 && errno == EINTR)
				continue;
			if (got < 0)
				goto fail;
			if (got > 0) {
				errno = EFBIG;
				goto fail;
			}
			break;
		}
		got = read(fd, buf + have, STATUSFILE_MAX - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			goto fail;
		if (got == 0)
			break;
		have += (size_t)got;
	}
	close(fd);
	buf[have] = '\0';
	return (long)have;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

int
statusfile_line(const char **p, const char *end, const char **key,
    size_t *klen, const char **val, size_t *vlen)
{
	const char *s = *p, *nl, *q;

	if (s >= end)
		return 0;
	nl = memchr(s, '\n', (size_t)(end - s));
	*p = nl ? nl + 1 : end;
	if (nl == NULL)
		return -1;	/* cut short */
	for (q = s; q < nl && ((*q >= 'a' && *q <= 'z') || *q == '-'); q++)
		;
	if (q == s || q == nl || *q != ' ')
		return -1;
	*key = s;
	*klen = (size_t)(q - s);
	*val = q + 1;
	*vlen = (size_t)(nl - q - 1);
	for (q = *val; q < nl; q++)
		if (*q < ' ' || *q > '~')
			return -1;
	return 1;
}

int
statusfile_number(const char *val, size_t vlen, long long *n)
{
	long long x = 0;
	size_t i;

	if (vlen == 0 || vlen > 18)
		return -1;
	for (i = 0; i < vlen; i++) {
		if (val[i] < '0' || val[i] > '9')
			return -1;
		x = x * 10 + (val[i] - '0');
	}
	*n = x;
	return 0;
}

/*
 * The filters' line reader (stream.h) on any bytes, as a pipe hands them
 * over: the input comes in pieces of a size the first bytes choose, the
 * next piece written only when the reader pauses (its pause hook, as the
 * filters flush there).  Read by lines, every line comes back as it was,
 * or as too long when it is; read by runs, the runs and the over-long
 * lines dropped between them are the input.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "rd.h"

struct feeder {
	int fd;
	const uint8_t *p, *e;
	size_t piece;
	unsigned long pauses;
};

/* The reader would wait: the next piece, or the end. */
static int
feed(void *arg)
{
	struct feeder *f = arg;
	size_t n = (size_t)(f->e - f->p);

	f->pauses++;
	if (f->fd < 0)
		return 0;
	if (n == 0) {
		close(f->fd);
		f->fd = -1;
		return 0;
	}
	if (n > f->piece)
		n = f->piece;
	FUZZ_ASSERT(write(f->fd, f->p, n) == (ssize_t)n);
	f->p += n;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feeder f;
	struct reader r;
	const uint8_t *in, *at;
	size_t maxline, insize;
	int fds[2], by_runs, flags, rc;

	if (size < 3 || size > 60000)	/* (a pipe holds 64 KiB) */
		return 0;
	maxline = 1 + data[0] % 64;
	by_runs = data[2] & 1;
	in = at = data + 3;
	insize = size - 3;
	if (pipe(fds) < 0)
		abort();
	f.fd = fds[1];
	f.p = in;
	f.e = in + insize;
	f.piece = 1 + data[1] % 32;
	f.pauses = 0;
	if (rd_init(&r, fds[0], maxline) < 0)
		abort();
	r.on_pause = feed;
	r.pause_arg = &f;
	if (!by_runs) {
		char *line;
		size_t len;

		while ((rc = rd_line(&r, &line, &len, &flags)) == 1) {
			const uint8_t *nl = memchr(at, '\n', (size_t)(f.e - at));
			size_t want = nl ? (size_t)(nl - at) :
			    (size_t)(f.e - at);

			FUZZ_ASSERT(at < f.e);
			FUZZ_ASSERT(!(flags & RD_NOEOL) == (nl != NULL));
			if (want > maxline)
				FUZZ_ASSERT((flags & RD_TOOLONG) && len == 0);
			else
				FUZZ_ASSERT(!(flags & RD_TOOLONG) &&
				    len == want && memcmp(line, at, len) == 0);
			at += want + (nl != NULL);
		}
	} else {
		unsigned long long dropped = 0;
		char *s, *e;

		while ((rc = rd_chunk(&r, &s, &e, &flags)) == 1) {
			size_t n = (size_t)(e - s);
			const uint8_t *skip = at + (r.dropped - dropped);

			/* What was dropped: whole lines, each too long. */
			FUZZ_ASSERT(!(flags & RD_TOOLONG) == (skip == at));
			FUZZ_ASSERT(skip <= f.e);
			while (at < skip) {
				const uint8_t *nl = memchr(at, '\n',
				    (size_t)(skip - at));
				const uint8_t *le = nl ? nl : skip;

				FUZZ_ASSERT((size_t)(le - at) > maxline);
				FUZZ_ASSERT(nl != NULL || skip == f.e);
				at = nl ? nl + 1 : skip;
			}
			dropped = r.dropped;
			FUZZ_ASSERT(n <= (size_t)(f.e - at) &&
			    memcmp(s, at, n) == 0);
			FUZZ_ASSERT((flags & RD_NOEOL) ? at + n == f.e :
			    n > 0 ? s[n - 1] == '\n' : (flags & RD_TOOLONG));
			at += n;
		}
	}
	FUZZ_ASSERT(rc == 0 && at == f.e && f.p == f.e);
	rd_free(&r);
	close(fds[0]);
	if (f.fd >= 0)
		close(f.fd);
	return 0;
}

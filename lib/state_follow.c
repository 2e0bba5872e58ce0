/*
 * The state followed (state_follow.h).  Reading errors of the state are
 * temporary failures (75): the reader cannot go on without it.
 */
#include <sys/stat.h>

#include <cdb.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "lines.h"
#include "state_cdb.h"
#include "state_follow.h"

#define FOLLOW_BUF (1024 * 1024)
#define WARN_MAX 100		/* bad lines reported one by one */

int
state_follow_init(struct state_follow *f, const char *state_path,
    const char *cdb_path, void (*forget)(void *, size_t),
    void (*learn)(void *, const struct stateline *), void *arg)
{
	memset(f, 0, sizeof *f);
	f->state_path = state_path;
	f->cdb_path = cdb_path;
	f->forget = forget;
	f->learn = learn;
	f->arg = arg;
	f->fd = -1;
	return (f->buf = malloc(FOLLOW_BUF)) == NULL ? -1 : 0;
}

static void
bad_line(struct state_follow *f, const char *why)
{
	if (f->bad++ < WARN_MAX) {
		if (!f->counted) {
			f->before = lines_count_fd(f->fd, f->from);
			f->counted = 1;
		}
		warnx("%s:%llu: %s", f->state_path, f->before + f->lines, why);
	} else if (f->bad == WARN_MAX + 1)
		warnx("%s: more bad lines; not reporting each", f->state_path);
}

void
state_follow_catch_up(struct state_follow *f)
{
	for (;;) {
		char *p, *e, *nl;
		ssize_t r;

		if (f->fd < 0)
			return;
		r = pread(f->fd, f->buf + f->len, FOLLOW_BUF - f->len,
		    f->pos + (off_t)f->len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err(EX_TEMPFAIL, "%s", f->state_path);
		}
		if (r == 0)
			return;
		f->len += (size_t)r;
		p = f->buf;
		e = f->buf + f->len;
		while ((nl = memchr(p, '\n', (size_t)(e - p))) != NULL) {
			struct stateline sl;
			const char *why;

			f->lines++;
			if (f->skipping)
				f->skipping = 0;
			else if (state_parse(p, (size_t)(nl - p), &sl, &why) == 0)
				f->learn(f->arg, &sl);
			else
				bad_line(f, why);
			p = nl + 1;
		}
		f->pos += p - f->buf;
		f->len = (size_t)(e - p);
		if (f->len == FOLLOW_BUF) {
			/* A line longer than the buffer: not a state line. */
			if (!f->skipping) {
				f->lines++;
				bad_line(f, "line too long");
				f->lines--;
			}
			f->skipping = 1;
			f->pos += (off_t)f->len;
			f->len = 0;
		} else
			memmove(f->buf, p, f->len);
	}
}

static void
follow_from(struct state_follow *f, int fd, const struct stat *st, off_t from)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = fd;
	f->st.exists = 0;
	if (fd >= 0)
		stamp_of(st, &f->st);
	f->pos = f->from = from;
	f->len = 0;
	f->skipping = 0;
	f->lines = 0;
	f->counted = 0;
	f->bad = 0;
}

/* Learn the CDB's records; 0, or -1 when it cannot be read whole. */
static int
load_cdb(struct state_follow *f, struct cdb *c)
{
	f->forget(f->arg, state_cdb_count(c));
	return state_cdb_each(c, f->cdb_path, f->learn, f->arg);
}

void
state_follow_reload(struct state_follow *f)
{
	struct statepos pos;
	struct stat sst, cst;
	struct cdb c;
	const char *why = NULL;
	int sfd, cfd, loaded = 0;

	sfd = open(f->state_path, O_RDONLY | O_CLOEXEC);
	if ((sfd < 0 && errno != ENOENT) || (sfd >= 0 && fstat(sfd, &sst) < 0))
		err(EX_TEMPFAIL, "%s", f->state_path);
	f->cdb_st.exists = 0;
	if (stat(f->cdb_path, &cst) == 0)
		stamp_of(&cst, &f->cdb_st);
	if (state_cdb_open_for(f->cdb_path, sfd, NULL, 0, &c, &cfd, &pos,
	    &why) == 0) {
		if ((loaded = load_cdb(f, &c) == 0) == 0)
			why = "damaged";
		cdb_free(&c);
		close(cfd);
	}
	if (loaded)
		follow_from(f, sfd, &sst, (off_t)pos.off);
	else {
		/* The state is the truth: all of it, then. */
		if (sfd >= 0 && sst.st_size > 0)
			warnx("%s: %s; reading all of %s: run relaywatch-db "
			    "compile", f->cdb_path, why, f->state_path);
		f->forget(f->arg, sfd >= 0 ? (size_t)sst.st_size / 60 : 0);
		follow_from(f, sfd, &sst, 0);
	}
	state_follow_catch_up(f);
}

int
state_follow_refresh(struct state_follow *f, time_t now)
{
	struct stamp was = f->cdb_st;
	int reloaded = 0;

	if (stamp_changed(f->cdb_path, &f->cdb_st) && f->cdb_st.exists) {
		state_follow_reload(f);
		reloaded = 1;
	} else {
		if (was.exists && !f->cdb_st.exists && f->warned + 3600 <= now) {
			warnx("%s: gone; going on with what was read",
			    f->cdb_path);
			f->warned = now;
		}
		state_follow_catch_up(f);
	}
	if (f->cdb_st.exists && f->cdb_st.mtime.tv_sec + 86400 < now &&
	    f->warned + 86400 <= now) {
		warnx("%s: more than a day old: is relaywatch-db compile run "
		    "from cron?", f->cdb_path);
		f->warned = now;
	}
	return reloaded;
}

int
state_follow_is(const struct state_follow *f, const struct stat *st)
{
	return f->fd >= 0 && stamp_is(&f->st, st);
}

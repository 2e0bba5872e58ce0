/* lib/stream.c: line reader and writer of the filters. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "rd.h"
#include "tap.h"
#include "wr.h"

static int pauses, feed_fd = -1;

/* The pause hook: count, and give the reader its last bytes. */
static int
feed(void *arg)
{
	(void)arg;
	pauses++;
	if (feed_fd >= 0) {
		if (write(feed_fd, "ccc", 3) != 3)
			return -1;
		close(feed_fd);
		feed_fd = -1;
	}
	return 0;
}

static void
expect(struct reader *r, const char *want, int want_flags)
{
	char *line;
	size_t len;
	int flags = -1, rc = rd_line(r, &line, &len, &flags);
	char got[256];

	if (!ok(rc == 1, "a line (\"%s\")", want)) {
		printf("#   rd_line returned %d\n", rc);
		return;
	}
	snprintf(got, sizeof got, "%.*s", (int)len, line);
	is_str(got, want, "line content");
	is_int(flags, want_flags, "flags of \"%s\"", want);
}

static void
expect_end(struct reader *r)
{
	char *line;
	size_t len;
	int flags;

	is_int(rd_line(r, &line, &len, &flags), 0, "end of input");
}

static struct reader *
from_text(const char *text, size_t maxline)
{
	static struct reader r;
	int p[2];

	if (pipe(p) < 0 || write(p[1], text, strlen(text)) !=
	    (ssize_t)strlen(text)) {
		perror("pipe");
		exit(2);
	}
	close(p[1]);
	rd_free(&r);
	rd_init(&r, p[0], maxline);
	return &r;
}

int
main(void)
{
	struct reader *r, rr;
	struct writer w;
	int p[2];
	char *line, *big;
	size_t len, i, off;
	int flags, wrong;
	FILE *f;

	signal(SIGPIPE, SIG_IGN);

	/* The hook runs only when the next read would wait. */
	if (pipe(p) < 0 || write(p[1], "a\nbb\n", 5) != 5)
		return 2;
	feed_fd = p[1];
	rd_init(&rr, p[0], 100);
	rr.on_pause = feed;
	expect(&rr, "a", 0);
	expect(&rr, "bb", 0);
	is_int(pauses, 0, "no pause while input is waiting");
	expect(&rr, "ccc", RD_NOEOL);
	is_int(pauses, 1, "one pause when the input ran dry");
	expect_end(&rr);
	close(p[0]);
	rd_free(&rr);

	r = from_text("0123456789ABCDEF\nok\n0123456789\n", 10);
	expect(r, "", RD_TOOLONG);
	expect(r, "ok", 0);
	expect(r, "0123456789", 0);
	expect_end(r);
	r = from_text("x\n0123456789ABCDEF", 10);
	expect(r, "x", 0);
	expect(r, "", RD_TOOLONG | RD_NOEOL);
	expect_end(r);
	r = from_text("", 10);
	expect_end(r);
	r = from_text("\n\n", 10);
	expect(r, "", 0);
	expect(r, "", 0);
	expect_end(r);
	{
		char nul[] = "a\0b\nc\n";

		if (pipe(p) < 0 || write(p[1], nul, 6) != 6)
			return 2;
		close(p[1]);
		rd_init(&rr, p[0], 10);
		ok(rd_line(&rr, &line, &len, &flags) == 1 && len == 3 &&
		    memcmp(line, "a\0b", 3) == 0, "a NUL byte is data");
		expect(&rr, "c", 0);
		rd_free(&rr);
		close(p[0]);
	}

	/* Several MiB through a file, lines crossing every buffer edge,
	 * with some over the limit. */
	f = tmpfile();
	big = malloc(300000);
	for (i = 0; i < 40000; i++) {
		size_t n = (size_t)(rand() % (i % 100 == 0 ? 200000 : 300));

		for (off = 0; off < n; off++)
			big[off] = (char)('a' + (i + off) % 26);
		big[n] = '\n';
		fwrite(big, 1, n + 1, f);
	}
	rewind(f);
	rd_init(&rr, fileno(f), 100000);
	srand(1);
	wrong = 0;
	srand(1);
	for (i = 0; i < 40000; i++) {
		size_t n = (size_t)(rand() % (i % 100 == 0 ? 200000 : 300));

		if (rd_line(&rr, &line, &len, &flags) != 1) {
			wrong++;
			break;
		}
		if (n > 100000) {
			if (flags != RD_TOOLONG)
				wrong++;
			continue;
		}
		for (off = 0; off < n; off++)
			if (line[off] != (char)('a' + (i + off) % 26))
				break;
		if (flags != 0 || len != n || off != n) {
			if (wrong++ < 3)
				printf("# line %zu: len %zu, want %zu\n", i, len, n);
		}
	}
	ok(wrong == 0, "40000 lines of random length read back");
	expect_end(&rr);
	rd_free(&rr);
	fclose(f);

	/* Writer. */
	f = tmpfile();
	wr_init(&w, fileno(f));
	memset(big, 'x', 200000);
	ok(wr_write(&w, "a\n", 2) == 0, "small write");
	ok(wr_write(&w, big, 200000) == 0, "write larger than the buffer");
	ok(wr_write(&w, "b\n", 2) == 0 && wr_flush(&w) == 0, "flush");
	is_int(lseek(fileno(f), 0, SEEK_END), 200004, "all bytes written");
	fclose(f);
	if (pipe(p) < 0)
		return 2;
	close(p[0]);
	wr_init(&w, p[1]);
	wr_write(&w, "a\n", 2);
	ok(wr_flush(&w) < 0 && errno == EPIPE, "write error reported");
	close(p[1]);
	free(big);
	rd_free(r);
	return done_testing();
}

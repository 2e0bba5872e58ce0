/*
 * relaywatch-db list and show: the state, for people (db.h).
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "buf.h"
#include "conf.h"
#include "db.h"
#include "ip.h"
#include "state.h"
#include "statefile.h"
#include "statemap.h"
#include "utc.h"

static int
retest_open(const struct stateline *sl)
{
	char buf[32];

	return sl->status == ST_BLOCK && state_get(sl, "retest", buf,
	    sizeof buf) != NULL;
}

/* list: the last line of each IP, in address order. */
int
cmd_list(int argc, char **argv)
{
	struct statefile sf;
	struct statemap m;
	const struct statemap_entry **v;
	enum status want = ST_NONE;
	size_t i, n = 0;

	if (argc > 1)
		db_usage("list takes one status at most");
	if (argc == 1) {
		for (want = ST_OK; want <= ST_UNKNOWN; want++)
			if (strcasecmp(argv[0], state_status_name(want)) == 0)
				break;
		if (want > ST_UNKNOWN)
			errx(EX_USAGE, "%s: not a status (OK, BLOCK, UNKNOWN)",
			    argv[0]);
	}
	db_open(&sf, 0, &m);
	if ((v = malloc((m.n + 1) * sizeof *v)) == NULL)
		err(EX_OSERR, "out of memory");
	for (i = 0; i < m.n; i++)
		v[n++] = &m.e[i];
	qsort(v, n, sizeof *v, statemap_entry_cmp);
	for (i = 0; i < n; i++) {
		struct stateline sl;
		char ip[IP_TEXT_MAX + 1];

		db_entry_line(v[i], &sl);
		if (want != ST_NONE && sl.status != want)
			continue;
		ip_format(&v[i]->ip, ip);
		printf("%s %.*s\n", ip, (int)v[i]->rest_len, v[i]->rest);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		err(EX_IOERR, "standard output");
	statefile_close(&sf);
	statemap_free(&m);
	free(v);
	return 0;
}

static void
print_time(long long t)
{
	char buf[UTC_TEXT_MAX];

	fputs(utc_format(t, UTC_READABLE, buf), stdout);
}

/* The lines of one IP in the text, appended to b; a line equal to the
 * last one taken (a compaction's copy) is taken once. */
static void
history_of(const struct ip *ip, const char *text, size_t len, struct buf *b)
{
	const char *p = text, *e = text + len;

	while (p && p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p)), *w, *last;
		struct stateline sl;
		size_t n;

		if (nl == NULL)
			break;
		n = (size_t)(nl - p);
		if (state_parse(p, n, &sl, &w) == 0 && ip_cmp(&sl.ip, ip) == 0) {
			/* the previous line taken, if any */
			last = b->len ? b->p + b->len - 1 : NULL;
			while (last && last > b->p && last[-1] != '\n')
				last--;
			if (last == NULL || (size_t)(b->p + b->len - 1 - last) != n ||
			    memcmp(last, p, n) != 0) {
				buf_add(b, p, n);
				buf_str(b, "\n");
			}
		}
		p = nl + 1;
	}
}

/* show: for each IP, its status, since when and why, then its history,
 * from the kept old files (see compact) and the state. */
int
cmd_show(int argc, char **argv)
{
	struct statefile sf, old[HISTORY_KEEP];
	char paths[HISTORY_KEEP][sizeof state_path + 8];
	struct ip *want;
	int i, k;

	if (argc == 0)
		db_usage("show needs an IP address");
	if ((want = calloc((size_t)argc, sizeof *want)) == NULL)
		err(EX_OSERR, "out of memory");
	for (i = 0; i < argc; i++)
		if (ip_parse(argv[i], strlen(argv[i]), &want[i], NULL) < 0)
			errx(EX_DATAERR, "%s: not an IP address", argv[i]);
	for (k = 0; k < HISTORY_KEEP; k++) {
		snprintf(paths[k], sizeof paths[k], "%s.%d", state_path,
		    HISTORY_KEEP - k);
		if (statefile_open(&old[k], paths[k], 0) < 0 ||
		    statefile_map(&old[k]) < 0)
			db_failed(paths[k]);
	}
	if (statefile_open(&sf, state_path, 0) < 0 || statefile_map(&sf) < 0)
		db_failed(state_path);
	for (i = 0; i < argc; i++) {
		struct buf h = { 0 };
		struct stateline sl, last;
		char ip[IP_TEXT_MAX + 1], why[256];
		const char *p, *e = NULL, *w, *nl;
		long long since = 0;
		int seen = 0;

		for (k = 0; k < HISTORY_KEEP; k++)
			history_of(&want[i], old[k].text, old[k].len, &h);
		history_of(&want[i], sf.text, sf.len, &h);
		ip_format(&want[i], ip);
		/* h holds whole lines that parsed. */
		for (p = h.p, e = h.p + h.len; p && p < e; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(e - p));
			state_parse(p, (size_t)(nl - p), &sl, &w);
			/* "since": when the status last changed */
			if (!seen || sl.status != last.status)
				since = sl.time;
			last = sl;
			seen = 1;
		}
		if (!seen) {
			printf("%s: never tested\n", ip);
			continue;
		}
		printf("%s: %s since ", ip, state_status_name(last.status));
		print_time(since);
		if (state_get(&last, "why", why, sizeof why))
			printf(" (%s)", why);
		if (retest_open(&last))
			printf(", retest requested");
		printf("\n");
		for (p = h.p; p < e; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(e - p));
			state_parse(p, (size_t)(nl - p), &sl, &w);
			printf("  ");
			print_time(sl.time);
			printf("  %-7s %.*s\n", state_status_name(sl.status),
			    (int)sl.kv_len, sl.kv);
		}
		buf_free(&h);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		err(EX_IOERR, "standard output");
	statefile_close(&sf);
	for (k = 0; k < HISTORY_KEEP; k++)
		statefile_close(&old[k]);
	free(want);
	return 0;
}

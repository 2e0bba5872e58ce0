/*
 * The rbldnsd data file of the BLOCKs (dnsbl.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "blocked_nets.h"
#include "dnsbl.h"
#include "text.h"

struct dnsbl_fill {
	const char *nets;	/* blocked.nets: its name and text */
	const char *text;
	size_t len;
	const char *zone, *abuse;
	long long ttl;
	time_t after;		/* the old file's time, or 0 */
};

/* A TXT's text as rbldnsd takes it: '$' would be replaced by the address
 * asked about, and only what a reader needs is let through. */
static void
put_txt(FILE *f, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._@+=,;/ ", c) != NULL)
			fputc(c, f);
		else
			fputc('_', f);
	}
}

/* The dataset's entries of one family (v4 1, or 0) from our lines. */
static void
put_family(FILE *f, const struct dnsbl_fill *df, int v4)
{
	const char *p = df->text, *e = p + df->len;
	unsigned long long lineno = 0, bad = 0;

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
		struct blocked_line bl;
		const char *why;
		char ip[IP_TEXT_MAX + 1];
		int r;

		lineno++;
		r = blocked_nets_line(p, n, &bl, &why);
		if (r < 0 && v4)	/* said once, in the first pass */
			text_warn_line(&bad, df->nets, lineno, p, n, NULL, why);
		if (r > 0 && ip_is_v4(&bl.net) == v4) {
			ip_format(&bl.net, ip);
			if (v4 || bl.bits == 128)
				fprintf(f, "%s :127.0.0.2:", ip);
			else
				fprintf(f, "%s/%d :127.0.0.2:", ip, bl.bits);
			fputs("open relay since ", f);
			put_txt(f, bl.day, bl.daylen);
			if (bl.whylen > 0) {
				fputs(" (why=", f);
				put_txt(f, bl.why, bl.whylen);
				fputc(')', f);
			}
			fputs("; write to ", f);
			put_txt(f, df->abuse, strlen(df->abuse));
			fputc('\n', f);
		}
		p += n + 1;
	}
}

static int
fill_dnsbl(int fd, void *arg)
{
	const struct dnsbl_fill *df = arg;
	struct timespec ts[2];
	FILE *f;
	int fd2, rc;

	if ((fd2 = dup(fd)) < 0 || (f = fdopen(fd2, "w")) == NULL) {
		if (fd2 >= 0)
			close(fd2);
		return -1;
	}
	fprintf(f, "# relaywatch: the blocked open relays, from %s; written "
	    "by relaywatch-db\n# at each change: changes made here are "
	    "lost.  rbldnsd serves it as a combined\n# dataset.\n", df->nets);
	/* The SOA's minimum is the negative answers' time to live
	 * (RFC 2308): without it Exim keeps "not listed" for as long as a
	 * session lasts. */
	fprintf(f, "$SOA %lld %s. hostmaster.%s. 0 1h 10m 1w %lld\n",
	    df->ttl, df->zone, df->zone, df->ttl);
	fprintf(f, "$TTL %lld\n", df->ttl);
	fputs("$DATASET ip4set:relaywatch @\n", f);
	put_family(f, df, 1);
	fputs("$DATASET ip6trie:relaywatch6 @\n", f);
	put_family(f, df, 0);
	rc = fflush(f) == 0 && !ferror(f) ? 0 : -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc < 0)
		return -1;
	/* rbldnsd reloads when the time (seconds) differs from the one it
	 * loaded: never the old file's, even within one second. */
	if (clock_gettime(CLOCK_REALTIME, &ts[0]) < 0)
		return -1;
	if (ts[0].tv_sec <= df->after) {
		ts[0].tv_sec = df->after + 1;
		ts[0].tv_nsec = 0;
	}
	ts[1] = ts[0];
	return futimens(fd, ts);
}

int
dnsbl_write(const char *path, const char *nets, const char *zone,
    const char *abuse, long long ttl)
{
	struct dnsbl_fill df = { nets, NULL, 0, zone, abuse, ttl, 0 };
	struct blocked_text bt;
	struct stat st;
	int rc;

	if (lstat(path, &st) == 0)
		df.after = st.st_mtime;
	if (blocked_nets_map(nets, &bt) < 0)
		return -1;
	df.text = bt.text;
	df.len = bt.len;
	rc = atomic_write(path, fill_dnsbl, &df, 0644);
	blocked_nets_unmap(&bt);
	return rc;
}

/*
 * The message as a stream of lines (mime.h).
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ascii.h"
#include "mime.h"
#include "mime_decode.h"

enum body { B_TEXT, B_STATUS, B_SKIP };

struct entity {			/* the part whose header is being read */
	struct mime_part p;
	char boundary[MIME_BOUNDARY_MAX + 1];
	size_t blen;
	enum mime_enc enc;
};

static struct {
	const struct mime_walker *w;
	int in_header, any_field;
	struct entity ent;
	char field[MIME_FIELD_MAX];
	size_t flen;

	/* the body being read */
	enum body body;
	int quoted;		/* not the message's own words */
	int enclosed;		/* an enclosed message's text */
	struct mime_decoder dec;

	/* boundaries of the open multiparts, innermost last */
	struct {
		char b[MIME_BOUNDARY_MAX + 1];
		size_t len;
		int enclosed;
	} mp[MIME_DEPTH];
	int nmp;

	/* a decoded line of text */
	char tline[MIME_TEXT_LINE_MAX];
	size_t tlen;
} rd;

static void
bytes(enum mime_where where, const char *s, size_t n)
{
	if (rd.w->bytes)
		rd.w->bytes(rd.w->arg, where, s, n);
}

static void
bytes_end(enum mime_where where)
{
	if (rd.w->bytes_end)
		rd.w->bytes_end(rd.w->arg, where);
}

/* ---- header fields ---------------------------------------------------- */

/* A parameter of a Content-Type value into out (outsz bytes), its length
 * in *outlen when not NULL; empty when it is not there. */
static void
param(const char *v, size_t n, const char *name, char *out, size_t outsz,
    size_t *outlen)
{
	const char *p = v, *e = v + n;
	size_t m = strlen(name), k = 0;

	out[0] = '\0';
	if (outlen)
		*outlen = 0;
	while ((p = ascii_find_ci(p, (size_t)(e - p), name)) != NULL) {
		const char *q = p + m;

		if (p > v && p[-1] != ';' && !ascii_isspace((unsigned char)p[-1])) {
			p = q;
			continue;
		}
		while (q < e && ascii_isspace((unsigned char)*q))
			q++;
		if (q >= e || *q != '=') {
			p = q;
			continue;
		}
		q++;
		while (q < e && ascii_isspace((unsigned char)*q))
			q++;
		if (q < e && *q == '"') {
			for (q++; q < e && *q != '"' && k + 1 < outsz; q++) {
				if (*q == '\\' && q + 1 < e)
					q++;
				out[k++] = *q;
			}
		} else
			for (; q < e && *q != ';' &&
			    !ascii_isspace((unsigned char)*q) && k + 1 < outsz;
			    q++)
				out[k++] = *q;
		out[k] = '\0';
		if (outlen)
			*outlen = k;
		return;
	}
}

static void
content_type(const char *v, size_t n, struct entity *e)
{
	size_t i = 0, k = 0;

	while (i < n && ascii_isspace((unsigned char)v[i]))
		i++;
	for (; i < n && v[i] != ';' && !ascii_isspace((unsigned char)v[i]) &&
	    k + 1 < sizeof e->p.type; i++)
		e->p.type[k++] = (char)ascii_lower((unsigned char)v[i]);
	e->p.type[k] = '\0';
	param(v, n, "boundary", e->boundary, sizeof e->boundary, &e->blen);
	param(v, n, "report-type", e->p.report, sizeof e->p.report, NULL);
	for (k = 0; e->p.report[k]; k++)
		e->p.report[k] = (char)ascii_lower((unsigned char)e->p.report[k]);
}

static void
entity_begin(int top, int enclosed)
{
	memset(&rd.ent, 0, sizeof rd.ent);
	rd.ent.p.top = top;
	rd.ent.p.enclosed = enclosed;
	rd.in_header = 1;
	rd.flen = 0;
}

static void
field_end(void)
{
	const char *f = rd.field, *c;
	size_t n = rd.flen, nlen;
	struct entity *e = &rd.ent;
	enum mime_where where = e->p.top ? MIME_HEADER : e->p.enclosed ?
	    MIME_ENCLOSED : MIME_BODY;

	rd.flen = 0;
	if (n == 0)
		return;
	if ((c = memchr(f, ':', n)) == NULL) {
		/* Not a field: still text. */
		bytes(where, f, n);
		bytes_end(where);
		return;
	}
	nlen = (size_t)(c - f);
	while (nlen > 0 && ascii_isspace((unsigned char)f[nlen - 1]))
		nlen--;
	c++;
	if (nlen == 12 && strncasecmp(f, "Content-Type", 12) == 0)
		content_type(c, (size_t)(f + n - c), e);
	else if (nlen == 25 &&
	    strncasecmp(f, "Content-Transfer-Encoding", 25) == 0) {
		if (ascii_find_ci(c, (size_t)(f + n - c), "base64"))
			e->enc = MIME_BASE64;
		else if (ascii_find_ci(c, (size_t)(f + n - c),
		    "quoted-printable"))
			e->enc = MIME_QP;
	}
	if (e->p.top) {
		if (rd.w->top_field)
			rd.w->top_field(rd.w->arg, f, nlen, c,
			    (size_t)(f + n - c));
	} else {
		bytes(where, f, n);
		bytes_end(where);
	}
}

/* ---- bodies ----------------------------------------------------------- */

static void
text_line_end(void)
{
	if (rd.body == B_STATUS) {
		if (rd.w->line)
			rd.w->line(rd.w->arg, MIME_STATUS, rd.tline, rd.tlen);
	} else if (!rd.quoted && rd.w->line)
		rd.w->line(rd.w->arg, MIME_WORDS, rd.tline, rd.tlen);
	rd.tlen = 0;
}

/* Decoded bytes of a body. */
static void
text_out(const char *s, size_t n)
{
	size_t i;

	bytes(rd.enclosed ? MIME_ENCLOSED : MIME_BODY, s, n);
	if (rd.body == B_SKIP)
		return;
	for (i = 0; i < n; i++) {
		if (s[i] == '\n' || s[i] == '\r') {
			text_line_end();
			continue;
		}
		if (rd.tlen < sizeof rd.tline)
			rd.tline[rd.tlen++] = s[i];
	}
}

static int
is_type(const struct entity *e, const char *type)
{
	return strcmp(e->p.type, type) == 0;
}

static int
is_message(const struct entity *e)
{
	return is_type(e, "message/rfc822") || is_type(e, "message/global") ||
	    is_type(e, "text/rfc822-headers");
}

static void
body_start(const struct entity *e)
{
	rd.body = B_TEXT;
	rd.quoted = e->p.enclosed;
	rd.enclosed = e->p.enclosed;
	mime_decode_start(&rd.dec, e->enc);
	rd.tlen = 0;
	if (!e->p.enclosed && (is_type(e, "message/delivery-status") ||
	    is_type(e, "message/global-delivery-status")))
		rd.body = B_STATUS;
	else if (strncmp(e->p.type, "image/", 6) == 0 ||
	    strncmp(e->p.type, "audio/", 6) == 0 ||
	    strncmp(e->p.type, "video/", 6) == 0)
		rd.body = B_SKIP;
	else if (strncmp(e->p.type, "text/html", 9) == 0)
		rd.quoted = 1;	/* bytes, but no lines of markup */
}

static void
header_end(void)
{
	struct entity *e = &rd.ent;

	field_end();
	rd.in_header = 0;
	if (rd.w->part)
		rd.w->part(rd.w->arg, &e->p);
	if (strncmp(e->p.type, "multipart/", 10) == 0 && e->blen > 0 &&
	    rd.nmp < MIME_DEPTH) {
		int i = rd.nmp++;

		memcpy(rd.mp[i].b, e->boundary, e->blen + 1);
		rd.mp[i].len = e->blen;
		rd.mp[i].enclosed = e->p.enclosed;
		body_start(e);
		rd.quoted = 1;	/* the preamble says nothing */
		return;
	}
	if (e->enc == MIME_IDENTITY && (is_message(e) ||
	    is_type(e, "message/global-headers"))) {
		entity_begin(0, 1);
		return;
	}
	body_start(e);
	if (is_message(e))
		rd.quoted = rd.enclosed = 1;
}

/* A boundary line of an open multipart: returns its index, with *close
 * set for the closing one, or -1. */
static int
boundary(const char *s, size_t n, int *close)
{
	int i;

	if (n < 3 || s[0] != '-' || s[1] != '-')
		return -1;
	s += 2;
	n -= 2;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	for (i = rd.nmp - 1; i >= 0; i--) {
		size_t bl = rd.mp[i].len;

		if (n < bl || memcmp(s, rd.mp[i].b, bl) != 0)
			continue;
		if (n == bl) {
			*close = 0;
			return i;
		}
		if (n == bl + 2 && s[bl] == '-' && s[bl + 1] == '-') {
			*close = 1;
			return i;
		}
	}
	return -1;
}

static int
blank_line(const char *s, size_t n)
{
	while (n > 0 && ascii_isspace((unsigned char)s[n - 1]))
		n--;
	return n == 0;
}

/* ---- lines ------------------------------------------------------------ */

/* One piece of a line: the whole line, or MIME_LINE_MAX bytes of a longer
 * one (first says it starts a line, last that it ends it). */
static void
line_piece(const char *s, size_t n, int first, int last)
{
	char out[MIME_LINE_MAX + 2];
	size_t fit;
	int i, close;

	if (first && last && (i = boundary(s, n, &close)) >= 0) {
		if (rd.tlen > 0)
			text_line_end();
		bytes_end(MIME_BODY);
		if (rd.in_header)
			field_end();
		rd.nmp = i + 1;
		if (close) {
			rd.nmp = i;
			rd.in_header = 0;
			rd.body = B_TEXT;
			mime_decode_start(&rd.dec, MIME_IDENTITY);
			rd.quoted = 1;	/* the epilogue */
			return;
		}
		entity_begin(0, rd.mp[i].enclosed);
		return;
	}
	if (!rd.in_header) {
		text_out(out, mime_decode(&rd.dec, s, n, last, out));
		return;
	}
	if (first && last && rd.ent.p.top && !rd.any_field && blank_line(s, n))
		return;		/* blank lines before the header */
	if (first && n == 0) {
		header_end();
		return;
	}
	rd.any_field = 1;
	if (first && (s[0] == ' ' || s[0] == '\t')) {
		/* A continuation: one blank for the fold. */
		if (rd.flen < sizeof rd.field)
			rd.field[rd.flen++] = ' ';
	} else if (first)
		field_end();
	fit = n < sizeof rd.field - rd.flen ? n : sizeof rd.field - rd.flen;
	memcpy(rd.field + rd.flen, s, fit);
	rd.flen += fit;
	/* What does not fit is still text. */
	if (fit < n)
		bytes(MIME_BODY, s + fit, n - fit);
}

int
mime_read(int fd, const struct mime_walker *w)
{
	static char buf[65536];
	char line[MIME_LINE_MAX];
	size_t len = 0;
	int first = 1, cr = 0;
	ssize_t r;

	memset(&rd, 0, sizeof rd);
	rd.w = w;
	entity_begin(1, 0);
	while ((r = read(fd, buf, sizeof buf)) != 0) {
		ssize_t i;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (i = 0; i < r; i++) {
			char c = buf[i];

			if (cr) {
				cr = 0;
				if (c == '\n')
					continue;	/* CRLF */
			}
			if (c == '\n' || c == '\r') {
				cr = c == '\r';
				line_piece(line, len, first, 1);
				len = 0;
				first = 1;
				continue;
			}
			if (len == sizeof line) {
				line_piece(line, len, first, 0);
				len = 0;
				first = 0;
			}
			line[len++] = c;
		}
	}
	if (len > 0 || !first)
		line_piece(line, len, first, 1);
	if (rd.in_header)
		field_end();
	if (rd.tlen > 0)
		text_line_end();
	bytes_end(MIME_BODY);
	return 0;
}

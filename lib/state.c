/*
 * The state's line format (relaywatch-state(5)): "IP STATUS TIME
 * [key=value ...]", and apply's change lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

static const char *const status_names[] = { "", "OK", "BLOCK", "UNKNOWN" };

int
state_parse_change(const char *line, size_t len, struct ip *ip,
    struct stateline *sl, const char **why)
{
	const char *e = line + len, *sp1, *sp2;
	size_t ol;

	if ((sp1 = memchr(line, ' ', len)) == NULL ||
	    (sp2 = memchr(sp1 + 1, ' ', (size_t)(e - sp1 - 1))) == NULL) {
		*why = "expected IP OLD NEW TIME";
		return -1;
	}
	if (ip_parse_canonical(line, (size_t)(sp1 - line), ip, why) < 0)
		return -1;
	ol = (size_t)(sp2 - sp1 - 1);
	if (!(ol == 1 && sp1[1] == '-') &&
	    !(ol == 2 && memcmp(sp1 + 1, "OK", 2) == 0) &&
	    !(ol == 5 && memcmp(sp1 + 1, "BLOCK", 5) == 0) &&
	    !(ol == 7 && memcmp(sp1 + 1, "UNKNOWN", 7) == 0)) {
		*why = "the old status is not -, OK, BLOCK or UNKNOWN";
		return -1;
	}
	return state_parse_value(sp2 + 1, (size_t)(e - sp2 - 1), sl, why);
}

size_t
state_format_change(const struct stateline *sl, enum status old, char *out)
{
	const char *o = old == ST_NONE ? "-" : status_names[old];
	size_t n = ip_format(&sl->ip, out), ol = strlen(o), rl = sl->rest_len;

	out[n++] = ' ';
	memcpy(out + n, o, ol);
	n += ol;
	out[n++] = ' ';
	if (rl > STATE_CHANGE_MAX - n - 1)
		rl = STATE_CHANGE_MAX - n - 1;	/* (a parsed line fits) */
	memcpy(out + n, sl->rest, rl);
	n += rl;
	out[n++] = '\n';
	return n;
}

const char *
state_status_name(enum status s)
{
	return status_names[s];
}

static int
key_char(int c, int first)
{
	return (c >= 'a' && c <= 'z') || (!first && ((c >= '0' && c <= '9') ||
	    c == '-' || c == '_'));
}

/* One key=value field at p; returns its end, or NULL with *why. */
static const char *
parse_field(const char *p, const char *e, const char **why)
{
	const char *k = p;

	while (p < e && key_char((unsigned char)*p, p == k))
		p++;
	if (p == k || p - k > 32 || p == e || *p != '=') {
		*why = "bad key=value field";
		return NULL;
	}
	p++;
	if (p < e && *p == '"') {
		for (p++; p < e && *p != '"'; p++) {
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) {
				*why = "control or non-ASCII byte in a value";
				return NULL;
			}
			if (*p == '\\' && (++p == e || (*p != '"' && *p != '\\'))) {
				*why = "bad escape in a quoted value";
				return NULL;
			}
		}
		if (p == e) {
			*why = "unterminated quoted value";
			return NULL;
		}
		p++;
	} else
		for (; p < e && *p != ' '; p++)
			if ((unsigned char)*p <= 0x20 || (unsigned char)*p > 0x7e ||
			    *p == '"' || *p == '\\') {
				*why = "bad character in a value";
				return NULL;
			}
	if (p < e && *p != ' ') {
		*why = "junk after a quoted value";
		return NULL;
	}
	return p;
}

int
state_parse_value(const char *rest, size_t len, struct stateline *out,
    const char **why)
{
	const char *p = rest, *e = rest + len, *q;
	long long t = 0;
	int s;

	out->rest = rest;
	for (s = ST_OK; s <= ST_UNKNOWN; s++) {
		size_t n = strlen(status_names[s]);

		if ((size_t)(e - p) > n && memcmp(p, status_names[s], n) == 0 &&
		    p[n] == ' ')
			break;
	}
	if (s > ST_UNKNOWN) {
		*why = "status is not OK, BLOCK or UNKNOWN";
		return -1;
	}
	out->status = (enum status)s;
	p += strlen(status_names[s]) + 1;
	for (q = p; p < e && *p >= '0' && *p <= '9'; p++) {
		t = t * 10 + (*p - '0');
		if (t > STATE_TIME_MAX) {
			*why = "time out of range";
			return -1;
		}
	}
	if (p == q || (*q == '0' && p - q > 1) || (p < e && *p != ' ')) {
		*why = "time is not a number of seconds";
		return -1;
	}
	out->time = t;
	out->kv = p < e ? p + 1 : e;
	while (p < e) {
		if (++p == e) {
			*why = "trailing blank";
			return -1;
		}
		if ((p = parse_field(p, e, why)) == NULL)
			return -1;
	}
	out->kv_len = (size_t)(e - out->kv);
	out->rest_len = len;
	return 0;
}

int
state_parse(const char *line, size_t len, struct stateline *out,
    const char **why)
{
	const char *q;

	if (len > STATE_LINE_MAX) {
		*why = "line too long";
		return -1;
	}
	out->line = line;
	q = memchr(line, ' ', len);
	if (q == NULL) {
		*why = "expected IP STATUS TIME";
		return -1;
	}
	if (ip_parse_canonical(line, (size_t)(q - line), &out->ip, why) < 0)
		return -1;
	return state_parse_value(q + 1, (size_t)(line + len - q - 1), out,
	    why);
}

const char *
state_get(const struct stateline *sl, const char *key, char *buf,
    size_t bufsz)
{
	const char *p = sl->kv, *e = sl->kv + sl->kv_len, *why;
	size_t klen = strlen(key);

	while (p < e) {
		const char *end = parse_field(p, e, &why);
		size_t o = 0;

		if (end == NULL)
			return NULL;
		if ((size_t)(end - p) > klen && memcmp(p, key, klen) == 0 &&
		    p[klen] == '=') {
			p += klen + 1;
			if (p < end && *p == '"') {
				for (p++; p < end - 1; p++) {
					if (*p == '\\')
						p++;
					if (o + 1 < bufsz)
						buf[o++] = *p;
				}
			} else
				for (; p < end; p++)
					if (o + 1 < bufsz)
						buf[o++] = *p;
			buf[o] = '\0';
			return buf;
		}
		p = end + 1;
	}
	return NULL;
}

int
state_get_time(const struct stateline *sl, const char *key, long long *t)
{
	char v[24];
	const char *p;
	long long x = 0;

	if (state_get(sl, key, v, sizeof v) == NULL || v[0] == '\0')
		return -1;
	for (p = v; *p >= '0' && *p <= '9'; p++)
		if ((x = x * 10 + (*p - '0')) > STATE_TIME_MAX)
			return -1;
	if (*p != '\0')
		return -1;
	*t = x;
	return 0;
}

int
state_put_kv(char *dst, size_t dstsz, size_t *len, const char *key,
    const char *value)
{
	size_t o = *len;
	const char *v;
	int quote = *value == '\0';

	for (v = value; *v; v++)
		if ((unsigned char)*v <= 0x20 || (unsigned char)*v > 0x7e ||
		    *v == '"' || *v == '\\')
			quote = 1;
#define PUT(c) do { if (o + 1 >= dstsz) return -1; dst[o++] = (c); } while (0)
	if (o > 0)
		PUT(' ');
	for (v = key; *v; v++)
		PUT(*v);
	PUT('=');
	if (quote)
		PUT('"');
	for (v = value; *v; v++) {
		unsigned char c = (unsigned char)*v;

		if (quote && (c == '"' || c == '\\'))
			PUT('\\');
		PUT(c < 0x20 || c > 0x7e ? '?' : (char)c);
	}
	if (quote)
		PUT('"');
#undef PUT
	dst[o] = '\0';
	*len = o;
	return 0;
}

/* Append " KEY=" (key NULL: " ") and the decimal t to dst at *len; 0 or
 * -1.  (By hand: every test's line is made so, at the rate of the log.) */
static int
put_number(char *dst, size_t dstsz, size_t *len, const char *key,
    long long t)
{
	char digits[24];
	unsigned long long u = t < 0 ? 0 - (unsigned long long)t :
	    (unsigned long long)t;
	size_t kl = key ? strlen(key) : 0, n = 0, need;

	do
		digits[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (t < 0)
		digits[n++] = '-';
	need = 1 + (key ? kl + 1 : 0) + n;
	if (*len + need + 1 > dstsz)
		return -1;
	dst[(*len)++] = ' ';
	if (key) {
		memcpy(dst + *len, key, kl);
		*len += kl;
		dst[(*len)++] = '=';
	}
	while (n > 0)
		dst[(*len)++] = digits[--n];
	dst[*len] = '\0';
	return 0;
}

int
state_put_head(char *dst, size_t dstsz, size_t *len, const struct ip *ip,
    enum status status, long long time)
{
	const char *st = status_names[status];
	size_t n, sl = strlen(st);

	if (dstsz < IP_TEXT_MAX + 1 + sl + 1)
		return -1;
	n = ip_format(ip, dst);
	dst[n++] = ' ';
	memcpy(dst + n, st, sl);
	n += sl;
	*len = n;
	return put_number(dst, dstsz, len, NULL, time);
}

int
state_put_time(char *dst, size_t dstsz, size_t *len, const char *key,
    long long t)
{
	return put_number(dst, dstsz, len, key, t);
}

int
state_put_fields(char *dst, size_t dstsz, size_t *len, const char *kv,
    size_t n)
{
	if (n == 0)
		return 0;
	if (*len + 1 + n + 1 > dstsz)
		return -1;
	dst[(*len)++] = ' ';
	memcpy(dst + *len, kv, n);
	*len += n;
	dst[*len] = '\0';
	return 0;
}

long long
state_time_next(const struct stateline *prev, long long now)
{
	return prev != NULL && prev->time > now ? prev->time : now;
}

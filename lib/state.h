/*
 * The state's lines: "IP STATUS TIME [key=value ...]", the last line of an
 * IP being its status and the earlier ones its history
 * (relaywatch-state(5)); and relaywatch-db apply's change lines.
 */
#ifndef RW_STATE_H
#define RW_STATE_H

#include <stddef.h>

#include "ip.h"

#define STATE_LINE_MAX 4096
#define STATE_TIME_MAX 253402300799LL	/* 9999-12-31 23:59:59 UTC */

enum status { ST_NONE = 0, ST_OK, ST_BLOCK, ST_UNKNOWN };

struct stateline {
	const char *line;	/* the line parsed */
	struct ip ip;
	enum status status;
	long long time;
	const char *rest;	/* "STATUS TIME [key=value ...]": the CDB value */
	size_t rest_len;
	const char *kv;		/* "key=value ...", or at rest + rest_len */
	size_t kv_len;
};

/* Parse one line (without its newline).  Returns 0, or -1 with *why. */
int state_parse(const char *line, size_t len, struct stateline *out,
    const char **why);

/* Parse the part after the IP, "STATUS TIME [key=value ...]" (a CDB
 * value): as state_parse, leaving out->line and out->ip alone. */
int state_parse_value(const char *rest, size_t len, struct stateline *out,
    const char **why);

const char *state_status_name(enum status s);

/* A change line of relaywatch-db apply, "IP OLD NEW TIME [key=value ...]",
 * OLD a status or "-" (ST_NONE).  state_format_change writes sl's with
 * its newline into out (STATE_CHANGE_MAX bytes) and returns its length;
 * state_parse_change reads one (without its newline): 0 with *ip and, in
 * *sl, NEW's value (sl->ip not set), or -1 with *why. */
#define STATE_CHANGE_MAX (IP_TEXT_MAX + STATE_LINE_MAX + 16)
size_t state_format_change(const struct stateline *sl, enum status old,
    char *out);
int state_parse_change(const char *line, size_t len, struct ip *ip,
    struct stateline *sl, const char **why);

/* The value of key in sl's key=value part, unquoted into buf (bufsz
 * bytes, NUL-terminated); returns buf, or NULL when the key is absent. */
const char *state_get(const struct stateline *sl, const char *key, char *buf,
    size_t bufsz);

/* The value of key as a time (digits only, at most STATE_TIME_MAX) in
 * *t: 0, or -1 when absent or not such a number. */
int state_get_time(const struct stateline *sl, const char *key,
    long long *t);

/*
 * Making a line: state_put_head writes "IP STATUS TIME" into dst (dstsz
 * bytes, NUL-terminated); state_put_kv, state_put_time and
 * state_put_fields append to it at *len.  Each returns 0, or -1 when the
 * line would not fit (dst is then not a line).  The state's lines are
 * all made so, and read with state_parse.
 */
int state_put_head(char *dst, size_t dstsz, size_t *len, const struct ip *ip,
    enum status status, long long time);

/* Append key=NUMBER (a time, or a count). */
int state_put_time(char *dst, size_t dstsz, size_t *len, const char *key,
    long long t);

/* Append the key=value fields kv[0..n) of a parsed line, as they are. */
int state_put_fields(char *dst, size_t dstsz, size_t *len, const char *kv,
    size_t n);

/*
 * The time of a new line for an address whose last line is prev (NULL
 * when it has none), the clock saying now: now, or prev's time when the
 * clock says earlier (stepped back), so that an address's times never go
 * backwards and nothing counted from them comes out negative.
 */
long long state_time_next(const struct stateline *prev, long long now);

/* Append value to dst (at *len, dstsz bytes) as a key=value field:
 * quoted when it holds a blank, '"' or '\'; control characters become
 * '?'.  Returns 0, or -1 when it does not fit. */
int state_put_kv(char *dst, size_t dstsz, size_t *len, const char *key,
    const char *value);

#endif

#include <string.h>

#include "eximlog.h"

/*
 * Where the sending host stands in an arrival line (log.c and receive.c of
 * Exim 4.96):
 *
 *   [syslog prefix] DATE TIME[.mmm] [+ZONE] [[PID]] MSGID <= SENDER
 *       [R=REF] [DS] H=FULLHOST [I=[IP]:PORT] [U=IDENT] P=PROTO ...
 *
 * FULLHOST is "[IP]", "NAME [IP]", "(HELO) [IP]" or "NAME (HELO) [IP]",
 * each with ":PORT" when +incoming_port is logged.  NAME comes from the
 * DNS and has no blanks.  SENDER may hold blanks only inside quotes.
 * HELO, with helo_accept_junk_hosts, may hold anything, fake brackets and
 * fields included, and more client text (ident, message id, subject,
 * recipients) follows the address.  So after a HELO exactly one
 * ") [IP]" may follow; when the line holds two, it is refused.
 */

static int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

static int
isb62(int c)
{
	return isdig(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* n digits at p (within e)? */
static int
digits(const char *p, const char *e, int n)
{
	if (e - p < n)
		return 0;
	while (n-- > 0)
		if (!isdig((unsigned char)*p++))
			return 0;
	return 1;
}

/* "YYYY-MM-DD HH:MM:SS[.fff][ +ZZZZ] " at p; returns what follows or NULL. */
static const char *
skip_exim_time(const char *p, const char *e)
{
	if (!digits(p, e, 4) || e - p < 20 || p[4] != '-' ||
	    !digits(p + 5, e, 2) || p[7] != '-' || !digits(p + 8, e, 2) ||
	    p[10] != ' ' || !digits(p + 11, e, 2) || p[13] != ':' ||
	    !digits(p + 14, e, 2) || p[16] != ':' || !digits(p + 17, e, 2))
		return NULL;
	p += 19;
	if (p < e && *p == '.') {
		const char *q = ++p;

		while (p < e && isdig((unsigned char)*p) && p - q < 9)
			p++;
		if (p == q)
			return NULL;
	}
	if (p >= e || *p != ' ')
		return NULL;
	p++;
	if (e - p >= 6 && (*p == '+' || *p == '-') && digits(p + 1, e, 4) &&
	    p[5] == ' ')
		p += 6;
	return p;
}

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/*
 * A syslog prefix: "Mmm dd HH:MM:SS HOST TAG[PID]: " or
 * "YYYY-MM-DDTHH:MM:SS[.f][Z|+HH:MM] HOST TAG[PID]: ".  Returns what
 * follows, or NULL.
 */
static const char *
skip_syslog(const char *p, const char *e)
{
	const char *q;

	if (e - p >= 16 && p[3] == ' ') {
		const char *m;

		for (m = months; *m; m += 3)
			if (memcmp(p, m, 3) == 0)
				break;
		if (*m == '\0')
			return NULL;
		if (!((p[4] == ' ' || isdig((unsigned char)p[4])) &&
		    isdig((unsigned char)p[5]) && p[6] == ' ' &&
		    digits(p + 7, e, 2) && p[9] == ':' && digits(p + 10, e, 2) &&
		    p[12] == ':' && digits(p + 13, e, 2) && p[15] == ' '))
			return NULL;
		p += 16;
	} else if (e - p >= 20 && digits(p, e, 4) && p[4] == '-' &&
	    p[10] == 'T') {
		q = memchr(p, ' ', (size_t)(e - p));
		if (q == NULL || q - p > 40)
			return NULL;
		p = q + 1;
	} else
		return NULL;
	/* HOST */
	q = memchr(p, ' ', (size_t)(e - p));
	if (q == NULL || q == p || q - p > 255)
		return NULL;
	p = q + 1;
	/* TAG[PID]: */
	q = p;
	while (p < e && (isb62((unsigned char)*p) || *p == '_' || *p == '-' ||
	    *p == '.' || *p == '/'))
		p++;
	if (p == q || p - q > 64)
		return NULL;
	if (p < e && *p == '[') {
		q = ++p;
		while (p < e && isdig((unsigned char)*p))
			p++;
		if (p == q || p >= e || *p != ']')
			return NULL;
		p++;
	}
	if (e - p < 2 || p[0] != ':' || p[1] != ' ')
		return NULL;
	return p + 2;
}

/* Message id: 6-6-2 (Exim before 4.97) or 6-11-4 base-62 characters. */
static size_t
msgid_len(const char *p, const char *e)
{
	size_t mid, tail, i;

	if (e - p < 17 || p[6] != '-')
		return 0;
	if (p[13] == '-') {
		mid = 6;
		tail = 2;
	} else if (e - p >= 24 && p[18] == '-') {
		mid = 11;
		tail = 4;
	} else
		return 0;
	for (i = 0; i < 6; i++)
		if (!isb62((unsigned char)p[i]))
			return 0;
	for (i = 7; i < 7 + mid; i++)
		if (!isb62((unsigned char)p[i]))
			return 0;
	for (i = 8 + mid; i < 8 + mid + tail; i++)
		if (!isb62((unsigned char)p[i]))
			return 0;
	if (p[8 + mid + tail] != ' ')
		return 0;
	return 9 + mid + tail;
}

/* "[IP]" at p, then ":PORT" or nothing, then a blank or the end.  Returns
 * 1 with the address and *end just after it, 0 if not there; *why says
 * why not. */
static int
bracketed_ip(const char *p, const char *e, struct ip *ip, const char **end,
    const char **why)
{
	const char *close;

	if (p >= e || *p != '[') {
		*why = "no [address] in H=";
		return 0;
	}
	p++;
	close = memchr(p, ']', (size_t)(e - p) < 48 ? (size_t)(e - p) : 48);
	if (close == NULL) {
		*why = "no [address] in H=";
		return 0;
	}
	if (ip_parse(p, (size_t)(close - p), ip, why) < 0)
		return 0;
	p = close + 1;
	if (p < e && *p == ':') {
		const char *q = ++p;

		while (p < e && isdig((unsigned char)*p))
			p++;
		if (p == q || p - q > 5) {
			*why = "bad port after address in H=";
			return 0;
		}
	}
	if (p < e && *p != ' ') {
		*why = "junk after address in H=";
		return 0;
	}
	*end = p;
	return 1;
}

/* Does " H=" occur in p..e? */
static int
has_h_field(const char *p, const char *e)
{
	while (e - p >= 3 && (p = memchr(p, ' ', (size_t)(e - p - 2))) != NULL) {
		if (p[1] == 'H' && p[2] == '=')
			return 1;
		p++;
	}
	return 0;
}

/* From the '(' of a HELO: the one ") [IP]" that ends it.  Returns the end
 * of the address, or NULL with out->why set. */
static const char *
after_helo(const char *p, const char *e, struct eximlog *out)
{
	const char *why = NULL, *end = NULL, *end2;
	struct ip ip;
	int found = 0;

	while ((p = memchr(p, ')', (size_t)(e - p))) != NULL) {
		p++;
		if (e - p >= 2 && p[0] == ' ' && p[1] == '[' &&
		    bracketed_ip(p + 1, e, found ? &ip : &out->ip,
		    found ? &end2 : &end, &why)) {
			if (found) {
				out->why = "ambiguous HELO (holds \") [address]\")";
				return NULL;
			}
			found = 1;
		}
	}
	if (!found)
		out->why = "malformed H= (no [address] after the HELO)";
	return end;
}

static void
parse_arrival(const char *p, const char *e, struct eximlog *out)
{
	const char *why;
	int quoted = 0;

	out->kind = EL_BAD;
	if (memchr(p, '\0', (size_t)(e - p))) {
		out->why = "NUL byte in line";
		return;
	}
	/* SENDER: blanks only inside quotes, backslash escapes there. */
	for (; p < e; p++) {
		if (*p == '\\') {
			if (!quoted) {
				out->why = "backslash outside quotes in sender";
				return;
			}
			if (++p == e)
				break;
		} else if (*p == '"')
			quoted = !quoted;
		else if (*p == ' ' && !quoted)
			break;
	}
	if (quoted || p >= e) {
		out->why = quoted ? "unbalanced quote in sender" :
		    "line ends after the sender";
		return;
	}
	p++;
	/* [R=REF] [DS] */
	if (e - p >= 2 && p[0] == 'R' && p[1] == '=') {
		const char *sp = memchr(p, ' ', (size_t)(e - p));

		if (sp == NULL) {
			out->why = "line ends after R=";
			return;
		}
		p = sp + 1;
	}
	if (e - p >= 3 && memcmp(p, "DS ", 3) == 0)
		p += 3;
	if (e - p < 2 || p[0] != 'H' || p[1] != '=') {
		if (e - p >= 2 && (p[0] == 'U' || p[0] == 'P') && p[1] == '=') {
			out->kind = EL_LOCAL;
			out->why = "local submission (no H=)";
		} else
			out->why = "no H= after the sender";
		return;
	}
	p += 2;
	if (p < e && *p != '[' && *p != '(') {
		/* NAME from the DNS */
		const char *sp = memchr(p, ' ', (size_t)(e - p));

		if (sp == NULL) {
			out->why = "line ends inside H=";
			return;
		}
		p = sp + 1;
	}
	if (p < e && *p == '(') {
		if ((p = after_helo(p, e, out)) == NULL)
			return;
	} else if (!bracketed_ip(p, e, &out->ip, &p, &why)) {
		out->why = why;
		return;
	}
	/* A second H= means the one taken may be client text. */
	if (has_h_field(p, e)) {
		out->why = "more than one H= field";
		return;
	}
	out->kind = EL_ARRIVAL;
}

static void
parse_marker(const char *p, const char *e, struct eximlog *out)
{
	const char *why;

	if (ip_parse_canonical(p, (size_t)(e - p), &out->ip, &why) < 0) {
		out->kind = EL_BAD;
		out->why = "marker line without a valid address";
		return;
	}
	out->kind = EL_MARKER;
}

void
eximlog_parse(const char *line, size_t len, struct eximlog *out)
{
	const char *p = line, *e = line + len, *q;
	size_t n;

	out->kind = EL_OTHER;
	out->msgid = NULL;
	out->msgid_len = 0;
	out->why = NULL;
	out->marker = 0;

	if ((q = skip_exim_time(p, e)) != NULL)
		p = q;
	else if ((q = skip_syslog(p, e)) != NULL) {
		p = q;
		if ((q = skip_exim_time(p, e)) != NULL)
			p = q;
	} else
		return;
	if (p < e && *p == '[') {
		/* [PID] */
		q = p + 1;
		while (q < e && isdig((unsigned char)*q))
			q++;
		if (q == p + 1 || e - q < 2 || q[0] != ']' || q[1] != ' ')
			return;
		p = q + 2;
	}
	if ((n = msgid_len(p, e)) != 0) {
		out->msgid = p;
		out->msgid_len = n - 1;
		p += n;
	}
	if (e - p >= 3 && p[0] == '<' && p[1] == '=' && p[2] == ' ') {
		if (out->msgid == NULL)
			return;
		parse_arrival(p + 3, e, out);
	} else if (e - p >= 14 && memcmp(p, "RELAYWATCH ip=", 14) == 0) {
		out->marker = 1;
		parse_marker(p + 14, e, out);
	}
}

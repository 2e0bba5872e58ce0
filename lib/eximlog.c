#include <stdint.h>
#include <string.h>

#include "eximlog.h"

struct addr {
	struct ip ip;
	const char *text;
	size_t text_len;
};

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

/* Character classes, by table: this code runs for every line of a log. */
enum { C_B62 = 1 };
static const unsigned char cclass[256] = {
	['0'] = C_B62, ['1'] = C_B62, ['2'] = C_B62, ['3'] = C_B62,
	['4'] = C_B62, ['5'] = C_B62, ['6'] = C_B62, ['7'] = C_B62,
	['8'] = C_B62, ['9'] = C_B62,
	['A'] = C_B62, ['B'] = C_B62, ['C'] = C_B62, ['D'] = C_B62,
	['E'] = C_B62, ['F'] = C_B62, ['G'] = C_B62, ['H'] = C_B62,
	['I'] = C_B62, ['J'] = C_B62, ['K'] = C_B62, ['L'] = C_B62,
	['M'] = C_B62, ['N'] = C_B62, ['O'] = C_B62, ['P'] = C_B62,
	['Q'] = C_B62, ['R'] = C_B62, ['S'] = C_B62, ['T'] = C_B62,
	['U'] = C_B62, ['V'] = C_B62, ['W'] = C_B62, ['X'] = C_B62,
	['Y'] = C_B62, ['Z'] = C_B62,
	['a'] = C_B62, ['b'] = C_B62, ['c'] = C_B62, ['d'] = C_B62,
	['e'] = C_B62, ['f'] = C_B62, ['g'] = C_B62, ['h'] = C_B62,
	['i'] = C_B62, ['j'] = C_B62, ['k'] = C_B62, ['l'] = C_B62,
	['m'] = C_B62, ['n'] = C_B62, ['o'] = C_B62, ['p'] = C_B62,
	['q'] = C_B62, ['r'] = C_B62, ['s'] = C_B62, ['t'] = C_B62,
	['u'] = C_B62, ['v'] = C_B62, ['w'] = C_B62, ['x'] = C_B62,
	['y'] = C_B62, ['z'] = C_B62,
};

static int
isb62(int c)
{
	return cclass[c] & C_B62;
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

#define D(i) ((unsigned)(p[i] - '0') < 10)

/* "YYYY-MM-DD HH:MM:SS[.fff][ +ZZZZ] " at p, by its separators: the
 * numbers are not used, and a line is known as Exim's by the whole
 * prefix.  Returns what follows or NULL. */
static const char *
skip_exim_time(const char *p, const char *e)
{
	if (e - p < 20 || p[4] != '-' || p[7] != '-' || p[10] != ' ' ||
	    p[13] != ':' || p[16] != ':')
		return NULL;
	p += 19;
	if (*p == '.') {
		const char *q = ++p;

		while (p < e && isdig((unsigned char)*p) && p - q < 9)
			p++;
		if (p == q)
			return NULL;
	}
	if (p >= e || *p != ' ')
		return NULL;
	p++;
	if (e - p >= 6 && (*p == '+' || *p == '-') && D(1) && D(2) && D(3) &&
	    D(4) && p[5] == ' ')
		p += 6;
	return p;
}

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/*
 * A syslog prefix: "Mmm dd HH:MM:SS HOST TAG[PID]: " or
 * "YYYY-MM-DDTHH:MM:SS[.f][Z|+HH:MM] HOST TAG[PID]: ".  Returns what
 * follows, or NULL; *exim says whether TAG is Exim's ("exim", its
 * syslog_processname by default); out->source is HOST.
 */
static const char *
skip_syslog(const char *p, const char *e, int *exim, struct eximlog *out)
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
	out->source = p;
	out->source_len = (size_t)(q - p);
	p = q + 1;
	/* TAG[PID]: */
	q = p;
	while (p < e && (isb62((unsigned char)*p) || *p == '_' || *p == '-' ||
	    *p == '.' || *p == '/'))
		p++;
	if (p == q || p - q > 64)
		return NULL;
	*exim = p - q == 4 && memcmp(q, "exim", 4) == 0;
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

/* Length of the message id at p (6-6-2 base-62 characters before Exim
 * 4.97, 6-11-4 after) with its trailing blank, judged by its dashes alone;
 * msgid_valid checks the characters. */
static size_t
msgid_len(const char *p, const char *e)
{
	if (e - p >= 17 && p[6] == '-' && p[13] == '-' && p[16] == ' ')
		return 17;
	if (e - p >= 24 && p[6] == '-' && p[18] == '-' && p[23] == ' ')
		return 24;
	return 0;
}

static int
msgid_valid(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i, dash = n == 17 ? 13 : 18;
	unsigned v = C_B62;

	/* Without branches: the loops have fixed bounds. */
	for (i = 0; i < 6; i++)
		v &= cclass[u[i]];
	for (i = 7; i < dash; i++)
		v &= cclass[u[i]];
	for (i = dash + 1; i < n - 1; i++)
		v &= cclass[u[i]];
	return (v & C_B62) != 0;
}

/* A dotted quad without leading zeros at p, followed by ']': the fast
 * path for most addresses, with few branches (the lengths of the parts
 * vary from line to line).  Needs 18 bytes at p; returns the length of
 * the address, or 0 (and the caller tries ip_parse). */
static size_t
quick_v4(const char *p, const char *e, unsigned char *b)
{
	const unsigned char *u = (const unsigned char *)p, *s = u;
	int part;

	if (e - p < 18)
		return 0;
	for (part = 0; part < 4; part++) {
		unsigned d0 = u[0] - (unsigned)'0', d1 = u[1] - (unsigned)'0';
		unsigned d2 = u[2] - (unsigned)'0';
		unsigned n1 = d1 < 10, n2 = n1 & (d2 < 10);
		unsigned v = n2 ? d0 * 100 + d1 * 10 + d2 : n1 ? d0 * 10 + d1 : d0;

		if ((d0 > 9) | (v > 255) | ((d0 == 0) & n1))
			return 0;
		b[part] = (unsigned char)v;
		u += 1 + n1 + n2;
		if (*u != (part < 3 ? '.' : ']'))
			return 0;
		u++;
	}
	return (size_t)(u - s) - 1;
}

static const unsigned char v4mapped[12] =
    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* "[IP]" at p, then ":PORT" or nothing, then (in a delivery line, where
 * Exim marks a connection used again so) '*' or nothing if star, then a
 * blank or the end.  Returns 1 with the address in *a and *end just after
 * it, 0 if not there; *why says why not. */
static int
bracketed_ip_star(const char *p, const char *e, struct addr *a,
    const char **end, const char **why, int star)
{
	const char *close;
	size_t n;

	if (p >= e || *p != '[') {
		*why = "no [address] in H=";
		return 0;
	}
	p++;
	if ((n = quick_v4(p, e, a->ip.b + 12)) != 0) {
		memcpy(a->ip.b, v4mapped, 12);
		a->text = p;
		a->text_len = n;
		close = p + n;
	} else {
		close = memchr(p, ']', (size_t)(e - p) < 48 ? (size_t)(e - p) :
		    48);
		if (close == NULL) {
			*why = "no [address] in H=";
			return 0;
		}
		if (ip_parse(p, (size_t)(close - p), &a->ip, why) < 0)
			return 0;
		a->text = NULL;
		a->text_len = 0;
	}
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
	if (star && p < e && *p == '*')
		p++;
	if (p < e && *p != ' ') {
		*why = "junk after address in H=";
		return 0;
	}
	*end = p;
	return 1;
}

static int
bracketed_ip(const char *p, const char *e, struct addr *a, const char **end,
    const char **why)
{
	return bracketed_ip_star(p, e, a, end, why, 0);
}

/* Does " H=" occur in p..e? */
static int
has_h_field(const char *p, const char *e)
{
	const char *s = p;

	while ((p = memchr(p, '=', (size_t)(e - p))) != NULL) {
		if (p - s >= 2 && p[-1] == 'H' && p[-2] == ' ')
			return 1;
		p++;
	}
	return 0;
}

/* From the '(' of a HELO: the one ") [IP]" that ends it.  Returns the end
 * of the address, or NULL with *why set. */
static const char *
after_helo(const char *p, const char *e, struct addr *a, const char **why,
    const char **helo_end)
{
	const char *end = NULL, *end2;
	struct addr other;
	int found = 0;

	/* Exim writes no NUL: one means a damaged file, where zeros may have
	 * wiped out the real address after a fake one. */
	if (memchr(p, '\0', (size_t)(e - p)) != NULL) {
		*why = "NUL byte in line";
		return NULL;
	}
	while ((p = memchr(p, ')', (size_t)(e - p))) != NULL) {
		p++;
		if (e - p >= 2 && p[0] == ' ' && p[1] == '[' &&
		    bracketed_ip(p + 1, e, found ? &other : a,
		    found ? &end2 : &end, why)) {
			if (found) {
				*why = "ambiguous HELO (holds \") [address]\")";
				return NULL;
			}
			found = 1;
			*helo_end = p - 1;
		}
	}
	if (!found)
		*why = "malformed H= (no [address] after the HELO)";
	return end;
}

/*
 * The first blank, quote, backslash or NUL at or after p, or e: the end of
 * a plain sender.  Eight bytes at a time: a word holds one of them when
 * some byte of it, XORed with the byte, is zero.
 */
static const char *
sender_end(const char *p, const char *e)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = ones << 7;

	while (e - p >= 8) {
		uint64_t w, a, b, c;

		memcpy(&w, p, 8);
		a = w ^ (ones * ' ');
		b = w ^ (ones * '"');
		c = w ^ (ones * '\\');
		if ((((a - ones) & ~a) | ((b - ones) & ~b) | ((c - ones) & ~c) |
		    ((w - ones) & ~w)) & highs)
			break;
		p += 8;
	}
	while (p < e && *p != ' ' && *p != '"' && *p != '\\' && *p != '\0')
		p++;
	return p;
}

/* A local arrival's fields after its sender (U=USER P=PROTO S=SIZE
 * id=MESSAGE-ID ..., no blank inside a value before T=): its id=. */
static void
parse_local_id(const char *p, const char *e, struct eximlog *out)
{
	while (p < e && *p != '"') {
		const char *sp = memchr(p, ' ', (size_t)(e - p)), *end;

		end = sp ? sp : e;
		if (end - p > 3 && memcmp(p, "id=", 3) == 0) {
			out->local_id = p + 3;
			out->local_id_len = (size_t)(end - p - 3);
			return;
		}
		if (memchr(p, '"', (size_t)(end - p)) != NULL || sp == NULL)
			return;		/* T="...", or the end */
		p = sp + 1;
	}
}

static void
parse_arrival(const char *p, const char *e, struct eximlog *out)
{
	const char *why = NULL, *q;
	struct addr a;
	int quoted = 0, quoted_sender = 0;

	out->kind = EL_BAD;
	out->sender = p;
	/* SENDER: blanks only inside quotes, backslash escapes there.  The
	 * usual sender has neither quotes nor backslashes: the first blank
	 * ends it, and the H= after it is Exim's. */
	if ((q = sender_end(p, e)) < e && *q == ' ')
		p = q;
	else {
		quoted_sender = 1;
		for (; p < e; p++) {
			if (*p == '\0') {
				out->why = "NUL byte in sender";
				return;
			} else if (*p == '\\') {
				if (!quoted) {
					out->why = "backslash outside quotes "
					    "in sender";
					return;
				}
				if (++p == e)
					break;
			} else if (*p == '"')
				quoted = !quoted;
			else if (*p == ' ' && !quoted)
				break;
		}
	}
	if (quoted || p >= e) {
		out->why = quoted ? "unbalanced quote in sender" :
		    "line ends after the sender";
		return;
	}
	out->sender_len = (size_t)(p - out->sender);
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
	if (e - p >= 3 && p[0] == 'D' && p[1] == 'S' && p[2] == ' ')
		p += 3;
	if (e - p < 2 || p[0] != 'H' || p[1] != '=') {
		if (e - p >= 2 && (p[0] == 'U' || p[0] == 'P') && p[1] == '=') {
			out->kind = EL_LOCAL;
			out->why = "local submission (no H=)";
			parse_local_id(p, e, out);
		} else
			out->why = "no H= after the sender";
		return;
	}
	p += 2;
	if (p < e && *p != '[' && *p != '(') {
		/* NAME from the DNS: Exim's own lookup, forward-confirmed */
		const char *sp = memchr(p, ' ', (size_t)(e - p));

		if (sp == NULL) {
			out->why = "line ends inside H=";
			return;
		}
		out->hostname = p;
		out->hostname_len = (size_t)(sp - p);
		p = sp + 1;
	}
	if (p < e && *p == '(') {
		const char *h = p + 1, *he = NULL;

		if ((p = after_helo(p, e, &a, &why, &he)) != NULL) {
			out->helo = h;
			out->helo_len = (size_t)(he - h);
		}
	} else if (!bracketed_ip(p, e, &a, &p, &why))
		p = NULL;
	if (p == NULL) {
		out->why = why;
		return;
	}
	/* After a quoted sender, a second H= means the one taken may be
	 * client text. */
	if (quoted_sender && has_h_field(p, e)) {
		out->why = "more than one H= field";
		return;
	}
	out->kind = EL_ARRIVAL;
	out->ip = a.ip;
	out->text = a.text;
	out->text_len = a.text_len;
}

/*
 * What became of a probe (deliver.c of Exim 4.96):
 *
 *   MSGID => RCPT [<PARENT>] [P=<RETURN-PATH>] [F=<SENDER>] R=ROUTER
 *       T=relaywatch_smtp H=NAME [IP][:PORT][*] ...
 *
 * ('*': the probe went down a connection already open for another.)
 *   MSGID == RCPT [<PARENT>] ... R=ROUTER T=relaywatch_smtp defer (N): TEXT
 *
 * A recipient is client text, and Exim writes its local part unquoted,
 * blanks and all ("a b R=x@remote.example <\"a b R=x\"@remote.example>",
 * measured with 4.96): fields a client writes there come before Exim's.
 * But routers lower-case the local part (caseful_local_part is off by
 * default, relaywatch's routers included), so client text cannot hold
 * Exim's upper-case field names; and our probes' recipients are printable
 * ASCII without a blank, quote or backslash, so a line whose recipient is
 * not is not ours.  The proof is elsewhere anyway: relaywatch-due takes a
 * delivery only with a token that checks for the address of H=.
 */
static const char *
skip_field(const char *p, const char *e, const char *name, size_t n)
{
	const char *sp;

	if ((size_t)(e - p) <= n || memcmp(p, name, n) != 0)
		return NULL;
	if ((sp = memchr(p, ' ', (size_t)(e - p))) == NULL)
		return NULL;
	return sp + 1;
}

static void
parse_probe(const char *p, const char *e, int delivered,
    struct eximlog *out)
{
	static const char transport[] = "T=" EXIMLOG_PROBE_TRANSPORT " ";
	const char *rcpt = p, *q, *why;
	struct addr a;

	/* RCPT: printable ASCII, no blank, quote or backslash */
	p = sender_end(p, e);
	if (p == rcpt || p >= e || *p != ' ')
		return;
	for (q = rcpt; q < p; q++)
		if ((unsigned char)*q < 0x21 || (unsigned char)*q > 0x7e)
			return;
	out->rcpt = rcpt;
	out->rcpt_len = (size_t)(p - rcpt);
	p++;
	if ((q = skip_field(p, e, "<", 1)) != NULL)
		p = q;
	if ((q = skip_field(p, e, "P=<", 3)) != NULL)
		p = q;
	if ((q = skip_field(p, e, "F=<", 3)) != NULL)
		p = q;
	if ((p = skip_field(p, e, "R=", 2)) == NULL ||
	    (size_t)(e - p) < sizeof transport - 1 ||
	    memcmp(p, transport, sizeof transport - 1) != 0)
		return;
	p += sizeof transport - 1;
	if (!delivered) {
		/* "defer (N): TEXT" */
		if (e - p < 8 || memcmp(p, "defer (", 7) != 0 ||
		    (q = memchr(p, ')', (size_t)(e - p))) == NULL ||
		    q - p > 12 || e - q < 3 || q[1] != ':' || q[2] != ' ')
			return;
		out->detail = q + 3;
		out->detail_len = (size_t)(e - q - 3);
		out->kind = EL_PROBE_DEFERRED;
		return;
	}
	/* H=NAME [IP] */
	if ((p = skip_field(p, e, "H=", 2)) == NULL ||
	    !bracketed_ip_star(p, e, &a, &q, &why, 1))
		return;
	out->kind = EL_PROBE_DELIVERED;
	out->ip = a.ip;
	out->text = a.text;
	out->text_len = a.text_len;
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

/*
 * "DNS list lookup defer (probably timeout) for 5.0.0.127.zone.example:
 * assumed not in list" (Exim's dnsbl.c): the name it asked, in detail.
 */
static void
parse_dnslist_defer(const char *p, const char *e, struct eximlog *out)
{
	static const char head[] = "DNS list lookup defer ";
	const char *q, *name;

	if ((size_t)(e - p) < sizeof head - 1 ||
	    memcmp(p, head, sizeof head - 1) != 0)
		return;
	p += sizeof head - 1;
	/* "(REASON) " is Exim's own text: no ')' in it. */
	if (p < e && *p == '(') {
		if ((q = memchr(p, ')', (size_t)(e - p))) == NULL)
			return;
		p = q + 1;
		if (p < e && *p == ' ')
			p++;
	}
	if (e - p < 4 || memcmp(p, "for ", 4) != 0)
		return;
	name = p += 4;
	while (p < e && *p != ':' && *p != ' ')
		p++;
	if (p == name || p == e || *p != ':' || p - name > 255)
		return;
	out->kind = EL_DNSLIST_DEFER;
	out->detail = name;
	out->detail_len = (size_t)(p - name);
}

void
eximlog_parse(const char *line, size_t len, struct eximlog *out)
{
	const char *p = line, *e = line + len, *q;
	const char *id = NULL, *pid;
	int syslogged = 0, exim = 1;

	out->kind = EL_OTHER;
	out->msgid = NULL;
	out->msgid_len = 0;
	out->local_id = NULL;
	out->local_id_len = 0;
	out->why = NULL;
	out->marker = 0;
	out->text = NULL;
	out->text_len = 0;
	out->sender = NULL;
	out->sender_len = 0;
	out->hostname = out->helo = NULL;
	out->hostname_len = out->helo_len = 0;
	out->rcpt = NULL;
	out->rcpt_len = 0;
	out->detail = NULL;
	out->detail_len = 0;
	out->source = NULL;
	out->source_len = 0;

	/* The shape first, cheaply: most lines are thrown out before their
	 * characters are checked. */
	if ((q = skip_exim_time(p, e)) != NULL)
		p = q;
	else if ((q = skip_syslog(p, e, &exim, out)) != NULL) {
		syslogged = 1;
		p = q;
		if ((q = skip_exim_time(p, e)) != NULL)
			p = q;
	} else
		return;
	if (p < e && *p == '[') {
		/* [PID] */
		pid = q = p + 1;
		while (q < e && q - pid < 11 && isdig((unsigned char)*q))
			q++;
		if (q == pid || e - q < 2 || q[0] != ']' || q[1] != ' ')
			return;
		p = q + 2;
	}
	if ((out->msgid_len = msgid_len(p, e)) != 0) {
		id = p;
		p += out->msgid_len--;
	}
	if (p == e || (p[0] != '<' && p[0] != 'R' && p[0] != '=' &&
	    p[0] != 'D'))
		return;
	if (p[0] == 'D') {
		/* Only Exim's own say where a lookup failed. */
		if (!syslogged || exim)
			parse_dnslist_defer(p, e, out);
		return;
	}

	/* A candidate: now every character of the message id. */
	if (id && !msgid_valid(id, out->msgid_len + 1))
		return;
	out->msgid = id;
	if (e - p >= 3 && p[0] == '<' && p[1] == '=' && p[2] == ' ') {
		if (out->msgid == NULL)
			return;
		parse_arrival(p + 3, e, out);
	} else if (e - p >= 14 && memcmp(p, "RELAYWATCH ip=", 14) == 0) {
		out->marker = 1;
		parse_marker(p + 14, e, out);
	} else if (e - p >= 3 && p[0] == '=' && (p[1] == '>' || p[1] == '=') &&
	    p[2] == ' ' && out->msgid != NULL)
		parse_probe(p + 3, e, p[1] == '>', out);
	/* Through syslog anyone may write a line that looks like Exim's
	 * (logger -t anything): only Exim's tag names a host. */
	if (syslogged && !exim && out->kind != EL_OTHER &&
	    out->kind != EL_LOCAL) {
		out->kind = EL_BAD;
		out->why = "syslog line not tagged exim";
	}
	/* (nor its sender, which would say a probe was submitted) */
	if (syslogged && !exim && out->kind == EL_LOCAL) {
		out->sender = NULL;
		out->sender_len = 0;
		out->local_id = NULL;
		out->local_id_len = 0;
	}
}

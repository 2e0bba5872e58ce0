/*
 * The probes our main log saw taken and delivered ("submitted TOKEN",
 * "IP delivered TOKEN"), their tokens checked, and the lines that record
 * them with the next hosts (delivered=, submitted=) (due.h).
 */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "due.h"
#include "grow.h"
#include "ip.h"
#include "mailboxes.h"
#include "state.h"
#include "token.h"
#include "variant.h"

struct delivery *deliveries;
size_t ndeliveries, deliverycap;
static struct keys keys;
static int keys_rc = -1;		/* token_keys_read's, once read */
static char keys_err[256];

/* The token tok[0..tl) checked with our keys (read at the first): 0 with
 * *t, or -1 with *why. */
static int
token_read(const char *tok, size_t tl, struct token *t, const char **why)
{
	if (keys_rc < 0)
		keys_rc = token_keys_read(&keys, conf.keyfile, keys_err,
		    sizeof keys_err);
	if (keys_rc != 0)
		errx(keys_rc, "%s", keys_err);
	if (tl > TOKEN_MAX) {
		*why = "token too long";
		return -1;
	}
	return token_check(&keys, tok, tl, now, conf.token_lifetime, t, why);
}

/* "IP delivered TOKEN": 1 if the line has that form (queued, or warned
 * about with *why set and -1), 0 if not. */
int
delivery_read(const char *line, size_t len, const char **why)
{
	static const char word[] = " delivered ";
	const char *sp = memchr(line, ' ', len), *tok;
	struct token t;
	struct ip ip;
	size_t tl;

	if (sp == NULL || (size_t)(line + len - sp) < sizeof word - 1 ||
	    memcmp(sp, word, sizeof word - 1) != 0)
		return 0;
	tok = sp + sizeof word - 1;
	tl = (size_t)(line + len - tok);
	if (ip_parse_canonical(line, (size_t)(sp - line), &ip, why) < 0)
		return -1;
	if (token_read(tok, tl, &t, why) < 0)
		return -1;
	if (ip_cmp(&t.ip, &ip) != 0) {
		*why = "the token is for another address";
		return -1;
	}
	if ((deliveries = grow(deliveries, &deliverycap, ndeliveries + 1,
	    sizeof *deliveries)) == NULL)
		err(EX_OSERR, "out of memory");
	deliveries[ndeliveries].ip = ip;
	deliveries[ndeliveries].issued = t.time;
	deliveries[ndeliveries].submitted = 0;
	ndeliveries++;
	count.delivered++;
	return 1;
}

/* A probe of a host's test under way, taken by our Exim: when it is
 * the last of the test's probes to be seen, the test is recorded as
 * sent (submitted=). */
static void
probe_submitted(const struct token *t)
{
	struct host *h = host_get(&t->ip);
	unsigned want;

	if (h == NULL || !(h->flags & H_PENDING) || (h->flags & H_SENT) ||
	    h->until == UNTIL_NEVER || t->time < test_began(h) ||
	    t->variant >= VARIANT_N)
		return;		/* not of the test under way */
	want = sent_want(h);
	if (want == 0 || sent_seen(h) >= want)
		return;		/* not known, or said already */
	h->sent = (uint16_t)(h->sent | VARIANT_BIT(t->variant));
	if (sent_seen(h) < want)
		return;
	if ((deliveries = grow(deliveries, &deliverycap, ndeliveries + 1,
	    sizeof *deliveries)) == NULL)
		err(EX_OSERR, "out of memory");
	deliveries[ndeliveries].ip = t->ip;
	deliveries[ndeliveries].issued = t->time;
	deliveries[ndeliveries].submitted = 1;
	ndeliveries++;
}

/*
 * "submitted TOKEN" (relaywatch-hosts -d: a probe handed to our Exim):
 * for a mailbox probe, whose delivery into a mailbox of ours says
 * nothing, the proof that it went out, recorded for the remailer whose
 * retest probes that mailbox like a delivery.  1 if the line has that
 * form (a host's probe, or an unknown mailbox, is let be), 0 if not, -1
 * with *why for a token that does not check.
 */
int
submission_read(const char *line, size_t len, const char **why)
{
	static const char word[] = "submitted ";
	unsigned char digest[TOKEN_DIGEST_BYTES];
	const char *tok = line + sizeof word - 1;
	size_t tl = len - (sizeof word - 1), i;
	struct token t;

	if (len < sizeof word - 1 || memcmp(line, word, sizeof word - 1) != 0)
		return 0;
	if (token_read(tok, tl, &t, why) < 0)
		return -1;
	if (!t.mailbox) {
		probe_submitted(&t);
		return 1;
	}
	for (i = 0; i < nretests; i++) {
		const char *mb = retests[i].mailbox;

		if (*mb == '\0' || token_mailbox_digest(mb, strlen(mb),
		    digest) < 0 || memcmp(digest, t.digest, sizeof digest) != 0)
			continue;
		if ((deliveries = grow(deliveries, &deliverycap,
		    ndeliveries + 1, sizeof *deliveries)) == NULL)
			err(EX_OSERR, "out of memory");
		deliveries[ndeliveries].ip = retests[i].ip;
		deliveries[ndeliveries].issued = t.time;
		deliveries[ndeliveries].submitted = 0;
		ndeliveries++;
		count.delivered++;
	}
	return 1;
}

/*
 * The line that records d, into lines at *len (room for STATE_LINE_MAX + 2
 * bytes), if
 * it belongs to its host's test under way (issued when the test began or
 * later) and says something new of it: the test's own line again, its
 * time and why= kept, with delivered=NOW (the first of its probes
 * delivered) or submitted=NOW (the last taken by our Exim).
 */
void
delivery_line(const struct delivery *d, char *lines, size_t *len)
{
	struct host *h = host_get(&d->ip);
	unsigned said = d->submitted ? H_SENT : H_DELIVERED;
	long long began;
	size_t n = 0;

	if (h == NULL || !(h->flags & H_PENDING) || (h->flags & said) ||
	    h->until == UNTIL_NEVER)
		return;		/* nothing under way, or said already */
	began = test_began(h);
	if (d->issued < began)
		return;		/* a probe of an earlier test */
	if (host_test_line(lines + *len, STATE_LINE_MAX + 1, &n, &d->ip,
	    h->status == ST_BLOCK, began) < 0 || state_put_time(lines + *len,
	    STATE_LINE_MAX + 1, &n, d->submitted ? "submitted" : "delivered",
	    (long long)now) < 0)
		return;		/* (cannot be: the test's line fitted) */
	lines[*len + n++] = '\n';
	*len += n;
	h->flags |= said | H_SENT;
	count.recorded++;
}

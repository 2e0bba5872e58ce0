#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "conf.h"
#include "contacts.h"
#include "grow.h"
#include "text.h"
#include "textfile.h"

void
contacts_free(struct contacts *cs)
{
	size_t i;
	int k;

	for (i = 0; i < cs->n; i++)
		for (k = 0; k < cs->v[i].n; k++)
			free(cs->v[i].rcpt[k]);
	free(cs->v);
	memset(cs, 0, sizeof *cs);
}

/* One line's network and addresses (start, NUL-terminated) into c. */
static int
parse_line(char *start, struct contact *c, char *word, size_t wordsz,
    const char **why)
{
	char *save, *w, *slash;

	memset(c, 0, sizeof *c);
	word[0] = '\0';
	if ((w = strtok_r(start, " \t,", &save)) == NULL) {
		*why = "no network";	/* a line of commas */
		return EX_CONFIG;
	}
	snprintf(word, wordsz, "%s", w);
	if (ip_parse_cidr(w, strlen(w), &c->first, &c->last, why) < 0)
		return EX_CONFIG;
	slash = strchr(w, '/');
	c->prefix = slash ? atoi(slash + 1) : (ip_is_v4(&c->first) ? 32 : 128);
	while ((w = strtok_r(NULL, " \t,", &save)) != NULL) {
		snprintf(word, wordsz, "%s", w);
		if (conf_valid_address(w, why) < 0)
			return EX_CONFIG;
		if (c->n == MAILER_RCPTS_MAX - 1) {
			*why = "more addresses than a notice may have";
			return EX_CONFIG;
		}
		if ((c->rcpt[c->n++] = strdup(w)) == NULL) {
			*why = "out of memory";
			return EX_OSERR;
		}
	}
	if (c->n == 0) {
		word[0] = '\0';
		*why = "a network without an address";
		return EX_CONFIG;
	}
	return 0;
}

int
contacts_read(struct contacts *cs, const char *path, char *err,
    size_t errlen)
{
	struct textfile tf;
	char *line, *start, word[256], shown[80];
	const char *why;
	size_t len;
	int rc, code;

	if (textfile_open(&tf, path) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return EX_NOINPUT;
	}
	while ((rc = textfile_next(&tf, &line, &len, &why)) == 1) {
		struct contact c;

		if (text_strip(line, len, &start) == 0)
			continue;
		if ((code = parse_line(start, &c, word, sizeof word, &why)) != 0) {
			for (; c.n > 0; c.n--)
				free(c.rcpt[c.n - 1]);
			if (word[0])
				snprintf(err, errlen, "%s:%lu: \"%s\": %s", path,
				    tf.lineno, text_quote(word, strlen(word),
				    shown, sizeof shown), why);
			else
				snprintf(err, errlen, "%s:%lu: %s", path,
				    tf.lineno, why);
			goto fail;
		}
		if (cs->n == CONTACTS_MAX) {
			snprintf(err, errlen, "%s: more than %d lines", path,
			    CONTACTS_MAX);
			code = EX_CONFIG;
		} else {
			struct contact *nv = grow(cs->v, &cs->cap, cs->n + 1,
			    sizeof *nv);

			if (nv == NULL) {
				snprintf(err, errlen, "%s: out of memory", path);
				code = EX_OSERR;
			} else
				cs->v = nv;
		}
		if (code != 0) {
			for (; c.n > 0; c.n--)
				free(c.rcpt[c.n - 1]);
			goto fail;
		}
		cs->v[cs->n++] = c;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s:%lu: %s", path, tf.lineno, why);
		code = EX_CONFIG;
		goto fail;
	}
	textfile_close(&tf);
	return 0;
fail:
	textfile_close(&tf);
	contacts_free(cs);
	return code;
}

const struct contact *
contacts_for(const struct contacts *cs, const struct ip *ip)
{
	const struct contact *best = NULL;
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (ip_cmp(&cs->v[i].first, ip) <= 0 &&
		    ip_cmp(ip, &cs->v[i].last) <= 0 &&
		    (best == NULL || cs->v[i].prefix > best->prefix))
			best = &cs->v[i];
	return best;
}

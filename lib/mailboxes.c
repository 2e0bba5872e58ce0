/*
 * The mailboxes file's lines (mailboxes.h).
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "mailboxes.h"
#include "text.h"
#include "textfile.h"

const char *
mailboxes_invalid(const char *s, size_t n)
{
	const char *at = NULL;
	size_t i;

	if (n == 0 || n > MAILBOX_MAX)
		return "a mailbox of 1 to 254 characters";
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f || strchr("\"<>(),;:\\[]", c))
			return "a character that an address may not have here";
		if (c == '@') {
			if (at != NULL)
				return "more than one @";
			at = s + i;
		}
	}
	if (at == NULL || at == s || at == s + n - 1)
		return "not local@domain";
	return NULL;
}

int
mailboxes_line(const char *s, size_t n, struct ip *first, struct ip *last,
    const char **addr, const char **why)
{
	const char *sp = memchr(s, ' ', n), *tab = memchr(s, '\t', n), *a;

	if (tab != NULL && (sp == NULL || tab < sp))
		sp = tab;
	if (sp == NULL) {
		*why = "not a network and a mailbox";
		return -1;
	}
	if (ip_parse_cidr(s, (size_t)(sp - s), first, last, why) < 0)
		return -1;
	for (a = sp; a < s + n && (*a == ' ' || *a == '\t'); a++)
		;
	if ((*why = mailboxes_invalid(a, (size_t)(s + n - a))) != NULL)
		return -1;
	*addr = a;
	return 0;
}

int
mailboxes_holds(const char *path, const char *addr, const struct ip *ip,
    unsigned long *listed, unsigned long *bad)
{
	struct textfile tf;
	const char *why, *a;
	char *line, *s;
	size_t len, n;
	int rc, holds = 0;

	*listed = *bad = 0;
	if (textfile_open(&tf, path) < 0)
		return -1;
	while ((rc = textfile_next(&tf, &line, &len, &why)) != 0) {
		struct ip first, last;

		if (rc < 0) {
			if (ferror(tf.f)) {
				textfile_close(&tf);
				errno = EIO;
				return -1;
			}
			(*bad)++;
			continue;
		}
		if ((n = text_strip(line, len, &s)) == 0)
			continue;
		if (mailboxes_line(s, n, &first, &last, &a, &why) < 0) {
			(*bad)++;
			continue;
		}
		if (strcasecmp(a, addr) != 0)
			continue;
		(*listed)++;
		if (ip_cmp(&first, ip) <= 0 && ip_cmp(ip, &last) <= 0)
			holds = 1;
	}
	textfile_close(&tf);
	return holds;
}

/*
 * Mail domains (domain.h).
 */
#include <string.h>
#include <strings.h>

#include "ascii.h"
#include "domain.h"

static int
is_ldh(int c)
{
	return ascii_isalnum(c) || c == '-';
}

int
domain_check(const char *s, size_t n, const char **why)
{
	size_t i, label = 0;

	if (n == 0) {
		*why = "empty domain";
		return -1;
	}
	if (n > DOMAIN_MAX) {
		*why = "domain longer than 253 characters";
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-') {
				*why = "empty label or label ending in '-'";
				return -1;
			}
			label = 0;
		} else if (is_ldh((unsigned char)s[i])) {
			if (label == 0 && s[i] == '-') {
				*why = "label starting with '-'";
				return -1;
			}
			if (++label > 63) {
				*why = "label longer than 63 characters";
				return -1;
			}
		} else {
			*why = "domain may hold only letters, digits, '-' "
			    "and '.'";
			return -1;
		}
	}
	if (label == 0 || s[n - 1] == '-') {
		*why = "domain ends in '.' or '-'";
		return -1;
	}
	return 0;
}

/* Whether the last label of s[0..n) holds a letter: a name, not the
 * digits of an address. */
static int
named(const char *s, size_t n)
{
	while (n > 0 && s[n - 1] != '.') {
		if ((s[n - 1] | 0x20) >= 'a' && (s[n - 1] | 0x20) <= 'z')
			return 1;
		n--;
	}
	return 0;
}

size_t
domain_of_address(const char *a, size_t n, char *out)
{
	const char *at = NULL, *why;
	size_t i, dn;

	for (i = 0; i < n; i++) {
		if (a[i] == '"' || a[i] == '\\' || ascii_isspace(
		    (unsigned char)a[i]) || a[i] == '\0')
			return 0;
		if (a[i] == '@')
			at = a + i;
	}
	if (at == NULL || at == a)
		return 0;
	dn = (size_t)(a + n - at - 1);
	if (domain_check(at + 1, dn, &why) < 0 ||
	    memchr(at + 1, '.', dn) == NULL || !named(at + 1, dn))
		return 0;
	ascii_lower_copy(out, at + 1, dn);
	out[dn] = '\0';
	return dn;
}

size_t
domain_of_host(const char *h, size_t n, char *out)
{
	const char *why, *dot, *end = h + n;
	size_t dn;

	if (domain_check(h, n, &why) < 0 ||
	    (dot = memchr(h, '.', n)) == NULL || !named(h, n))
		return 0;
	/* Three labels or more: drop the first. */
	if (memchr(dot + 1, '.', (size_t)(end - dot - 1)) != NULL)
		h = dot + 1;
	dn = (size_t)(end - h);
	ascii_lower_copy(out, h, dn);
	out[dn] = '\0';
	return dn;
}

int
domain_within(const char *d, size_t n, const char *parent)
{
	size_t pl = strlen(parent);

	if (n < pl || (n > pl && d[n - pl - 1] != '.'))
		return 0;
	return strncasecmp(d + n - pl, parent, pl) == 0;
}

/*
 * Mail domains (domain.h).
 */
#include <string.h>

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
	    memchr(at + 1, '.', dn) == NULL)
		return 0;
	ascii_lower_copy(out, at + 1, dn);
	out[dn] = '\0';
	return dn;
}

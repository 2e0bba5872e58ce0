/*
 * Text for people and from them (text.h).
 */
#include <err.h>
#include <string.h>

#include "text.h"

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

size_t
text_strip(char *s, size_t len, char **start)
{
	size_t i, b = 0;

	for (i = 0; i < len; i++)
		if (s[i] == '#' && (i == 0 || is_space((unsigned char)s[i - 1]))) {
			len = i;
			break;
		}
	while (b < len && is_space((unsigned char)s[b]))
		b++;
	while (len > b && is_space((unsigned char)s[len - 1]))
		len--;
	*start = s + b;
	s[len] = '\0';
	return len - b;
}

const char *
text_quote(const char *s, size_t n, char *buf, size_t bufsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t need = (c >= 0x20 && c < 0x7f && c != '\\') ? 1 : 4;

		if (o + need + 4 > bufsz) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (need == 1)
			buf[o++] = (char)c;
		else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	buf[o] = '\0';
	return buf;
}

int
text_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
text_warn_line(unsigned long long *count, const char *where,
    unsigned long long lineno, const char *line, size_t len,
    const char *what, const char *why)
{
	char shown[80];

	if ((*count)++ < 100)
		warnx("%s:%llu: \"%s\": %s%s%s", where, lineno,
		    text_quote(line, len, shown, sizeof shown), what ? what : "",
		    what ? ": " : "", why);
	else if (*count == 101)
		warnx("%s: more bad lines; not reporting each", where);
}

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "textfile.h"

int
textfile_open(struct textfile *tf, const char *path)
{
	tf->path = path;
	tf->lineno = 0;
	tf->f = fopen(path, "r");
	return tf->f ? 0 : -1;
}

void
textfile_stdin(struct textfile *tf, const char *name)
{
	tf->path = name;
	tf->lineno = 0;
	tf->f = stdin;
}

void
textfile_close(struct textfile *tf)
{
	if (tf->f && tf->f != stdin)
		fclose(tf->f);
	tf->f = NULL;
}

int
textfile_next(struct textfile *tf, char **line, size_t *len, const char **why)
{
	size_t n = 0;
	int c, nul = 0, toolong = 0;

	for (;;) {
		c = getc_unlocked(tf->f);
		if (c == EOF) {
			if (ferror(tf->f)) {
				*why = strerror(errno ? errno : EIO);
				return -1;
			}
			if (n == 0 && !toolong && !nul)
				return 0;
			break;
		}
		if (c == '\n')
			break;
		if (c == '\0')
			nul = 1;
		if (n < TEXTFILE_LINE_MAX)
			tf->buf[n++] = (char)c;
		else
			toolong = 1;
	}
	tf->lineno++;
	tf->buf[n] = '\0';
	if (toolong) {
		*why = "line too long";
		return -1;
	}
	if (nul) {
		*why = "NUL byte in line";
		return -1;
	}
	*line = tf->buf;
	*len = n;
	return 1;
}

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

int
path_dir(const char *path, char *dir, size_t dirsz)
{
	const char *slash = strrchr(path, '/');
	int n;

	if (slash == NULL)
		n = snprintf(dir, dirsz, ".");
	else if (slash == path)
		n = snprintf(dir, dirsz, "/");
	else
		n = snprintf(dir, dirsz, "%.*s", (int)(slash - path), path);
	return n < 0 || (size_t)n >= dirsz ? -1 : 0;
}

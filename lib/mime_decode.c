/*
 * Quoted-printable and base64, a piece of a line at a time
 * (mime_decode.h).
 */
#include <string.h>

#include "mime_decode.h"
#include "text.h"

void
mime_decode_start(struct mime_decoder *d, enum mime_enc enc)
{
	d->enc = enc;
	d->bits = d->nbits = 0;
}

static size_t
decode_base64(struct mime_decoder *d, const char *s, size_t n, char *out)
{
	/* Each letter's value plus one; 0 for what is not one. */
	static const signed char b64val[256] = {
		['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5,
		['F'] = 6, ['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10,
		['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15,
		['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20,
		['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25,
		['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
		['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35,
		['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
		['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45,
		['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49, ['x'] = 50,
		['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55,
		['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
		['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
	};
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		int v = b64val[(unsigned char)s[i]];

		if (s[i] == '=') {
			d->bits = d->nbits = 0;
			continue;
		}
		if (v == 0)
			continue;
		d->bits = (d->bits << 6) | (unsigned)(v - 1);
		d->nbits += 6;
		if (d->nbits >= 8) {
			d->nbits -= 8;
			out[o++] = (char)(d->bits >> d->nbits);
		}
	}
	return o;
}

/* Returns the bytes written, with *soft set when a soft line break
 * ("=" and white space to the end) ends a piece that ends its line. */
static size_t
decode_qp(const char *s, size_t n, int ends_line, char *out, int *soft)
{
	size_t i, o = 0;
	int h, l;

	*soft = 0;
	for (i = 0; i < n; i++) {
		if (s[i] != '=') {
			out[o++] = s[i];
			continue;
		}
		if (i + 2 < n &&
		    (h = text_hexval((unsigned char)s[i + 1])) >= 0 &&
		    (l = text_hexval((unsigned char)s[i + 2])) >= 0) {
			out[o++] = (char)(h << 4 | l);
			i += 2;
			continue;
		}
		if (ends_line) {
			size_t j = i + 1;

			while (j < n && (s[j] == ' ' || s[j] == '\t'))
				j++;
			if (j == n) {
				*soft = 1;
				return o;
			}
		}
		out[o++] = s[i];
	}
	return o;
}

size_t
mime_decode(struct mime_decoder *d, const char *s, size_t n, int ends_line,
    char *out)
{
	size_t o;
	int soft = 0;

	switch (d->enc) {
	case MIME_BASE64:
		return decode_base64(d, s, n, out);
	case MIME_QP:
		o = decode_qp(s, n, ends_line, out, &soft);
		break;
	default:
		memcpy(out, s, n);
		o = n;
		break;
	}
	if (ends_line && !soft)
		out[o++] = '\n';
	return o;
}

/*
 * Content-Transfer-Encoding, decoded a piece of a line at a time, in
 * bounded memory: quoted-printable and base64 (RFC 2045).  Bad input is
 * decoded as well as it goes, never refused: a report is read for what
 * it says.
 */
#ifndef RW_MIME_DECODE_H
#define RW_MIME_DECODE_H

#include <stddef.h>

enum mime_enc { MIME_IDENTITY, MIME_QP, MIME_BASE64 };

struct mime_decoder {
	enum mime_enc enc;
	unsigned bits, nbits;	/* base64 bits not yet out, their count */
};

void mime_decode_start(struct mime_decoder *d, enum mime_enc enc);

/*
 * Decode n bytes of a line into out (room for n + 1 bytes); ends_line
 * says the piece ends its line, which then gives a newline (unless a
 * quoted-printable soft break ends it; base64 lines give none).  Returns
 * the number of bytes written.
 */
size_t mime_decode(struct mime_decoder *d, const char *s, size_t n,
    int ends_line, char *out);

#endif

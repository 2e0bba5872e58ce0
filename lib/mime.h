/*
 * A message read once, as a stream, in bounded memory, and walked: its
 * header fields unfolded, MIME followed to MIME_DEPTH levels (deeper
 * parts are plain text), bodies decoded (mime_decode.h), enclosed
 * messages told apart from the message's own words.  Lines end at LF,
 * CRLF or a bare CR; longer lines than MIME_LINE_MAX come in pieces.
 * Nothing in a message is an error: what cannot be followed is text.
 */
#ifndef RW_MIME_H
#define RW_MIME_H

#include <stddef.h>

#define MIME_LINE_MAX 8192	/* longer lines come in pieces */
#define MIME_FIELD_MAX 4096	/* a header field, unfolded, is cut here */
#define MIME_DEPTH 16		/* nested multiparts followed */
#define MIME_BOUNDARY_MAX 70	/* RFC 2046 */
#define MIME_TEXT_LINE_MAX 1024	/* a line of text is cut here */

/* Where bytes of the message are. */
enum mime_where {
	MIME_HEADER = 2,	/* the message's own header */
	MIME_BODY = 4,		/* its body, its parts and their headers */
	MIME_ENCLOSED = 8	/* inside an enclosed message (a report's
				 * copy of the original, a forward) */
};

/* A part whose header has been read. */
struct mime_part {
	int top;		/* the message itself */
	int enclosed;		/* inside an enclosed message */
	char type[64];		/* Content-Type's type, lower case */
	char report[40];	/* its report-type parameter, lower case */
};

/* What a line of text is. */
enum mime_text {
	MIME_WORDS,		/* the message's own words */
	MIME_STATUS		/* a delivery status part (RFC 3464) */
};

/* What the walk calls, all with arg.  Each may be NULL. */
struct mime_walker {
	void *arg;
	/* A field of the message's own header: name (without blanks
	 * before the colon) and the value after the colon, unfolded (each
	 * fold one blank), cut at MIME_FIELD_MAX. */
	void (*top_field)(void *arg, const char *name, size_t nlen,
	    const char *value, size_t vlen);
	/* A part's header read, the message's own included. */
	void (*part)(void *arg, const struct mime_part *p);
	/* Every other byte, decoded: the parts' header fields, header lines
	 * that are no field, bodies, enclosed messages, whatever a field
	 * lost past MIME_FIELD_MAX.  bytes_end: a word ends here (at the
	 * end of a field, a boundary, the message). */
	void (*bytes)(void *arg, enum mime_where where, const char *s,
	    size_t n);
	void (*bytes_end)(void *arg, enum mime_where where);
	/* A decoded line of text, cut at MIME_TEXT_LINE_MAX, without its
	 * end: the message's own words (not an enclosed message, markup,
	 * media, a multipart's preamble or epilogue), or a line of a
	 * delivery status part. */
	void (*line)(void *arg, enum mime_text kind, const char *s, size_t n);
};

/* Read the message on fd to its end, walking it.  Returns 0, or -1 on a
 * read error (errno set). */
int mime_read(int fd, const struct mime_walker *w);

#endif

/*
 * Where reading the main log stopped: the log's inode and the offset of
 * the first byte not yet handed on.  relaywatch-hosts -p keeps it in
 * statedir/mainlog.pos as one line of LOGPOS_WIDTH bytes, "INODE OFFSET"
 * padded with blanks, rewritten in place; the supervisor reads that line
 * and hands it back as -s INODE:OFFSET; relaywatch-db status reads it
 * too.  relaywatch-state(5) documents the file.
 */
#ifndef RW_LOGPOS_H
#define RW_LOGPOS_H

#include <stddef.h>

#define LOGPOS_WIDTH 41		/* two 20-digit numbers, a blank, a newline */

struct logpos {
	unsigned long long ino, off;
};

/* The file's line for p into line (LOGPOS_WIDTH bytes, not
 * NUL-terminated). */
void logpos_format(const struct logpos *p, char line[LOGPOS_WIDTH]);

/*
 * s[0..n) as INODE, sep, OFFSET: both whole decimal numbers that fit, sep
 * ' ' (the file's line: blanks and one newline may follow) or ':' (the
 * -s argument: nothing may follow).  0, or -1.
 */
int logpos_parse(const char *s, size_t n, char sep, struct logpos *p);

#endif

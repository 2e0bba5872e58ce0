/*
 * What a running stage says of itself for relaywatch-db status:
 * statedir/NAME.status, replaced whole (atomic.h) at most every
 * STATUSFILE_EVERY seconds, read whole.  Text, one "KEY VALUE" a line:
 * KEY a word of [a-z-], VALUE the rest of the line (printable ASCII).
 * relaywatch-state(5) documents the files.
 *
 *   due.status    (relaywatch-due)    queued N, waiting N, dropped N,
 *                                     printed N
 *   feeds.status  (relaywatch-hosts)  source NAME LAST SILENT, a line a
 *                                     smart host (LAST: its last line;
 *                                     SILENT: since when it is silent,
 *                                     or 0)
 */
#ifndef RW_STATUSFILE_H
#define RW_STATUSFILE_H

#include <stddef.h>
#include <time.h>

#define STATUSFILE_EVERY 10
#define STATUSFILE_MAX 65536

/* statedir/name into path (pathsz bytes): 0, or -1 when too long. */
int statusfile_path(const char *statedir, const char *name, char *path,
    size_t pathsz);

/* Replace the file at path with text[0..len): 0, or -1 with errno. */
int statusfile_write(const char *path, const char *text, size_t len);

/* The file at path into buf (STATUSFILE_MAX + 1 bytes, NUL-terminated),
 * its time in *mtime: its length, or -1 with errno (ENOENT: none;
 * EFBIG: longer than STATUSFILE_MAX; a symbolic link is not followed). */
long statusfile_read(const char *path, char *buf, time_t *mtime);

/* The next "KEY VALUE" line of text at *p (up to end): 1 with key and
 * value set (not NUL-terminated) and *p after it; 0 at the end; -1 at a
 * line that is not one (*p after it). */
int statusfile_line(const char **p, const char *end, const char **key,
    size_t *klen, const char **val, size_t *vlen);

/* The whole decimal number in val[0..vlen) into *n: 0, or -1. */
int statusfile_number(const char *val, size_t vlen, long long *n);

#endif

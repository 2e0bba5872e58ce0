/*
 * The Exim host list of blocked networks (blocked_nets in relaywatch.conf),
 * which relaywatch shares with the people who write it.
 */
#ifndef RW_BLOCKED_NETS_H
#define RW_BLOCKED_NETS_H

#include "ip.h"
#include "statemap.h"

/*
 * Make relaywatch's lines in the Exim host list at path name exactly the
 * addresses whose status in m is BLOCK, one a line with a comment
 * ("192.0.2.7  # relaywatch 2026-11-26 why=relayed"), an IPv6 one by its
 * network of v6bits bits, naming the address ("2001:db8:1:2::/64  #
 * relaywatch 2026-11-26 why=relayed address=2001:db8:1:2::5"); lines
 * written by people stay as they are.  The file is replaced atomically,
 * created if missing.  Returns 0, or -1 with errno set.
 */
int blocked_nets_sync(const char *path, const struct statemap *m,
    int v6bits);

/* The same for the addresses of m only (the state's last lines, those
 * that changed): relaywatch's lines for the others stay. */
int blocked_nets_update(const char *path, const struct statemap *m,
    int v6bits);

/* The file at path as it is, read-only: text NULL and len 0 when it is
 * missing or empty (never through a symbolic link).  blocked_nets_map
 * returns 0, or -1 with errno set; blocked_nets_unmap keeps errno. */
struct blocked_text {
	const char *text;
	size_t len;
};
int blocked_nets_map(const char *path, struct blocked_text *bt);
void blocked_nets_unmap(struct blocked_text *bt);

/* One of relaywatch's lines, read: the network (an address has all its
 * bits), the day, the why= value (empty if none); day and why point into
 * the line. */
struct blocked_line {
	struct ip net;
	int bits;
	const char *day, *why;
	size_t daylen, whylen;
};

/* Read line (len bytes, no newline): 1 with *bl when it is one of
 * relaywatch's, 0 when it is a person's, -1 with *why when it is marked as
 * relaywatch's but its address or day does not read. */
int blocked_nets_line(const char *line, size_t len, struct blocked_line *bl,
    const char **why);

#endif

/*
 * The DNS form of the BLOCKs (dnsbl_data in relaywatch.conf): an rbldnsd
 * data file that the smart hosts ask through Exim's dnslists.
 */
#ifndef RW_DNSBL_H
#define RW_DNSBL_H

/*
 * Write path as one rbldnsd "combined" dataset made from relaywatch's lines
 * of the blocked.nets file at nets (people's lines are not ours to
 * publish): an ip4set and an ip6trie, each BLOCKed address (an IPv6 one by
 * its network) with A 127.0.0.2 and a TXT that says since when, why, and
 * to write to abuse; $TTL ttl seconds, and an SOA for zone whose minimum
 * is ttl too, so that "not listed" lives no longer than "listed".  The file is replaced atomically,
 * mode 0644, with a modification time later than the old file's (rbldnsd
 * notices a change by the time, in seconds).  An unreadable line of ours
 * is named on the standard error and left out.  Returns 0, or -1 with
 * errno set.
 */
int dnsbl_write(const char *path, const char *nets, const char *zone,
    const char *abuse, long long ttl);

#endif

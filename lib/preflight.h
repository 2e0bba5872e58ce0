/*
 * Is this installation fit to run?  What the supervisor checks before it
 * says "started", and what a postmaster runs after editing the
 * configuration (relaywatch-db check).
 */
#ifndef RW_PREFLIGHT_H
#define RW_PREFLIGHT_H

#include "conf.h"

/*
 * Check c: the domain, the key, the customer networks, the exclude list,
 * our own hosts (said when inside the networks), the probe source (set for each address family the networks hold,
 * and an address of this host), the state directory and blocked_nets'
 * directory (writable), and the main log's directory (readable).  Each
 * problem is reported through warnx; returns 0, or the sysexits(3) code
 * of the first problem.  *nnets is set to the number of customer ranges.
 */
int preflight(const struct conf *c, size_t *nnets);

#endif

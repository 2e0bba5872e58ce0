/*
 * relaywatch-db status: how things stand, in one screen, for a person;
 * the exit status says whether anything needs one (relaywatch-db(1),
 * STATUS).
 */
#ifndef RW_DB_STATUS_H
#define RW_DB_STATUS_H

#include "conf.h"

/* Run it for conf (loaded, run as the state's owner) with the command's
 * arguments: 0 when nothing needs a person, 1 when something does (each
 * said on an "attention:" line), a sysexits(3) code when the state
 * cannot be read. */
int db_status(const struct conf *conf, int argc, char **argv);

#endif

/*
 * Root acts as the owner of the state: what an operator runs as root on
 * relaywatch's files it runs as their owner, so that it leaves nothing
 * the service user cannot write, and no link the service user made can
 * lead it where that user could not go.
 */
#ifndef RW_OWNER_H
#define RW_OWNER_H

/* When run as root and dir belongs to another user, become that user:
 * its uid, the directory's gid, and the user's groups (initgroups(3)),
 * or the directory's group alone when the uid has no passwd entry.
 * Does nothing otherwise (not root, dir root's or not there).  Exits 71
 * (EX_OSERR), naming dir, when the change fails. */
void owner_become(const char *dir);

#endif

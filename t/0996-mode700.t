#!/bin/sh
# make check and make demo from a checkout under a mode-700 home (a root
# user's /root/relaywatch): t/reachable.sh runs them where Exim, once it
# has given up root, can read the tree.  Here the tree is bound at
# $TMP/home/relaywatch, $TMP/home mode 700, and an Exim test that gives
# Exim the tree's fragments (which it reads again as Debian-exim) runs
# through reachable.sh, as the Makefile runs prove.
. "$(dirname "$0")/lib.sh"
. "$T/exim.sh"
need_exim
need su prove
id nobody > /dev/null 2>&1 || skip_all "no user nobody"
own_namespace

mkdir -m 700 "$TMP/home"
mkdir "$TMP/home/relaywatch"
mount --bind "$TOP" "$TMP/home/relaywatch" || skip_all "cannot bind-mount the tree"
at_exit "umount '$TMP/home/relaywatch'"
su -s /bin/sh nobody -c "test -r '$TMP/home/relaywatch/t/lib.sh'" 2> /dev/null
ok $((! $?)) "the tree under a mode-700 directory: other users cannot read it"
(cd "$TMP/home/relaywatch" && sh t/reachable.sh prove t/0420-db-exim.t) > "$TMP/prove.out" 2>&1
ok $? "t/0420 (Exim with the tree's ACL fragments) passes from there, through reachable.sh" ||
    diag "$(tail -n 15 "$TMP/prove.out")"
like "$(cat "$TMP/prove.out")" "is not readable by other users; running from /tmp/relaywatch-tree\." "  which says where it runs from"
is "$(ls -d /tmp/relaywatch-tree.* 2>/dev/null | while read -r x; do mountpoint -q "$x" && echo "$x"; done)" "" \
    "  and leaves no mount behind"

done_testing

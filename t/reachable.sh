#!/bin/sh
# reachable.sh COMMAND...: run COMMAND (make check's prove, make demo's
# script) from the top of this tree, where Exim and the users the tests
# run as can read it.  A root user's checkout usually sits under /root,
# mode 700: Exim, once it has given up root (a re-execution after
# SIGHUP, a delivery), could not read the fragments and programs it is
# given from there.  Then the tree is bound, in a mount namespace of its
# own, at a new directory in /tmp, and COMMAND runs from there; the tree
# itself is what it was (a checkout's own mode, 755 from git clone), so
# every path through it is open as it would be in /usr/local/src.
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
if [ "$(id -u)" != 0 ] || ! id nobody > /dev/null 2>&1 ||
    su -s /bin/sh nobody -c "test -r '$top/t/lib.sh'" 2> /dev/null; then
	exec "$@"
fi
dir=$(mktemp -d /tmp/relaywatch-tree.XXXXXX) || exit 1
echo "reachable.sh: $top is not readable by other users; running from $dir (bound there)" >&2
unshare -m --propagation private sh -c 'mount --bind "$1" "$2" && cd "$2" && shift 2 && exec "$@"' \
    sh "$top" "$dir" "$@"
rc=$?
rmdir "$dir"
exit "$rc"

#!/bin/sh
# mta-root.sh DIR PACKAGE...: unpack each Debian package into DIR/PACKAGE
# without installing it (apt-get download, dpkg -x), for the tests'
# customers that run other MTAs: Debian's postfix and opensmtpd conflict
# with exim4 as installed packages, but run from such a tree.  Does
# nothing for a package already unpacked.  A package that cannot be
# fetched is named on stderr and left out: the tests that need it say so.
set -u
dir=$1
shift
command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1 || {
	echo "mta-root: not a Debian system; the tests with $* will be skipped" >&2
	exit 0
}
mkdir -p "$dir" || exit 1
for p in "$@"; do
	[ -s "$dir/$p/.version" ] && continue
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/rw-deb.XXXXXX") || exit 1
	# apt-get fetches as _apt when it can.
	[ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1 && chown _apt "$tmp"
	if ! (cd "$tmp" && apt-get download -q "$p" >/dev/null 2>&1); then
		# Without lists, or stale ones, apt-get knows no version to fetch.
		[ "$(id -u)" = 0 ] && apt-get update -q >/dev/null 2>&1
		(cd "$tmp" && apt-get download -q "$p" >/dev/null) || {
			echo "mta-root: cannot fetch $p (apt-get download $p); the tests that run it will be skipped" >&2
			rm -rf "$tmp"
			continue
		}
	fi
	deb=$(ls "$tmp"/*.deb)
	rm -rf "$dir/$p.new"
	if dpkg -x "$deb" "$dir/$p.new" &&
	    dpkg-deb -f "$deb" Version > "$dir/$p.new/.version"; then
		rm -rf "$dir/$p"
		mv "$dir/$p.new" "$dir/$p" || exit 1
		echo "mta-root: $p $(cat "$dir/$p/.version") unpacked in $dir/$p"
	else
		echo "mta-root: cannot unpack $deb into $dir/$p.new" >&2
		rm -rf "$dir/$p.new" "$tmp"
		exit 1
	fi
	rm -rf "$tmp"
done
exit 0

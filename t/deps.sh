#!/bin/sh
# Install the Debian packages named as arguments that are missing.
# Does nothing when all are present; as root it runs apt-get, otherwise it
# prints the command and fails.
missing=
if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps: not a Debian system; install the equivalents of: $*" >&2
	exit 0
fi
for p in "$@"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed$' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run as root: apt-get install$missing" >&2
	exit 1
fi
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Without package lists apt-get knows nothing to install.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' 2>/dev/null | head -n 1)" ]; then
	apt-get update -q || exit 1
fi
# shellcheck disable=SC2086
apt-get install -q -y --no-install-recommends $missing || {
	# Stale lists name versions the mirror no longer has.
	apt-get update -q && apt-get install -q -y --no-install-recommends $missing
}

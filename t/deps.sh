#!/bin/sh
# deps.sh [-i] PACKAGE...: install the Debian packages named that are
# missing.  Does nothing when all are present; as root it runs apt-get,
# otherwise it prints the command and fails.  A PACKAGE may be a .deb
# file (./NAME.deb), which is always installed.
#
# -i (inert), for what only the tests and the demo need: installing
# starts nothing (a policy-rc.d that refuses every start, while apt-get
# runs, unless the machine has one of its own) and leaves no new service
# enabled at boot (what the install enabled, by sysvinit's rc links or
# systemd's unit files, is disabled again).  The tests start what they
# need themselves, on loopback.
inert=
[ "${1:-}" = -i ] && { inert=yes; shift; }
missing=
if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps: not a Debian system; install the equivalents of: $*" >&2
	exit 0
fi
for p in "$@"; do
	case $p in
	*.deb)	missing="$missing $p"; continue ;;
	esac
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed$' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run as root: apt-get install$missing" >&2
	exit 1
fi

# enabled: the services enabled at boot, one a line: sysvinit's (an S
# link in a runlevel 2-5 directory) and systemd's (its unit files).
enabled() {
	for d in /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d; do
		[ -d "$d" ] && ls "$d"
	done | sed -n 's/^S[0-9][0-9]\(.*\)/sysv \1/p'
	if command -v systemctl > /dev/null 2>&1; then
		systemctl list-unit-files --state=enabled --no-legend 2>/dev/null |
		    awk '{ print "unit " $1 }'
	fi
}
policy=
if [ -n "$inert" ]; then
	enabled | sort -u > "${TMPDIR:-/tmp}/deps.before.$$"
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		policy=/usr/sbin/policy-rc.d
		printf '#!/bin/sh\n# make deps (relaywatch): start nothing while it installs.\nexit 101\n' > "$policy"
		chmod 755 "$policy"
	fi
fi
cleanup() {
	[ -n "$policy" ] && rm -f "$policy"
	rm -f "${TMPDIR:-/tmp}/deps.before.$$"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

echo "deps: installing${inert:+ (starting and enabling nothing)}:$missing"
export DEBIAN_FRONTEND=noninteractive
# Without package lists apt-get knows nothing to install.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' 2>/dev/null | head -n 1)" ]; then
	apt-get update -q || exit 1
fi
# shellcheck disable=SC2086
apt-get install -q -y --no-install-recommends $missing || {
	# Stale lists name versions the mirror no longer has.
	apt-get update -q && apt-get install -q -y --no-install-recommends $missing
} || exit 1

if [ -n "$inert" ]; then
	enabled | sort -u | comm -13 "${TMPDIR:-/tmp}/deps.before.$$" - |
	while read -r kind name; do
		echo "deps: $name: installed for the tests; not enabled at boot"
		case $kind in
		sysv)	update-rc.d "$name" disable > /dev/null 2>&1 ;;
		unit)	systemctl disable --quiet "$name" 2>/dev/null ;;
		esac
	done
fi
exit 0

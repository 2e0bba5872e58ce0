# Helpers for the shell tests: TAP output, temporary directories that are
# removed however the test ends, and skips that CI turns into failures.
# Source it: . "$(dirname "$0")/lib.sh"

set -u
T=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$T/.." && pwd)
BIN=$TOP/bin
CORPUS=${RELAYWATCH_CORPUS:-$TOP/../shared/corpus}
PATH=$BIN:$PATH
export PATH
unset RELAYWATCH_CONF

tap_n=0
tap_failed=0
tap_cleanups=

# Run a command at exit (in reverse order of registration).
at_exit() {
	tap_cleanups="$*
$tap_cleanups"
}
tap_exit() {
	rc=$?
	trap - EXIT INT TERM HUP
	printf '%s\n' "$tap_cleanups" | while IFS= read -r c; do
		[ -n "$c" ] && eval "$c" >/dev/null 2>&1
	done
	exit $rc
}
trap tap_exit EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 141' PIPE

# own_namespace [-n]: run the rest of the test in a mount namespace of
# its own (as root, util-linux unshare), so that it may bind-mount files
# over system ones that nothing else on the machine sees; with -n, in a
# network namespace too, with only its own loopback up.  Call it first:
# the test starts again from the top inside the namespace.
own_namespace() {
	if [ -n "${RW_OWN_NAMESPACE:-}" ]; then
		[ "$RW_OWN_NAMESPACE" = -n ] && ip link set lo up
		return 0
	fi
	ns=-m
	[ "${1:-}" = -n ] && ns="-m -n"
	[ "$(id -u)" = 0 ] || skip_all "a namespace needs root"
	unshare $ns --propagation private true 2>/dev/null ||
	    skip_all "unshare $ns does not work here"
	trap - EXIT
	rm -rf "$TMP"
	RW_OWN_NAMESPACE=${1:--m} exec unshare $ns --propagation private sh "$0"
}

# private_shm: a /dev/shm of the test's own (after own_namespace):
# libfaketime keeps a semaphore and shared memory there for each process,
# which one killed leaves behind, and a later process of the same pid
# then fails.  They go with the namespace.
private_shm() {
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm
}

# no_dns: the test's DNS queries go to a resolver of its own on its own
# loopback (after own_namespace -n, as root), which answers none and
# writes each question to $TMP/dns.log (t/dns-answer).  The machine's own
# name is in the test's /etc/hosts, as on a host set up to send mail:
# swaks, the tests' SMTP client, looks it up at its start whatever --helo
# says, and a fresh chroot or container has no line for it.
no_dns() {
	echo "nameserver 127.0.0.53" > "$TMP/resolv.conf"
	mount --bind "$TMP/resolv.conf" /etc/resolv.conf || return 1
	if ! awk -v n="$(uname -n)" '$1 !~ /^#/ { for (i = 2; i <= NF; i++) if ($i == n) f = 1 } END { exit !f }' /etc/hosts; then
		{ cat /etc/hosts; printf '127.0.0.1 %s\n' "$(uname -n)"; } > "$TMP/no_dns.hosts"
		mount --bind "$TMP/no_dns.hosts" /etc/hosts || return 1
	fi
	: > "$TMP/dns.log"
	DNS_ANSWER_LOG=$TMP/dns.log "$T/dns-answer" 127.0.0.53 "$TMP/dns.ready" &
	at_exit "kill $!"
	wait_for "[ -e '$TMP/dns.ready' ]" 5
}

# A fresh directory for this test, removed at exit.
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rw-test.XXXXXX") || exit 1
at_exit "rm -rf '$TMP'"

# With TODO set, a test is a known bug: said, and not a failure.
ok() {	# ok CONDITION-STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2${TODO:+ # TODO $TODO}"
	elif [ -n "${TODO:-}" ]; then
		echo "not ok $tap_n - $2 # TODO $TODO"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
	return "$1"
}

is() {	# is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '%s\n' "got:" "$1" "want:" "$2" | sed 's/^/#   /'
		return 1
	fi
}

# like GOT PATTERN DESCRIPTION: GOT matches the grep -E pattern
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '%s\n' "got:" "$1" "want a match for: $2" | sed 's/^/#   /'
		return 1
	fi
}

# state_setup [SETTING...]: a state in $S ($TMP/st), a key, the customer
# networks 10.0.0.0/8 and $TMP/rw.conf naming them, with each SETTING
# ("name = value") after; RELAYWATCH_CONF names it.
state_setup() {
	S=$TMP/st
	mkdir -p "$S"
	(umask 077; openssl rand -hex 32 > "$TMP/key")
	echo 10.0.0.0/8 > "$TMP/netblocks"
	{
		printf '%s\n' "domain = isp.example" "keyfile = $TMP/key" \
		    "statedir = $S" "netblocks = $TMP/netblocks" \
		    "blocked_nets = $S/blocked.nets"
		for c; do printf '%s\n' "$c"; done
	} > "$TMP/rw.conf"
	RELAYWATCH_CONF=$TMP/rw.conf
	export RELAYWATCH_CONF
}

# unlike GOT PATTERN DESCRIPTION: no line of GOT matches the pattern
unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 1 "$3"
		printf '%s\n' "got:" "$1" "want no match for: $2" | sed 's/^/#   /'
		return 1
	fi
	ok 0 "$3"
}

# run CMD...: sets $out, $err and $rc
run() {
	"$@" >"$TMP/.out" 2>"$TMP/.err"
	rc=$?
	out=$(cat "$TMP/.out")
	err=$(cat "$TMP/.err")
}

diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
	exit $?
}

# skip_all REASON: the whole test cannot run here.  When
# RELAYWATCH_REQUIRE_E2E=1 (as CI sets it), that is a failure.
skip_all() {
	if [ "${RELAYWATCH_REQUIRE_E2E:-0}" = 1 ]; then
		echo "1..1"
		echo "not ok 1 - cannot run: $1 (RELAYWATCH_REQUIRE_E2E=1)"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

# skip_one REASON: one test that cannot run here; a failure when
# RELAYWATCH_REQUIRE_E2E=1.
skip_one() {
	tap_n=$((tap_n + 1))
	if [ "${RELAYWATCH_REQUIRE_E2E:-0}" = 1 ]; then
		echo "not ok $tap_n - cannot run: $1 (RELAYWATCH_REQUIRE_E2E=1)"
		tap_failed=$((tap_failed + 1))
	else
		echo "ok $tap_n # SKIP $1"
	fi
}

# need CMD...: skip the whole test unless each command is there.
need() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed"
	done
}

# Wait up to $2 seconds (default 10) for the shell condition $1.
wait_for() {
	i=0
	while ! eval "$1"; do
		i=$((i + 1))
		[ "$i" -gt $((${2:-10} * 10)) ] && return 1
		sleep 0.1
	done
	return 0
}

# left_behind PID: what is left of relaywatch(8) that ran as PID: its
# session, and the pipeline's and the reporter's (their own sessions),
# which name $TMP or PID; zombies aside.
left_behind() {
	ps -eo sid=,stat=,args= | awk -v sv="$1" -v tmp="$TMP" '$2 !~ /^Z/ &&
	    ($1 == sv || (index($0, tmp) && /relaywatch|tail -n 0/ && $3 != "awk") ||
	    $0 ~ "relaywatch-reporter [0-9]+ " sv "$")'
}

# exim_finds STATEDIR IP: the record Exim's RCPT ACL finds for IP, as the
# shipped fragment looks it up: recent.cdb first, then state.cdb.
exim_finds() {
	cdb -q "$1/recent.cdb" "$2" 2>/dev/null ||
	    cdb -q "$1/state.cdb" "$2" 2>/dev/null
}

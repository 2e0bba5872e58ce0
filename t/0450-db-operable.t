#!/bin/sh
# relaywatch-db as operators run it: as root on the service user's state,
# a retest's answer reaching Exim at once, a state directory that is not
# there, and the command line's mistakes.
. "$(dirname "$0")/lib.sh"
need cdb

S=$TMP/state.d
E=$TMP/etc
mkdir -p "$S" "$E"
printf '%s\n' "statedir = $S" "blocked_nets = $E/blocked.nets" > "$TMP/rw.conf"
db() { relaywatch-db -c "$TMP/rw.conf" "$@"; }
now=$(date +%s)

# 1. Files keep the owner of the state directory (or of the file they
# replace), whoever runs the command.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	chmod 755 "$TMP"; chmod 644 "$TMP/rw.conf"
	chown nobody: "$S" "$E"
	owners() { find "$S" "$E" -mindepth 1 ! -user nobody -printf '%p %u\n'; }
	echo "192.0.2.7 BLOCK $now why=relayed" | db apply > /dev/null
	is "$(owners)" "" "apply as root on a fresh state: state, state.cdb, blocked.nets owned by the directory's owner"
	db unblock -w test 192.0.2.7 > /dev/null
	db compile
	db compact > /dev/null
	echo "192.0.2.8 UNKNOWN $now why=probe" | db apply > /dev/null
	db sweep > /dev/null
	is "$(owners)" "" "unblock, compile, compact and sweep as root: still the service user's"
	ls "$S" > "$TMP/ls"
	is "$(grep -c '^state' "$TMP/ls")" 3 "state, state.1 and state.cdb"
	su -s /bin/sh nobody -c "echo '192.0.2.9 BLOCK $now why=relayed' | relaywatch-db -c '$TMP/rw.conf' apply" > /dev/null 2>&1
	ok $? "the service user still writes the state after root did"
	# The service user's links lead root nowhere (item 10 of the
	# attacks): a root-only file linked as blocked.nets or as state.
	printf 'root secret\n' > "$TMP/secret"
	chmod 600 "$TMP/secret"
	su -s /bin/sh nobody -c "rm -f '$E/blocked.nets' && ln -s '$TMP/secret' '$E/blocked.nets'"
	run db apply <<-IN
	192.0.2.10 BLOCK $now why=relayed
	IN
	like "$rc:$err" "^75:.*blocked\.nets: Too many levels of symbolic links" "a link as blocked.nets: root's apply does not follow it (75)"
	[ -L "$E/blocked.nets" ] && [ -z "$(find "$E" -type f -exec grep -l 'root secret' {} +)" ]
	ok $? "  nothing of the file it names copied"
	is "$(cat "$TMP/secret")" "root secret" "  and that file left alone"
	run db compile
	like "$rc:$err" "^75:.*blocked\.nets: Too many levels of symbolic links" "  compile: the same failure, the same status (75)"
	rm -f "$E/blocked.nets"
	mv "$S/state" "$S/state.real"
	printf '192.0.2.1 OK 1\n' > "$TMP/rootstate"
	chmod 644 "$TMP/rootstate"
	su -s /bin/sh nobody -c "ln -s '$TMP/rootstate' '$S/state'"
	run db apply <<-IN
	192.0.2.11 BLOCK $now why=relayed
	IN
	is "$rc" 75 "a link as state: root's apply refuses it (75)"
	is "$(cat "$TMP/rootstate")" "192.0.2.1 OK 1" "  and appends nothing to the file it names"
	rm -f "$S/state"
	mv "$S/state.real" "$S/state"
	# Run by root, the checks are made as the service user.
	printf '%s\n' "statedir = $S" "netblocks = $TMP/nets" "probe_source = 127.0.0.9" \
	    "domain = isp.example" "keyfile = $TMP/rootkey" "mainlog = $TMP/mainlog" > "$TMP/check.conf"
	echo 127.0.0.0/8 > "$TMP/nets"
	(umask 077; openssl rand -hex 32 > "$TMP/rootkey")
	: > "$TMP/mainlog"
	chmod 644 "$TMP/nets" "$TMP/check.conf" "$TMP/mainlog"
	run relaywatch-db -c "$TMP/check.conf" check
	like "$rc:$err" "^77:.*rootkey" "check run by root: a key only root can read is refused (the service user cannot)"
else
	skip_one "ownership needs root and the user nobody"
fi
rm -rf "$S"/* "$E"/*

# 2. A BLOCK lifted by a retest's answer reaches Exim when apply exits.
echo "192.0.2.20 BLOCK $now why=relayed" | db apply > /dev/null
db retest 192.0.2.20 > /dev/null
echo "192.0.2.20 BLOCK $((now + 1)) why=relayed retest=pending" | db apply > /dev/null
echo "192.0.2.20 OK $((now + 2)) why=refused token-time=$((now + 1))" | db apply > "$TMP/changes"
like "$(cat "$TMP/changes")" "^192.0.2.20 BLOCK OK " "apply: the retest's answer lifts the BLOCK"
like "$(exim_finds "$S" 192.0.2.20)" "^OK " "apply: Exim finds OK at once, without a compile"
grep -q '^192.0.2.20 ' "$E/blocked.nets"
ok $((! $?)) "apply: blocked.nets no longer lists it"

# 6. A state directory that is not there is an error, not an empty state.
printf 'statedir = %s\n' "$TMP/nowhere" > "$TMP/bad.conf"
for c in "list" "show 192.0.2.1" "compile" "sweep"; do
	run relaywatch-db -c "$TMP/bad.conf" $c
	is "$rc" 66 "$c on a missing statedir: 66"
	like "$err" "nowhere.*statedir in .*bad.conf.*No such file" "$c: says which directory and where it is set"
done

# 9. The command line.
run relaywatch-db -h
is "$rc" 0 "-h: exit 0"
like "$out" "^usage: relaywatch-db" "-h: the usage on standard output"
run db lst
is "$rc" 64 "a mistyped command: 64"
like "$err" '"lst": no such command' "a mistyped command is named"
run db unblock 192.0.2.20
is "$rc" 64 "unblock without a reason: 64"
like "$err" "unblock needs a reason: unblock -w TEXT 192.0.2.20" "unblock without a reason says so"
run db list ok
is "$rc" 0 "list takes a status in any case"
like "$out" "^192.0.2.20 OK" "list ok lists the OKs"
run db compile extra
is "$rc" 64 "compile with an argument: 64"
run db setting
is "$rc" 64 "setting without a name: 64"

# exim-macros: the settings Exim shares, from relaywatch.conf.
printf '%s\n' "statedir = $S" "domain = isp.example" "probe_source = 192.0.2.9 2001:db8::9" \
    "warn_only = yes" > "$TMP/m.conf"
run relaywatch-db -c "$TMP/m.conf" exim-macros
is "$(printf '%s\n' "$out" | grep -v '^#')" "RELAYWATCH_CDB = $S/state.cdb
RELAYWATCH_RECENT = $S/recent.cdb
RELAYWATCH_SERIAL = $S/cdb.serial
RELAYWATCH_MARKS = $S/cdb.serial.d
RELAYWATCH_DOMAINS = isp.example
RELAYWATCH_MAILBOX = relaytest
RELAYWATCH_ABUSE = abuse@isp.example
RELAYWATCH_PROBE_SOURCE = <; 192.0.2.9 ; 2001:db8::9
RELAYWATCH_IPV6_PREFIX = 64
RELAYWATCH_PROBE_KEEP = F,691200s,15m
RELAYWATCH_WARN_ONLY = yes" "exim-macros: one macro per shared setting, defaults applied"
printf '%s\n' 'statedir = /var/lib/$x{rw}' "domain = isp.example" > "$TMP/m.conf"
run relaywatch-db -c "$TMP/m.conf" exim-macros
like "$rc:$err" '^78:.*character Exim would expand' "exim-macros: a statedir Exim would expand is refused"
printf 'probe_source = 192.0.2.9 192.0.2.10\n' > "$TMP/m.conf"
run relaywatch-db -c "$TMP/m.conf" exim-macros
like "$rc:$err" '^78:.*at most one IPv4 and one IPv6 address' "probe_source: one address per family"
done_testing

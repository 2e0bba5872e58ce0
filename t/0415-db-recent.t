#!/bin/sh
# A verdict at any size of the state: relaywatch-db decides on state.cdb
# and the lines after it, and makes a change Exim's through recent.cdb;
# compile builds without the lock and keeps what was applied meanwhile.
. "$(dirname "$0")/lib.sh"
need cdb awk flock

S=$TMP/state.d
mkdir -p "$S"
printf 'statedir = %s\nblocked_nets = %s\n' "$S" "$TMP/blocked.nets" > "$TMP/rw.conf"
db() { relaywatch-db -c "$TMP/rw.conf" "$@"; }
ino() { stat -c %i "$1"; }

# 20,000 addresses, one damaged line among them; compiled.
awk 'BEGIN { for (i = 0; i < 20000; i++) {
	printf "10.1.%d.%d UNKNOWN 1000 why=probe\n", int(i / 256), i % 256
	if (i == 77) print "10.1.0.77 UNKNOWN 10x0 why=probe" } }' > "$S/state"
run db compile
like "$err" "state:79: time is not a number of seconds" "compile names the damaged line"
cdb_ino=$(ino "$S/state.cdb") recent_ino=$(ino "$S/recent.cdb")
is "$(cdb -d -m "$S/recent.cdb")" "relaywatch-state $(stat -c '%d %i %s' "$S/state")" \
    "recent.cdb after compile: empty, ending where state.cdb does"

# A verdict that changes nothing Exim sees: no whole read of the state
# (the damaged line is not said again), no CDB written.
run db apply <<IN
10.1.0.5 OK 2000 why=refused
IN
is "$out" "10.1.0.5 UNKNOWN OK 2000 why=refused" "apply: the status before, from state.cdb"
is "$err" "" "apply: the state not read whole (its damaged line not said)"
is "$(ino "$S/state.cdb") $(ino "$S/recent.cdb")" "$cdb_ino $recent_ino" \
    "apply: no change Exim acts on, no CDB written"
is "$(exim_finds "$S" 10.1.0.5)" "UNKNOWN 1000 why=probe" \
    "  (what Exim finds of it is the compiled line: it acts on BLOCKs only)"

# A new BLOCK: in recent.cdb, state.cdb left alone.
run db apply <<IN
10.1.0.6 BLOCK 2100 why=relayed
IN
is "$out" "10.1.0.6 UNKNOWN BLOCK 2100 why=relayed" "apply: a new BLOCK"
is "$(cdb -q "$S/recent.cdb" 10.1.0.6)" "BLOCK 2100 why=relayed" "  in recent.cdb"
is "$(ino "$S/state.cdb")" "$cdb_ino" "  state.cdb not rebuilt"
is "$(cdb -q "$S/recent.cdb" 10.1.0.5)" "OK 2000 why=refused" \
    "  recent.cdb holds every address of the lines after state.cdb"
like "$(cat "$TMP/blocked.nets")" "^10\.1\.0\.6  # relaywatch " "  and blocked.nets"

# The lines after state.cdb decide: the BLOCK stands against an OK.
run db apply <<IN
10.1.0.6 OK 2200 why=refused
IN
like "$err" "10.1.0.6: BLOCK stands; OK not recorded" "the lines after state.cdb: the BLOCK stands"

# The operator's commands the same way.
run db unblock -w "checked" 10.1.0.6
like "$out" "^10\.1\.0\.6 BLOCK OK [0-9]+ why=unblocked" "unblock: from the lines after state.cdb"
is "$err" "" "  the state not read whole"
like "$(exim_finds "$S" 10.1.0.6)" "^OK " "  Exim finds it lifted"
is "$(grep -c relaywatch "$TMP/blocked.nets")" 0 "  and out of blocked.nets"

# compile: the changes into state.cdb, recent.cdb empty again, Exim
# finds the same.
db apply > /dev/null <<IN
10.1.0.8 BLOCK 2300 why=relayed
IN
db compile 2> /dev/null
is "$(cdb -q "$S/state.cdb" 10.1.0.8) | $(cdb -q "$S/recent.cdb" 10.1.0.8)" \
    "BLOCK 2300 why=relayed | " "compile: the BLOCK in state.cdb, recent.cdb empty"
is "$(grep -c '^10\.1\.0\.8 ' "$TMP/blocked.nets")" 1 "  and blocked.nets has it once"

# compile holds no lock while it builds: stopped in the middle of its
# build, the state can be locked, a BLOCK applied; what compile then puts
# in place keeps it.
awk 'BEGIN { for (i = 0; i < 2000000; i++)
	printf "10.%d.%d.%d OK 1000 why=refused\n", int(i / 65536) + 2,
	    int(i / 256) % 256, i % 256 }' >> "$S/state"
db compile 2> /dev/null
relaywatch-db -c "$TMP/rw.conf" compile 2> /dev/null &
c=$!
n=0	# (as tight a loop as sh has: no process a round)
while :; do
	set -- "$S"/.state.cdb.*
	[ -e "$1" ] && break
	n=$((n + 1))
	[ $n -lt 1000000 ] || break
done
kill -STOP $c
flock -n -x "$S/state" true
ok $? "compile building: the state not locked"
run db apply <<IN
10.1.0.9 BLOCK 2400 why=relayed
IN
is "$rc:$out" "0:10.1.0.9 UNKNOWN BLOCK 2400 why=relayed" "  a BLOCK applied meanwhile"
kill -CONT $c
wait $c
ok $? "  compile finishes"
is "$(exim_finds "$S" 10.1.0.9)" "BLOCK 2400 why=relayed" "  the BLOCK applied meanwhile still found by Exim"
is "$(cdb -q "$S/recent.cdb" 10.1.0.9)" "BLOCK 2400 why=relayed" "  (in recent.cdb, made again for the lines after the new state.cdb)"

# No state.cdb, or one of another state file: all of the state read,
# said, and both CDBs built.
rm "$S/state.cdb"
run db apply <<IN
10.1.0.10 BLOCK 2500 why=relayed
IN
like "$err" "state.cdb: missing; reading all of .*state \(relaywatch-db compile makes it again\)" \
    "no state.cdb: said"
is "$(cdb -q "$S/state.cdb" 10.1.0.10) | $(cdb -d -m "$S/recent.cdb" | grep -vc '^relaywatch-state ')" \
    "BLOCK 2500 why=relayed | 0" "  state.cdb built whole, recent.cdb empty"
cp "$S/state" "$S/state.new" && mv "$S/state.new" "$S/state"
run db apply <<IN
10.1.0.11 BLOCK 2600 why=relayed
IN
like "$err" "state.cdb: built from a state file since compacted or replaced; reading all" \
    "state.cdb of another state file: said"
is "$(exim_finds "$S" 10.1.0.11)" "BLOCK 2600 why=relayed" "  the BLOCK found by Exim"
run db apply <<IN
10.1.0.12 OK 2700 why=refused
IN
is "$err" "" "  and the next apply goes on from the new state.cdb"

# A recent.cdb that cannot be replaced (a directory in its place): 75,
# the BLOCK recorded, the work marked; the MTA's retry does it.
rm "$S/recent.cdb"
mkdir -p "$S/recent.cdb/x"
run db apply <<IN
10.1.0.13 BLOCK 2800 why=relayed
IN
is "$rc" 75 "recent.cdb cannot be written: 75"
like "$err" "recent.cdb" "  naming it"
is "$(tail -n 1 "$S/state")" "10.1.0.13 BLOCK 2800 why=relayed" "  the BLOCK recorded"
ok $([ -e "$S/enforce-pending" ]; echo $?) "  the work left marked"
rm -r "$S/recent.cdb"
run db apply <<IN
10.1.0.13 BLOCK 2800 why=relayed
IN
is "$rc:$(exim_finds "$S" 10.1.0.13)" "0:BLOCK 2800 why=relayed" "the retry: Exim finds the BLOCK"
ok $([ ! -e "$S/enforce-pending" ]; echo $?) "  the work done"

# cdb.serial: a new line after each recent.cdb, so that an SMTP session
# looks again; one that cannot be written fails the same way.
serial=$(cat "$S/cdb.serial")
like "$serial" '^[0-9]+\.[0-9]{9}-[0-9]+$' "cdb.serial: the time and the writer"
is "$(stat -c %a "$S/cdb.serial")" 644 "  readable by Exim"
run db apply <<IN
10.1.0.14 BLOCK 2900 why=relayed
IN
ok $([ "$(cat "$S/cdb.serial")" != "$serial" ]; echo $?) "  a new one after apply"
serial=$(cat "$S/cdb.serial")
run db compile
ok $([ "$(cat "$S/cdb.serial")" != "$serial" ]; echo $?) "  and after compile"
serial=$(cat "$S/cdb.serial")
run db unblock -w test 10.1.0.14
ok $([ "$(cat "$S/cdb.serial")" != "$serial" ]; echo $?) "  and after unblock"
rm "$S/cdb.serial"
mkdir -p "$S/cdb.serial/x"
run db apply <<IN
10.1.0.15 BLOCK 3000 why=relayed
IN
is "$rc" 75 "cdb.serial cannot be written: 75"
like "$err" "cdb.serial" "  naming it"
is "$(exim_finds "$S" 10.1.0.15)" "BLOCK 3000 why=relayed" "  recent.cdb written before it"
rm -r "$S/cdb.serial"
run db apply <<IN
10.1.0.15 BLOCK 3000 why=relayed
IN
ok $([ "$rc" = 0 ] && [ -s "$S/cdb.serial" ]; echo $?) "the retry writes it"
done_testing

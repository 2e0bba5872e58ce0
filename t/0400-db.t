#!/bin/sh
# relaywatch-db: the rules of the state, the CDB Exim reads, bad input.
. "$(dirname "$0")/lib.sh"
need cdb

S=$TMP/state.d
mkdir -p "$S"
cat > "$TMP/rw.conf" <<CONF
statedir = $S
blocked_nets = $TMP/blocked.nets
domain = isp.example
pending_timeout = 48h
CONF
db() { relaywatch-db -c "$TMP/rw.conf" "$@"; }
apply() { printf '%s\n' "$@" | db apply; }
# What Exim's RCPT ACL finds: recent.cdb first, then state.cdb.
lookup() {
	cdb -q "$S/recent.cdb" "$1" 2>/dev/null ||
	    cdb -q "$S/state.cdb" "$1" 2>/dev/null
}

# blocked.nets has people's lines too.
printf '%s\n' "# blocked by hand" "10.9.9.9   # John: spam run, 2025" "192.0.2.99" > "$TMP/blocked.nets"

# A first verdict for each IP is a change from "-".
out=$(apply "192.0.2.1 UNKNOWN 1000 why=probe" "2001:db8::5 UNKNOWN 1000 why=probe")
is "$out" "192.0.2.1 - UNKNOWN 1000 why=probe
2001:db8::5 - UNKNOWN 1000 why=probe" "apply: new IPs are changes from -"
is "$(cat "$S/state")" "192.0.2.1 UNKNOWN 1000 why=probe
2001:db8::5 UNKNOWN 1000 why=probe" "apply: recorded in the state"

# A BLOCK is in what Exim reads before apply exits.
out=$(apply "192.0.2.1 BLOCK 2000 why=relayed variant=plain via=192.0.2.1")
is "$out" "192.0.2.1 UNKNOWN BLOCK 2000 why=relayed variant=plain via=192.0.2.1" "apply: UNKNOWN -> BLOCK printed"
is "$(lookup 192.0.2.1)" "BLOCK 2000 why=relayed variant=plain via=192.0.2.1" "apply: new BLOCK already where Exim looks"
is "$(lookup 2001:db8::5)" "UNKNOWN 1000 why=probe" "Exim finds every IP's last line"
is "$(cat "$TMP/blocked.nets")" "# blocked by hand
10.9.9.9   # John: spam run, 2025
192.0.2.99
192.0.2.1  # relaywatch 1970-01-01 why=relayed" "apply: a new BLOCK is appended to blocked.nets, people's lines kept"

# Rules: only an operator lifts a BLOCK.
run db apply <<IN
192.0.2.1 OK 3000 why=refused diag="550 5.7.1 relaying denied"
IN
is "$out" "" "rule: OK never lifts a BLOCK (no change)"
like "$err" "192.0.2.1: BLOCK stands; OK not recorded" "rule: and says so"
is "$rc" 0 "rule: not an error"
run apply "192.0.2.1 UNKNOWN 3100 why=probe"
is "$out" "" "rule: UNKNOWN never replaces a BLOCK"
is "$(db list BLOCK)" "192.0.2.1 BLOCK 2000 why=relayed variant=plain via=192.0.2.1" "rule: the BLOCK stands"
run apply "192.0.2.1 BLOCK 3200 why=relayed variant=percent via=192.0.2.1"
is "$out" "" "rule: BLOCK on BLOCK is no change"
is "$(tail -n 1 "$S/state")" "192.0.2.1 BLOCK 3200 why=relayed variant=percent via=192.0.2.1" "rule: but the evidence is kept"

# OK and UNKNOWN move freely otherwise.
out=$(apply "2001:db8::5 OK 2000 why=refused" "2001:db8::5 OK 2001 why=refused")
is "$out" "2001:db8::5 UNKNOWN OK 2000 why=refused" "apply: UNKNOWN -> OK once, OK -> OK silent"
out=$(apply "2001:db8::5 UNKNOWN 5000 why=probe")
is "$out" "2001:db8::5 OK UNKNOWN 5000 why=probe" "apply: OK -> UNKNOWN on a retest"

# Bad verdicts: named, exit 65, the good ones still recorded.
run db apply <<'IN'
192.0.2.7 OK 100 why=refused
192.0.2.07 OK 100
192.0.2.8 MAYBE 100
192.0.2.8 OK 0100
192.0.2.8 OK 100 why="unterminated
192.0.2.8 OK 100 Why=x
192.0.2.8 OK 100 why=a b
192.0.2.8 OK 100 
2001:DB8::8 OK 100
192.0.2.8 OK 99999999999999999999
192.0.2.9 OK 100 diag="a \"quoted\" text" why=x
IN
is "$rc" 65 "bad verdicts: exit 65"
is "$out" "192.0.2.7 - OK 100 why=refused
192.0.2.9 - OK 100 diag=\"a \\\"quoted\\\" text\" why=x" "bad verdicts: the good ones recorded"
is "$(printf '%s\n' "$err" | cut -d: -f1-3 | sort -u)" "relaywatch-db: standard input:10
relaywatch-db: standard input:2
relaywatch-db: standard input:3
relaywatch-db: standard input:4
relaywatch-db: standard input:5
relaywatch-db: standard input:6
relaywatch-db: standard input:7
relaywatch-db: standard input:8
relaywatch-db: standard input:9" "bad verdicts: each named by line"
like "$err" ':2: "192.0.2.07 OK 100": leading zero' "bad verdicts: the reason"
head -c 100000 /dev/urandom > "$TMP/junk"
run db apply < "$TMP/junk"
ok $([ "$rc" = 65 ] || [ "$rc" = 0 ]; echo $?) "random bytes: no crash (exit $rc)"
printf '192.0.2.10 OK 1' | db apply > /dev/null
is "$(lookup 192.0.2.10)" "" "a verdict without newline still counts (not a BLOCK: no compile)"
is "$(db list OK | grep -c 192.0.2.10)" 1 "and is recorded"

# compile: last line wins, damaged lines named, the rest compiled.
cp "$S/state" "$TMP/state.good"
printf 'garbage\n192.0.2.50 BLOCK x\n' >> "$S/state"
printf '192.0.2.51 UNKNOWN 7000 why=probe\n' >> "$S/state"
run db compile
is "$rc" 0 "compile with damaged lines: exit 0"
like "$err" "state:[0-9]+: expected IP STATUS TIME" "compile: damaged line named"
is "$(lookup 192.0.2.51)" "UNKNOWN 7000 why=probe" "compile: lines after damage still compiled"
is "$(lookup 192.0.2.1)" "BLOCK 3200 why=relayed variant=percent via=192.0.2.1" "compile: last line wins"
is "$(cdb -d -m "$S/state.cdb" | grep -vc "^relaywatch-state ")" "$(db list 2>/dev/null | grep -c .)" "compile: one record per IP"
# and where it read up to: "DEV INO OFFSET", the state's end
is "$(cdb -q "$S/state.cdb" relaywatch-state | cut -d' ' -f2,3)" \
    "$(stat -c '%i %s' "$S/state")" "compile: the CDB names the state file and its end"
ls -A "$S" | grep -v -e '^state$' -e '^state.cdb$' -e '^recent.cdb$' -e '^cdb.serial$' -e '^cdb.serial.d$' \
    -e '^outbox$' > "$TMP/left"
is "$(cat "$TMP/left")" "" "compile: no temp files left"
# The damage repaired (as an operator would), so that the commands below
# have nothing to say about it.
grep -v -e '^garbage$' -e '^192.0.2.50 BLOCK x$' "$S/state" > "$TMP/state.fixed"
cat "$TMP/state.fixed" > "$S/state"
run db compile
is "$err" "" "compile: the repaired state reads clean"

# No state yet: an empty, valid CDB (but for where it ends in the state).
mkdir -p "$TMP/empty"
printf 'statedir = %s\nblocked_nets = %s\n' "$TMP/empty" "$TMP/empty/b" > "$TMP/empty.conf"
relaywatch-db -c "$TMP/empty.conf" compile
ok $? "compile without a state"
cdb -s "$TMP/empty/state.cdb" > /dev/null 2>&1
ok $? "the empty CDB is valid"
is "$(cdb -d -m "$TMP/empty/state.cdb" | grep -v '^relaywatch-state ')" "" "and empty"

# State that cannot be written: a temporary failure (75).
printf 'statedir = %s\nblocked_nets = %s\n' "$TMP/notadir/x" "$TMP/b" > "$TMP/bad.conf"
: > "$TMP/notadir"
run sh -c "echo '192.0.2.1 BLOCK 1 why=relayed' | relaywatch-db -c '$TMP/bad.conf' apply"
is "$rc" 75 "apply: state not writable: exit 75"
like "$err" "notadir/x/state: Not a directory" "apply: says why"

# sweep: UNKNOWN whose probe the host accepted (delivered=), silent past
# pending_timeout, becomes OK; nothing else moves.
now=$(date +%s)
apply "198.51.100.1 UNKNOWN $((now - 49 * 3600)) why=probe delivered=$((now - 49 * 3600 + 30))" \
    "198.51.100.2 UNKNOWN $((now - 47 * 3600)) why=probe delivered=$((now - 47 * 3600))" \
    "198.51.100.3 BLOCK $((now - 100 * 3600)) why=relayed" \
    "198.51.100.6 UNKNOWN $((now - 49 * 3600)) why=probe delivered=$((now - 47 * 3600))" > /dev/null
out=$(db sweep 2>"$TMP/sweep.err")
like "$(cat "$TMP/sweep.err")" "2001:db8::5: no delivery of its probe" "sweep: the older tests above, never delivered, named"
like "$out" "^198.51.100.1 UNKNOWN OK [0-9]+ why=no-answer tested=[0-9]+$" "sweep: 49 h of silence after the delivery is OK"
is "$(db list UNKNOWN | cut -d' ' -f1 | grep 198.51 | tr '\n' ' ')" "198.51.100.2 198.51.100.6 " "sweep: 47 h is still pending, counted from the delivery"
is "$(db list BLOCK | cut -d' ' -f1 | grep 198.51)" "198.51.100.3" "sweep: never touches a BLOCK"
# A test whose probe never reached the host (the pipeline died after
# relaywatch-due recorded it, sendmail failed, our Exim could not send it):
# its silence proves nothing.  Tested again, and said.
apply "198.51.100.7 UNKNOWN $((now - 49 * 3600)) why=probe" > /dev/null
run db sweep
is "$out" "" "sweep: a test without a delivery is not OK"
is "$(awk '$1 == "198.51.100.7"' "$S/state" | tail -n 1)" "198.51.100.7 UNKNOWN $(awk '$1 == "198.51.100.7" && /undelivered/ { print $3 }' "$S/state") why=undelivered probed=$((now - 49 * 3600))" \
    "  it stays UNKNOWN, why=undelivered, for relaywatch-due to test again"
like "$err" "198\.51\.100\.7: no delivery of its probe .*tested again" "  said with the address"
like "$err" "1 tests without a delivery of their probe: is Exim sending probes" "  and what to look at"
run db sweep
is "$out$err" "" "sweep: said once, not at every sweep"
# A retest an operator asked for: once its probe went out and was
# delivered (retest=pending delivered=, as relaywatch-due records them),
# silence lifts the BLOCK; before that, nothing does.
apply "198.51.100.4 BLOCK $((now - 49 * 3600)) why=relayed retest=pending delivered=$((now - 49 * 3600))" \
    "198.51.100.5 BLOCK $((now - 49 * 3600)) why=relayed retest=requested" \
    "198.51.100.8 BLOCK $((now - 49 * 3600)) why=relayed retest=pending" > /dev/null
run db sweep
like "$out" "^198.51.100.4 BLOCK OK [0-9]+ why=no-answer tested=[0-9]+ retest-result=silent$" "sweep: silence after a retest's delivered probe lifts the BLOCK, saying so"
like "$(lookup 198.51.100.4)" "^OK " "sweep: and Exim sees it at once"
is "$(db list BLOCK | cut -d' ' -f1 | grep 198.51.100.5)" "198.51.100.5" "sweep: a retest not yet probed keeps the BLOCK"
like "$(lookup 198.51.100.8)" "^BLOCK [0-9]+ why=relayed retest=requested retest-result=undelivered$" \
    "sweep: a retest whose probe was never delivered keeps the BLOCK, and asks the retest again"
like "$err" "198\.51\.100\.8: no delivery of its probe .*its retest asked again" "  and says so"
if command -v faketime >/dev/null 2>&1; then
	# (faketime preloads a library: let an ASan build allow that.)
	out=$(ASAN_OPTIONS=verify_asan_link_order=0 faketime -f '+2h' relaywatch-db -c "$TMP/rw.conf" sweep 2>&1)
	like "$out" "^198.51.100.2 UNKNOWN OK" "sweep: with the clock moved 2 h on"
else
	skip_one "faketime not installed"
fi

# Operators: unblock and retest.  by= is the real user; for root, the
# user behind sudo (SUDO_USER, which must name a user).
if [ "$(id -u)" = 0 ]; then alice=daemon bob=bin; else alice=$(id -un) bob=$(id -un); fi
out=$(SUDO_USER=daemon db unblock -w "customer fixed it, ticket 42" 192.0.2.1)
like "$out" "^192.0.2.1 BLOCK OK [0-9]+ why=unblocked by=$alice note=\"customer fixed it, ticket 42\"\$" "unblock: a change BLOCK -> OK, with who and why"
like "$(lookup 192.0.2.1)" "^OK [0-9]+ why=unblocked" "unblock: Exim sees it at once"
is "$(grep -c '^192.0.2.1 ' "$TMP/blocked.nets")" 0 "unblock: relaywatch's line leaves blocked.nets"
is "$(head -n 3 "$TMP/blocked.nets")" "# blocked by hand
10.9.9.9   # John: spam run, 2025
192.0.2.99" "unblock: people's lines stay"
run db unblock -w again 192.0.2.1
is "$rc" 65 "unblock: a host not blocked: 65"
like "$err" "192.0.2.1: not blocked \(OK\)" "unblock: says so"
run db unblock 192.0.2.1
is "$rc" 64 "unblock: -w is required"
run db unblock -w x 203.0.113.9
is "$rc" 65 "unblock: unknown host: 65"
# (times after now: the operator's retest is written at the clock's time)
t0=$(date +%s)
apply "203.0.113.7 BLOCK $((t0 + 5000)) why=relayed" > /dev/null
out=$(SUDO_USER=bin db retest -w "says it is fixed" 203.0.113.7)
is "$out" "" "retest: no change of status"
like "$(tail -n 1 "$S/state")" "^203.0.113.7 BLOCK [0-9]+ why=relayed retest=requested by=$bob note=\"says it is fixed\"\$" "retest: recorded with who and why, the BLOCK stands"
like "$(lookup 203.0.113.7)" "^BLOCK " "retest: still refused meanwhile"
out=$(apply "203.0.113.7 UNKNOWN $((t0 + 6000)) why=probe" 2>"$TMP/stands")
is "$out" "" "retest: UNKNOWN still does not replace the BLOCK"
like "$(cat "$TMP/stands")" "203.0.113.7: BLOCK stands; UNKNOWN not recorded" "  and says so"
out=$(apply "203.0.113.7 OK $((t0 + 6001)) why=refused token-time=$((t0 + 6000))" 2>"$TMP/stands")
is "$out" "" "retest: an answer before the retest's probe went out does not lift it"
like "$(cat "$TMP/stands")" "203.0.113.7: BLOCK stands; OK not recorded" "  and says so"
# relaywatch-due passes it on for its probe: retest=pending from then on.
apply "203.0.113.7 BLOCK $((t0 + 6010)) why=relayed retest=pending" > /dev/null
out=$(apply "203.0.113.7 OK $((t0 + 6020)) why=refused token-time=$((t0 + 5000))" 2>"$TMP/stands")
is "$out" "" "retest: a late answer to an older probe does not lift it"
like "$(cat "$TMP/stands")" "203.0.113.7: BLOCK stands; OK not recorded" "  and says so"
out=$(apply "203.0.113.7 OK $((t0 + 6020)) why=refused" 2>"$TMP/stands")
is "$out" "" "retest: an answer without the time of its probe does not lift it"
out=$(apply "203.0.113.7 OK $((t0 + 6021)) why=unreachable token-time=$((t0 + 6010))" 2>"$TMP/stands")
is "$out" "" "retest: the retest's probe unreachable (nothing tested): the BLOCK stands"
like "$(cat "$TMP/stands")" "203.0.113.7: retest answered without a test .*why=unreachable.*; BLOCK stands" "  and says so"
is "$(tail -n 1 "$S/state")" "203.0.113.7 BLOCK $((t0 + 6021)) why=relayed retest-result=unreachable" "  the request is over, the result kept"
like "$(db show 203.0.113.7 | head -n 1)" "^203\.0\.113\.7: BLOCK since .* \(relayed\)$" "  show no longer says a retest is asked"
db retest 203.0.113.7 > /dev/null
apply "203.0.113.7 BLOCK $((t0 + 6030)) why=relayed retest=pending" > /dev/null
out=$(apply "203.0.113.7 OK $((t0 + 6040)) why=no-smtp token-time=$((t0 + 6031))" 2>/dev/null)
is "$out" "" "retest: nothing listening (no-smtp): the BLOCK stands"
db retest 203.0.113.7 > /dev/null
apply "203.0.113.7 BLOCK $((t0 + 6050)) why=relayed retest=pending" > /dev/null
out=$(apply "203.0.113.7 OK $((t0 + 6061)) why=refused token-time=$((t0 + 6050))")
is "$out" "203.0.113.7 BLOCK OK $((t0 + 6061)) why=refused token-time=$((t0 + 6050))" "retest: the retest's probe refused: the BLOCK is lifted"
apply "203.0.113.8 BLOCK $((t0 + 5000)) why=relayed" > /dev/null
db retest 203.0.113.8
apply "203.0.113.8 BLOCK $((t0 + 6001)) why=relayed retest=pending" > /dev/null
out=$(apply "203.0.113.8 BLOCK $((t0 + 6002)) why=relayed variant=plain")
is "$out" "" "retest: relayed again, still BLOCK"
is "$(apply "203.0.113.8 OK $((t0 + 6003)) why=refused token-time=$((t0 + 6001))" 2>"$TMP/stands")" "" "retest: and the new BLOCK clears the retest"
like "$(cat "$TMP/stands")" "203.0.113.8: BLOCK stands; OK not recorded" "  and says so"

# compact: one line per IP, the same statuses, the old file kept.
db list > "$TMP/before"
lines=$(wc -l < "$S/state")
out=$(db compact)
like "$out" "state: $lines lines, [0-9]+ addresses; the old file is .*/state.1" "compact: says what it did"
is "$(wc -l < "$S/state")" "$(wc -l < "$TMP/before")" "compact: one line per IP"
db list > "$TMP/after"
cmp -s "$TMP/before" "$TMP/after"
ok $? "compact: every status as before"
is "$(wc -l < "$S/state.1")" "$lines" "compact: the old file is state.1"
is "$(cdb -q "$S/state.cdb" relaywatch-state | cut -d' ' -f2,3)" \
    "$(stat -c '%i %s' "$S/state")" "compact: state.cdb names the new file and its end"
db compact > /dev/null
[ -f "$S/state.2" ] && [ -f "$S/state.1" ]
ok $? "compact again: state.1 becomes state.2"

# list and show.
run db list MAYBE
is "$rc" 64 "list: unknown status is a usage error"
out=$(db show 192.0.2.1)
like "$out" "^192.0.2.1: OK since 20[0-9-]+ [0-9:]+ UTC \(unblocked\)" "show: status, since, why"
like "$(db show 203.0.113.8)" "^203.0.113.8: BLOCK since $(date -u -d @$((t0 + 5000)) "+%Y-%m-%d %H:%M:%S") UTC \(relayed\)" "show: since the status began, not the last line"
like "$out" "  1970-01-01 00:16:40 UTC  UNKNOWN why=probe" "show: history"
is "$(db show 203.0.113.1)" "203.0.113.1: never tested" "show: unknown IP"
run db show 1.2.3
is "$rc" 65 "show: bad IP, exit 65"
run db frobnicate
is "$rc" 64 "unknown command: exit 64"
run db
is "$rc" 64 "no command: exit 64"
# The text settings, for scripts.
run db setting statedir abuse mainlog
is "$rc:$out" "0:$TMP/state.d
abuse@isp.example
/var/log/exim4/mainlog" "setting: the values as read, defaults applied"
run db setting probe_rate
like "$rc:$err" "^64:.*probe_rate: not a text setting" "setting: a number is not a text setting (64)"
run db setting
is "$rc" 64 "setting without a name: 64"

# Our own MTAs (own_hosts) are never blocked, whatever the evidence: not
# one of them, nor an IPv6 network (ipv6_prefix) that holds one.
printf '100.64.0.2\n2001:db8:ff::9\n' > "$TMP/own"
echo "own_hosts = $TMP/own" >> "$TMP/rw.conf"
run db apply <<IN
100.64.0.2 BLOCK 5000 why=remailed mailbox=a@b.example
2001:db8:ff::25 BLOCK 5000 why=relayed
100.64.0.5 BLOCK 5000 why=relayed
IN
is "$rc:$out" "0:100.64.0.5 - BLOCK 5000 why=relayed" "apply: BLOCKs of our own hosts not recorded, the others are"
like "$err" "100\.64\.0\.2: one of our own hosts \(own_hosts, $TMP/own\): BLOCK not recorded" "  each said"
like "$err" "2001:db8:ff::25: one of our own hosts" "  an IPv6 BLOCK whose /64 holds one of ours too"
is "$(lookup 100.64.0.2)" "" "  not where Exim looks"
grep -q '100\.64\.0\.2' "$TMP/blocked.nets"
ok $((! $?)) "  nor in blocked.nets"
mkdir "$TMP/own.d"
sed -i "s|^own_hosts = .*|own_hosts = $TMP/own.d|" "$TMP/rw.conf"
run db apply <<IN
100.64.0.4 BLOCK 5000 why=relayed
IN
like "$rc:$err" "^75:.*own\.d.*own_hosts" "own_hosts unreadable: 75 (the MTA keeps the verdict), naming it"
sed -i "s|^own_hosts = .*|own_hosts = $TMP/own|" "$TMP/rw.conf"
# check: our own inside netblocks is said; one blocked before it was
# listed is said with the command that lifts it.
echo "100.64.0.5" >> "$TMP/own"
printf '100.64.0.0/24\n' > "$TMP/nets"
(umask 077; openssl rand -hex 32 > "$TMP/key")
printf '%s\n' "netblocks = $TMP/nets" "keyfile = $TMP/key" \
    "probe_source = 127.0.0.1" "mainlog = $TMP/mainlog" >> "$TMP/rw.conf"
run db check
like "$rc:$out" "^0:.*ok: 1 customer network, probes from 127\.0\.0\.1, 3 of our own hosts$" "check: fit to run, our own hosts counted"
like "$err" "our own host 100\.64\.0\.2 is inside netblocks" "  our own inside netblocks: said"
like "$err" "100\.64\.0\.5: one of our own hosts \(own_hosts\), BLOCKed in .*: Exim refuses it; lift it with: relaywatch-db unblock 100\.64\.0\.5" \
    "  one BLOCKed before it was listed: said, with the command that lifts it"

# by= when root acts as the state's owner: root (or the user sudo names),
# never the owner; SUDO_USER from anyone else is not believed.
if [ "$(id -u)" = 0 ] && id nobody > /dev/null 2>&1; then
	chmod 755 "$TMP"
	mkdir "$TMP/nobody.d"
	printf '%s\n' "statedir = $TMP/nobody.d" "blocked_nets = $TMP/nobody.d/blocked.nets" \
	    "domain = isp.example" > "$TMP/nobody.conf"
	printf '%s\n' "192.0.2.41 BLOCK 5000 why=relayed" "192.0.2.42 BLOCK 5000 why=relayed" \
	    "192.0.2.43 BLOCK 5000 why=relayed" > "$TMP/nobody.d/state"
	chown -R nobody "$TMP/nobody.d"
	ob() { relaywatch-db -c "$TMP/nobody.conf" "$@"; }
	ob compile
	like "$(env -u SUDO_USER relaywatch-db -c "$TMP/nobody.conf" unblock -w t 192.0.2.41)" " by=root note=t\$" \
	    "by=: root acting as the state's owner (nobody) is root"
	like "$(SUDO_USER=daemon ob unblock -w t 192.0.2.42)" " by=daemon note=t\$" "  the user sudo names, for root"
	like "$(SUDO_USER=no-such-user-here ob unblock -w t 192.0.2.43)" " by=root note=t\$" "  a SUDO_USER that names no user: root"
	ob retest -w t 192.0.2.41 > /dev/null 2>&1
	printf '%s\n' "192.0.2.44 BLOCK 5000 why=relayed" >> "$TMP/nobody.d/state"
	chown nobody "$TMP/nobody.d/state"
	out=$(su -s /bin/sh nobody -c "SUDO_USER=daemon PATH='$PATH' relaywatch-db -c '$TMP/nobody.conf' unblock -w t 192.0.2.44" 2>&1)
	like "$out" " by=nobody note=t\$" "  SUDO_USER set by another user: not believed"
	is "$(find "$TMP/nobody.d" ! -user nobody)" "" "  and root left nothing the owner cannot write"
	# check, as a user that cannot read the main log (Debian's: group
	# adm, mode 750), says how to fix it.
	mkdir "$TMP/alog"
	chgrp adm "$TMP/alog" && chmod 750 "$TMP/alog"
	sed "s|^mainlog = .*|mainlog = $TMP/alog/mainlog|" "$TMP/rw.conf" > "$TMP/alog.conf"
	chmod 644 "$TMP/alog.conf"
	out=$(su -s /bin/sh nobody -c "PATH='$PATH' relaywatch-db -c '$TMP/alog.conf' check" 2>&1)
	like "$out" "alog: not readable by nobody \(the directory of mainlog\): add the user to the group that reads it, then start relaywatch again: adduser nobody adm" \
	    "check: a main log the user cannot read: says the fix" || diag "$out"
else
	for i in 1 2 3 4 5 6; do skip_one "by= when root acts as the owner: needs root and a user nobody"; done
fi

done_testing

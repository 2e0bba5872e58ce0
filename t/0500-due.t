#!/bin/sh
# relaywatch-due: who is tested, and when; the clock moved by faketime.
. "$(dirname "$0")/lib.sh"
need cdb faketime

S=$TMP/state.d
mkdir -p "$S"
printf '10.0.0.0/8\n2001:db8::/32\n' > "$TMP/netblocks"
printf '# our own\n10.1.0.9\n' > "$TMP/exclude"
printf '10.1.0.10\n2001:db8:ffff::/48\n' > "$TMP/own_hosts"
cat > "$TMP/rw.conf" <<CONF
statedir = $S
netblocks = $TMP/netblocks
exclude = $TMP/exclude
own_hosts = $TMP/own_hosts
blocked_nets = $TMP/blocked.nets
pending_timeout = 48h
retest_after = 14d
retest_unreachable = 1d
probe_rate = 0
domain_wait = 0
domain = isp.example
keyfile = $TMP/key
sendmail = $TMP/sendmail
CONF
(umask 077; openssl rand -hex 32 > "$TMP/key")
printf '#!/bin/sh\ncat > /dev/null\n' > "$TMP/sendmail"
chmod 755 "$TMP/sendmail"
db() { relaywatch-db -c "$TMP/rw.conf" "$@"; }
# tokens_at TIME IP: the tokens of IP's probe sent at TIME, one a line.
tokens_at() {
	echo "$2" | at "$1" relaywatch-probe -c "$TMP/rw.conf" | cut -d' ' -f3
}
# at TIME CMD...: run CMD with the clock starting at TIME (seconds since
# the epoch).  (faketime preloads a library: let an ASan build allow it.)
at() {
	t=$1
	shift
	ASAN_OPTIONS=verify_asan_link_order=0 TZ=UTC \
	    faketime -f "@$(date -u -d "@$t" '+%Y-%m-%d %H:%M:%S')" "$@"
}
due_at() { t=$1; shift; at "$t" relaywatch-due -c "$TMP/rw.conf" "$@"; }
H=3600
D=86400
T0=1800000000

# Each host once; not outside the netblocks, nor excluded, nor one of
# our own MTAs (inside the netblocks all the same); bad lines named and
# passed over.
long=$(printf '%02000d' 0)
run due_at $T0 <<IN
10.1.0.1
10.1.0.2
10.1.0.1
192.0.2.1
10.1.0.9
bogus
10.1.0.01
2001:DB8::1
2001:db8::1
$long
10.1.0.2
10.1.0.10
2001:db8:ffff::25
IN
is "$rc" 65 "bad lines: the others read, exit 65 at the end"
is "$out" "10.1.0.1
2001:db8::1
10.1.0.2" "each host due once, in turn by network (an IPv4 /24, an IPv6 /48); outside the netblocks, excluded, our own and bad lines not"
like "$err" 'standard input:6: "bogus": not an address' "a bad line is named"
like "$err" 'standard input:7: "10.1.0.01"' "a non-canonical IPv4 address is bad"
like "$err" 'standard input:8: "2001:DB8::1"' "a non-canonical IPv6 address is bad"
like "$err" 'standard input:10: .*line too long' "a long line is bad"
like "$(cat "$S/state")" "^10.1.0.1 UNKNOWN 18000000[0-9][0-9] why=probe
10.1.0.2 UNKNOWN 18000000[0-9][0-9] why=probe
2001:db8::1 UNKNOWN 18000000[0-9][0-9] why=probe$" "each recorded as UNKNOWN why=probe"

# The rules, from state.cdb and from the lines written after it.
cat > "$S/state" <<ST
10.2.0.1 OK $((T0 - 13 * D)) why=refused
10.2.0.2 OK $((T0 - 15 * D)) why=refused
10.2.0.3 OK $((T0 - 23 * H)) why=unreachable
10.2.0.4 OK $((T0 - 25 * H)) why=unreachable
10.2.0.5 UNKNOWN $((T0 - 47 * H)) why=probe
10.2.0.8 OK $((T0 - 100 * D)) why=refused
ST
db compile
cat >> "$S/state" <<ST
10.2.0.6 UNKNOWN $((T0 - 49 * H)) why=probe
10.2.0.7 UNKNOWN $((T0 - 17 * D)) why=probe
10.2.0.8 BLOCK $((T0 - 1 * D)) why=relayed variant=plain
10.2.0.9 BLOCK $((T0 - 1 * H)) why=relayed retest=requested by=root
10.2.0.10 BLOCK $((T0 - 1 * H)) why=relayed retest=pending
10.2.0.11 OK $((T0 - 15 * D)) why=refused note="why=unreachable"
10.2.0.12 BLOCK $((T0 - 300 * D)) why=relayed
2001:db8::2 OK $((T0 - 2 * D)) why=no-smtp
192.0.2.9 BLOCK $((T0 - 1 * H)) why=relayed retest=requested by=root
10.1.0.9 BLOCK $((T0 - 1 * H)) why=relayed retest=requested by=root
ST
lines=$(wc -l < "$S/state")
run due_at $T0 <<IN
10.2.0.1
10.2.0.2
10.2.0.3
10.2.0.4
10.2.0.5
10.2.0.6
10.2.0.7
10.2.0.8
10.2.0.10
10.2.0.11
10.2.0.12
2001:db8::2
10.2.0.13
192.0.2.9
10.1.0.9
IN
is "$out" "10.2.0.9
10.2.0.2
10.2.0.4
10.2.0.7
10.2.0.11
10.2.0.13" "due: a retest asked (without mail from it: a BLOCK's mail is refused), OK past retest_after (retest_unreachable after unreachable), a stale test past both timeouts, unknown"
is "$err" "" "nothing to warn of"
tail -n +$((lines + 1)) "$S/state" | sed 's/ 18000000[0-9][0-9] / T /' > "$TMP/new"
is "$(cat "$TMP/new")" "10.2.0.9 BLOCK T why=relayed retest=pending probes=3
10.2.0.2 UNKNOWN T why=probe probes=3
10.2.0.4 UNKNOWN T why=probe probes=3
10.2.0.7 UNKNOWN T why=probe probes=3
10.2.0.11 UNKNOWN T why=probe probes=3
10.2.0.13 UNKNOWN T why=probe probes=3" "recorded: the retest's BLOCK with retest=pending, and UNKNOWN, with the probes the test sends; not a retest outside the netblocks or excluded"
run due_at $T0 <<IN
10.2.0.2
10.2.0.9
10.2.0.13
IN
is "$out" "" "run again: nothing is tested twice (status from the lines after the CDB)"
db compile
run due_at $T0 <<IN
10.2.0.9
10.2.0.13
IN
is "$out" "" "and after a compile (status from the CDB)"

# IPv6: one test at a time in a customer's network (ipv6_prefix, /64),
# none while an address of it is blocked (Exim refuses the network).
rm -f "$S"/state*
is "$(printf '2001:db8:1:2::5\n2001:db8:1:2::6\n2001:db8:1:3::7\n' | due_at $T0 2>/dev/null)" "2001:db8:1:2::5
2001:db8:1:3::7" "IPv6: one address of a /64 tested at a time; another /64 apart"
is "$(echo 2001:db8:1:2::6 | due_at $((T0 + 60)) 2>/dev/null)" "" "  the other waits while that test is under way"
printf '2001:db8:1:2::5 OK %s why=refused token-time=%s\n' $((T0 + 120)) $T0 | db apply > /dev/null
is "$(echo 2001:db8:1:2::6 | due_at $((T0 + 180)) 2>/dev/null)" "2001:db8:1:2::6" "  and is tested once it is over"
printf '2001:db8:1:2::6 BLOCK %s why=relayed\n' $((T0 + 240)) | db apply > /dev/null
db compile
is "$(printf '2001:db8:1:2::8\n2001:db8:1:2::5\n' | due_at $((T0 + 15 * D)))" "" "  none while an address of it is blocked (read from state.cdb, whose network records are passed over)"
sed 's/^probe_rate = 0$/probe_rate = 0\nipv6_prefix = 128/' "$TMP/rw.conf" > "$TMP/v6.conf"
is "$(echo 2001:db8:1:2::8 | at $((T0 + 15 * D)) relaywatch-due -c "$TMP/v6.conf")" "2001:db8:1:2::8" "  ipv6_prefix = 128: each address on its own"

# The clock moves: pending_timeout, sweep, retest_after, retest_unreachable.
rm -f "$S"/state*
is "$(echo 10.3.0.1 | due_at $T0)" "10.3.0.1" "T0: tested"
db compile
# The customer's host accepts the probe (relaywatch-hosts -d prints that
# from our main log): recorded once, for the test under way only.
tokens_at $((T0 + 1)) 10.3.0.1 > "$TMP/tok"
tokens_at $((T0 - 10)) 10.3.0.1 > "$TMP/oldtok"
tokens_at $((T0 + 1)) 10.3.0.99 > "$TMP/othertok"
lines=$(wc -l < "$S/state")
run due_at $((T0 + 20)) <<IN
10.3.0.1 delivered $(sed -n 1p "$TMP/oldtok")
10.3.0.1 delivered $(sed -n 1p "$TMP/othertok")
10.3.0.1 delivered $(sed -n 1p "$TMP/tok" | tr a-z b-za)
10.3.0.1 delivered
10.3.0.99 delivered $(sed -n 1p "$TMP/othertok")
10.3.0.1 delivered $(sed -n 1p "$TMP/tok")
10.3.0.1 delivered $(sed -n 2p "$TMP/tok")
IN
is "$out" "" "a delivery: nobody printed"
is "$(tail -n +$((lines + 1)) "$S/state" | sed 's/=18000000[0-9][0-9]$/=T/')" "10.3.0.1 UNKNOWN $T0 why=probe delivered=T" \
    "a delivery of the test's probe: the test's line again, with delivered=; once, not once a variant"
like "$err" 'standard input:2: .*not a delivery of our probe.*another address' "a token for another address: warned"
like "$err" 'standard input:3: .*not a delivery of our probe' "a forged token: warned"
like "$err" 'standard input:4: .*not an address' "a delivery without a token: warned"
is "$(printf '%s\n' "$err" | grep -c 'standard input:[15]:')" 0 \
    "an older test's probe, and a host with no test under way: passed over in silence"
is "$(echo 10.3.0.1 | due_at $((T0 + 47 * H)))" "" "47 h later: pending"
is "$(echo 10.3.0.1 | due_at $((T0 + 49 * H)))" "" "49 h later, before sweep: not tested again (sweep will make it OK)"
at $((T0 + 49 * H)) relaywatch-db -c "$TMP/rw.conf" sweep > /dev/null
db compile
like "$(db list)" "^10.3.0.1 OK 18001764[0-9][0-9] why=no-answer tested=$T0$" "sweep: no answer is OK, with the probe's time"
is "$(echo 10.3.0.1 | due_at $((T0 + 14 * D - 60)))" "" "OK for not quite retest_after since the probe: not due"
is "$(echo 10.3.0.1 | due_at $((T0 + 14 * D + 60)))" "10.3.0.1" "OK: tested again retest_after after the probe, not after the sweep"
printf '10.3.0.3 OK %s why=refused token-time=%s\n' $((T0 + 2 * H)) $T0 | db apply > /dev/null
is "$(echo 10.3.0.3 | due_at $((T0 + 14 * D + 60)))" "10.3.0.3" "a bounce's OK: counted from its probe (token-time)"
printf '10.3.0.4 OK %s why=refused token-time=%s\n' $T0 $((T0 + 9 * D)) | db apply > /dev/null
is "$(echo 10.3.0.4 | due_at $((T0 + 14 * D - 60)))" "" "a token-time after the line is not believed"
printf '10.3.0.2 OK %s why=unreachable\n' $T0 | db apply > /dev/null
is "$(echo 10.3.0.2 | due_at $((T0 + 23 * H)))" "" "unreachable: not before retest_unreachable"
is "$(echo 10.3.0.2 | due_at $((T0 + 25 * H)))" "10.3.0.2" "unreachable: tested again after retest_unreachable"
# A probe never delivered: sweep says so, and the host is tested again at
# its next message, as is a BLOCK's retest (asked again) at once.
echo 10.3.0.5 | due_at $T0 > /dev/null
printf '10.3.0.6 BLOCK %s why=relayed retest=requested by=root\n' $T0 | db apply > /dev/null
is "$(: | due_at $T0)" "10.3.0.6" "a retest asked: probed"
at $((T0 + 49 * H)) relaywatch-db -c "$TMP/rw.conf" sweep > /dev/null 2>&1
like "$(db list | grep '^10.3.0.5 ')" "^10.3.0.5 UNKNOWN [0-9]+ why=undelivered probed=$T0$" "sweep: no delivery, no OK"
like "$(db list | grep '^10.3.0.6 ')" "^10.3.0.6 BLOCK [0-9]+ why=relayed retest=requested retest-result=undelivered$" "sweep: no delivery of the retest's probe, the BLOCK stands"
is "$(echo 10.3.0.5 | due_at $((T0 + 49 * H + 60)))" "10.3.0.6
10.3.0.5" "both tested again: the retest at once, the host at its next message"
tokens_at $((T0 + 49 * H + 61)) 10.3.0.6 > "$TMP/tok6"
lines=$(wc -l < "$S/state")
echo "10.3.0.6 delivered $(sed -n 1p "$TMP/tok6")" | due_at $((T0 + 49 * H + 62)) > /dev/null
like "$(tail -n +$((lines + 1)) "$S/state")" "^10.3.0.6 BLOCK $((T0 + 49 * H + 60)) why=relayed retest=pending delivered=[0-9]+$" \
    "a retest's probe delivered: its BLOCK line again, with delivered="

# A live stream: output as soon as input pauses; a restart, a compile, an
# operator's retest and a compaction while it runs.
rm -f "$S"/state*
mkfifo "$TMP/in"
start_due() {
	relaywatch-due -c "$TMP/rw.conf" < "$TMP/in" >> "$TMP/out" 2>> "$TMP/err" &
	pid=$!
	exec 3> "$TMP/in"
	at_exit "kill $pid"
}
: > "$TMP/out"
start_due
echo 10.4.0.1 >&3
wait_for 'grep -qx 10.4.0.1 "$TMP/out"' 5
ok $? "printed as soon as input pauses (input still open)"
grep -q '^10.4.0.1 UNKNOWN' "$S/state"
ok $? "and recorded before"
kill -9 $pid
wait $pid 2>/dev/null
exec 3>&-
start_due
printf '10.4.0.1\n10.4.0.2\n' >&3
wait_for 'grep -qx 10.4.0.2 "$TMP/out"' 5
is "$(cat "$TMP/out")" "10.4.0.1
10.4.0.2" "restarted after kill -9: the host just tested is not tested again"
db compile
printf '10.4.0.3 BLOCK %s why=relayed\n' "$(date +%s)" | db apply > /dev/null
printf '10.4.0.3\n10.4.0.1\n10.4.0.4\n' >&3
wait_for 'grep -qx 10.4.0.4 "$TMP/out"' 5
is "$(sed 1,2d "$TMP/out")" "10.4.0.4" "a new state.cdb and a BLOCK after it, seen while running"
db retest 10.4.0.3 > /dev/null
printf '192.0.2.200\n' >&3	# any input wakes it up
wait_for 'grep -qx 10.4.0.3 "$TMP/out"' 5
ok $? "an operator's retest, seen while running, tested without mail from it"
like "$(tail -n 1 "$S/state")" "^10.4.0.3 BLOCK [0-9]+ why=relayed retest=pending probes=3$" "recorded with retest=pending"
# Idle, it still looks at the state now and then (every 30 s, here on a
# clock 20 times as fast).
exec 3>&-
wait $pid
: > "$TMP/out"
ASAN_OPTIONS=verify_asan_link_order=0 faketime -f "+0 x20" \
    relaywatch-due -c "$TMP/rw.conf" < "$TMP/in" >> "$TMP/out" 2>> "$TMP/err" &
pid=$!
at_exit "kill $pid"
exec 3> "$TMP/in"
sleep 1		# started, and idle
printf '10.4.0.3 BLOCK %s why=relayed\n' "$(date +%s)" | db apply > /dev/null
db retest 10.4.0.3 > /dev/null
wait_for 'grep -qx 10.4.0.3 "$TMP/out"' 5
ok $? "idle: an operator's retest goes out within 30 s"
db compact > /dev/null
printf '10.4.0.5 OK %s why=refused\n' "$(date +%s)" | db apply > /dev/null
printf '10.4.0.5\n10.4.0.3\n10.4.0.6\n' >&3
wait_for 'grep -qx 10.4.0.6 "$TMP/out"' 5
is "$(sed 1d "$TMP/out")" "10.4.0.6" "after a compaction: the new file followed"
is "$(grep -c '^10.4.0.1 ' "$S/state")" 1 "10.4.0.1 recorded once through all of it"
exec 3>&-
wait $pid
is "$?" 0 "end of input: exit 0"
is "$(grep -v 'state.cdb: missing; reading all of' "$TMP/err")" "" "nothing to warn of (but the CDB's absence, before the first compile)"

# The rate: a burst of 10,000 new hosts at probe_rate 600 a minute, on a
# clock 200 times as fast.  None lost, at most 600 in any minute.  (One
# form a host: the rate counts messages.)
rm -f "$S"/state*
sed 's/^probe_rate = 0$/probe_rate = 600\nvariants = plain/' "$TMP/rw.conf" > "$TMP/rate.conf"
awk 'BEGIN { for (i = 0; i < 10000; i++) printf "10.6.%d.%d\n", i / 256, i % 256 }' > "$TMP/burst"
ASAN_OPTIONS=verify_asan_link_order=0 TZ=UTC faketime -f "@2027-01-15 08:00:00 x200" \
    relaywatch-due -c "$TMP/rate.conf" < "$TMP/burst" > "$TMP/rate.out"
is "$?" 0 "burst: exit 0 once all went out"
is "$(sort "$TMP/rate.out" | uniq | wc -l) $(wc -l < "$TMP/rate.out")" "10000 10000" "burst: every host out, once"
# (a line per /24: its hosts in the order they came)
bynet() { awk -F. '{ k = $1 "." $2 "." $3; a[k] = a[k] " " $4 } END { for (k in a) print k a[k] }' "$1" | sort; }
is "$(bynet "$TMP/rate.out")" "$(bynet "$TMP/burst")" "burst: each network's hosts in the order they came"
awk '{ print $3 }' "$S/state" | sort -n > "$TMP/times"
is "$(awk '{ t[NR] = $1 } END { for (i = 1; i + 600 <= NR; i++) if (t[i + 600] - t[i] < 60) n++; print n + 0 }' "$TMP/times")" 0 \
    "burst: at most 600 in any 60 seconds"
is "$(awk 'NR == 1 { f = $1 } { l = $1 } END { print int((l - f) / 60) }' "$TMP/times")" 16 \
    "burst: 10,000 at 600 a minute took 16 minutes"

# relaywatch-due killed at random points, 30 times, on a stream of new
# hosts: never a host printed (handed to the probe) without its record;
# the state always whole; and a host recorded whose probe never left is
# not lost: sweep finds no delivery, and it is tested again.
rm -f "$S"/state*
bad=0 killed=0 i=0
: > "$TMP/printed"
while [ $i -lt 30 ]; do
	awk -v r=$i 'BEGIN { for (c = 0; c < 20; c++) {
		for (h = 0; h < 50; h++) printf "10.7.%d.%d\n", r, c * 50 + h % 250
		fflush(); system("sleep 0.01") } }' |
	    relaywatch-due -c "$TMP/rw.conf" > "$TMP/k.out" 2> "$TMP/k.err" &
	pid=$!
	sleep "0.$(awk -v s=$i 'BEGIN { srand(s + 500); printf "%03d", int(rand() * 250) }')"
	kill -9 "$pid"		# (the pipeline's last command: relaywatch-due)
	wait $pid 2>/dev/null
	[ $? = 137 ] && killed=$((killed + 1))
	cat "$TMP/k.out" >> "$TMP/printed"
	awk '$2 == "UNKNOWN" { print $1 }' "$S/state" | sort -u > "$TMP/recorded"
	if [ -n "$(sort -u "$TMP/printed" | comm -23 - "$TMP/recorded")" ] ||
	    [ -n "$(db list 2>&1 >/dev/null)" ]; then
		bad=$((bad + 1))
		diag "kill $i: printed without a record: $(sort -u "$TMP/printed" | comm -23 - "$TMP/recorded" | head -3)" "$(db list 2>&1 >/dev/null | head -3)"
	fi
	i=$((i + 1))
done
diag "$killed of 30 runs of relaywatch-due killed on the way; $(wc -l < "$TMP/recorded") hosts recorded, $(sort -u "$TMP/printed" | wc -l) printed"
is "$bad" 0 "relaywatch-due killed at random: nothing printed without its record, the state whole"
ok $([ $killed -ge 10 ]; echo $?) "at least 10 kills landed inside a run"
T1=$(($(date +%s) + 49 * H))
at $T1 relaywatch-db -c "$TMP/rw.conf" sweep > /dev/null 2>&1
is "$(db list UNKNOWN | grep -vc 'why=undelivered')" 0 "49 h on: every host recorded, probed or not, without a delivery: undelivered"
is "$(db list OK | grep -c .)" 0 "  none made OK"
sort -u "$TMP/recorded" > "$TMP/again"
db compile
is "$(due_at $((T1 + 60)) < "$TMP/again" | sort)" "$(cat "$TMP/again")" "  each tested again at its next message"

# A full queue: the hosts not queued are recorded as due later (and
# queued as room comes), and it says so.
rm -f "$S"/state*
sed 's/^probe_rate = 0$/probe_rate = 1/' "$TMP/rw.conf" > "$TMP/q.conf"
echo "probe_queue = 100" >> "$TMP/q.conf"
: > "$TMP/out"
: > "$TMP/err"
relaywatch-due -c "$TMP/q.conf" < "$TMP/in" > "$TMP/out" 2> "$TMP/err" &
pid=$!
exec 3> "$TMP/in"
cat "$TMP/burst" >&3
wait_for 'grep -q "queue full" "$TMP/err"' 5
like "$(cat "$TMP/err")" "queue full \(100 hosts waiting for probe_rate 1 a minute\): 9899 hosts recorded as due later \(why=due-later\); they are queued as room comes" "queue full: said, with the count"
is "$(cat "$TMP/out")" "10.6.0.0" "the rate lets one out"
wait_for '[ "$(grep -c " why=due-later$" "$S/state")" = 9899 ]' 10
is "$(grep -c ' why=probe ' "$S/state") $(grep -c ' why=due-later$' "$S/state")" "1 9899" \
    "what went out is recorded as a test, what had no room as due later"
kill $pid
{ wait $pid; } 2>/dev/null
is "$?" 143 "TERM stops it"
exec 3>&-

# The state cannot be written: nothing printed, exit 75, the reason said.
awk 'BEGIN { for (i = 0; i < 100; i++) printf "10.7.0.%d OK 1 why=refused\n", i }' > "$S/state"
run sh -c "ulimit -f 2; trap '' XFSZ; echo 10.7.1.1 | relaywatch-due -c '$TMP/rw.conf'"
is "$rc" 75 "state not writable: exit 75"
is "$out" "" "state not writable: nothing printed"
like "$err" "state: cannot record tests of 1 hosts; not testing them: File too large" "state not writable: why"
printf 'statedir = %s\nnetblocks = %s\n' "$TMP/nowhere/x" "$TMP/netblocks" > "$TMP/bad.conf"
run relaywatch-due -c "$TMP/bad.conf" < /dev/null
is "$rc" 75 "no state directory: exit 75"
like "$err" "nowhere/x/state: cannot record tests: No such file" "no state directory: said"

# The address probes leave from is never tested, even in the netblocks.
rm -f "$S"/state*
sed 's/^probe_rate = 0$/probe_source = 10.9.9.9/' "$TMP/rw.conf" > "$TMP/src.conf"
is "$(printf '10.9.9.9\n10.9.9.8\n' | relaywatch-due -c "$TMP/src.conf")" "10.9.9.8" \
    "probe_source: never tested"

# Configuration and networks.
printf 'statedir = %s\nnetblocks = %s/none\n' "$S" "$TMP" > "$TMP/bad.conf"
run relaywatch-due -c "$TMP/bad.conf" < /dev/null
is "$rc" 66 "netblocks missing: exit 66"
like "$err" "none.*customer networks" "netblocks missing: said"
printf '10.0.0.0/8\n10.1.2.300\n' > "$TMP/badnets"
printf 'statedir = %s\nnetblocks = %s/badnets\n' "$S" "$TMP" > "$TMP/bad.conf"
run relaywatch-due -c "$TMP/bad.conf" < /dev/null
is "$rc" 65 "bad netblocks line: exit 65"
like "$err" "badnets:2:" "bad netblocks line: named"
printf 'probe_queue = 0\n' > "$TMP/bad.conf"
run relaywatch-due -c "$TMP/bad.conf" < /dev/null
is "$rc" 78 "probe_queue = 0: exit 78"
run relaywatch-due -x
is "$rc" 64 "bad option: exit 64"

# Hostile input, state and CDB.
rm -f "$S"/state*
head -c 200000 /dev/urandom > "$TMP/junk"
run relaywatch-due -c "$TMP/rw.conf" < "$TMP/junk"
is "$rc" 65 "random bytes in: warned, exit 65"
printf '10.8.0.1 OK %s why=refused\n' $T0 > "$S/state"
db compile
{
	echo "garbage"
	echo "10.8.0.2 MAYBE 5"
	head -c 3000000 /dev/zero | tr '\0' x
	echo
	printf '10.8.0.3 OK 5 why=\001\n'
	head -c 3000 /dev/urandom | tr -d '\n'
	echo
	printf '10.8.0.4 BLOCK %s why=relayed\n' $T0
} >> "$S/state"
run due_at $T0 <<IN
10.8.0.1
10.8.0.4
10.8.0.5
IN
is "$out" "10.8.0.5" "damaged state lines: the good lines around them count"
like "$err" "state:2: " "damaged state line named by number"
like "$err" "state:4: line too long" "a line of 3 MB named"
is "$(printf '%s\n' "$err" | grep -c 'state:')" 5 "each damaged line reported once"
# A CDB made by hand: with the position of the state, its records count;
# one record that does not parse, and none of it is believed (the first
# bad one named): the whole state is read instead.
pos=$(stat -c '%d %i %s' "$S/state")
printf '+16,%d:relaywatch-state->%s\n+8,4:10.8.0.6->OK 1\n+8,7:10.8.0.7->BLOCK 5\n\n' \
    ${#pos} "$pos" | cdb -c "$S/state.cdb"
run due_at $T0 <<IN
10.8.0.6
10.8.0.7
10.8.0.8
IN
is "$out" "10.8.0.6
10.8.0.8" "a CDB made by hand: its records count (the state's lines after it too)"
n=20
for bad in '+3,6:abc->OK 1 x' '+8,5:10.8.0.8->OK -1'; do
	n=$((n + 1))
	printf '+16,%d:relaywatch-state->%s\n+9,7:10.8.0.%d->BLOCK 5\n%s\n\n' \
	    ${#pos} "$pos" $n "$bad" | cdb -c "$S/state.cdb"
	run due_at $T0 <<IN
10.8.0.$n
IN
	is "$out" "10.8.0.$n" "a CDB with a bad record ($bad): none of it believed (its BLOCK neither), the state read instead"
done
like "$err" 'state.cdb: record "10.8.0.8": time is not' "  the bad record named"
like "$err" "state.cdb: damaged; reading all of" "  and the CDB said damaged"
printf '+8,7:10.8.0.9->BLOCK 5\n\n' | cdb -c "$S/state.cdb"
run due_at $T0 <<IN
10.8.0.9
10.8.0.10
IN
is "$out" "10.8.0.9
10.8.0.10" "a CDB without a position: the whole state read instead"
like "$err" "no position in the state recorded; reading all of" "and said"
head -c 5000 /dev/urandom > "$S/state.cdb"
run due_at $T0 <<IN
10.8.0.4
10.8.0.11
IN
is "$out" "10.8.0.11" "a damaged CDB: the whole state read instead"
like "$err" "state.cdb: " "and said"

# The customer's own domain, for the probe forms in its name: the sender
# domain its arrivals repeat, in more than half of them; a spam run's
# random senders choose none.  Printed after the address and recorded.
rm -f "$S"/state*
sed 's/^domain_wait = 0$/domain_wait = 10m/' "$TMP/rw.conf" > "$TMP/dom.conf"
run relaywatch-due -c "$TMP/dom.conf" <<IN
10.7.0.1 shop.example
10.7.0.2 a.example
10.7.0.1 shop.example
10.7.0.2 b.example
10.7.0.3
10.7.0.4 x.example
10.7.0.4 y.example
10.7.0.4 x.example
10.7.0.5 one.example
IN
is "$out" "10.7.0.1 shop.example
10.7.0.4 x.example
10.7.0.2
10.7.0.3
10.7.0.5" "the domain repeated by a host's senders, printed after it; none for random senders, none seen once (the end of input ends the wait)"
like "$(grep '^10\.7\.0\.1 ' "$S/state")" "^10\.7\.0\.1 UNKNOWN [0-9]+ why=probe domain=shop\.example domain-from=senders probes=4$" \
    "  and recorded, with where it came from"
is "$(grep -c 'domain=' "$S/state")" 2 "  (no other host recorded with one)"
run relaywatch-due -c "$TMP/dom.conf" <<IN
10.7.0.9 Shop.example
10.7.0.9 -bad.example
10.7.0.9 shop.example extra.example
10.7.0.9 ptr=a.example helo=b.example
10.7.0.9 ptr=
10.7.0.9 shop.example ptr=a.example x
10.7.0.9 via=a.example
IN
is "$rc" 65 "a bad domain: a bad line, exit 65"
like "$err" 'standard input:1: "10.7.0.9 Shop.example": not an address as relaywatch-hosts prints them: not a domain' "  named, with why"
is "$(printf '%s\n' "$err" | grep -c 'standard input:[2-7]: ')" 6 \
    "  and each other bad line: a bad domain, two domains, two names, an empty name, a word after the name, an unknown key"
# When the senders choose none: the domain of the host's own name, as
# Exim looked it up (ptr=), else of its HELO (helo=).
rm -f "$S"/state*
run relaywatch-due -c "$TMP/dom.conf" <<IN
10.7.0.20 a.example helo=helo.example
10.7.0.20 b.example ptr=shop.example
10.7.0.20 c.example helo=other.example
10.7.0.21 helo=only-helo.example
10.7.0.22 x.example ptr=named.example
10.7.0.22 x.example ptr=named.example
IN
is "$out" "10.7.0.22 x.example
10.7.0.20 ptr=shop.example
10.7.0.21 helo=only-helo.example" "no majority of senders: the host's name (Exim's lookup before its HELO), printed as such; a majority wins over both"
is "$(awk '{ print $1, $5, $6 }' "$S/state" | tr '\n' '|')" "10.7.0.22 domain=x.example domain-from=senders|10.7.0.20 domain=shop.example domain-from=ptr|10.7.0.21 domain=only-helo.example domain-from=helo|" \
    "  recorded with where each came from"

# Live: a new host waits for domain_wait, or until its domain is chosen.
rm -f "$S"/state*
sed 's/^domain_wait = 0$/domain_wait = 3s/' "$TMP/rw.conf" > "$TMP/wait.conf"
rm -f "$TMP/in"; mkfifo "$TMP/in"
: > "$TMP/out"; : > "$TMP/err"
relaywatch-due -c "$TMP/wait.conf" < "$TMP/in" > "$TMP/out" 2> "$TMP/err" &
pid=$!
exec 3> "$TMP/in"
at_exit "kill $pid"
printf '10.7.1.1 shop.example\n10.7.1.2\n' >&3
sleep 1
is "$(cat "$TMP/out")" "" "live: a host seen once waits for its domain"
printf '10.7.1.1 shop.example\n' >&3
wait_for 'grep -q "^10\.7\.1\.1" "$TMP/out"' 5
is "$(cat "$TMP/out")" "10.7.1.1 shop.example" "  and goes as soon as its domain is chosen"
wait_for 'grep -q "^10\.7\.1\.2" "$TMP/out"' 8
is "$(sed -n 2p "$TMP/out")" "10.7.1.2" "  or at the end of domain_wait, without one"
exec 3>&-
wait $pid
is "$?" 0 "  (exit 0 at the end of input)"

# The rate counts messages: 4 forms a host with its domain, 3 without.
rm -f "$S"/state*
sed -e 's/^probe_rate = 0$/probe_rate = 8/' -e 's/^domain_wait = 0$/domain_wait = 10m/' "$TMP/rw.conf" > "$TMP/msgs.conf"
awk 'BEGIN { for (i = 1; i <= 6; i++) printf "10.7.2.%d d%d.example\n10.7.2.%d d%d.example\n", i, i, i, i }' |
    ASAN_OPTIONS=verify_asan_link_order=0 TZ=UTC faketime -f "@2027-01-15 08:00:00 x50" \
    relaywatch-due -c "$TMP/msgs.conf" > "$TMP/msgs.out"
is "$(wc -l < "$TMP/msgs.out")" 6 "probe_rate 8 a minute, 4 messages a host: all six out"
is "$(awk '{ print $3 }' "$S/state" | uniq -c | awk '{ print $1 }' | tr '\n' ' ')" "2 2 2 " \
    "  two hosts a minute"
rm -f "$S"/state*
sed 's/^probe_rate = 8$/probe_rate = 2/' "$TMP/msgs.conf" > "$TMP/msgs2.conf"
awk 'BEGIN { for (i = 1; i <= 3; i++) printf "10.7.3.%d d%d.example\n10.7.3.%d d%d.example\n", i, i, i, i }' |
    ASAN_OPTIONS=verify_asan_link_order=0 TZ=UTC faketime -f "@2027-01-15 08:00:00 x50" \
    relaywatch-due -c "$TMP/msgs2.conf" > "$TMP/msgs.out"
is "$(awk '{ print $3 }' "$S/state" | uniq -c | awk '{ print $1 }' | tr '\n' ' ')" "1 1 1 " \
    "probe_rate 2, 4 messages a host: one host a minute, not none"

# One customer's flood delays only itself: 60 /64s of one IPv6 /48, all
# due at once, then another customer's host, at probe_rate 1 a minute and
# a queue of 40, on a clock 300 times as fast.  The other host goes out
# third, after the flood's first and, its network's turn come again
# before the other's arrived, one more (the networks in turn); the /64s
# the queue has no room for are recorded as due later and go out as room
# comes, without a message.
rm -f "$S"/state*
sed -e 's/^probe_rate = 0$/probe_rate = 1\nprobe_queue = 40\nvariants = plain/' "$TMP/rw.conf" > "$TMP/flood.conf"
awk 'BEGIN { for (i = 1; i <= 60; i++) printf "2001:db8:1:%x::1\n", i; print "10.1.2.3" }' > "$TMP/flood"
mkfifo "$TMP/fin"
ASAN_OPTIONS=verify_asan_link_order=0 TZ=UTC faketime -f "@2027-01-15 08:00:00 x300" \
    relaywatch-due -f -c "$TMP/flood.conf" < "$TMP/fin" > "$TMP/fout" 2> "$TMP/ferr" &
pid=$!
at_exit "kill $pid 2>/dev/null"
exec 5> "$TMP/fin"
cat "$TMP/flood" >&5
wait_for '[ "$(wc -l < "$TMP/fout")" -ge 3 ]' 10
is "$(sed -n 3p "$TMP/fout")" "10.1.2.3" "a flood of 60 /64s of one /48: another customer's host goes out third, not after them"
is "$(grep -c " why=due-later$" "$S/state")" 20 "  the 20 the queue had no room for (of 60: 40 queued, one let out, one put out for the other): recorded as due later"
like "$(cat "$TMP/ferr")" "20 hosts recorded as due later" "  and said"
wait_for '[ "$(wc -l < "$TMP/fout")" -ge 61 ]' 40
is "$(sort -u "$TMP/fout" | wc -l)" 61 "  every host of the flood out in the end, once, without another message"
exec 5>&-
wait $pid

# A test whose probes our Exim did not all take (its main log says which
# it took: "submitted TOKEN"): probed again at its next message once
# SUBMIT_GRACE (2 minutes) has passed, and, for an earlier run's, at the
# start of a live run; one whose probes were all taken is not.
rm -f "$S"/state*
T1=$((T0 + 30 * D))
sed 's/^domain_wait = 0$/domain_wait = 10m/' "$TMP/rw.conf" > "$TMP/dw.conf"
dw_at() { t=$1; shift; at "$t" relaywatch-due -c "$TMP/dw.conf" "$@"; }
# (a domain is chosen after two messages)
printf '10.3.1.1 shop.example\n10.3.1.2 shop.example\n%s\n' 10.3.1.1 10.3.1.2 |
    sed 's/[0-9]$/& shop.example/' | dw_at $T1 > /dev/null
tokens_at $((T1 + 1)) "10.3.1.1 shop.example" > "$TMP/tok11"
tokens_at $((T1 + 1)) "10.3.1.2 shop.example" > "$TMP/tok12"
is "$(wc -l < "$TMP/tok11")" 4 "(four forms a host with its domain)"
lines=$(wc -l < "$S/state")
{ sed -n '1,3s/^/submitted /p' "$TMP/tok11"; sed 's/^/submitted /' "$TMP/tok12"; } |
    dw_at $((T1 + 5)) > /dev/null
is "$(tail -n +$((lines + 1)) "$S/state" | sed 's/=18025920[0-9][0-9]$/=T/')" "10.3.1.2 UNKNOWN $T1 why=probe submitted=T" \
    "every probe of a test taken by our Exim: the test's line again, with submitted=; three of four: nothing"
is "$(printf '10.3.1.1 shop.example\n10.3.1.2 shop.example\n' | dw_at $((T1 + 60)))" "" \
    "within 2 minutes of the test: neither is tested again"
is "$(printf '10.3.1.1 shop.example\n10.3.1.2 shop.example\n' | sed p | dw_at $((T1 + 180)))" "10.3.1.1 shop.example" \
    "3 minutes on: the host whose fourth probe was not taken is tested again at its next message, the other not"
like "$(tail -n 1 "$S/state")" "^10\.3\.1\.1 UNKNOWN $((T1 + 180)) why=probe domain=shop\.example" "  as a new test"
db compile
# An earlier run's tests cut short, one of them a BLOCK's retest: a live
# run tests them again without waiting for their messages (a BLOCK's
# mail is refused), the BLOCK as a retest.
rm -f "$S"/state*
now=$(date +%s)
cat > "$S/state" <<ST
10.3.2.1 UNKNOWN $((now - 30)) why=probe probes=3
10.3.2.2 BLOCK $((now - 30)) why=relayed retest=pending probes=3
10.3.2.3 UNKNOWN $((now - 30)) why=probe probes=3 submitted=$((now - 29))
10.3.2.4 UNKNOWN $((now - 30)) why=probe
ST
db compile
mkfifo "$TMP/in2"
relaywatch-due -f -c "$TMP/rw.conf" < "$TMP/in2" > "$TMP/out2" 2> "$TMP/err2" &
pid=$!
at_exit "kill $pid 2>/dev/null"
exec 4> "$TMP/in2"
wait_for '[ "$(wc -l < "$TMP/out2")" -ge 2 ]' 20
is "$(sort "$TMP/out2")" "10.3.2.1
10.3.2.2" "at the start of a live run: the earlier run's tests whose probes were not taken, tested again at once (not one all taken, nor one from before probes= was written)"
like "$(grep '^10\.3\.2\.2 ' "$S/state" | tail -n 1)" "^10\.3\.2\.2 BLOCK [0-9]+ why=relayed retest=pending probes=3$" "  a BLOCK as its retest: the BLOCK stands"
like "$(cat "$TMP/err2")" "2 tests of an earlier run had probes our Exim did not take" "  and said"
exec 4>&-
wait $pid

done_testing

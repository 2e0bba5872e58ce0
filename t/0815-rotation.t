#!/bin/sh
# Rotation of the main log never costs a probe.  Real Exim, relaywatch(8)
# supervising, the main log rotated by logrotate with Debian's own
# configuration for it (exim4-base: rename, nocreate, delaycompress; Exim
# makes the new file with its next line), customers arriving just before
# and just after each rotation, many rounds; then one round whose probes
# take longer than a minute to hand over (a slow sendmail: a loaded smart
# host); then relaywatch stopped in the middle of sending and started
# again.  Every host gets every probe of its test, and no host is tested
# twice for nothing.  Then relaywatch-db status on the state all this
# made, running and stopped.
. "$(dirname "$0")/lib.sh"
. "$T/exim.sh"
need_exim
need procmail
need setsid
need flock
need logrotate
LR=/etc/logrotate.d/exim4-base
[ -r "$LR" ] || skip_all "$LR missing (Debian's exim4-base)"

PS=$(free_port 85)
PC=$(free_port 86)
rw_setup
ST=$TMP/st
S=$(exim_setup smarthost)
exim_smarthost "$S" "$TMP/rc" "$ST/state.cdb" || exit 1
# Hosts wait for their senders' domain as by default (one message: until
# the end of their run, which a rotation is); sendmail is our Exim behind
# a delay the test sets (a loaded smart host).
echo 0 > "$S/delay"
printf '#!/bin/sh\nsleep "$(cat %s/delay)"\nexec %s -C %s/exim.conf "$@"\n' \
    "$S" "$EXIM" "$S" > "$S/sendmail"
chmod 755 "$S/sendmail"
chmod 644 "$S/delay"
sed -i -e 's/^domain_wait = .*/domain_wait = 10m/' \
    -e "s|^sendmail = .*|sendmail = $S/sendmail|" "$RELAYWATCH_CONF"
# Debian's stanza, for this Exim's log.
sed "s|^/var/log/exim4/mainlog /var/log/exim4/rejectlog|$S/log/mainlog|" \
    "$LR" > "$TMP/logrotate.conf"
grep -q "^$S/log/mainlog {" "$TMP/logrotate.conf" ||
    skip_all "$LR does not name /var/log/exim4/mainlog as expected"
like "$(cat "$TMP/logrotate.conf")" "nocreate" "Debian's stanza: the new log made by Exim, not logrotate"
rotate() { logrotate -f -s "$TMP/logrotate.state" "$TMP/logrotate.conf"; }

export RELAYWATCH_LOG="$TMP/relaywatch.log"
start() {	# start relaywatch; sv is its pid
	n=$(grep -cs 'started: following' "$RELAYWATCH_LOG")
	TMPDIR=$TMP setsid relaywatch > "$TMP/relaywatch.out" 2>&1 &
	sv=$!
	at_exit "kill -TERM $sv 2>/dev/null"
	wait_for "[ \$(grep -cs 'started: following' '$RELAYWATCH_LOG') -gt $n ]" 10
}
start
ok $? "relaywatch started" || diag "$(cat "$TMP/relaywatch.out" "$RELAYWATCH_LOG")"

# A host's probes: the lines of the probes file (sendmail took them);
# its tests; how many probes its last test sends.
probes() { cat "$ST"/probes* 2>/dev/null | grep -c "^$1 "; }
tests() { grep -c "^$1 UNKNOWN [0-9]* why=probe.* probes=" "$ST/state"; }
want() { grep "^$1 UNKNOWN [0-9]* why=probe.* probes=" "$ST/state" | tail -n 1 | sed 's/.* probes=\([0-9]\).*/\1/'; }
rotations() { grep -c 'rotated; going on' "$RELAYWATCH_LOG"; }
host=0
arrive() {	# arrive: the next host sends one message
	host=$((host + 1))
	send 127.0.0.1 "$PS" "127.0.1.$host" > /dev/null
}

# Rounds: a host just before the rotation, one at once after it (its
# line makes the new file), one a second after it.  A host waits for its
# domain until its run ends: each round's hosts are tested at the end of
# the run the next rotation ends.
ROUNDS=${ROUNDS:-8}
r=0
while [ $r -lt "$ROUNDS" ]; do
	r=$((r + 1))
	arrive
	sleep 1
	rotate
	arrive
	sleep 1
	arrive
	wait_for "[ \$(rotations) -ge $r ]" 30 || break
done
is "$(rotations)" "$ROUNDS" "$ROUNDS rotations, each followed" || diag "$(cat "$RELAYWATCH_LOG")"

# A rotation whose run ends with more probes to hand over than a minute
# allows: six hosts before it, waiting for their domain, three probes
# each at four seconds a probe.
echo 4 > "$S/delay"
for i in 1 2 3 4 5 6; do arrive; done
slow=$host
sleep 1
rotate
arrive
wait_for "[ \$(rotations) -ge $((ROUNDS + 1)) ]" 180
ok $? "a slow rotation: the next run began once its probes went out" || diag "$(cat "$RELAYWATCH_LOG")"
like "$(cat "$RELAYWATCH_LOG")" "still sending the probes of the tests begun before \(1 minutes\)" "  said while it waited"
is "$(grep -c 'pipeline ended' "$RELAYWATCH_LOG")" 0 "  no run ended but by a rotation"
bad=
for h in $(seq 1 $slow); do
	[ "$(tests 127.0.1.$h)" = 1 ] && [ "$(probes 127.0.1.$h)" = "$(want 127.0.1.$h)" ] ||
	    bad="$bad 127.0.1.$h:$(tests 127.0.1.$h)/$(probes 127.0.1.$h)/$(want 127.0.1.$h)"
done
is "$bad" "" "$slow hosts around $((ROUNDS + 1)) rotations: each tested once, with every probe of its test (host:tests/probes/planned)"
# Stopped in the middle of sending: the tests cut short are made again
# when relaywatch starts, at once, without waiting for the hosts' next
# message.
first=$((host + 1))
# (two messages each: their domain chosen, each is tested at once)
for i in 1 2 3; do
	arrive
	send 127.0.0.1 "$PS" "127.0.1.$host" > /dev/null
done
wait_for "[ \$(probes 127.0.1.$first) -ge 1 ]" 30
kill -TERM "$sv"
wait_for "! kill -0 $sv 2>/dev/null" 20
short= before=
for h in $(seq $first $host); do
	[ "$(probes 127.0.1.$h)" = "$(want 127.0.1.$h)" ] ||
	    short="$short 127.0.1.$h" before="$before $(probes 127.0.1.$h)"
done
ok "$([ -n "$short" ]; echo $?)" "stopped while sending: tests cut short ($short )"
echo 0 > "$S/delay"
start
ok $? "relaywatch started again"
resent() {	# each host cut short: probed again, every probe
	set -- $before
	for h in $short; do
		[ "$(tests "$h")" = 2 ] &&
		    [ $(($(probes "$h") - $1)) = "$(want "$h")" ] || return 1
		shift
	done
}
wait_for resent 40
ok $? "  each test cut short made again at start, no message from it needed, every probe sent" ||
    diag "$(grep '^127\.0\.1\.' "$ST/state" | tail -n 12)" "$(tail -n 5 "$RELAYWATCH_LOG")"
like "$(cat "$RELAYWATCH_LOG")" "tests of an earlier run had probes our Exim did not take" "  and said"

# The status view of this state, relaywatch running.
run relaywatch-db status
is "$rc" 0 "status: nothing needs a person" || diag "$out"
like "$out" "relaywatch: running \(pid $sv\)" "  relaywatch running, its pid"
like "$out" "hosts: +$host \(OK [0-9]+, BLOCK 0, UNKNOWN [0-9]+\)" "  the $host hosts by status"
like "$out" "backlog: +0 hosts waiting for probe_rate, 0 for their domain" "  relaywatch-due's queue"
like "$out" "log read: +[-0-9]+ [0-9:]+ \([0-9]+ s ago\), $S/log/mainlog" "  the main log's reading, seconds ago"
like "$out" "last probe: +[-0-9]+ [0-9:]+ \([0-9]+ (s|min) ago\), 127\.0\.1\.[0-9]+ [a-z-]+" "  the last probe: when, to whom, which form"
like "$out" "compiled: +(never|[-0-9]+ [0-9:]+)" "  the last compile"
like "$out" "errors: +0 in the last hour, and [0-9]+ warnings" "  no error of the supervisor"
like "$out" "needs a person: no" "  said"
kill -TERM "$sv"
wait_for "! kill -0 $sv 2>/dev/null" 20
run relaywatch-db status
is "$rc" 1 "relaywatch stopped: status exits 1"
like "$out" "attention: relaywatch is not running" "  and says so"
done_testing

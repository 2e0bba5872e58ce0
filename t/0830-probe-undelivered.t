#!/bin/sh
# A probe that never reaches the customer's host proves nothing: our Exim
# cannot send it (the probes' source address is not this host's), so the
# customer's silence is not an answer.  No verdict, said loudly, the host
# tested again; once the fault is mended, the delivered probe's silence is
# OK after the pending timeout.  Real Exim, relaywatch(8) supervising.
. "$(dirname "$0")/lib.sh"
. "$T/exim.sh"
need_exim
need procmail
need setsid
need flock
need faketime

PS=$(free_port 83)
PC=$(free_port 84)
exim_customer silent 127.0.0.4 "  accept" "drop:
  driver = redirect
  data = :blackhole:" || exit 1
rw_setup
ST=$TMP/st
S=$(exim_setup smarthost)
exim_smarthost "$S" "$TMP/rc" "$ST/state.cdb" || exit 1
last() {	# the last state line of an IP
	awk -v ip="$1" '$1 == ip { l = $0 } END { print l }' "$ST/state"
}
sweep() {
	ASAN_OPTIONS=verify_asan_link_order=0 faketime -f "$1" \
	    relaywatch-db sweep 2>&1
}

# The fault: probes leave from an address this host does not have (a
# wrong probe_source).  Exim reads its macros again for each delivery.
sed -i 's/^probe_source = .*/probe_source = 192.0.2.77/' "$S/rw-exim.conf"
relaywatch-db -c "$S/rw-exim.conf" exim-macros > "$S/relaywatch.macros"
like "$(grep PROBE_KEEP "$S/relaywatch.macros")" "^RELAYWATCH_PROBE_KEEP = F,691200s,15m$" \
    "exim-macros: a probe failing for a fault of ours is kept a day past token_lifetime (7 d)"
brt() {
	"$EXIM" -C "$S/exim.conf" -f "$1" -brt "[127.0.0.4]" ${2:-} < /dev/null 2>&1 | sed 's/ *$//'
}
P=relaytest+cb7qaaacnmfmekm3wccg6w4uy2jrkxy@isp.example
is "$(brt "$P")" "Retry rule: *  *  F,1w1d,15m;" "Exim: a probe's failure of ours is kept 8 d (1w1d)"
is "$(brt "$P" refused)" "Retry rule: *  refused" "  nothing listening: bounced at once"
is "$(brt "$P" timeout)" "Retry rule: *  timeout  F,20s,5s;" "  no answer: RELAYWATCH_PROBE_RETRY"
is "$(brt a@customer.test)" "Retry rule: *  *  F,1h,10m;" "  other mail: the smart host's own rule"

export RELAYWATCH_LOG="$TMP/relaywatch.log"
setsid relaywatch > "$TMP/relaywatch.out" 2>&1 &
wait_for "grep -qs 'started: following' '$RELAYWATCH_LOG'" 10
ok $? "relaywatch started" || diag "$(cat "$TMP/relaywatch.out" "$RELAYWATCH_LOG")"
sv=$(cat "$ST/relaywatch.pid")
at_exit "kill -TERM $sv 2>/dev/null"

send 127.0.0.1 "$PS" 127.0.0.4 > /dev/null
wait_for "grep -q 'defer (99): Cannot assign requested address' '$S/log/mainlog'" 20
ok $? "our Exim cannot send the probe: Cannot assign requested address" ||
    diag "$(tail -n 20 "$S/log/mainlog")"
wait_for "grep -q 'a probe not sent, for a fault on this side: Cannot assign requested address' '$RELAYWATCH_LOG'" 10
ok $? "relaywatch logs it loudly, with what to check" || diag "$(cat "$RELAYWATCH_LOG")"
like "$(grep 'fault on this side' "$RELAYWATCH_LOG" | head -n 1)" "check probe_source" "  naming the setting"
like "$(last 127.0.0.4)" "^127\.0\.0\.4 UNKNOWN [0-9]+ why=probe submitted=[0-9]+$" "the host: pending, its probes taken by our Exim (submitted=), no delivery recorded"
sleep 2
is "$(ls "$TMP/box/evidence" "$TMP/box/people" 2>/dev/null | grep -c .)" 0 "no bounce came back as an answer"

out=$(sweep +49h)
like "$(last 127.0.0.4)" "^127\.0\.0\.4 UNKNOWN [0-9]+ why=undelivered probed=[0-9]+$" \
    "after the pending timeout: not OK, no-answer; UNKNOWN, undelivered"
like "$out" "127\.0\.0\.4: no delivery of its probe .*tested again" "sweep says so"

# Mended: the host is tested again at its next message; its probe is
# delivered, and its silence is OK after the pending timeout.
sed -i 's/^probe_source = .*/probe_source = 127.0.0.9/' "$S/rw-exim.conf"
relaywatch-db -c "$S/rw-exim.conf" exim-macros > "$S/relaywatch.macros"
send 127.0.0.1 "$PS" 127.0.0.4 > /dev/null
wait_for "last 127.0.0.4 | grep -q ' delivered='" 30
like "$(last 127.0.0.4)" "^127\.0\.0\.4 UNKNOWN [0-9]+ why=probe delivered=[0-9]+$" \
    "mended: tested again, and the delivery of its probe recorded"
like "$(grep ' => relaytest+' "$S/log/mainlog" | tail -n 1)" " T=relaywatch_smtp H=\[?127\.0\.0\.4\]? \[127\.0\.0\.4\]" \
    "  from our main log's delivery line"
out=$(sweep +47h)
like "$(last 127.0.0.4)" "delivered=" "47 h later: still pending"
out=$(sweep +49h)
like "$(last 127.0.0.4)" "^127\.0\.0\.4 OK [0-9]+ why=no-answer tested=[0-9]+$" "49 h after the delivery: OK, no-answer"

kill -TERM "$sv"
wait_for "! kill -0 $sv 2>/dev/null" 10
ok $? "relaywatch stopped"
done_testing

#!/bin/sh
# The smart host's clock stepped under a running flow: relaywatch(8), its
# pipeline, the procmail recipe and sweep (as cron runs it) all read a
# clock that the test steps (libfaketime, the monotonic clock left alone;
# the customers' servers keep the real one, as other machines do).  Two
# open relays hold our probes until the test lets them go: one answers
# after the clock went back ten minutes (its tokens from the "future"),
# the other after it went forward a day.  A silent host waits through
# both steps.  No verdict may come out wrong: both relays BLOCKed, the
# refusing hosts OK, the silent one still pending after the day's step
# and OK only after 48 h of real silence, and no address's time going
# backwards in the state.
. "$(dirname "$0")/lib.sh"
. "$T/exim.sh"
# (libfaketime's files for the processes killed here go with it)
own_namespace
private_shm || skip_all "cannot mount a /dev/shm of our own"
need_exim
need procmail
need formail
need setsid
need faketime
FT=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
[ -n "$FT" ] || skip_all "libfaketime.so.1 not found (apt-get install libfaketime)"

PS=$(free_port 91)
PC=$(free_port 92)
# A careless relay that holds what it takes while $TMP/hold.NAME exists
# (its retry rule: try again every minute, for a day).
held() {
	echo "hold:
  driver = redirect
  condition = \${if exists{$TMP/hold.$1}}
  allow_defer
  data = :defer: held by the test"
}
touch "$TMP/hold.relay" "$TMP/hold.relay2"
retry="begin retry
*  *  F,1d,1m"
exim_customer relay 127.0.0.2 "  accept" "$(held relay)" "$retry" || exit 1
exim_customer refuse 127.0.0.3 "  deny message = relay not permitted" || exit 1
exim_customer silent 127.0.0.4 "  accept" "drop:
  driver = redirect
  data = :blackhole:" || exit 1
exim_customer relay2 127.0.0.5 "  accept" "$(held relay2)" "$retry" || exit 1
exim_customer refuse2 127.0.0.6 "  deny message = relaying denied" || exit 1
rw_setup
ST=$TMP/st
S=$(exim_setup smarthost)
# The smart host's clock: the recipe (run by Exim, which hands it a clean
# environment) told of it as well.
offset() { echo "$1" > "$TMP/offset.new" && mv "$TMP/offset.new" "$TMP/offset"; }
offset +0
chmod 644 "$TMP/offset"
{
	sed -n '1,/^EVIDENCE=/p' "$TMP/rc"
	printf 'LD_PRELOAD=%s\nFAKETIME_TIMESTAMP_FILE=%s\nFAKETIME_NO_CACHE=1\nASAN_OPTIONS=verify_asan_link_order=0\n' "$FT" "$TMP/offset"
	sed '1,/^EVIDENCE=/d' "$TMP/rc"
} > "$TMP/rc.new" && mv "$TMP/rc.new" "$TMP/rc" && chmod 644 "$TMP/rc"
exim_smarthost "$S" "$TMP/rc" "$ST/state.cdb" || exit 1

export LD_PRELOAD="$FT" FAKETIME_TIMESTAMP_FILE="$TMP/offset" \
    FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
    ASAN_OPTIONS="verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export RELAYWATCH_LOG="$TMP/relaywatch.log"
TMPDIR=$TMP setsid relaywatch > "$TMP/relaywatch.out" 2>&1 &
wait_for "grep -qs 'started: following' '$RELAYWATCH_LOG'" 10
ok $? "relaywatch started, on the test's clock" || diag "$(cat "$TMP/relaywatch.out" "$RELAYWATCH_LOG")"
sv=$(cat "$ST/relaywatch.pid")
at_exit "kill -TERM $sv 2>/dev/null"

last() {	# the last state line of an IP
	awk -v ip="$1" '$1 == ip { l = $0 } END { print l }' "$ST/state"
}
unset_preload() { env -u LD_PRELOAD "$@"; }
for ip in 127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5; do
	unset_preload swaks --server 127.0.0.1 --port "$PS" --local-interface "$ip" \
	    --from a@customer.test --to b@remote.test --timeout 20 --hide-all
done
wait_for "[ -n \"\$(last 127.0.0.3 | grep ' OK ')\" ] && [ -n \"\$(last 127.0.0.2)\" ] &&
    [ -n \"\$(last 127.0.0.4)\" ] && [ -n \"\$(last 127.0.0.5)\" ]" 30
like "$(last 127.0.0.3)" "^127\.0\.0\.3 OK [0-9]+ why=refused " "before the steps: the refusing host OK"
for ip in 127.0.0.2 127.0.0.4 127.0.0.5; do
	like "$(last $ip)" "^$ip UNKNOWN [0-9]+ why=probe " "  $ip pending (its probes held, or dropped)"
done
# Every probe taken by the held relays before the clock moves.
wait_for "[ \"\$(unset_preload '$EXIM' -C '$TMP/relay/exim.conf' -bpc)\" -ge 3 ] &&
    [ \"\$(unset_preload '$EXIM' -C '$TMP/relay2/exim.conf' -bpc)\" -ge 3 ]" 30
ok $? "the held relays hold our probes"

# Ten minutes back; the first relay lets go: its tokens are ten minutes
# "in the future", within the tolerance.
offset -600
rm "$TMP/hold.relay"
unset_preload "$EXIM" -C "$TMP/relay/exim.conf" -qff
wait_for "[ -n \"\$(last 127.0.0.2 | grep ' BLOCK ')\" ]" 30
like "$(last 127.0.0.2)" "^127\.0\.0\.2 BLOCK [0-9]+ why=relayed " "ten minutes back: the relay that answers now is BLOCKed" ||
    diag "$(cat "$ST/state")" "$(tail -n 20 "$RELAYWATCH_LOG")"
is "$(rcpt_reply 127.0.0.1 "$PS" 127.0.0.2)" 550 "  and refused at RCPT"
# A customer first seen after the step: tested as any other.
unset_preload swaks --server 127.0.0.1 --port "$PS" --local-interface 127.0.0.6 \
    --from a@customer.test --to b@remote.test --timeout 20 --hide-all
wait_for "[ -n \"\$(last 127.0.0.6 | grep ' OK ')\" ]" 30
like "$(last 127.0.0.6)" "^127\.0\.0\.6 OK [0-9]+ why=refused " "  a new customer after the step: tested, OK"
wait_for "grep -q 'stepped back by' '$RELAYWATCH_LOG'" 30
ok $? "  relaywatch-due saw the step and said so" || diag "$(cat "$RELAYWATCH_LOG")"

# A day forward (from the real clock: ten minutes less); sweep, as cron
# runs it, leaves the silent host pending: it waited minutes, not a day.
offset +85800
unset_preload swaks --server 127.0.0.1 --port "$PS" --local-interface 127.0.0.3 \
    --from a@customer.test --to b@remote.test --timeout 20 --hide-all
wait_for "grep -q 'stepped forward by' '$RELAYWATCH_LOG'" 30
ok $? "a day forward: relaywatch-due saw the step" || diag "$(cat "$RELAYWATCH_LOG")"
relaywatch-db sweep > /dev/null 2>&1
like "$(last 127.0.0.4)" "^127\.0\.0\.4 UNKNOWN [0-9]+ why=probe " "  sweep: the silent host still pending (not OK a day early)"
# The second relay lets go a day late by the clock: its tokens a day old,
# still good.
rm "$TMP/hold.relay2"
unset_preload "$EXIM" -C "$TMP/relay2/exim.conf" -qff
wait_for "[ -n \"\$(last 127.0.0.5 | grep ' BLOCK ')\" ]" 30
like "$(last 127.0.0.5)" "^127\.0\.0\.5 BLOCK [0-9]+ why=relayed " "  the relay that answers after it is BLOCKed" ||
    diag "$(cat "$ST/state")"

# 48 hours of real silence later (the clock a day ahead of that):
# the silent host OK, and nothing else changed.
offset +$((86400 - 600 + 49 * 3600))
relaywatch-db sweep > /dev/null 2>&1
like "$(last 127.0.0.4)" "^127\.0\.0\.4 OK [0-9]+ why=no-answer " "after 48 h of real silence: the silent host OK"
for ip in 127.0.0.2 127.0.0.5; do
	like "$(last $ip)" "^$ip BLOCK " "  $ip still BLOCKed"
done
awk '{ if ($1 in t && $3 < t[$1]) print; t[$1] = $3 }' "$ST/state" > "$TMP/back"
is "$(cat "$TMP/back")" "" "no address's time goes backwards in the state" ||
    diag "$(cat "$ST/state")"

kill -TERM "$sv"
wait_for "! kill -0 $sv 2>/dev/null" 10
ok $? "relaywatch stopped"
done_testing

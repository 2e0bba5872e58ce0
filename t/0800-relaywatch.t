#!/bin/sh
# The whole job, with relaywatch(8) supervising the pipeline on our smart
# host's main log: customers send, are probed, the open relay is blocked
# in the middle of its SMTP session and its postmaster and our abuse desk
# get one notice; a refusing host ends OK, a silent one OK after the
# pending timeout; the log rotated while running, a killed relaywatch-due
# restarted without testing anybody twice, TERM leaving nothing behind.
. "$(dirname "$0")/lib.sh"
. "$T/exim.sh"
need_exim
need procmail
need formail
need setsid
need flock

PS=$(free_port 81)
PC=$(free_port 82)
exim_customer relay 127.0.0.2 "  accept" || exit 1
exim_customer refuse 127.0.0.3 "  deny message = relay not permitted" || exit 1
exim_customer silent 127.0.0.4 "  accept" "drop:
  driver = redirect
  data = :blackhole:" || exit 1
exim_customer refuse2 127.0.0.5 "  deny message = relaying denied" || exit 1
rw_setup
ST=$TMP/st
S=$(exim_setup smarthost)
exim_smarthost "$S" "$TMP/rc" "$ST/state.cdb" || exit 1

# relaywatch, in its own session, as a service manager would run it.
export RELAYWATCH_LOG="$TMP/relaywatch.log"
TMPDIR=$TMP setsid relaywatch > "$TMP/relaywatch.out" 2>&1 &
wait_for "grep -qs 'started: following' '$RELAYWATCH_LOG'" 10
ok $? "relaywatch started" || diag "$(cat "$TMP/relaywatch.out" "$RELAYWATCH_LOG")"
sv=$(cat "$ST/relaywatch.pid")
run relaywatch
is "$rc" 75 "a second one refuses to start"
like "$err" "already running \(pid $sv\)" "  and says why"

last() {	# the last state line of an IP
	awk -v ip="$1" '$1 == ip { l = $0 } END { print l }' "$ST/state"
}
# The open relay sends, and waits in the same SMTP session until it is
# blocked (the BLOCK in a CDB, and cdb.serial, which tells Exim's open
# sessions, written after it); its next message is refused.
"$T/smtp-session" 127.0.0.1 "$PS" 127.0.0.2 mail \
    "run:for i in \$(seq 600); do { cdb -q '$ST/recent.cdb' 127.0.0.2 || cdb -q '$ST/state.cdb' 127.0.0.2; } 2>/dev/null | grep -q '^BLOCK' && [ -z \"\$(find '$ST/recent.cdb' -newer '$ST/cdb.serial')\" ] && exit 0; sleep 0.1; done; exit 1" \
    mail > "$TMP/session" 2>&1 &
session=$!
send 127.0.0.1 "$PS" 127.0.0.3 > /dev/null
send 127.0.0.1 "$PS" 127.0.0.4 > /dev/null
wait "$session"
ok $? "the open relay's session lasted until its BLOCK" || diag "$(cat "$TMP/session")"
is "$(cat "$TMP/session")" "MAIL 250
RCPT 250
DATA 250
MAIL 250
RCPT 550" "its first message accepted, the next one refused with 550 in the same session"
like "$(last 127.0.0.2)" "^127\.0\.0\.2 BLOCK [0-9]+ why=relayed .*via=127\.0\.0\.2$" "the open relay: BLOCK"
wait_for "[ -n \"\$(last 127.0.0.3 | grep ' OK ')\" ]" 30
like "$(last 127.0.0.3)" "^127\.0\.0\.3 OK [0-9]+ why=refused .*diag=\"550 relay not permitted\"" "the refusing host: OK"
wait_for "[ -n \"\$(last 127.0.0.4)\" ]" 10
like "$(last 127.0.0.4)" "^127\.0\.0\.4 UNKNOWN " "the silent host: pending"

# Exactly one notice, to the open relay's postmaster and to abuse.
wait_for '[ "$(grep -c "^Subject: Open relay at" "$TMP/box/other")" -ge 2 ]' 20
exim_settle "$S" 10
is "$(grep '^Subject: Open relay at' "$TMP/box/other" | sort | uniq -c | sed 's/^ *//')" \
    "2 Subject: Open relay at 127.0.0.2: mail from it is now refused" "one notice, for the open relay only"
is "$(awk '/^Envelope-to: / { e = $2 } /^Subject: Open relay/ { print e }' "$TMP/box/other" | sort | tr '\n' ' ')" \
    "abuse@isp.example postmaster@relay.customer.test " "delivered to its postmaster and to abuse"

# The log rotated under relaywatch, as exicyclog does: a new customer
# after it is still seen.
mv "$S/log/mainlog" "$S/log/mainlog.01"
send 127.0.0.1 "$PS" 127.0.0.5 > /dev/null
wait_for "[ -n \"\$(last 127.0.0.5 | grep ' OK ')\" ]" 30
like "$(last 127.0.0.5)" "^127\.0\.0\.5 OK [0-9]+ why=refused .*relaying denied" "after rotation, a new customer tested" ||
    diag "$(cat "$ST/state")" "$(grep -h '127\.0\.0\.5' "$S"/log/mainlog*)" "$(cat "$RELAYWATCH_LOG")"

# relaywatch-due killed: restarted, and nobody tested twice.  First the
# run that the rotation began must be under way (its catch-up of the old
# file done, its tail following the new one): a kill while the rotation
# ends a run is a rotation, not a stage that died.
# (Only this supervisor's stages: its pipeline's process group, which it
# notes in its run directory.)
pg() { cat "$TMP"/relaywatch.*/pgid 2>/dev/null; }
# (its relaywatch-due, by its command line in that group)
due_pids() { pgrep -g "$(pg)" -f '^relaywatch-due( |$)'; }
wait_for "grep -q 'rotated; going on' '$RELAYWATCH_LOG' &&
    pgrep -g \"\$(pg)\" -f -- '-F $S/log/mainlog\$' > /dev/null &&
    [ \"\$(due_pids | wc -l)\" = 1 ]" 20
ok $? "the run after the rotation under way" || diag "$(cat "$RELAYWATCH_LOG")"
before=$(wc -l < "$ST/probes")
kill -KILL $(due_pids)
wait_for "grep -q 'pipeline ended (relaywatch-due' '$RELAYWATCH_LOG' && [ -n \"\$(due_pids)\" ]" 20
ok $? "relaywatch-due killed: the pipeline restarted" || diag "$(cat "$RELAYWATCH_LOG")"
sleep 1
send 127.0.0.1 "$PS" 127.0.0.3 > /dev/null
send 127.0.0.1 "$PS" 127.0.0.4 > /dev/null
send 127.0.0.1 "$PS" 127.0.0.5 > /dev/null
exim_settle "$S" 10
sleep 2
is "$(wc -l < "$ST/probes")" "$before" "customers already tested or pending are not probed again"
is "$(cut -d' ' -f1 "$ST/probes" | sort | uniq -c | awk '$1 < 3 || $1 > 4')" "" \
    "each customer probed once: 3 forms, or 4 when its HELO gave it a domain"

# The silent host: OK once the pending timeout has passed.
ASAN_OPTIONS=verify_asan_link_order=0 faketime -f +49h relaywatch-db sweep > /dev/null
like "$(last 127.0.0.4)" "^127\.0\.0\.4 OK [0-9]+ why=no-answer" "the silent host after the pending timeout: OK, no-answer"

# TERM: relaywatch and everything it started gone.
kill -TERM "$sv"
wait_for "! kill -0 $sv 2>/dev/null" 10
ok $? "TERM: relaywatch exits"
sleep 0.5
is "$(left_behind "$sv")" "" "no process left behind"
like "$(tail -1 "$RELAYWATCH_LOG")" "stopped \(signal TERM\); [0-9]+ hosts probed since start" "the stop logged, with the count"
diag "$(cat "$RELAYWATCH_LOG")"

done_testing

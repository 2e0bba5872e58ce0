#!/bin/sh
# The special mailbox end to end, with real Exim and real procmail: our
# smart host runs share/procmail/relaywatch.procmailrc (relaywatch-classify
# | relaywatch-db apply) for what comes back.  An open relay ends BLOCK, a
# refusing host OK, a host with nothing listening OK once the probe's
# retry rule bounces it; mail without a verdict is kept for people; a
# state that cannot be written keeps the message on Exim's queue.
. "$(dirname "$0")/lib.sh"
. "$T/exim.sh"
need_exim
need procmail
need formail

PS=$(free_port 71)	# the smart host
PC=$(free_port 72)	# the customers' SMTP port

exim_customer relay 127.0.0.2 "  accept" || exit 1
exim_customer refuse 127.0.0.3 "  deny message = relay not permitted" || exit 1
# 127.0.0.4: nothing listening.

rw_setup
ST=$TMP/st
S=$(exim_setup smarthost)
exim_smarthost "$S" "$TMP/rc" "$ST/state.cdb" || exit 1

# The three customers send; relaywatch-due records them, probe sends.
t0=$(date +%s)
printf '127.0.0.2\n127.0.0.3\n127.0.0.4\n' | relaywatch-due | relaywatch-probe > "$TMP/sent"
is "$(wc -l < "$TMP/sent")" 9 "9 probes sent (3 hosts, 3 forms: no domain known, so no own-sender form, and the percent hack at [IP])"

final='[ "$(status | awk '\''$2 != "UNKNOWN"'\'' | wc -l)" -ge 3 ] && exim_settle "$S" 1'
wait_for "$final" ${WAIT:-120}
ok $? "every customer has a verdict" || diag "$(cat "$ST/state")" "$(tail -20 "$S/log/mainlog")"
diag "verdicts in $(( $(date +%s) - t0 )) s (the dead host's after RELAYWATCH_PROBE_RETRY = F,20s,5s)"
status > "$TMP/status"
like "$(grep '^127.0.0.2 ' "$TMP/status")" "^127\.0\.0\.2 BLOCK [0-9]+ why=relayed variant=(plain|percent|null-sender) token-time=[0-9]+ via=127\.0\.0\.2$" \
    "the open relay: BLOCK, relayed, via itself"
like "$(grep '^127.0.0.3 ' "$TMP/status")" "^127\.0\.0\.3 OK [0-9]+ why=refused variant=[a-z-]+ token-time=[0-9]+ diag=\"550 relay not permitted\"$" \
    "the refusing host: OK, refused, with its 550"
like "$(grep '^127.0.0.4 ' "$TMP/status")" "^127\.0\.0\.4 OK [0-9]+ why=no-smtp variant=[a-z-]+ token-time=[0-9]+" \
    "nothing listening: OK, no-smtp, once the retry rule bounced the probe"
is "$(grep -c '^127\.0\.0\.2 ' "$ST/blocked.nets")" 1 \
    "the open relay in blocked.nets"
diag "$(cat "$ST/state")"

# Every message of the special mailbox kept: a verdict's as evidence.
n_ev=$(ls "$TMP/box/evidence/new" | wc -l)
is "$n_ev" 9 "all 9 messages that came back are kept as evidence"
like "$(cat "$TMP"/box/evidence/new/* | grep '^X-Relaywatch-Verdict: ' | sort -u | head -1)" \
    "^X-Relaywatch-Verdict: 127\.0\.0\.[234] (OK|BLOCK) " "each with its verdict in a header"

# One notice for the open relay, to its postmaster and to abuse, quoting
# the returned probe's header; none for the others.
wait_for '[ "$(grep -c "^Subject: Open relay at 127.0.0.2:" "$TMP/box/other" 2>/dev/null)" -ge 2 ] && exim_settle "$S" 1' 20
is "$(grep -c '^Subject: Open relay at ' "$TMP/box/other")" 2 "one notice, two copies, for the open relay only"
is "$(sed -n 's/^Envelope-to: //p' "$TMP/box/other" | sort | tr '\n' ' ')" "abuse@isp.example postmaster@relay.customer.test " \
    "to its postmaster and to abuse"
like "$(cat "$TMP/box/other")" "Handed back by: 127\.0\.0\.2" "the notice says who handed the probe back"
like "$(cat "$TMP/box/other")" "  X-Relaywatch: ip=127\.0\.0\.2 time=[0-9]+ variant=[a-z-]+ token=" "and quotes the returned probe's header"
like "$(grep '^Return-path: ' "$TMP/box/other" | sort -u)" "^Return-path: <abuse@isp\.example>$" "its sender is the abuse desk, not the special mailbox"

# The open relay's next message is refused.
send 127.0.0.1 "$PS" 127.0.0.2 > "$TMP/swaks" 2>&1
like "$(swaks --server 127.0.0.1 --port "$PS" --local-interface 127.0.0.2 \
    --from a@customer.test --to b@remote.test --quit-after RCPT 2>&1)" "<\*\* 550" \
    "the blocked customer's next RCPT: 550"

# Mail without a verdict: to people, with the reason.
send 127.0.0.1 "$PS" 127.0.0.7 --to relaytest@isp.example \
    --header "Subject: what is this test?" > /dev/null
send 127.0.0.1 "$PS" 127.0.0.7 --to "relaytest+$(awk 'NR == 1 { print $3 }' "$TMP/sent")@isp.example" \
    --from someone@example.org --header "Subject: Re: relay test" \
    --header "Auto-Submitted: auto-replied" --body "I am away until Monday." > /dev/null
wait_for '[ "$(ls "$TMP/box/people/new" 2>/dev/null | wc -l)" -ge 2 ]' 30
ok $? "two messages without a verdict in the people's mailbox"
is "$(cat "$TMP"/box/people/new/* | grep '^X-Relaywatch-Unclassified: ' | sort)" \
    "X-Relaywatch-Unclassified: an auto-reply
X-Relaywatch-Unclassified: no token" "with the reason in a header"

# A state that cannot be written: the message stays on Exim's queue, and
# is applied when the state can be written again.
tok4=$(awk '$1 == "127.0.0.4" { print $3; exit }' "$TMP/sent")
chmod 555 "$ST"
chmod 444 "$ST/state"
printf 'From: MAILER-DAEMON@remote.test\nTo: relaytest+%s@isp.example\nSubject: Undelivered Mail Returned to Sender\n\n<relaytest+%s@isp.example>: host 127.0.0.4 said: 550 5.7.1 Relaying denied\n' "$tok4" "$tok4" |
    swaks --server 127.0.0.1 --port "$PS" --local-interface 127.0.0.4 \
    --from '<>' --to "relaytest+$tok4@isp.example" --data - --hide-all
wait_for "grep -q 'relaytest+$tok4@isp.example.*R=relaywatch_mailbox.*defer\|== relaytest+$tok4@isp.example' '$S/log/mainlog'" 20
ok $? "the state not writable: delivery deferred"
is "$("$EXIM" -C "$S/exim.conf" -bpc)" 1 "the message is on the queue"
chmod 755 "$ST"
chmod 644 "$ST/state"
"$EXIM" -C "$S/exim.conf" -qf
exim_settle "$S" 20
ok $? "delivered on the next queue run"
like "$(tail -1 "$ST/state")" "^127\.0\.0\.4 OK [0-9]+ why=bounced-after-accept .*diag=\"550 5\.7\.1 Relaying denied\" via=127\.0\.0\.4$" \
    "and applied: the customer's own bounce, from its host"

# A message to a probe's own address, with its valid token, that nothing
# decides (a person's question): the host is held for a person, and
# silence never makes it OK.
tok3=$(awk '$1 == "127.0.0.3" { print $3; exit }' "$TMP/sent")
n0=$(ls "$TMP/box/people/new" | wc -l)
send 127.0.0.1 "$PS" 127.0.0.8 --to "relaytest+$tok3@isp.example" \
    --from someone@example.org --header "Subject: what is this?" \
    --body "We got a test message from you.  What is it?" > /dev/null
wait_for '[ "$(ls "$TMP/box/people/new" | wc -l)" -gt "$n0" ]' 30
like "$(tail -1 "$ST/state")" "^127\.0\.0\.3 UNKNOWN [0-9]+ why=undecided variant=[a-z-]+ token-time=[0-9]+$" \
    "a message with a valid token and no verdict: its host held for a person"
run env ASAN_OPTIONS=verify_asan_link_order=0 faketime -f +3d relaywatch-db sweep
is "$out" "" "  three days of silence: not made OK"
like "$err" "127\.0\.0\.3: a message with its token came back and could not be decided .*relaywatch-db retest 127\.0\.0\.3" \
    "  said loudly by sweep"
is "$(printf '127.0.0.3 shop.example\n' | relaywatch-due)" "" "  and not tested again by itself"
run relaywatch-db retest -w "read the question" 127.0.0.3
like "$(tail -1 "$ST/state")" "^127\.0\.0\.3 UNKNOWN [0-9]+ why=retest by=[^ ]+ note=\"read the question\"$" \
    "  relaywatch-db retest: a person read it, tested again at its next message"
run relaywatch-db retest 127.0.0.7
is "$rc" 65 "  (retest of a host neither blocked nor held: 65)"

# The relayed probe, through relaywatch-classify by hand.
relayed=$(grep -l '^X-Relaywatch-Verdict: 127\.0\.0\.2 BLOCK .*variant=plain' "$TMP"/box/evidence/new/* | head -1)
sed '/^X-Relaywatch-Verdict: /d' "$relayed" > "$TMP/relayed"
run relaywatch-classify < "$TMP/relayed"
like "$out" "^127\.0\.0\.2 BLOCK [0-9]+ why=relayed .* via=127\.0\.0\.2$" "a relayed probe: BLOCK via the customer"
tok=$(sed -n 's/^X-Relaywatch: .*token=//p' "$TMP/relayed")
c=$(printf '%s' "$tok" | cut -c10)
d=$(printf '%s' "$c" | tr 'a-z2-7' 'b-z2-7a')
alt=$(printf '%s' "$tok" | sed "s/./$d/10")
sed "s/$tok/$alt/g" "$TMP/relayed" > "$TMP/altered"
run relaywatch-classify -v < "$TMP/altered"
is "$rc:$out" "1:" "one character of the token changed everywhere: no verdict"
like "$err" "wrong tag" "  (a wrong tag)"
# One copy damaged: the others, which check, are the proof; but not a
# delivery to an address whose token does not check.
sed "0,/^Return-path: .*$tok/s/$tok/$alt/" "$TMP/relayed" > "$TMP/altered1"
run relaywatch-classify < "$TMP/altered1"
like "$rc:$out" "^0:127\.0\.0\.2 BLOCK " "the sender's copy damaged, the others whole: still BLOCK"
run relaywatch-classify -v -r "relaytest+$alt@isp.example" < "$TMP/relayed"
is "$rc:$out" "1:" "delivered to an address whose token does not check: no verdict"
like "$err" "envelope recipient token: wrong tag" "  (said with -v)"
sed 's/127\.0\.0\.2/127.0.0.5/g' "$TMP/relayed" > "$TMP/otherip"
run relaywatch-classify -v < "$TMP/otherip"
is "$rc:$out" "1:" "another IP: no verdict"
diag "$err"
(umask 077; openssl rand -hex 32 > "$TMP/key2")
sed "s|^keyfile = .*|keyfile = $TMP/key2|" "$RELAYWATCH_CONF" > "$TMP/conf2"
run relaywatch-classify -c "$TMP/conf2" -v < "$TMP/relayed"
is "$rc:$out" "1:" "another key: no verdict"
# Handed over by another host than the tested one (VIA), whose own
# Received field says it got the probe from FROM (if given).
handed() {	# handed VIA [FROM]
	awk -v via="$1" -v from="${2:-}" '!done && /^Received: from / {
		sub(/\[127\.0\.0\.2\]/, "[" via "]"); print
		while ((getline l) > 0 && l ~ /^[ \t]/) print l
		if (from != "")
			printf "Received: from [%s] (helo=relay.customer.test)\n\tby gw.customer.test with esmtp; Fri, 27 Nov 2026 04:00:00 +0000\n", from
		print l; done = 1; next } 1' "$TMP/relayed"
}
handed 127.0.0.8 127.0.0.2 > "$TMP/multihop"
run relaywatch-classify -v < "$TMP/multihop"
is "$rc:$out" "1:" "through another customer host whose Received field says it got it from the tested one: no verdict (anyone can write that)"
like "$err" "handed to our farm by 127\.0\.0\.8 \(multihop" "  (said with -v)"
run relaywatch-classify -H -r "$(sed -n 's/^Envelope-to: //p' "$TMP/multihop")" < "$TMP/multihop"
like "$rc:$out" "^1:127\.0\.0\.2 UNKNOWN [0-9]+ why=undecided .* via=127\.0\.0\.8$" \
    "  held for a person (-H), naming the host that handed it over"
# Our own smart host: its Received field is believed.
echo 127.0.0.8 > "$TMP/etc/own_hosts"
sed "s|^netblocks = .*|&\nown_hosts = $TMP/etc/own_hosts|" "$RELAYWATCH_CONF" > "$TMP/conf-own"
run relaywatch-classify -c "$TMP/conf-own" < "$TMP/multihop"
like "$rc:$out" "^0:127\.0\.0\.2 BLOCK [0-9]+ why=relayed .* via=127\.0\.0\.2 through=127\.0\.0\.8$" \
    "through our own smart host (own_hosts), whose field names the tested one: BLOCK, via the customer, through ours"
handed 127.0.0.8 127.0.0.5 > "$TMP/m"
run relaywatch-classify -c "$TMP/conf-own" -v < "$TMP/m"
is "$rc:$out" "1:" "through our own smart host, from another customer: no verdict"
like "$err" "handed to our farm by 127\.0\.0\.5" "  (said with -v)"
handed 198.51.100.8 127.0.0.2 > "$TMP/m"
run relaywatch-classify -c "$TMP/conf-own" -v < "$TMP/m"
is "$rc:$out" "1:" "handed to us from outside, claiming the tested host (anyone who read a token): no verdict"
like "$err" "handed to our farm by 198\.51\.100\.8" "  (said with -v)"
mkdir "$TMP/etc/own-dir"
sed "s|^own_hosts = .*|own_hosts = $TMP/etc/own-dir|" "$TMP/conf-own" > "$TMP/conf3"
run relaywatch-classify -c "$TMP/conf3" < "$TMP/multihop"
is "$rc" 75 "own_hosts unreadable when a probe comes: 75, the MTA keeps it"
like "$err" "own-dir" "  naming the file"
# The probe, forwarded by a person as an attachment: no verdict.
{
	printf 'From: someone@example.org\nTo: relaytest@isp.example\nSubject: Fwd: relay test\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nWhat is this?\n--b\nContent-Type: message/rfc822\n\n'
	cat "$TMP/relayed"
	printf '\n--b--\n'
} > "$TMP/fwd"
run relaywatch-classify < "$TMP/fwd"
is "$rc:$out" "1:" "the probe forwarded as an attachment: no verdict"

done_testing

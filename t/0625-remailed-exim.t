#!/bin/sh
# Mailbox probes end to end through a real Exim and procmail: our smart
# host delivers relaywatch-probe -m's message into the customer's
# mailbox; a customer whose mail program re-sends what is not addressed
# to it hands it back to the smart host from 127.0.0.7, which the
# special mailbox's recipe (relaywatch-classify | relaywatch-db apply)
# BLOCKs as remailed, and its next message gets 550; a careful
# customer, who only keeps its mail, stays without a verdict.
. "$(dirname "$0")/lib.sh"
. "$T/exim.sh"
need_exim
need procmail
need formail
need swaks

PS=$(free_port 75)	# the smart host
PC=$(free_port 76)	# (no customer listens: nothing is probed by IP)

rw_setup
ST=$TMP/st
printf '%s\n' "127.0.0.7 shop@isp.example" "127.0.0.8 careful@isp.example" \
    > "$TMP/etc/mailboxes"
echo "mailboxes = $TMP/etc/mailboxes" >> "$RELAYWATCH_CONF"
chown -R "$EXIM_USER:" "$TMP/etc"
S=$(exim_setup smarthost)
exim_smarthost "$S" "$TMP/rc" "$ST/state.cdb" || exit 1

# The probes, through the smart host's sendmail, into the two mailboxes
# (here the smart host's local delivery, $TMP/box/other).
relaywatch-probe -m > "$TMP/sent"
is "$?:$(cut -d' ' -f1,2 "$TMP/sent" | tr '\n' ' ')" \
    "0:shop@isp.example mailbox careful@isp.example mailbox " \
    "relaywatch-probe -m: one probe a mailbox, handed to sendmail"
exim_settle "$S" 20
ok $? "  delivered" || diag "$(tail -n 5 "$S/log/mainlog")"
is "$(grep -c '^X-Relaywatch: mailbox=' "$TMP/box/other")" 2 "  into the mailboxes"
grep -q 'relaywatch: a probe must go' "$S/log/mainlog"
ok $((1 - $?)) "  not failed by the probe routes' guard"

# The shop's mail program: the probe collected from its mailbox, sent on
# to the address in its To: through the smart host, from 127.0.0.7.
awk '/^From / { n++; next } n == 1' "$TMP/box/other" |
    grep -v -e '^Return-path:' -e '^Envelope-to:' > "$TMP/collected"
to=$(sed -n 's/^To: //p' "$TMP/collected")
like "$to" '^relaytest\+[a-z2-7]{50}@isp\.example$' "the probe is addressed to the special mailbox"
swaks --server 127.0.0.1 --port "$PS" --local-interface 127.0.0.7 \
    --from shop@isp.example --to "$to" --data "$TMP/collected" \
    --timeout 20 --hide-all
ok $? "the shop's program re-sends it through the smart host"
last() { awk -v ip="$1" '$1 == ip { l = $0 } END { print l }' "$ST/state"; }
wait_for "[ -n \"\$(last 127.0.0.7)\" ]" 30
like "$(last 127.0.0.7)" \
    '^127\.0\.0\.7 BLOCK [0-9]+ why=remailed mailbox=shop@isp\.example token-time=[0-9]+ via=127\.0\.0\.7$' \
    "the host that re-sent it: BLOCK, remailed, naming the mailbox" ||
    diag "$(cat "$ST/state")" "$(tail -n 5 "$S/log/mainlog")"
wait_for "[ \"\$(rcpt_reply 127.0.0.1 \"$PS\" 127.0.0.7)\" = 550 ]" 10
ok $? "its next message: 550"
exim_settle "$S" 20
is "$(last 127.0.0.8)" "" "the careful customer, who re-sent nothing: no verdict"

done_testing

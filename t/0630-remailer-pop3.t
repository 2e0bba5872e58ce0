#!/bin/sh
# The customer who collects its mail by POP3 and re-sends what is not
# addressed to it (the seed's case), with real parts: our smart host
# delivers relaywatch-probe -m's message into the customer's mailbox; a
# private Dovecot (pop3d, Debian's) serves it on loopback; on the
# customer's side fetchmail collects it and hands it to a procmail rule
# that re-sends anything not addressed to the customer's domain through
# the smart host from 127.0.0.7.  The special mailbox's recipe BLOCKs
# 127.0.0.7 (why=remailed), and its next message gets 550.  A careful
# customer, whose fetchmail delivers locally only, stays without a
# verdict.  Retested (a new probe into the mailbox), the remailer that
# still re-sends stays BLOCKed with the new evidence; fixed, silence
# lifts it.
. "$(dirname "$0")/lib.sh"
. "$T/exim.sh"
. "$T/pop3.sh"
need_exim
need procmail formail swaks dovecot fetchmail faketime

PS=$(free_port 77)	# the smart host
PC=$(free_port 78)	# (no customer listens: nothing is probed by IP)
PP=$(free_port 79)	# Dovecot's POP3

rw_setup
ST=$TMP/st
printf '%s\n' "127.0.0.7 shop@isp.example" "127.0.0.8 careful@isp.example" \
    > "$TMP/etc/mailboxes"
echo "mailboxes = $TMP/etc/mailboxes" >> "$RELAYWATCH_CONF"
chown -R "$EXIM_USER:" "$TMP/etc"
S=$(exim_setup smarthost)
exim_smarthost "$S" "$TMP/rc" "$ST/state.cdb" || exit 1
pop3_mailboxes "$S" shop careful || exit 1
dovecot_start "$PP" shop careful
ok $? "Dovecot serves the two mailboxes by POP3" || exit 1

# The probes, into both mailboxes.
relaywatch-probe -m > "$TMP/sent"
is "$?:$(wc -l < "$TMP/sent")" "0:2" "relaywatch-probe -m: one probe a mailbox"
exim_settle "$S" 20
ok $? "  delivered by the smart host" || diag "$(tail -n 5 "$S/log/mainlog")"
is "$(grep -c '^X-Relaywatch: mailbox=shop@isp.example' "$TMP/mail/shop")" 1 "  into shop's mailbox"
grep -q 'relaywatch: a probe must go' "$S/log/mainlog"
ok $((1 - $?)) "  not failed by the probe routes' guard"
like "$(sed -n 's/^To: //p' "$TMP/mail/shop")" '^relaytest\+[a-z2-7]{50}@isp\.example$' \
    "  addressed to the special mailbox"

# The customers' side: fetchmail, and a procmail rule each.
remailer "$TMP/remail" 127.0.0.7 shop@shop.example
cat > "$TMP/shop.rc" <<RC
SHELL=/bin/sh
:0
* ! ^TO_(.*@)?shop\.example
| $TMP/remail
:0
$TMP/shop.kept
RC
cat > "$TMP/careful.rc" <<RC
SHELL=/bin/sh
:0
$TMP/careful.kept
RC
fetch careful "$PP" "$TMP/careful.rc"
ok $? "the careful customer's fetchmail collects its mailbox" || diag "$(cat "$TMP/careful.fetch" "$D/log")"
is "$(grep -c '^X-Relaywatch: mailbox=careful@isp.example' "$TMP/careful.kept" 2>/dev/null)" 1 \
    "  and its procmail keeps the probe"
fetch shop "$PP" "$TMP/shop.rc"
ok $? "the shop's fetchmail collects its mailbox" || diag "$(cat "$TMP/shop.fetch" "$D/log")"
last() { awk -v ip="$1" '$1 == ip { l = $0 } END { print l }' "$ST/state"; }
wait_for "[ -n \"\$(last 127.0.0.7)\" ]" 30
like "$(last 127.0.0.7)" \
    '^127\.0\.0\.7 BLOCK [0-9]+ why=remailed mailbox=shop@isp\.example token-time=[0-9]+ via=127\.0\.0\.7$' \
    "its procmail re-sent the probe from 127.0.0.7: BLOCK, remailed" ||
    diag "$(cat "$ST/state")" "$(tail -n 5 "$S/log/mainlog")"
wait_for "[ \"\$(rcpt_reply 127.0.0.1 \"$PS\" 127.0.0.7)\" = 550 ]" 10
ok $? "127.0.0.7's next message: 550"
exim_settle "$S" 20
is "$(last 127.0.0.8)" "" "the careful customer: no verdict"

# The retest, as the supervisor's pipeline runs it: relaywatch-due hands
# relaywatch-probe a new probe into shop's mailbox; our Exim's local
# arrival of it (relaywatch-hosts -d) shows it went out.
retest() {	# retest: ask, and run the pipeline's stages once
	relaywatch-db retest -w "fixed, ticket $1" 127.0.0.7 > /dev/null &&
	    relaywatch-due < /dev/null > "$TMP/due.$1" &&
	    relaywatch-probe < "$TMP/due.$1" > "$TMP/sent.$1" &&
	    exim_settle "$S" 20 &&
	    relaywatch-hosts -d "$S/log/mainlog" | relaywatch-due > /dev/null
}
retest 1
ok $? "a retest of the remailer" || diag "$(tail -n 3 "$ST/state")"
is "$(cat "$TMP/due.1")" "127.0.0.7 mailbox=shop@isp.example" "  relaywatch-due: a new probe into its mailbox, not into the host"
is "$(grep -c '^X-Relaywatch: mailbox=shop@isp.example' "$TMP/mail/shop")" 1 "  delivered into shop's mailbox by the smart host"
like "$(last 127.0.0.7)" " BLOCK [0-9]+ why=remailed mailbox=shop@isp\.example retest=pending delivered=[0-9]+$" \
    "  its submission seen in the main log: the retest under way, its probe out"
# Still remailing: the BLOCK stays, with the new evidence.
fetch shop "$PP" "$TMP/shop.rc"
wait_for "last 127.0.0.7 | grep -q ' token-time='" 30
like "$(last 127.0.0.7)" '^127\.0\.0\.7 BLOCK [0-9]+ why=remailed mailbox=shop@isp\.example token-time=[0-9]+ via=127\.0\.0\.7$' \
    "re-sent again: the BLOCK stays, with the new evidence" || diag "$(tail -n 3 "$ST/state")"
is "$(rcpt_reply 127.0.0.1 "$PS" 127.0.0.7)" 550 "  and its mail is still refused"
# Fixed (its procmail keeps what it collects): silence lifts the BLOCK.
cp "$TMP/careful.rc" "$TMP/shop.rc"
sed -i "s|careful.kept|shop.kept|" "$TMP/shop.rc"
retest 2
ok $? "the fixed remailer retested" || diag "$(tail -n 3 "$ST/state")"
fetch shop "$PP" "$TMP/shop.rc"
ok $? "  its fetchmail collects the new probe, and keeps it"
exim_settle "$S" 20
like "$(last 127.0.0.7)" " retest=pending delivered=" "  nothing came back"
ASAN_OPTIONS=verify_asan_link_order=0 faketime -f "+49h" relaywatch-db sweep > "$TMP/sweep" 2>&1
like "$(last 127.0.0.7)" '^127\.0\.0\.7 OK [0-9]+ why=no-answer tested=[0-9]+ retest-result=silent mailbox=shop@isp\.example$' \
    "silence for pending_timeout: lifted, retest-result=silent" || diag "$(cat "$TMP/sweep")"
wait_for "[ \"\$(rcpt_reply 127.0.0.1 \"$PS\" 127.0.0.7)\" = 250 ]" 10
ok $? "  and its next message is accepted"

done_testing

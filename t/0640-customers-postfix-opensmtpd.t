#!/bin/sh
# Customers that run Postfix and OpenSMTPD (Debian's, unpacked by make
# deps), end to end with our real Exim smart host and procmail: for each,
# an open relay, a host that refuses to relay and one that takes
# everything and bounces what its inner host refuses.  Each sends one
# message of its own through the smart host; relaywatch-hosts finds them
# in the main log, relaywatch-due and relaywatch-probe test them, and
# what comes back gives each its status: the open relays BLOCK (and 550
# on their next message), the others OK with the customer's own words.
. "$(dirname "$0")/lib.sh"
own_namespace -n
. "$T/exim.sh"
. "$T/mta.sh"
need_exim
need procmail formail perl
need_mtas
# As in a fresh chroot or container: no line for the machine's own name
# (no_dns gives it one, as a host set up to send mail has).
awk -v n="$(uname -n)" '/^[[:space:]]*#/ { print; next }
	{ l = $1; for (i = 2; i <= NF; i++) if ($i != n) l = l " " $i
	  if (l != $1) print l }' /etc/hosts > "$TMP/bare.hosts"
mount --bind "$TMP/bare.hosts" /etc/hosts || skip_all "cannot bind-mount /etc/hosts"
no_dns || skip_all "the test's own resolver did not start"

PS=$(free_port 81)	# the smart host
PC=$(free_port 82)	# the customers' SMTP port

rw_setup
# The forms at the [IP] literal, as these customers were first tested
# with (t/0650 tests the default forms, in the customer's own name).
echo "variants = plain percent quoted" >> "$TMP/etc/rw.conf"
ST=$TMP/st
S=$(exim_setup smarthost)
exim_smarthost "$S" "$TMP/rc" "$ST/state.cdb" || exit 1

# Postfix on 127.0.2.0/24, OpenSMTPD on 127.0.3.0/24: .1 an open relay,
# .2 refuses to relay, .3 bounces after accepting (through .2).
postfix_customer pf-relay 127.0.2.1 relay || exit 1
postfix_customer pf-refuse 127.0.2.2 refuse || exit 1
postfix_customer pf-bounce 127.0.2.3 bounce 127.0.2.2 || exit 1
opensmtpd_customer os-relay 127.0.3.1 relay || exit 1
opensmtpd_customer os-refuse 127.0.3.2 refuse || exit 1
opensmtpd_customer os-bounce 127.0.3.3 bounce 127.0.3.2 || exit 1
hosts="127.0.2.1 127.0.2.2 127.0.2.3 127.0.3.1 127.0.3.2 127.0.3.3"
ok 0 "six customers: Postfix $(cat "$POSTFIX_ROOT/.version"), OpenSMTPD $(cat "$OPENSMTPD_ROOT/.version")"

# Each customer's own mail, from a client on its own address, through
# the smart host: six arrivals from six hosts in the main log.
for ip in $hosts; do
	send "$ip" "$PC" "$ip" --to someone@isp.example ||
	    diag "the customer $ip did not take its own message"
done
wait_for '[ "$(relaywatch-hosts "$S/log/mainlog" | cut -d" " -f1 | sort -u | wc -l)" -ge 6 ]' 60
is "$(relaywatch-hosts "$S/log/mainlog" | cut -d' ' -f1 | sort -u | tr '\n' ' ')" "$(printf '%s ' $hosts)" \
    "each customer's own mail reached the smart host from its address" ||
    diag "$(tail -20 "$S/log/mainlog")"

# Tested as relaywatch(8) does it.
relaywatch-hosts "$S/log/mainlog" | relaywatch-due | relaywatch-probe > "$TMP/sent"
is "$(wc -l < "$TMP/sent")" 18 "18 probes sent (6 hosts, 3 variants)"

# Done when the open relays are blocked (Postfix's by every form), the
# bounces are in (OpenSMTPD's open relay bounces the percent form), and
# every host has a verdict.
final='[ "$(grep -c "^127\.0\.2\.1 BLOCK " "$ST/state")" -ge 3 ] && grep -q "^127\.0\.3\.1 BLOCK " "$ST/state" &&
	grep -q "^127\.0\.2\.3 OK .*why=bounced-after-accept" "$ST/state" &&
	grep -q "^127\.0\.3\.3 OK .*why=bounced-after-accept" "$ST/state" &&
	grep -qs "^X-Relaywatch-Verdict: 127\.0\.3\.1 OK .*variant=percent" "$TMP"/box/evidence/new/* &&
	[ "$(status | awk '\''$2 != "UNKNOWN"'\'' | wc -l)" -ge 6 ]'
wait_for "$final" ${WAIT:-120}
ok $? "every customer has its verdict" ||
    diag "$(cat "$ST/state")" "$(tail -30 "$S/log/mainlog")"
status > "$TMP/status"
line() { grep "^$1 " "$TMP/status"; }

# Postfix rewrites every form to the address it names (the percent hack,
# the quoted local part, the bang path) and relays it.
like "$(line 127.0.2.1)" "^127\.0\.2\.1 BLOCK [0-9]+ why=relayed variant=(plain|percent|quoted) token-time=[0-9]+ via=127\.0\.2\.1$" \
    "Postfix, open relay: BLOCK, relayed, via itself"
is "$(sed -n 's/^127\.0\.2\.1 BLOCK .*variant=\([a-z]*\).*/\1/p' "$ST/state" | sort | tr '\n' ' ')" \
    "percent plain quoted " "  (every form relayed: plain, percent and quoted)"
like "$(line 127.0.2.2)" "^127\.0\.2\.2 OK [0-9]+ why=refused variant=[a-z-]+ token-time=[0-9]+ diag=\"554 5\.7\.1 <[^\"]*>: Relay access denied\"$" \
    "Postfix, refusing: OK, refused, with its 554 Relay access denied"
like "$(line 127.0.2.3)" "^127\.0\.2\.3 OK [0-9]+ why=bounced-after-accept variant=[a-z-]+ token-time=[0-9]+ diag=\"[^\"]*554 5\.7\.1 [^\"]*Relay access denied[^\"]*\" via=127\.0\.2\.3$" \
    "Postfix, bouncing: OK, bounced after accepting, the inner host's words from its folded Diagnostic-Code"
# OpenSMTPD relays only the plain form, refuses with 550 "Invalid
# recipient", and writes its bounce as multipart/mixed with no
# delivery-status part.
like "$(line 127.0.3.1)" "^127\.0\.3\.1 BLOCK [0-9]+ why=relayed variant=plain token-time=[0-9]+ via=127\.0\.3\.1$" \
    "OpenSMTPD, open relay: BLOCK, the plain form relayed, via itself"
is "$(sed -n 's/^127\.0\.3\.1 BLOCK .*variant=\([a-z]*\).*/\1/p' "$ST/state" | sort | tr '\n' ' ')" \
    "plain " "  (the plain form only)"
like "$(grep '^127\.0\.3\.1 OK .*variant=quoted' "$ST/state")" 'why=refused .*diag="501 5\.1\.3 Recipient address syntax error"' \
    "  (the quoted form refused with 501)"
like "$(grep -h '^X-Relaywatch-Verdict: 127\.0\.3\.1 OK .*variant=percent' "$TMP"/box/evidence/new/*)" 'why=bounced-after-accept .*diag="501 <relaytest\+[a-z2-7]+%isp\.example@\[127\.0\.3\.1\]>: domain literals not allowed"' \
    "  (the percent form passed on as it is, to the smart host, which refuses it: OpenSMTPD's bounce gives an OK, which does not lift the BLOCK)"
like "$(line 127.0.3.2)" "^127\.0\.3\.2 OK [0-9]+ why=refused variant=[a-z-]+ token-time=[0-9]+ diag=\"5[0-9][0-9] [^\"]*\"$" \
    "OpenSMTPD, refusing: OK, refused, with its 5xx"
like "$(line 127.0.3.3)" "^127\.0\.3\.3 OK [0-9]+ why=bounced-after-accept variant=[a-z-]+ token-time=[0-9]+ diag=\"[^\"]*Invalid recipient[^\"]*\" via=127\.0\.3\.3$" \
    "OpenSMTPD, bouncing: OK, bounced after accepting, the inner host's words from its text"
# The bounces were in the forms these MTAs write.
evidence() {	# evidence IP: the kept bounces that gave IP its OK
	grep -l "^X-Relaywatch-Verdict: $1 OK .*why=bounced-after-accept" "$TMP"/box/evidence/new/*
}
pf=$(evidence 127.0.2.3 | head -n 1)
like "$(sed -n '/^Diagnostic-Code: /{N;p;}' "$pf")" "^Diagnostic-Code: smtp; 554 5\.7\.1
[ 	]+<relaytest\+" "  (Postfix's bounce: a delivery-status part, its Diagnostic-Code folded)"
os=$(evidence 127.0.3.3 | head -n 1)
like "$(grep -i '^Content-Type: multipart/' "$os")" "multipart/mixed" \
    "  (OpenSMTPD's bounce: multipart/mixed, not multipart/report,"
is "$(grep -ci '^Diagnostic-Code:' "$os")" 0 "  and no Diagnostic-Code)"
is "$(awk '{ print $1 }' "$ST/blocked.nets" | sort | tr '\n' ' ')" "127.0.2.1 127.0.3.1 " \
    "the two open relays in blocked.nets, no other"

# The open relays' next message is refused; the others' still goes.
for ip in 127.0.2.1 127.0.3.1; do
	is "$(rcpt_reply 127.0.0.1 "$PS" "$ip")" 550 "the open relay $ip: its next RCPT gets 550" ||
	    diag "$(cat "$TMP/reply")"
done
for ip in 127.0.2.2 127.0.2.3 127.0.3.2 127.0.3.3; do
	is "$(rcpt_reply 127.0.0.1 "$PS" "$ip")" 250 "$ip: its next RCPT gets 250"
done

# Every message that came back was kept as evidence, none left for people
# without a reason.
n_ev=$(ls "$TMP/box/evidence/new" | wc -l)
ok $([ "$n_ev" -ge 6 ]; echo $?) "the messages that gave the verdicts are kept as evidence ($n_ev)"
for f in "$TMP"/box/people/new/*; do
	[ -f "$f" ] || continue
	diag "without a verdict: $(grep -m1 '^X-Relaywatch-Unclassified: ' "$f")"
done

# DNS: none of it could leave (this test's network namespace has only
# its own loopback; its resolv.conf names the test's own resolver), and
# none was asked: every name is given, Postfix looks up no client, and
# OpenSMTPD's resolver reads /etc/hosts only ("lookup file").
is "$(cat "$TMP/dns.log")" "" "no DNS query was made"

done_testing

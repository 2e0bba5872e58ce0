#!/bin/sh
# The relay zoo: real Exim, Postfix and OpenSMTPD customers, each with one
# relay misconfiguration written as its postmasters write it, and closed
# controls and servers that take every recipient and then bounce or drop.
# Each misconfigured server is first shown to relay an outsider's message
# (it reaches our smart host); then each customer's users send through the
# smart host from their own domain, relaywatch finds them, probes them in
# their own name, from the null sender and at their own names, and each
# misconfigured server ends BLOCK, naming the form that relayed; no
# control and no accept-everything server ends BLOCK.
. "$(dirname "$0")/lib.sh"
own_namespace -n
. "$T/exim.sh"
. "$T/mta.sh"
need_exim
need procmail formail perl
need_mtas
no_dns || skip_all "the test's own resolver did not start"

PS=$(free_port 91)	# the smart host
PC=$(free_port 92)	# the customers' SMTP port

rw_setup
ST=$TMP/st
S=$(exim_setup smarthost)
exim_smarthost "$S" "$TMP/rc" "$ST/state.cdb" || exit 1

# Exim on 127.0.4.0/24, as its postmasters write the mistakes.
exim_site ex-open 127.0.4.1 "  accept" || exit 1
exim_site ex-own 127.0.4.2 "  # our users may send from anywhere
  accept senders = *@ex-own.customer.test" || exit 1
exim_site ex-null 127.0.4.3 "  # let bounces out
  accept senders = :" || exit 1
exim_site ex-percent 127.0.4.4 "" "# the percent hack, for our own domain
percent:
  driver = redirect
  domains = +local_domains
  condition = \${if match{\$local_part}{%}}
  data = \${sg{\$local_part}{%}{@}}" || exit 1
exim_site ex-closed 127.0.4.5 "" || exit 1
# The same mistakes written otherwise: "mail from our own domains".
exim_site ex-own2 127.0.4.8 "  accept condition = \${if match_domain{\$sender_address_domain}{+local_domains}}" || exit 1
exim_site ex-drop 127.0.4.6 "  accept" "drop:
  driver = redirect
  data = :blackhole:" || exit 1
exim_site ex-bounce 127.0.4.7 "  accept" "# takes all, and bounces what came from outside for elsewhere
nowhere:
  driver = redirect
  domains = !+local_domains
  condition = \${if def:sender_host_address}
  allow_fail
  data = :fail: no such mailbox here" || exit 1
# Postfix on 127.0.2.0/24, OpenSMTPD on 127.0.3.0/24.
postfix_customer pf-own 127.0.2.1 own || exit 1
postfix_customer pf-rewrite 127.0.2.2 rewrite || exit 1
postfix_customer pf-closed 127.0.2.3 refuse || exit 1
postfix_customer pf-bounce 127.0.2.4 bounce 127.0.2.3 || exit 1
postfix_customer pf-null 127.0.2.5 null || exit 1
opensmtpd_customer os-bounce 127.0.3.3 bounce 127.0.3.2 || exit 1
opensmtpd_customer os-own 127.0.3.1 own || exit 1
opensmtpd_customer os-closed 127.0.3.2 refuse || exit 1
ok 0 "sixteen customers: Exim $("$EXIM" -C "$S/exim.conf" -bV 2>/dev/null | sed -n 's/^Exim version \([^ ]*\).*/\1/p'), Postfix $(cat "$POSTFIX_ROOT/.version"), OpenSMTPD $(cat "$OPENSMTPD_ROOT/.version")"
name_of() {	# the customer at an address
	case $1 in
	127.0.4.1) echo ex-open ;; 127.0.4.2) echo ex-own ;;
	127.0.4.3) echo ex-null ;; 127.0.4.4) echo ex-percent ;;
	127.0.4.5) echo ex-closed ;; 127.0.4.6) echo ex-drop ;;
	127.0.4.7) echo ex-bounce ;; 127.0.3.3) echo os-bounce ;;
	127.0.4.8) echo ex-own2 ;; 127.0.2.5) echo pf-null ;;
	127.0.2.1) echo pf-own ;; 127.0.2.2) echo pf-rewrite ;;
	127.0.2.3) echo pf-closed ;; 127.0.2.4) echo pf-bounce ;;
	127.0.3.1) echo os-own ;; 127.0.3.2) echo os-closed ;;
	esac
}
relays="127.0.4.1 127.0.4.2 127.0.4.3 127.0.4.4 127.0.2.1 127.0.2.2 127.0.3.1 127.0.4.8 127.0.2.5"
closed="127.0.4.5 127.0.2.3 127.0.3.2"
bouncers="127.0.4.7 127.0.2.4 127.0.3.3"
hosts="$relays $closed $bouncers 127.0.4.6"

# An outsider (127.0.9.1) relays through each misconfigured server, the
# way its mistake lets it: each message reaches our side.  The closed
# ones refuse the same.
outsider() {	# outsider IP FROM TO: an outsider's message through IP
	swaks --server "$1" --port "$PC" --local-interface 127.0.9.1 \
	    --from "$2" --to "$3" --timeout 20 --hide-all \
	    --header "Subject: outsider via $1"
}
outsider 127.0.4.1 spam@outside.test proof-1@isp.example
outsider 127.0.4.2 spam@ex-own.customer.test proof-2@isp.example
outsider 127.0.4.3 '<>' proof-3@isp.example
outsider 127.0.4.4 spam@outside.test "proof-4%isp.example@ex-percent.customer.test"
outsider 127.0.2.1 spam@pf-own.customer.test proof-5@isp.example
outsider 127.0.2.2 spam@outside.test proof-6@isp.example
outsider 127.0.3.1 spam@os-own.customer.test proof-7@isp.example
outsider 127.0.4.8 spam@ex-own2.customer.test proof-8@isp.example
outsider 127.0.2.5 '<>' proof-9@isp.example
for ip in $closed; do
	outsider "$ip" spam@outside.test proof-closed@isp.example &&
	    diag "the closed server $ip took an outsider's relay attempt"
done
wait_for '[ "$(grep -c "^Subject: outsider via" "$TMP/box/other" 2>/dev/null)" -ge 9 ]' 30
is "$(sed -n 's/^Subject: outsider via //p' "$TMP/box/other" | sort | tr '\n' ' ')" \
    "$(printf '%s\n' $relays | sort | tr '\n' ' ')" \
    "each misconfigured server relayed an outsider's message to us; no closed one did" ||
    diag "$(grep -h 'proof' "$S/log/mainlog" | tail -n 20)"

# Each customer's users send through the smart host, twice, from their
# own domain: the domain relaywatch probes in.
for ip in $hosts; do
	for n in 1 2; do
		send 127.0.0.1 "$PS" "$ip" --from "user@$(name_of "$ip").customer.test" \
		    --to "someone$n@remote.test" ||
		    diag "the smart host did not take $ip's message"
	done
done
wait_for '[ "$(grep -c " <= user@" "$S/log/mainlog")" -ge 32 ]' 30
relaywatch-hosts "$S/log/mainlog" 2>/dev/null | awk '$2 ~ /^[a-z]+-[a-z0-9]+\.customer\.test$/ { print $1, $2 }' | sort -u > "$TMP/hosts"
# (the outsiders' messages that the relays passed on are arrivals from
# them too, with the outsiders' senders: outvoted by the users')
is "$(wc -l < "$TMP/hosts")" 16 "relaywatch-hosts: each customer, with its users' domain" ||
    diag "$(cat "$TMP/hosts")"
relaywatch-hosts "$S/log/mainlog" 2>/dev/null | relaywatch-due | relaywatch-probe > "$TMP/sent"
is "$(cut -d' ' -f1 "$TMP/sent" | sort | uniq -c | awk '{ print $1 }' | sort -u | tr '\n' ' ')" "4 " \
    "4 probes a customer (within 8): plain, own-sender, null-sender, percent-name"
is "$(cut -d' ' -f2 "$TMP/sent" | sort -u | tr '\n' ' ')" "null-sender own-sender percent-name plain " \
    "  the default forms"
like "$(grep '^127\.0\.4\.2 ' "$ST/state" | head -n 1)" "^127\.0\.4\.2 UNKNOWN [0-9]+ why=probe domain=ex-own\.customer\.test domain-from=senders probes=4$" \
    "  its domain recorded with its test, and where it came from"

verdicts() {	# every relay BLOCK, every control and bouncer OK
	for ip in $relays; do grep -q "^$ip BLOCK " "$ST/state" || return 1; done
	for ip in $closed; do status | grep -q "^$ip OK " || return 1; done
	for ip in $bouncers; do
		grep -q "^$ip OK .*why=bounced-after-accept" "$ST/state" || return 1
	done
}
wait_for verdicts ${WAIT:-120}
ok $? "every misconfigured server BLOCK, every control and every bouncing server OK" ||
    diag "$(cat "$ST/state")" "$(tail -n 30 "$S/log/mainlog")"
exim_settle "$S" 30
status > "$TMP/status"
line() { grep "^$1 " "$TMP/status"; }
forms() {	# the forms that earned IP a BLOCK
	sed -n "s/^$1 BLOCK .*variant=\([a-z-]*\).*/\1/p" "$ST/state" | sort -u | tr '\n' ' '
}

like "$(line 127.0.4.1)" "^127\.0\.4\.1 BLOCK [0-9]+ why=relayed variant=[a-z-]+ token-time=[0-9]+ via=127\.0\.4\.1$" \
    "Exim, open to all: BLOCK"
is "$(forms 127.0.4.2)" "own-sender " "Exim trusting its own domain's senders: BLOCK by the own-sender form only"
is "$(forms 127.0.4.3)" "null-sender " "Exim letting the null sender relay: BLOCK by the null-sender form only"
is "$(forms 127.0.4.4)" "percent-name " "Exim with the percent hack for its own domain: BLOCK by the percent form at its own domain only"
is "$(forms 127.0.2.1)" "own-sender " "Postfix trusting its own domain's senders (check_sender_access): BLOCK by the own-sender form"
like "$(grep '^127\.0\.2\.2 BLOCK .*variant=plain' "$ST/state" | head -n 1)" " sender=rewritten" \
    "Postfix, open and rewriting every sender: BLOCK, the plain form, sender=rewritten"
is "$(forms 127.0.3.1)" "own-sender " "OpenSMTPD matching mail-from its own domain: BLOCK by the own-sender form"
is "$(forms 127.0.4.8)" "own-sender " "Exim trusting its own domains' senders, written as a condition: BLOCK by the own-sender form"
is "$(forms 127.0.2.5)" "null-sender " "Postfix letting <> relay (check_sender_access <> OK): BLOCK by the null-sender form"
for ip in $closed; do
	like "$(line "$ip")" "^$ip OK [0-9]+ why=refused " "$(name_of "$ip"), closed: OK, refused"
done
for ip in $bouncers; do
	like "$(line "$ip")" "^$ip OK [0-9]+ why=(bounced-after-accept|refused) " \
	    "$(name_of "$ip"), takes every recipient and bounces: OK"
	like "$(grep "^$ip OK .*why=bounced-after-accept" "$ST/state" | head -n 1)" " via=$ip\$" \
	    "  bounced after accepting, the bounce from itself" ||
	    diag "$(grep -h "$ip" "$S/log/mainlog")" "$(grep -v 'lost privilege' "$TMP/$(name_of "$ip")/log/mainlog" 2>/dev/null | tail -n 20)"
done
like "$(line 127.0.4.6)" "^127\.0\.4\.6 UNKNOWN " "ex-drop, takes every recipient and drops it: no verdict yet (silence)"
is "$(for ip in $closed $bouncers 127.0.4.6; do grep "^$ip BLOCK" "$ST/state"; done)" "" \
    "no control and no accept-everything server was ever BLOCK"
is "$(awk '{ print $1 }' "$ST/blocked.nets" | sort | tr '\n' ' ')" "$(printf '%s\n' $relays | sort | tr '\n' ' ')" \
    "blocked.nets: the nine relays, no other"

# The refusals our own Exim met came back to the special mailbox, never
# to the customers' domains (errors_to): every bounce our Exim made went
# to relaytest+TOKEN@isp.example, whatever the probe's sender.
awk '$4 == "<=" && $5 == "<>" && $6 ~ /^R=/ { ours[$3] = 1; n++ }
     $4 == "=>" && ($3 in ours) &&
	$0 !~ / <relaytest\+[a-z2-7]+@isp\.example> R=relaywatch_mailbox / { print }
     END { if (n < 10) print "only " n " bounces of ours" }' "$S/log/mainlog" > "$TMP/stray"
is "$(cat "$TMP/stray")" "" "our Exim's bounces of probes (own-sender and null-sender ones too) went to the special mailbox, none to a customer's domain"

# The notice says, in the customer's words, what its server did.
like "$(awk '/^Subject: Open relay at 127\.0\.4\.2/ { p = 1 } p && /^In short/ { print; exit }' "$TMP/box/other")" \
    "In short, your server relayed a message whose sender claimed to be in" \
    "the notice of ex-own says its server trusted a sender of its own domain"

# The next message of each relay is refused.
for ip in 127.0.4.2 127.0.2.1 127.0.3.1; do
	is "$(rcpt_reply 127.0.0.1 "$PS" "$ip")" 550 "$(name_of "$ip"): its next RCPT gets 550"
done
is "$(cat "$TMP/dns.log")" "" "no DNS query was made"

done_testing

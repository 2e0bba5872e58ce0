#!/bin/sh
# Where evidence came from: the host that handed a message to our farm,
# read from Received fields that our own hosts wrote (own_hosts), top
# down, and never from one that the sender wrote.  A relayed probe
# counts only from the tested host, a failure report only from it (or
# its IPv6 network) or from our own Exim; a Received chain that anyone
# could have written gives no verdict, and a message with a valid token
# in its address is held for a person, naming the host that handed it
# over.
. "$(dirname "$0")/lib.sh"

(umask 077; openssl rand -hex 32 > "$TMP/key")
printf '192.0.2.0/24\n2001:db8::/32\n' > "$TMP/nets"
printf '203.0.113.2\n203.0.113.3\n2001:db8:ffff::/48\n' > "$TMP/own"
printf 'domain = isp.example\nkeyfile = %s\nnetblocks = %s\nown_hosts = %s\n' \
    "$TMP/key" "$TMP/nets" "$TMP/own" > "$TMP/conf"
export RELAYWATCH_CONF="$TMP/conf"

echo 192.0.2.7 | relaywatch-probe -n > "$TMP/probes"
tok=$(sed -n 's/^X-Relaywatch: .*variant=plain token=//p' "$TMP/probes")
rcpt=relaytest+$tok@isp.example
awk '/^From / { n++; next } n == 1' "$TMP/probes" > "$TMP/probe"

# rcvd FROM BY: a Received field as Exim writes it; FROM "-" names no
# host (a local submission).
rcvd() {
	if [ "$1" = - ]; then
		printf 'Received: from mail by %s with local (Exim 4.96)\n\tid 1xWhVY-0001L2-2j; Fri, 27 Nov 2026 04:00:00 +0000\n' "$2"
	else
		printf 'Received: from [%s] (helo=x.example)\n\tby %s with esmtp (Exim 4.96)\n\tid 1xWhVY-0001L1-2j; Fri, 27 Nov 2026 04:00:00 +0000\n' "$1" "$2"
	fi
}
# chain HOST...: the Received fields of a message the first HOST handed
# to the tester, each next one to the one before.
chain() {
	by=tester.isp.example
	for h in "$@"; do
		rcvd "$h" "$by"
		by=next.example
	done
}
# relayed HOST...: the probe as it comes back through them.
relayed() {
	chain "$@"
	cat "$TMP/probe"
}
# report HOST...: a failure report of the probe, handed over likewise.
report() {
	chain "$@"
	printf 'From: Mail Delivery System <MAILER-DAEMON@customer.example>\nTo: %s\nSubject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\nContent-Type: text/plain\n\nIt could not be delivered.\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mail.customer.example\n\nFinal-Recipient: rfc822; x@y\nAction: failed\nStatus: 5.7.1\nDiagnostic-Code: smtp; 554 5.7.1 Relay access denied\n--b--\n' "$rcpt"
}
verdict() {	# verdict FILE [ARGS]: run classify -H on it
	f=$1
	shift
	run relaywatch-classify -H -v -r "$rcpt" "$@" < "$f"
}

relayed 192.0.2.7 > "$TMP/m"; verdict "$TMP/m"
like "$rc:$out" "^0:192\.0\.2\.7 BLOCK [0-9]+ why=relayed .* via=192\.0\.2\.7$" "relayed, handed to the tester by the tested host: BLOCK"
relayed 203.0.113.2 192.0.2.7 > "$TMP/m"; verdict "$TMP/m"
like "$rc:$out" "^0:192\.0\.2\.7 BLOCK .* via=192\.0\.2\.7 through=203\.0\.113\.2$" \
    "through one of our smart hosts: BLOCK, via the customer, through ours"
relayed 203.0.113.2 203.0.113.3 192.0.2.7 > "$TMP/m"; verdict "$TMP/m"
like "$rc:$out" "^0:192\.0\.2\.7 BLOCK .* via=192\.0\.2\.7 through=203\.0\.113\.2,203\.0\.113\.3$" \
    "through two of ours (an MX, then a smart host): BLOCK, both named"
relayed 2001:db8:ffff::25 192.0.2.7 > "$TMP/m"; verdict "$TMP/m"
like "$rc:$out" "^0:192\.0\.2\.7 BLOCK .* through=2001:db8:ffff::25$" "through one of ours by IPv6 (a network in own_hosts): BLOCK"
relayed 192.0.2.8 192.0.2.7 > "$TMP/m"; verdict "$TMP/m"
like "$rc:$out" "^1:192\.0\.2\.7 UNKNOWN [0-9]+ why=undecided .* via=192\.0\.2\.8$" \
    "handed over by another customer, its field naming the tested host: no verdict, held, naming it"
like "$err" "handed to our farm by 192\.0\.2\.8 \(multihop" "  (said)"
relayed 203.0.113.2 192.0.2.8 192.0.2.7 > "$TMP/m"; verdict "$TMP/m"
like "$rc:$out" "^1:192\.0\.2\.7 UNKNOWN .* via=192\.0\.2\.8 through=203\.0\.113\.2$" \
    "the same through our smart host: held, naming both"
relayed 192.0.2.8 203.0.113.2 192.0.2.7 > "$TMP/m"; verdict "$TMP/m"
like "$rc:$out" "^1:192\.0\.2\.7 UNKNOWN .* via=192\.0\.2\.8$" \
    "a customer that writes a field in our smart host's name under its own: held, its own name only"
relayed 203.0.113.2 - > "$TMP/m"; verdict "$TMP/m"
like "$rc:$out" "^1:192\.0\.2\.7 UNKNOWN [0-9]+ why=undecided [^ ]+ [^ ]+$" \
    "our smart host's field names no host: no verdict, held"
like "$err" "our own host 203\.0\.113\.2 wrote names no host" "  (said)"
relayed 203.0.113.2 > "$TMP/m"; verdict "$TMP/m"
like "$rc:$err" "^1:.*our own host 203\.0\.113\.2 wrote names no host" "only our own hosts: no verdict"
# Sixteen of ours, then the customer: beyond what is kept.
set --
for i in $(seq 16); do set -- "$@" 203.0.113.2; done
relayed "$@" 192.0.2.7 > "$TMP/m"; verdict "$TMP/m"
is "$rc" 1 "sixteen of our own fields before the customer's: no verdict"

# Failure reports.
report 192.0.2.7 > "$TMP/m"; verdict "$TMP/m"
like "$rc:$out" "^0:192\.0\.2\.7 OK [0-9]+ why=bounced-after-accept .*diag=\"554 5\.7\.1 Relay access denied\" via=192\.0\.2\.7$" \
    "a report from the tested host: OK, bounced-after-accept"
report 203.0.113.2 192.0.2.7 > "$TMP/m"; verdict "$TMP/m"
like "$rc:$out" "^0:192\.0\.2\.7 OK .* via=192\.0\.2\.7 through=203\.0\.113\.2$" "  through our smart host: OK"
report 198.51.100.1 > "$TMP/m"; verdict "$TMP/m"
like "$rc:$out" "^1:192\.0\.2\.7 UNKNOWN [0-9]+ why=undecided .* via=198\.51\.100\.1$" \
    "a report from elsewhere (anyone who read the token): no verdict, held, naming the sender"
like "$err" "handed to our farm by 198\.51\.100\.1, not by 192\.0\.2\.7$" "  (said)"
report 192.0.2.8 192.0.2.7 > "$TMP/m"; verdict "$TMP/m"
like "$rc:$out" "^1:192\.0\.2\.7 UNKNOWN .* via=192\.0\.2\.8$" "a report from another customer claiming the tested host: no verdict"
{ printf 'Return-path: <>\n'; rcvd - tester.isp.example; report; } > "$TMP/m"; verdict "$TMP/m"
like "$rc:$out" "^0:192\.0\.2\.7 OK [0-9]+ why=refused " "a report our own Exim wrote: OK, refused"

# IPv6: the customer is its network (ipv6_prefix).
echo 2001:db8:1::7 | relaywatch-probe -n > "$TMP/probes6"
tok=$(sed -n 's/^X-Relaywatch: .*variant=plain token=//p' "$TMP/probes6")
rcpt=relaytest+$tok@isp.example
report 2001:db8:1::7 > "$TMP/m"; verdict "$TMP/m"
like "$rc:$out" "^0:2001:db8:1::7 OK .* via=2001:db8:1::7$" "IPv6: a report from the tested host: OK"
report 2001:db8:1::8 > "$TMP/m"; verdict "$TMP/m"
like "$rc:$out" "^0:2001:db8:1::7 OK .* via=2001:db8:1::8$" "  from another address of its /64: OK"
report 2001:db8:2::7 > "$TMP/m"; verdict "$TMP/m"
like "$rc:$out" "^1:2001:db8:1::7 UNKNOWN .* via=2001:db8:2::7$" "  from another /64: no verdict"
report "IPv6:2001:db8:1::7" > "$TMP/m"; verdict "$TMP/m"
like "$rc:$out" "^0:2001:db8:1::7 OK " "  a field with [IPv6:...]: read alike"

# Hostile Received fields: no crash, no verdict they did not earn.
rcpt=relaytest+$(sed -n 's/^X-Relaywatch: .*variant=plain token=//p' "$TMP/probes")@isp.example
{
	printf 'Received: from [203.0.113.2\n\tby tester.isp.example\n'
	printf 'Received: from ([[[192.0.2.7]]] [999.1.1.1] by x\n'
	cat "$TMP/probe"
} > "$TMP/m"; verdict "$TMP/m"
is "$rc" 1 "broken brackets: no verdict"
{
	for i in $(seq 5000); do printf 'Received: from [203.0.113.2] by tester.isp.example\n'; done
	cat "$TMP/probe"
} > "$TMP/m"; verdict "$TMP/m"
is "$rc" 1 "5,000 of our own fields: no verdict, no crash"
{ printf 'Received: from [203.0.113.2] by tester.isp.example\nReceived: \n'; cat "$TMP/probe"; } > "$TMP/m"; verdict "$TMP/m"
like "$rc:$err" "^1:.*names no host" "an empty field under ours: no verdict"

# own_hosts that cannot be read: 75, the MTA keeps the message.
mv "$TMP/own" "$TMP/own.d"; mkdir "$TMP/own"
relayed 192.0.2.7 > "$TMP/m"; verdict "$TMP/m"
like "$rc:$err" "^75:.*own_hosts" "own_hosts unreadable: 75, naming it"
rmdir "$TMP/own"
verdict "$TMP/m"
like "$rc:$out" "^0:192\.0\.2\.7 BLOCK " "own_hosts absent: none of ours, the tested host's own copy still counts"

done_testing

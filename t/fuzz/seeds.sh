#!/bin/sh
# seeds.sh DIR: messages for the classify harness, with tokens of the
# harness's key (FUZZ_KEY_HEX in fuzz.h) made now, so that the verdict
# paths are reached: the probes themselves, relayed back (directly and
# through another host), and failure reports quoting them.
# seeds.sh -d DIR: input for the due harness with such tokens: hosts
# arriving, their probes submitted and delivered.
set -eu
due=
[ "$1" = -d ] && { due=1; shift; }
dir=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rw-seeds.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
key=$(sed -n '/^#define FUZZ_KEY_HEX/{n;s/^[^"]*"\([0-9a-f]*\)".*/\1/p;}' "$top/t/fuzz/fuzz.h")
(umask 077; echo "$key" > "$tmp/key")
printf 'domain = isp.example\nkeyfile = %s\n' "$tmp/key" > "$tmp/conf"
mkdir -p "$dir"
printf '192.0.2.7\n2001:db8::25\n' |
    "$top/bin/relaywatch-probe" -c "$tmp/conf" -n > "$tmp/probes"
if [ -n "$due" ]; then
	sed -n 's/^X-Relaywatch: ip=\([^ ]*\) .* token=\([^ ]*\).*/\1 \2/p' \
	    "$tmp/probes" > "$tmp/tokens"
	{
		printf '192.0.2.7 shop.example\n2001:db8::25\n192.0.2.9 a.example helo=a.example\n192.0.2.10 ptr=b.example\n'
		while read -r ip tok; do
			printf 'submitted %s\n%s delivered %s\n' "$tok" "$ip" "$tok"
		done < "$tmp/tokens"
	} > "$dir/flow"
	awk '{ print "submitted " $2 }' "$tmp/tokens" > "$dir/submitted"
	printf '192.0.2.7 delivered %s\n' "$(awk 'NR == 1 { print $2 }' \
	    "$tmp/tokens")" > "$dir/delivered"
	exit 0
fi
awk -v d="$dir" '/^From / { n++; f = d "/probe." n; next } { print > f }' "$tmp/probes"
# A mailbox probe (relaywatch-probe -m), and as a host re-sends it.
echo "192.0.2.50 shop@pop.isp.example" > "$tmp/mailboxes"
printf 'mailboxes = %s\n' "$tmp/mailboxes" >> "$tmp/conf"
"$top/bin/relaywatch-probe" -c "$tmp/conf" -m -n |
    awk '/^From / { next } { print }' > "$dir/mailbox-probe"
{
	printf 'Return-path: <shop@pop.isp.example>\n'
	printf 'Received: from [192.0.2.50] (helo=pc.shop.example)\n\tby smarthost.isp.example with esmtp (Exim 4.96)\n\tid 1xWhVY-0001L7-2j; Fri, 27 Nov 2026 04:00:00 +0000\n'
	sed '/^Return-path:/d; s/^Envelope-to: .*/Envelope-to: '"$(sed -n 's/^To: //p' "$dir/mailbox-probe")"'/' "$dir/mailbox-probe"
} > "$dir/remailed"
for p in "$dir"/probe.*; do
	n=${p##*.}
	ip=$(sed -n 's/^X-Relaywatch: ip=\([^ ]*\) .*/\1/p' "$p")
	{
		sed -n 1p "$p"
		printf 'Received: from [%s] (helo=mail.customer.example)\n\tby smarthost.isp.example with esmtp (Exim 4.96)\n\tid 1xWhVY-0001L1-2j; Fri, 27 Nov 2026 04:00:00 +0000\n' "$ip"
		sed 1d "$p"
	} > "$dir/relayed.$n"
	{
		sed -n 1p "$p"
		printf 'Received: from [192.0.2.8] (helo=gw.customer.example)\n\tby smarthost.isp.example with esmtp (Exim 4.96)\n\tid 1xWhVY-0001L2-2j; Fri, 27 Nov 2026 04:00:00 +0000\n'
		printf 'Received: from [%s] (helo=mail.customer.example)\n\tby gw.customer.example with esmtp; Fri, 27 Nov 2026 04:00:00 +0000\n' "$ip"
		sed 1d "$p"
	} > "$dir/multihop.$n"
	{
		printf 'Return-path: <>\nReceived: from [198.51.100.1] (helo=mx.remote.example)\n\tby smarthost.isp.example with esmtp (Exim 4.96)\n\tid 1xWhVY-0001L3-2j; Fri, 27 Nov 2026 04:00:00 +0000\n'
		printf 'From: Mail Delivery System <MAILER-DAEMON@remote.example>\nTo: relaytest@isp.example\nSubject: Undeliverable\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="b1"\n\n'
		printf -- '--b1\nContent-Type: text/plain\n\nDelivery has failed.\n--b1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.remote.example\n\nFinal-Recipient: rfc822; x@y\nAction: failed\nStatus: 5.7.1\nDiagnostic-Code: smtp; 550 5.7.1\n    Relaying denied\n--b1\nContent-Type: message/rfc822\n\n'
		sed '/^Return-path/d' "$p"
		printf '\n--b1--\n'
	} > "$dir/bounce.$n"
	# A report in no known words, to the probe's own address (VERP).
	verp=$(sed -n 's/^Return-path: <\(.*\)>$/\1/p' "$p")
	{
		printf 'Return-path: <>\nEnvelope-to: %s\n' "$verp"
		printf 'Received: from [198.51.100.1] (helo=mx.remote.example)\n\tby smarthost.isp.example with esmtp (Exim 4.96)\n\tid 1xWhVY-0001L4-2j; Fri, 27 Nov 2026 04:00:00 +0000\n'
		printf 'From: MAILER-DAEMON@remote.example\nSubject: Zwrot\n\nNie mo\305\274na dor\304\231czy\304\207 wiadomo\305\233ci.\n'
	} > "$dir/verp.$n"
done

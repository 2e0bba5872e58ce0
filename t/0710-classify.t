#!/bin/sh
# relaywatch-classify on messages made here: where the token may be
# (encodings, line endings, MIME), what must give no verdict, hostile
# input in bounded memory and time, and the exit statuses.
. "$(dirname "$0")/lib.sh"
. "$T/mangle.sh"

(umask 077; openssl rand -hex 32 > "$TMP/key")
printf 'domain = isp.example\nkeyfile = %s\n' "$TMP/key" > "$TMP/conf"
export RELAYWATCH_CONF="$TMP/conf"

echo 192.0.2.7 | relaywatch-probe -n > "$TMP/probes"
tok=$(sed -n 's/^X-Relaywatch: .*variant=plain token=//p' "$TMP/probes")
rcpt=relaytest+$tok@isp.example
# The plain probe, as it comes back relayed: our Exim's Received on top.
awk '/^From / { n++ } n == 1' "$TMP/probes" | sed 1d > "$TMP/probe"
{
	sed -n '1,2p' "$TMP/probe"
	printf 'Received: from [192.0.2.7] (helo=mail.customer.example)\n\tby smarthost.isp.example with esmtp (Exim 4.96)\n\tid 1xWhVY-0001L1-2j; Fri, 27 Nov 2026 04:00:00 +0000\n'
	printf 'Received: from [127.0.0.9] (helo=smarthost.isp.example)\n\tby mail.customer.example with esmtp (Exim 4.96)\n\tid 1xWhVY-0001L0-2j; Fri, 27 Nov 2026 04:00:00 +0000\n'
	sed '1,2d' "$TMP/probe"
} > "$TMP/relayed"

run relaywatch-classify < "$TMP/relayed"
like "$rc:$out" "^0:192\.0\.2\.7 BLOCK [0-9]+ why=relayed variant=plain token-time=[0-9]+ via=192\.0\.2\.7$" "relayed: BLOCK"
run relaywatch-classify -v < "$TMP/probe"
is "$rc:$out" "1:" "the probe without a Received field naming a host: no verdict"
like "$err" "without leaving this host" "  (said with -v)"
# A relay that rewrites the sender (Postfix's sender_canonical_maps,
# masquerading): our probe all the same, by its envelope recipient, its
# X-Relaywatch and Message-ID, straight from the tested host.
sed 's/^Return-path: .*/Return-path: <>/' "$TMP/relayed" > "$TMP/m"
run relaywatch-classify < "$TMP/m"
like "$rc:$out" "^0:192\.0\.2\.7 BLOCK [0-9]+ why=relayed variant=plain token-time=[0-9]+ via=192\.0\.2\.7 sender=rewritten$" \
    "the probe's header with its sender made null: BLOCK, sender=rewritten"
sed -e 's/^Return-path: .*/Return-path: <bob@shop.example>/' \
    -e 's/^From: .*/From: Bob <bob@shop.example>/' "$TMP/relayed" > "$TMP/m"
run relaywatch-classify < "$TMP/m"
like "$rc:$out" "^0:192\.0\.2\.7 BLOCK .* sender=rewritten$" \
    "sender and From rewritten to the customer's own: BLOCK, sender=rewritten"
drop_xrw < "$TMP/m" > "$TMP/m2"
run relaywatch-classify < "$TMP/m2"
like "$rc:$out" "^0:192\.0\.2\.7 BLOCK .* sender=rewritten$" \
    "  and X-Relaywatch dropped: BLOCK on the Message-ID"
drop_xrw < "$TMP/m" | own_msgid > "$TMP/m2"
run relaywatch-classify -v < "$TMP/m2"
is "$rc:$out" "1:" "  and the Message-ID the relay's own too: no verdict (a person writes Subject and To)"
sed 's/^Received: from \[192\.0\.2\.7\]/Received: from [192.0.2.99]/' "$TMP/m" > "$TMP/m2"
run relaywatch-classify -v < "$TMP/m2"
is "$rc:$out" "1:" "  handed to us by another host than the tested one: no verdict"
like "$err" "handed to our farm by 192\.0\.2\.99 \(multihop" "  (said with -v)"
sed 's/^Date: /Resent-From: admin@shop.example\nResent-Date: Fri, 27 Nov 2026 04:00:00 +0000\nDate: /' "$TMP/m" > "$TMP/m2"
run relaywatch-classify < "$TMP/m2"
is "$rc:$out" "1:" "  resent by a person (Resent- fields): no verdict"
# The null-sender form, relayed: its sender is none by design.
tokn=$(sed -n 's/^X-Relaywatch: .*variant=null-sender token=\([a-z2-7]*\).*/\1/p' "$TMP/probes")
awk '/^From / { n++ } n == 2' "$TMP/probes" | sed 1d > "$TMP/np"
{
	sed -n '1,2p' "$TMP/np"
	printf 'Received: from [192.0.2.7] (helo=mail.customer.example)\n\tby smarthost.isp.example with esmtp (Exim 4.96)\n\tid 1xWhVY-0001L1-2j; Fri, 27 Nov 2026 04:00:00 +0000\n'
	sed '1,2d' "$TMP/np"
} > "$TMP/m"
run relaywatch-classify -r "relaytest+$tokn@isp.example" < "$TMP/m"
like "$rc:$out" "^0:192\.0\.2\.7 BLOCK [0-9]+ why=relayed variant=null-sender token-time=[0-9]+ via=192\.0\.2\.7$" \
    "the null-sender form relayed: BLOCK, variant=null-sender"
sed 's/^Message-ID: .*/Message-ID: <other@example.org>/' "$TMP/relayed" > "$TMP/m"
run relaywatch-classify < "$TMP/m"
like "$rc:$out" "^0:192\.0\.2\.7 BLOCK " "a relay that wrote a Message-ID of its own: still BLOCK (the token is the proof)"
sed 's/^Date: /In-Reply-To: <relaywatch.'"$tok"'@isp.example>\nDate: /' "$TMP/relayed" > "$TMP/m"
run relaywatch-classify < "$TMP/m"
is "$rc:$out" "1:" "a reply to the probe: no verdict"
run relaywatch-classify -r "relaytest+$(printf '%031d' 0 | tr 0 a)@isp.example" < "$TMP/relayed"
is "$rc:$out" "1:" "an envelope recipient with another token: no verdict"
tr 'a-z' 'A-Z' < "$TMP/relayed" | sed 's/^RECEIVED/Received/' > "$TMP/m"
run relaywatch-classify < "$TMP/m"
like "$rc:$out" "^0:192\.0\.2\.7 BLOCK " "everything upper-cased: still BLOCK"

# What careless relays do to the probe, alone and together: the token's
# HMAC is the proof, wherever a copy of it survives.
relay_block() {	# relay_block FILE WHAT
	run relaywatch-classify -r "$rcpt" < "$1"
	like "$rc:$out" "^0:192\.0\.2\.7 BLOCK [0-9]+ why=relayed variant=plain " "$2: BLOCK"
}
drop_xrw < "$TMP/relayed" > "$TMP/r1"; relay_block "$TMP/r1" "X-Relaywatch dropped"
own_msgid < "$TMP/relayed" > "$TMP/r2"; relay_block "$TMP/r2" "a Message-ID of the relay's own"
as_base64 "$TMP/relayed" > "$TMP/r3"; relay_block "$TMP/r3" "the text re-encoded in base64"
as_qp "$TMP/relayed" > "$TMP/r4"; relay_block "$TMP/r4" "8bit to 7bit: quoted-printable"
footer "$TMP/relayed" > "$TMP/r5"; relay_block "$TMP/r5" "a footer added"
subject_tag < "$TMP/relayed" > "$TMP/r6"; relay_block "$TMP/r6" "a subject tag"
drop_xrw < "$TMP/relayed" | own_msgid | subject_tag > "$TMP/r7a"
as_base64 "$TMP/r7a" > "$TMP/r7b"
footer "$TMP/r7b" > "$TMP/r7"
relay_block "$TMP/r7" "all of them together"
# The same without the envelope (no -r): From, Subject and text remain.
run relaywatch-classify < "$TMP/r7"
like "$rc:$out" "^0:192\.0\.2\.7 BLOCK " "all together, no envelope recipient given: BLOCK on From, Subject and text"
# The sender rewritten (SRS), From kept.
sed "s/^Return-path: .*/Return-path: <SRS0=HhH1=XY=isp.example=relaytest+$tok@mail.customer.example>/" "$TMP/r7" > "$TMP/r8"
relay_block "$TMP/r8" "all together and the sender rewritten (SRS)"
# A relay that kept nothing but its sender: too little.
{ head_of "$TMP/r7" | drop_xrw | sed -e "s/^Subject: .*/Subject: hello/" -e '/^Envelope-to:/d'; echo; echo 'nothing here'; } > "$TMP/r9"
run relaywatch-classify -v < "$TMP/r9"
is "$rc:$out" "1:" "our probe's sender and no other copy of its token: no verdict"
like "$err" "no copy of its token" "  (said with -v)"

# Not the probe itself, though it carries the token: a person's fresh
# message to the probe's address, a forward, a failure report from a
# sender that is not null.
{
	printf 'Return-path: <admin@shop.example>\nReceived: from [192.0.2.7] (helo=mail.shop.example)\n\tby smarthost.isp.example with esmtp (Exim 4.96)\n\tid 1xWhVY-0001L9-2j; Fri, 27 Nov 2026 04:00:00 +0000\n'
	printf 'From: Admin <admin@shop.example>\nTo: %s\nSubject: Relay test %s for 192.0.2.7\nMessage-ID: <x1@shop.example>\n\nWhat is this test? I got:\n' "$rcpt" "$tok"
	body_of "$TMP/relayed"
} > "$TMP/n1"
run relaywatch-classify -r "$rcpt" < "$TMP/n1"
is "$rc:$out" "1:" "a person writing to the probe's address, subject and text pasted: no verdict"
run relaywatch-classify -H -r "$rcpt" < "$TMP/n1"
like "$rc:$out" "^1:192\.0\.2\.7 UNKNOWN [0-9]+ why=undecided variant=plain token-time=[0-9]+$" \
    "  with -H: its host to hold for a person (the token in the address it came to)"
run relaywatch-classify -H -r "relaytest+$(printf '%031d' 0 | tr 0 a)@isp.example" < "$TMP/n1"
is "$rc:$out" "1:" "  but not for a token that does not check"
run relaywatch-classify -H -r "$rcpt" < "$TMP/relayed"
like "$rc:$out" "^0:192\.0\.2\.7 BLOCK " "  and a verdict is a verdict"
sed -e 's/^Subject: /Subject: Fwd: /' "$TMP/relayed" > "$TMP/n2"
run relaywatch-classify -r "$rcpt" < "$TMP/n2"
is "$rc:$out" "1:" "the probe forwarded inline (Fwd:): no verdict"
{
	printf 'Return-path: <bounces@mx.remote.example>\nReceived: from [192.0.2.7] (helo=mail.customer.example)\n\tby smarthost.isp.example with esmtp (Exim 4.96)\n\tid 1xWhVY-0001L8-2j; Fri, 27 Nov 2026 04:00:00 +0000\n'
	printf 'From: Mail Delivery System <MAILER-DAEMON@remote.example>\nTo: %s\nSubject: Undeliverable: Relay test %s for 192.0.2.7\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nYour message could not be delivered: 550 relaying denied.\n--b\nContent-Type: message/rfc822\n\n' "$rcpt" "$tok"
	sed '/^Return-path/d' "$TMP/relayed"
	printf '\n--b--\n'
} > "$TMP/n3"
run relaywatch-classify -r "$rcpt" < "$TMP/n3"
like "$rc:$out" "^0:192\.0\.2\.7 OK " "a failure report quoting the probe, from a sender that is not null: OK, never BLOCK"

# Bounces: the original quoted in many ways.
bounce_head() {	# the start of a report from a remote mailer
	printf 'Return-path: <>\nReceived: from [192.0.2.7] (helo=mail.customer.example)\n\tby smarthost.isp.example with esmtp (Exim 4.96)\n\tid 1xWhVY-0001L3-2j; Fri, 27 Nov 2026 04:00:00 +0000\nFrom: Mail Delivery System <MAILER-DAEMON@remote.example>\nTo: relaytest@isp.example\nSubject: Undeliverable: %s\n' "$1"
}
qp() {	# quoted-printable, lines cut at 40 with soft breaks
	perl -pe 's/([=\x00-\x1f\x7f-\xff])/sprintf("=%02X", ord $1)/ge unless /^$/; s/(.{40})/$1=\n/g'
}
{
	bounce_head qp
	printf 'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\nDelivery has failed.\n--b1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.remote.example\n\nFinal-Recipient: rfc822; x@y\nAction: failed\nStatus: 5.7.1\nDiagnostic-Code: smtp; 550 5.7.1\n    Relaying denied\n--b1\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n'
	sed '/^Return-path/d' "$TMP/probe" | qp
	printf '\n--b1--\n'
} > "$TMP/b-qp"
run relaywatch-classify < "$TMP/b-qp"
like "$rc:$out" '^0:192\.0\.2\.7 OK [0-9]+ why=bounced-after-accept variant=plain token-time=[0-9]+ diag="550 5\.7\.1 Relaying denied" via=192\.0\.2\.7$' \
    "a quoted-printable original, tokens cut by soft breaks: OK with the (folded) diagnostic"
{
	bounce_head base64
	printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b2\n\n--b2\nContent-Type: text/plain\n\nThis message could not be delivered.\n--b2\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n'
	sed '/^Return-path/d' "$TMP/probe" | base64
	printf '\n--b2--\n'
} > "$TMP/b-b64"
run relaywatch-classify < "$TMP/b-b64"
like "$rc:$out" "^0:192\.0\.2\.7 OK " "a base64 original: OK"
{
	bounce_head pasted
	printf '\nI'"'"'m sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n<x@y>: host mx said: 550 5.1.1 User unknown\n\n--- Below this line is a copy of the message.\n\n'
	sed '/^Return-path/d' "$TMP/probe"
} > "$TMP/b-paste"
run relaywatch-classify < "$TMP/b-paste"
like "$rc:$out" '^0:192\.0\.2\.7 OK [0-9]+ why=bounced-after-accept .*diag="550 5\.1\.1 User unknown"' "a pasted original after a text line: OK"
sed 's/$/\r/' "$TMP/b-paste" > "$TMP/b-crlf"
run relaywatch-classify < "$TMP/b-crlf"
like "$rc:$out" "^0:192\.0\.2\.7 OK " "CRLF line endings: OK"
tr '\n' '\r' < "$TMP/b-paste" > "$TMP/b-cr"
run relaywatch-classify < "$TMP/b-cr"
like "$rc:$out" "^0:192\.0\.2\.7 OK " "bare CR line endings: OK"
{
	bounce_head headers
	printf 'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=b3\n\n--b3\nContent-Type: text/plain\n\nUndeliverable.\n--b3\nContent-Type: message/delivery-status\n\nAction: failed\nStatus: 5.0.0\n\n--b3\nContent-Type: text/rfc822-headers\n\n'
	sed -n '/^Message-ID/p' "$TMP/probe"
	printf -- '--b3--\n'
} > "$TMP/b-hdr"
run relaywatch-classify < "$TMP/b-hdr"
like "$rc:$out" "^0:192\.0\.2\.7 OK " "only the Message-ID in text/rfc822-headers: OK"
# Only the envelope: a bounce that quotes nothing.
printf 'Return-path: <>\nFrom: MAILER-DAEMON@remote.example\nSubject: failure notice\n\nSorry, we were unable to deliver your message.\n550 5.7.1 relaying denied\n' > "$TMP/b-bare"
run relaywatch-classify -r "$rcpt" < "$TMP/b-bare"
like "$rc:$out" '^0:192\.0\.2\.7 OK [0-9]+ why=refused .*diag="550 5\.7\.1 relaying denied"$' "a bounce quoting nothing, with the envelope recipient: OK"
sed "1a\\
Envelope-to: $rcpt" "$TMP/b-bare" > "$TMP/m"
run relaywatch-classify < "$TMP/m"
like "$rc:$out" "^0:192\.0\.2\.7 OK " "the same with the recipient in Envelope-to"
run relaywatch-classify < "$TMP/b-bare"
is "$rc:$out" "1:" "and without it: no verdict"

# Not failures.
{
	printf 'Return-path: <>\nFrom: Mail Delivery System <Mailer-Daemon@smarthost.isp.example>\nSubject: Warning: message 1xWhVY-0001L1-2j delayed 24 hours\n\nThis message was created automatically by mail delivery software.\nA message that you sent has not yet been delivered to one or more of its\nrecipients after more than 24 hours on the queue.\n\n'
	cat "$TMP/probe"
} > "$TMP/delay"
run relaywatch-classify -v -r "$rcpt" < "$TMP/delay"
is "$rc:$out" "1:" "a delay warning: no verdict"
like "$err" "delay warning" "  (said)"
{
	printf 'Return-path: <>\nFrom: someone@example.org\nAuto-Submitted: auto-replied\nSubject: Out of office: Relay test\n\nI am away.\n\n'
	sed 's/^/> /' "$TMP/probe"
} > "$TMP/auto"
run relaywatch-classify -v -r "$rcpt" < "$TMP/auto"
is "$rc:$out" "1:" "an auto-reply: no verdict"
echo 192.0.2.8 | relaywatch-probe -n | sed -n '/^Message-ID/p' > "$TMP/other"
{ sed '$d' "$TMP/b-paste"; cat "$TMP/other"; } > "$TMP/two"
run relaywatch-classify -v < "$TMP/two"
is "$rc:$out" "1:" "tokens for two addresses: no verdict"
like "$err" "more than one address" "  (said)"
ASAN_OPTIONS=verify_asan_link_order=0 faketime -f -8d relaywatch-probe -n < /dev/null > /dev/null 2>&1 &&
old=$(echo 192.0.2.7 | ASAN_OPTIONS=verify_asan_link_order=0 faketime -f -8d relaywatch-probe -n | sed -n 's/^X-Relaywatch: .*variant=plain token=//p')
sed "s/$tok/$old/g" "$TMP/b-paste" > "$TMP/m"
run relaywatch-classify -v < "$TMP/m"
is "$rc:$out" "1:" "a token older than token_lifetime: no verdict"
like "$err" "expired" "  (said)"
# relayed_at OFFSET: the plain probe made with the clock at OFFSET, as
# it comes back relayed
relayed_at() {
	echo 192.0.2.7 | ASAN_OPTIONS=verify_asan_link_order=0 faketime -f "$1" relaywatch-probe -n |
	    awk '/^From / { n++ } n == 1' | sed 1d > "$TMP/ahead"
	sed -n '1,2p' "$TMP/ahead"
	printf 'Received: from [192.0.2.7] (helo=mail.customer.example)\n\tby smarthost.isp.example with esmtp (Exim 4.96)\n\tid 1xWhVY-0001L1-2j; Fri, 27 Nov 2026 04:00:00 +0000\n'
	sed '1,2d' "$TMP/ahead"
}
relayed_at +2h > "$TMP/m"
run relaywatch-classify -v < "$TMP/m"
is "$rc:$out" "1:" "a token from two hours in the future: no verdict"
like "$err" "from the future" "  (said)"
# A clock stepped back ten minutes: the tokens issued before the step
# are read, and the relay they prove is a relay.
relayed_at +10m > "$TMP/m"
run relaywatch-classify -v < "$TMP/m"
like "$rc:$out" "^0:192\.0\.2\.7 BLOCK " "a token issued ten minutes ahead (the clock since stepped back): BLOCK"

# Hostile input: bounded memory and time, no crash.
maxrss() {	# maxrss FILE ARGS: exit status and kilobytes
	f=$1
	shift
	/usr/bin/time -f %M -o "$TMP/rss" relaywatch-classify "$@" < "$f" > /dev/null 2>&1
	echo "$? $(cat "$TMP/rss" | tail -1)"
}
{ cat "$TMP/b-paste"; head -c 200000000 /dev/zero | tr '\0' 'x'; echo; cat "$TMP/other"; } > "$TMP/huge"
r=$(maxrss "$TMP/huge")
is "${r%% *}" 1 "200 MB on one line, then another probe's token: read to the end (two addresses: no verdict)"
ok "$([ "${r#* }" -lt 20000 ]; echo $?)" "  in bounded memory (${r#* } KB)"
{ cat "$TMP/b-paste"; head -c 100000000 /dev/zero | tr '\0' '\n'; } > "$TMP/lines"
r=$(maxrss "$TMP/lines")
is "${r%% *}" 0 "100 million empty lines after a bounce: its verdict"
{
	bounce_head deep
	printf 'Content-Type: multipart/mixed; boundary=top\n\n--top\nContent-Type: text/plain\n\nThis message could not be delivered.\n--top\n'
	perl -e 'print "Content-Type: multipart/mixed; boundary=b0\n\n"; for $i (0..9999) { print "--b$i\nContent-Type: multipart/mixed; boundary=b", $i + 1, "\n\n" } print "--b10000\n\n", "x" x 100, "\n"; for ($i = 10000; $i >= 0; $i--) { print "--b$i--\n" }'
	printf -- '--top\nContent-Type: message/rfc822\n\n'
	sed '/^Return-path/d' "$TMP/probe"
	printf -- '--top--\n'
} > "$TMP/deep"
r=$(maxrss "$TMP/deep")
is "${r%% *}" 0 "MIME nested 10,000 deep: handled (the token after it found)"
ok "$([ "${r#* }" -lt 20000 ]; echo $?)" "  in bounded memory (${r#* } KB)"
perl -e 'print "Subject: x\nX-Long: "; print "a" x 1000, "\n " for 1..20000; print "\n\nbody\n"' > "$TMP/longhdr"
run relaywatch-classify < "$TMP/longhdr"
is "$rc" 1 "a header field of 20 MB: no verdict, no crash"
{ bounce_head broken; printf 'Content-Type: multipart/mixed; boundary=z\nContent-Transfer-Encoding: base64\n\n--z\nContent-Transfer-Encoding: base64\n\n!!!!====@@@@\n%s\n--z\nContent-Transfer-Encoding: quoted-printable\n\n=ZZ=\n=4\n=\n' "$(head -c 3000 /dev/urandom | base64 -w0 | cut -c1-3001)"; } > "$TMP/broken"
run relaywatch-classify < "$TMP/broken"
ok "$([ "$rc" -le 1 ]; echo $?)" "broken base64 and quoted-printable, an unclosed multipart: exit $rc, no crash"
i=0
: > "$TMP/crashes"
while [ $i -lt 40 ]; do
	head -c $((i * 25000 + 1)) /dev/urandom > "$TMP/rand"
	relaywatch-classify < "$TMP/rand" > /dev/null 2>&1
	r=$?
	[ $r -le 1 ] || echo "random $i: $r" >> "$TMP/crashes"
	# random bytes inside a bounce, around the probe
	{ head -c 5000 /dev/urandom; cat "$TMP/b-paste"; head -c 5000 /dev/urandom; } > "$TMP/rand"
	relaywatch-classify < "$TMP/rand" > /dev/null 2>&1
	r=$?
	[ $r -le 1 ] || echo "bounce in random $i: $r" >> "$TMP/crashes"
	i=$((i + 1))
done
is "$(cat "$TMP/crashes")" "" "random bytes (80 messages): exit 0 or 1, never a crash"
awk 'BEGIN { srand(7) } { for (i = 1; i <= length($0); i++) if (rand() < 0.02) $0 = substr($0, 1, i - 1) sprintf("%c", 32 + int(rand() * 90)) substr($0, i + 1); print }' \
    "$TMP/b-qp" > "$TMP/mut"
run relaywatch-classify < "$TMP/mut"
ok "$([ "$rc" -le 1 ]; echo $?)" "a mutated bounce: exit $rc, no crash"

# Exit statuses.
run relaywatch-classify -c "$TMP/nonexistent" < "$TMP/b-paste"
is "$rc" 78 "a missing configuration: 78"
printf 'domain = isp.example\nkeyfile = %s\n' "$TMP/nokey" > "$TMP/conf2"
run relaywatch-classify -c "$TMP/conf2" < "$TMP/b-paste"
is "$rc" 75 "the key file missing: 75 (the MTA keeps the message)"
like "$err" "nokey" "  naming it"
cp "$TMP/key" "$TMP/key644"
chmod 644 "$TMP/key644"
printf 'domain = isp.example\nkeyfile = %s\n' "$TMP/key644" > "$TMP/conf3"
run relaywatch-classify -c "$TMP/conf3" < "$TMP/b-paste"
is "$rc" 75 "the key file readable by others: 75"
run relaywatch-classify < "$TMP"
is "$rc" 75 "standard input unreadable (a directory): 75"
run relaywatch-classify -x
is "$rc" 64 "a bad option: 64"
relaywatch-classify < "$TMP/b-paste" > /dev/full 2>/dev/null
is "$?" 74 "standard output full: 74"

done_testing

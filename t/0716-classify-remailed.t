#!/bin/sh
# Mailbox probes (relaywatch-probe -m): one message put in a customer's
# mailbox, addressed to the special mailbox.  Re-sent to us by whatever
# collects the mailbox, it BLOCKs the host that handed it to our Exim
# (our Received field, inside the netblocks) with why=remailed
# mailbox=ADDRESS; its bounces, replies and forgeries give no verdict.
. "$(dirname "$0")/lib.sh"

(umask 077; openssl rand -hex 32 > "$TMP/key")
printf '192.0.2.0/24\n' > "$TMP/nets"
printf 'domain = isp.example\nkeyfile = %s\nnetblocks = %s\nmailboxes = %s\n' \
    "$TMP/key" "$TMP/nets" "$TMP/mailboxes" > "$TMP/conf"
export RELAYWATCH_CONF="$TMP/conf"

# relaywatch-probe -m: the mailboxes file, the messages.
run relaywatch-probe -m -n
is "$rc:$out:$err" "0::" "-m: no mailboxes file, no mailbox to test"
mkdir "$TMP/mailboxes"
run relaywatch-probe -m -n
like "$rc:$err" "^65:.*$TMP/mailboxes:0: Is a directory" "  one that cannot be read: an error naming it"
rmdir "$TMP/mailboxes"
cat > "$TMP/mailboxes" <<IN
# network it is collected from, mailbox
192.0.2.50	Info@Shop.Example	# the shop
192.0.2.51 bad address
192.0.2.52 a@b@c
192.0.2.53 @shop.example
not-a-net x@shop.example
192.0.2.54
IN
run relaywatch-probe -m -n
is "$rc" 65 "-m: bad lines, exit 65"
like "$err" "mailboxes:3: \"192.0.2.51 bad address\": not a mailboxes line" "  each named with its line"
like "$err" 'mailboxes:4: .*more than one @' "  more than one @"
like "$err" 'mailboxes:5: .*not local@domain' "  no local part"
like "$err" 'mailboxes:6: "not-a-net' "  not a network"
like "$err" 'mailboxes:7: .*not a network and a mailbox' "  no mailbox"
printf '%s\n' "$out" > "$TMP/probes"
is "$(grep -c '^From ' "$TMP/probes")" 1 "-m: one message a mailbox"
tok=$(sed -n 's/^X-Relaywatch: mailbox=Info@Shop.Example time=[0-9]* token=//p' "$TMP/probes")
is "${#tok}" 50 "  its token (50 characters)"
is "$(sed -n 's/^Envelope-to: //p' "$TMP/probes")" "Info@Shop.Example" "  delivered into the mailbox"
is "$(sed -n 's/^To: //p' "$TMP/probes")" "relaytest+$tok@isp.example" "  addressed to the special mailbox"
rcpt=relaytest+$tok@isp.example
run relaywatch-probe -m -n - <<IN
192.0.2.55 one@shop.example
IN
is "$rc:$(printf '%s\n' "$out" | grep -c '^X-Relaywatch: mailbox=one@shop.example ')" "0:1" \
    "-m -: the mailboxes on the standard input, one probe"
# Through su or setpriv the standard input is a pipe of another user's,
# which cannot be opened again as /dev/stdin: it is read as it is.
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
	chmod 755 "$TMP"; chmod 644 "$TMP/conf" "$TMP/nets"
	chown nobody "$TMP/key"
	out=$(echo '192.0.2.56 two@shop.example' | setpriv --reuid=nobody \
	    --regid=nogroup --clear-groups relaywatch-probe -m -n - 2>&1)
	is "$?:$(printf '%s\n' "$out" | grep -c '^X-Relaywatch: mailbox=two@shop.example ')" "0:1" \
	    "-m -: a pipe from root read by another user" || diag "$out"
	chown "$(id -u)" "$TMP/key"
else
	skip_one "-m - through another user: needs root and setpriv"
fi
run relaywatch-probe -m -n "$TMP/nothing-here"
like "$rc:$err" "^66:.*nothing-here" "-m FILE: a file named that is not there, 66"
run relaywatch-probe -m -n a b
is "$rc" 64 "-m: two files, usage (64)"
printf '# none yet\n' > "$TMP/mailboxes"
run relaywatch-probe -m
is "$rc:$out" "0:" "-m: no mailboxes, nothing sent"
# The mailbox's network, as the mailboxes file gives it: what binds a
# remailed copy to a host.
printf '192.0.2.48/29 info@shop.example\n192.0.2.70 bad address\n' > "$TMP/mailboxes"

# The probe as it comes back: re-sent by 192.0.2.50, our Exim's
# Received on top.
awk '/^From / { n++; next } n == 1' "$TMP/probes" | sed '1,2d' > "$TMP/probe"
remailed() {	# remailed HOST: the probe re-sent from HOST, on stdout
	printf 'Return-path: <owner@shop.example>\n'
	printf 'Received: from [%s] (helo=pc.shop.example)\n\tby smarthost.isp.example with esmtp (Exim 4.96)\n\tid 1xWhVY-0001L5-2j; Fri, 27 Nov 2026 04:00:00 +0000\n' "$1"
	printf 'Received: from pop.isp.example by pc.shop.example with POP3 (fetchmail)\n\tfor <info@shop.example>; Fri, 27 Nov 2026 03:59:00 +0000\n'
	cat "$TMP/probe"
}
remailed 192.0.2.50 > "$TMP/m1"
run relaywatch-classify -r "$rcpt" < "$TMP/m1"
like "$rc:$out" "^0:192\.0\.2\.50 BLOCK [0-9]+ why=remailed mailbox=info@shop\.example token-time=[0-9]+ via=192\.0\.2\.50$" \
    "re-sent by a customer's host: BLOCK of that host, naming the mailbox"
grep -v '^X-Relaywatch:' "$TMP/m1" > "$TMP/m2"
run relaywatch-classify -r "$rcpt" < "$TMP/m2"
like "$rc:$out" "^0:192\.0\.2\.50 BLOCK .*mailbox=info@shop\.example" \
    "X-Relaywatch dropped: the mailbox from the text's Test: line"
sed 's/^X-Relaywatch: mailbox=Info@Shop.Example/X-Relaywatch: mailbox=other@shop.example/' "$TMP/m1" > "$TMP/m3"
run relaywatch-classify -r "$rcpt" < "$TMP/m3"
is "$rc:$out" "1:" "X-Relaywatch naming another mailbox: no verdict"
grep -v '^X-Relaywatch:' "$TMP/m1" | sed 's/^Test: mailbox=Info@Shop.Example/Test: mailbox=other@shop.example/' > "$TMP/m4"
run relaywatch-classify -r "$rcpt" < "$TMP/m4"
is "$rc:$out" "1:" "the Test: line naming another mailbox: no verdict"
remailed 192.0.2.60 > "$TMP/m5"
run relaywatch-classify -r "$rcpt" -v < "$TMP/m5"
is "$rc:$out" "1:" "re-sent by another customer's host, outside the mailbox's network: no verdict"
like "$err" "re-sent by 192\.0\.2\.60, outside the network given for it in $TMP/mailboxes; 1 line of $TMP/mailboxes is not a mailboxes line" \
    "  and says why, naming both (and the bad line)"
printf '192.0.2.48/29 other@shop.example\n' > "$TMP/mailboxes"
run relaywatch-classify -r "$rcpt" -v < "$TMP/m1"
is "$rc:$out" "1:" "the mailbox no longer in the mailboxes file: no verdict"
like "$err" "a mailbox not in $TMP/mailboxes" "  and says so"
rm "$TMP/mailboxes"
run relaywatch-classify -r "$rcpt" -v < "$TMP/m1"
is "$rc:$out" "1:" "no mailboxes file: no verdict"
like "$err" "is not there" "  and says so"
printf '198.51.100.0/24 info@shop.example\n192.0.2.48/29 Info@Shop.Example\n' > "$TMP/mailboxes"
remailed 198.51.100.9 > "$TMP/m5"
run relaywatch-classify -r "$rcpt" -v < "$TMP/m5"
is "$rc:$out" "1:" "re-sent from outside our netblocks: no verdict"
like "$err" "outside our netblocks" "  and says why"
{ printf 'Return-path: <owner@shop.example>\n'; cat "$TMP/probe"; } > "$TMP/m6"
run relaywatch-classify -r "$rcpt" < "$TMP/m6"
is "$rc:$out" "1:" "no Received field naming a host: no verdict"
sed 's/^Subject: /Subject: Re: /' "$TMP/m1" > "$TMP/m7"
run relaywatch-classify -r "$rcpt" < "$TMP/m7"
is "$rc:$out" "1:" "a reply: no verdict"
sed "s/$tok/$(printf '%s' "$tok" | tr 'ab' 'ba')/g" "$TMP/m1" > "$TMP/m8"
run relaywatch-classify -r "relaytest+$(printf '%s' "$tok" | tr 'ab' 'ba')@isp.example" < "$TMP/m8"
is "$rc:$out" "1:" "a forged token: no verdict"

# What a mail program does to what it re-sends, alone and together, as
# relays do to a relayed probe (t/0710): the token's HMAC is the proof,
# and the mailbox is named in the text when X-Relaywatch is gone.
. "$T/mangle.sh"
remail_block() {	# remail_block FILE WHAT
	run relaywatch-classify -r "$rcpt" < "$1"
	like "$rc:$out" "^0:192\.0\.2\.50 BLOCK [0-9]+ why=remailed mailbox=info@shop\.example " "$2: BLOCK"
}
own_msgid < "$TMP/m1" > "$TMP/c1"; remail_block "$TMP/c1" "a Message-ID of its own"
as_base64 "$TMP/m1" > "$TMP/c2"; remail_block "$TMP/c2" "the text re-encoded in base64"
as_qp "$TMP/m1" > "$TMP/c3"; remail_block "$TMP/c3" "8bit to 7bit: quoted-printable"
footer "$TMP/m1" > "$TMP/c4"; remail_block "$TMP/c4" "a footer added"
subject_tag < "$TMP/m1" > "$TMP/c5"; remail_block "$TMP/c5" "a subject tag"
drop_xrw < "$TMP/m1" | own_msgid | subject_tag > "$TMP/c6a"
as_qp "$TMP/c6a" > "$TMP/c6b"
footer "$TMP/c6b" > "$TMP/c6"
remail_block "$TMP/c6" "all of them together, X-Relaywatch dropped"

# A bounce of a mailbox probe says nothing of any host.
{
	printf 'Return-path: <>\nReceived: from [192.0.2.60] (helo=mx.shop.example)\n\tby smarthost.isp.example with esmtp (Exim 4.96)\n\tid 1xWhVY-0001L6-2j; Fri, 27 Nov 2026 04:00:00 +0000\n'
	printf 'From: Mail Delivery System <MAILER-DAEMON@shop.example>\nTo: %s\nSubject: Mail delivery failed\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="b1"\n\n' "$rcpt"
	printf -- '--b1\nContent-Type: text/plain\n\nMailbox full.\n--b1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.shop.example\n\nFinal-Recipient: rfc822; info@shop.example\nAction: failed\nStatus: 5.2.2\n--b1\nContent-Type: message/rfc822\n\n'
	cat "$TMP/probe"
	printf '\n--b1--\n'
} > "$TMP/b1"
run relaywatch-classify -r "$rcpt" -v < "$TMP/b1"
is "$rc:$out" "1:" "a bounce of a mailbox probe: no verdict"
like "$err" "mailbox probe says nothing of any host" "  and says why"

done_testing

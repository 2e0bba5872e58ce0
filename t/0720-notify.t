#!/bin/sh
# relaywatch-notify: one notice per change into BLOCK, to whom, what it
# says, sendmail's arguments and failures, bad input.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/sm"
cat > "$TMP/sendmail" <<'SH'
#!/bin/sh
n=$(ls "$SM_DIR" | grep -c "^args")
printf '%s\n' "$@" > "$SM_DIR/args.$n"
cat > "$SM_DIR/msg.$n"
[ -e "$SM_DIR/../fail" ] && exit 1
exit 0
SH
chmod 755 "$TMP/sendmail"
export SM_DIR="$TMP/sm"
cat > "$TMP/contacts" <<'C'
# customer networks and their contacts
192.0.2.0/24	noc@customer.example
192.0.2.7	admin@shop.example, boss@shop.example
2001:db8::/32	ipv6-noc@customer.example
C
cat > "$TMP/conf" <<CONF
domain = isp.example
contacts = $TMP/contacts
sendmail = $TMP/sendmail
# Tests send nothing beyond loopback, not even a PTR query.
ptr_lookup = no
CONF
export RELAYWATCH_CONF="$TMP/conf"
printf 'Return-path: <relaytest+abc@isp.example>\nReceived: from [192.0.2.7] (helo=mail.shop.example)\n\tby smarthost.isp.example with esmtp (Exim 4.96)\nX-Relaywatch: ip=192.0.2.7 time=1795754990 variant=percent token=abc\nX-Relaywatch-Verdict: 192.0.2.7 BLOCK 1795755000 why=relayed\nBad: \001\033[31m\n\nthe body, not quoted\n' > "$TMP/evidence"

changes='192.0.2.7 UNKNOWN BLOCK 1795755000 why=relayed variant=percent token-time=1795754990 via=192.0.2.7 through=203.0.113.2
192.0.2.8 - OK 1795755000 why=refused diag="550 relay not permitted"
192.0.2.9 UNKNOWN BLOCK 1795755001 why=relayed variant=plain token-time=1795754991 via=192.0.2.9
203.0.113.5 OK BLOCK 1795755002 why=relayed variant=quoted token-time=1795754992 via=203.0.113.5
2001:db8::25 - BLOCK 1795755003 why=relayed variant=bang token-time=1795754993 via=2001:db8::25'
run relaywatch-notify -n -e "$TMP/evidence" <<IN
$changes
IN
is "$rc" 0 "-n: exit 0"
is "$(printf '%s\n' "$out" | grep -c '^From abuse@isp.example ')" 4 "one notice per change into BLOCK, none for OK"
is "$(printf '%s\n' "$out" | sed -n 's/^Envelope-to: //p')" "admin@shop.example, boss@shop.example, abuse@isp.example
noc@customer.example, abuse@isp.example
postmaster@[203.0.113.5], abuse@isp.example
ipv6-noc@customer.example, abuse@isp.example" \
    "the most specific contact; postmaster@[IP] without one; abuse always"
printf '%s\n' "$out" | awk '/^From abuse/ { n++ } n == 1' | sed 1,2d > "$TMP/n1"
like "$(cat "$TMP/n1")" "^From: Abuse desk of isp\.example <abuse@isp\.example>
To: admin@shop\.example, boss@shop\.example
Cc: abuse@isp\.example
Subject: Open relay at 192\.0\.2\.7: mail from it is now refused
Date: [A-Z][a-z][a-z], [0-9]+ [A-Z][a-z][a-z] 20[0-9][0-9] [0-9:]+ \+0000
Message-ID: <relaywatch-notice\.192\.0\.2\.7\.1795755000@isp\.example>
Auto-Submitted: auto-generated" "an RFC 5322 header, automatic"
for want in "Test sent:      2026-11-27 04:49:50 UTC" "Came back:      2026-11-27 04:50:00 UTC" \
    "How addressed:  percent" "Handed back by: 192.0.2.7" \
    "  X-Relaywatch: ip=192.0.2.7 time=1795754990 variant=percent token=abc" \
    "Our mail servers refuse mail from 192.0.2.7" "How to fix it" "How to have it tested again"; do
	grep -qF -- "$want" "$TMP/n1"
	ok $? "the notice says: $want"
done
grep -q '203\.0\.113\.2' "$TMP/n1"
ok $((! $?)) "our own smart host it came through is not named"
grep -q 'X-Relaywatch-Verdict\|the body, not quoted' "$TMP/n1"
ok $((! $?)) "the evidence is the returned header alone, without our verdict header"
like "$(grep '  Bad: ' "$TMP/n1")" '^  Bad: \?\?\[31m$' "control characters in the evidence made harmless"
is "$(LC_ALL=C awk 'length > 998 || /[^\t -~]/' "$TMP/n1" | wc -l)" 0 "7-bit text, no line over 998"
run relaywatch-notify -n <<IN
192.0.2.9 - BLOCK 1795755001 why=relayed
IN
like "$out" "  \(not at hand; ask abuse@isp.example for it\)" "no evidence: said"

# Through sendmail.
run relaywatch-notify -e "$TMP/evidence" <<IN
$changes
IN
is "$rc:$out" "0:" "sendmail: exit 0, nothing printed"
is "$(ls "$TMP/sm" | grep -c '^msg')" 4 "four messages handed over"
is "$(cat "$TMP/sm/args.0" | tr '\n' ' ')" "-oi -f abuse@isp.example -- admin@shop.example boss@shop.example abuse@isp.example " \
    "sendmail -oi -f ABUSE -- the recipients (never -t)"
touch "$TMP/fail"
run relaywatch-notify <<IN
$changes
IN
is "$rc" 75 "sendmail failing: 75"
like "$err" "192\.0\.2\.7: notice not sent: .*exited 1" "and why"
rm "$TMP/fail"

# Bad input and configuration.
run relaywatch-notify -n <<'IN'
junk
192.0.2.7 MAYBE BLOCK 1 why=x
192.0.2.7 - BLOCK soon why=x
192.0.2.07 - BLOCK 1 why=x
192.0.2.7 - BLOCK 1 why=relayed
IN
is "$rc" 65 "bad lines: 65 at the end"
is "$(printf '%s\n' "$out" | grep -c '^From abuse')" 1 "the good line still gets its notice"
is "$(printf '%s\n' "$err" | sed -n 's/^relaywatch-notify: standard input:\([0-9]\): .*/\1/p' | tr -d '\n')" 1234 \
    "each bad line named"
like "$err" "MAYBE BLOCK.*the old status is not" "  with what is wrong"
head -c 100000 /dev/urandom > "$TMP/rand"
run relaywatch-notify -n < "$TMP/rand"
ok "$([ "$rc" -le 65 ]; echo $?)" "random bytes: exit $rc, no crash"
printf '192.0.2.0/33 a@b.example\n' > "$TMP/contacts"
run relaywatch-notify -n < /dev/null
is "$rc" 78 "a bad network in contacts: 78"
like "$err" "contacts:1: " "naming the file and line"
printf '192.0.2.0/24 not-an-address\n' > "$TMP/contacts"
run relaywatch-notify -n < /dev/null
like "$rc:$err" '^78:.*contacts:1: "not-an-address": not a mail address' "a bad address: 78, named"
printf '192.0.2.0/24 -oQ/tmp@x.example\n' > "$TMP/contacts"
run relaywatch-notify -n < /dev/null
is "$rc" 78 "an address that sendmail would take for an option: refused"
printf '192.0.2.0/24\n' > "$TMP/contacts"
run relaywatch-notify -n < /dev/null
is "$rc" 78 "a network without an address: 78"
printf ',, ,\n' > "$TMP/contacts"
run relaywatch-notify -n < /dev/null
like "$rc:$err" "^78:.*contacts:1: no network" "a line of commas (found by make fuzz): 78, named"
head -c 20000 /dev/urandom > "$TMP/contacts"
run relaywatch-notify -n < /dev/null
like "$rc:$err" "^78:.*contacts:[0-9]+: " "random bytes as contacts: 78, naming a line"
{ printf '192.0.2.0/24 '; head -c 5000 /dev/zero | tr '\0' a; printf '@x.example\n'; } > "$TMP/contacts"
run relaywatch-notify -n < /dev/null
like "$rc:$err" "^78:.*contacts:1: " "a 5000-byte line: 78, named"
rm "$TMP/contacts"
run relaywatch-notify -n <<IN
192.0.2.7 - BLOCK 1 why=relayed
IN
like "$rc:$(printf '%s\n' "$out" | grep '^To: ')" "^0:To: postmaster@" "no contacts file: the postmaster"
printf 'domain = isp.example\nsendmail = /nonexistent\n' > "$TMP/conf2"
run relaywatch-notify -c "$TMP/conf2" < /dev/null
is "$rc" 78 "sendmail missing: 78"

# What the notice says of what is true: no via=, no "Handed back by";
# warn-only, no "refused".
run relaywatch-notify -n <<IN
192.0.2.7 - BLOCK 1 why=relayed
IN
printf '%s\n' "$out" | grep -q 'Handed back by'
ok $((! $?)) "a verdict without via=: no 'Handed back by' line"
like "$(printf '%s\n' "$out" | grep '^Subject: ')" "refused" "blocking mode: the subject says mail is refused"
printf 'warn_only = yes\n' >> "$RELAYWATCH_CONF"
run relaywatch-notify -n <<IN
192.0.2.7 - BLOCK 1 why=relayed
IN
printf '%s\n' "$out" | grep -qi 'refuse mail from\|is now refused'
ok $((! $?)) "warn-only: the notice does not say mail is refused"
like "$out" "still accept mail from 192.0.2.7" "warn-only: it says mail is still accepted"
sed -i '/^warn_only/d' "$RELAYWATCH_CONF"

# A mailbox probe re-sent: the notice speaks of the mail program and
# the mailbox, not of an open relay.
run relaywatch-notify -n <<IN
192.0.2.50 UNKNOWN BLOCK 1795755010 why=remailed mailbox=info@shop.example token-time=1795754990 via=192.0.2.50
IN
is "$rc" 0 "remailed: a notice"
like "$out" "Subject: Mail re-sent by 192\.0\.2\.50: mail from it is now refused" "remailed: its subject"
like "$out" "Your mail program re-sent a message that was not addressed to you" "remailed: in the customer's words"
like "$out" "Mailbox: +info@shop\.example" "remailed: names the mailbox"
ok "$(printf '%s' "$out" | grep -q 'open relay'; echo $((1 - $?)))" "remailed: no word of an open relay"

# ptr_lookup is checked like every setting.
sed 's/^ptr_lookup = no$/ptr_lookup = maybe/' "$RELAYWATCH_CONF" > "$TMP/conf3"
run relaywatch-notify -c "$TMP/conf3" -n < /dev/null
like "$rc:$err" "^78:.*ptr_lookup = \"maybe\": must be yes or no" "ptr_lookup: yes or no"
run relaywatch-notify -h
is "$rc" 0 "-h: exit 0"
like "$out" "^usage: relaywatch-notify" "-h: usage on standard output"

done_testing

#!/bin/sh
# relaywatch-probe without Exim: the messages (-n), sendmail's exit status,
# key files, bad input.
. "$(dirname "$0")/lib.sh"
need openssl

(umask 077; openssl rand -hex 32 > "$TMP/key")
cat > "$TMP/rw.conf" <<CONF
domain = isp.example
keyfile = $TMP/key
variants = plain percent quoted bang
sendmail = $TMP/sendmail
CONF
# A sendmail that keeps each message and its arguments, and fails when
# told to.
cat > "$TMP/sendmail" <<'SH'
#!/bin/sh
n=$(ls "$SM_DIR" | grep -c "^args")
printf '%s\n' "$@" > "$SM_DIR/args.$n"
cat > "$SM_DIR/msg.$n"
[ -e "$SM_DIR/../fail-at" ] && [ "$n" -ge "$(cat "$SM_DIR/../fail-at")" ] && exit 1
exit 0
SH
chmod 755 "$TMP/sendmail"
SM_DIR=$TMP/sm
export SM_DIR
mkdir -p "$SM_DIR"

# -n: the messages, in mbox form.
run relaywatch-probe -n -c "$TMP/rw.conf" <<IN
192.0.2.7
2001:db8::25
192.0.2.07
IN
is "$rc" 65 "-n: a bad line: the others handed over, exit 65 at the end"
is "$(printf '%s\n' "$out" | grep -c '^From relaytest+')" 8 "-n: 8 messages (4 variants, 2 hosts)"
like "$err" 'standard input:3: "192.0.2.07": not an address' "a bad line: warned, and the next read"
printf '%s\n' "$out" > "$TMP/mbox"
tok=$(sed -n 's/^X-Relaywatch: ip=192.0.2.7 time=[0-9]* variant=plain token=\([a-z2-7]*\)$/\1/p' "$TMP/mbox")
is "${#tok}" 31 "IPv4 token: 31 base32 characters"
like "$out" "Envelope-to: relaytest\+$tok@isp.example" "plain: the special mailbox, routed by our Exim"
like "$out" "Subject: Relay test $tok for 192.0.2.7" "the token in Subject"
like "$out" "Message-ID: <relaywatch.$tok@isp.example>" "and in Message-ID"
like "$out" "Return-path: <relaytest\+$tok@isp.example>" "and in the envelope sender (VERP)"
like "$out" 'Envelope-to: relaytest\+[a-z2-7]{31}%isp.example@\[192.0.2.7\]' "percent hack"
like "$out" 'Envelope-to: "relaytest\+[a-z2-7]{31}@isp.example"@\[192.0.2.7\]' "quoted"
like "$out" 'Envelope-to: isp.example!relaytest\+[a-z2-7]{31}@\[192.0.2.7\]' "bang path"
like "$out" 'Envelope-to: relaytest\+[a-z2-7]{50}%isp.example@\[IPv6:2001:db8::25\]' "IPv6: [IPv6:...] literal, 50-character token"
like "$out" "Date: [A-Z][a-z][a-z], [0-9]{2} [A-Z][a-z][a-z] 20[0-9]{2} [0-9:]{8} \+0000" "Date"
like "$out" "Auto-Submitted: auto-generated" "Auto-Submitted"
like "$out" "Questions: abuse@isp.example" "the body says whom to ask"
# Each message: the headers RFC 5322 wants, once; lines under 998.
awk '/^From relaytest/ { if (n) print d, m, f; n++; d = m = f = 0; h = 1; next }
h && /^$/ { h = 0 } h && /^Date: / { d++ } h && /^Message-ID: / { m++ } h && /^From: / { f++ }
END { print d, m, f }' "$TMP/mbox" | sort -u > "$TMP/hdrs"
is "$(cat "$TMP/hdrs")" "1 1 1" "each message: one Date, one Message-ID, one From"
is "$(awk 'length($0) > 998' "$TMP/mbox" | wc -l)" 0 "no line over 998 characters"

# sendmail: "-oi -f SENDER -- RCPT", one call per message.
run relaywatch-probe -c "$TMP/rw.conf" <<IN
192.0.2.7
IN
is "$rc" 0 "sendmail: exit 0"
is "$(printf '%s\n' "$out" | awk '{ print $1, $2, length($3) }')" "192.0.2.7 plain 31
192.0.2.7 percent 31
192.0.2.7 quoted 31
192.0.2.7 bang 31" "one line per message handed over: IP VARIANT TOKEN"
t1=$(printf '%s\n' "$out" | awk 'NR == 1 { print $3 }')
is "$(cat "$SM_DIR/args.0")" "-oi
-f
relaytest+$t1@isp.example
--
relaytest+$t1@isp.example" "sendmail's arguments"
is "$(grep -c "$t1" "$SM_DIR/msg.0")" 6 "the message: token in From, To, Subject, Message-ID, X-Relaywatch and the body"
grep -q '^From ' "$SM_DIR/msg.0"
ok $((! $?)) "no mbox From line for sendmail"

# A failing sendmail: a temporary failure; what went before is said.
rm -f "$SM_DIR"/*
echo 2 > "$TMP/fail-at"
run relaywatch-probe -c "$TMP/rw.conf" <<IN
192.0.2.7
192.0.2.8
IN
is "$rc" 75 "sendmail fails: exit 75"
is "$(printf '%s\n' "$out" | awk '{ print $1, $2 }')" "192.0.2.7 plain
192.0.2.7 percent" "only the messages sendmail took are said"
like "$err" "192.0.2.7 quoted: not sent: .*sendmail exited 1" "the reason"
rm -f "$TMP/fail-at"
printf 'domain = isp.example\nkeyfile = %s\nsendmail = /nonexistent/sendmail\n' "$TMP/key" > "$TMP/bad.conf"
run relaywatch-probe -c "$TMP/bad.conf" < /dev/null
is "$rc" 78 "sendmail missing: 78"
like "$err" "sendmail = /nonexistent/sendmail" "and named"
printf 'domain = isp.example\nkeyfile = %s\nsendmail = /bin/sh -c "kill -9 $$"\n' "$TMP/key" > "$TMP/kill.conf"
printf 'domain = isp.example\nkeyfile = %s\nsendmail = %s/killed\n' "$TMP/key" "$TMP" > "$TMP/kill.conf"
printf '#!/bin/sh\nkill -9 $$\n' > "$TMP/killed"
chmod 755 "$TMP/killed"
run sh -c "echo 192.0.2.7 | relaywatch-probe -c '$TMP/kill.conf'"
is "$rc" 75 "sendmail killed: exit 75"
is "$out" "" "and nothing said sent"
like "$err" "killed by signal 9" "the reason"

# Key files.
printf 'domain = isp.example\nkeyfile = %s/k\n' "$TMP" > "$TMP/k.conf"
run relaywatch-probe -n -c "$TMP/k.conf" < /dev/null
is "$rc" 78 "no key file: 78"
like "$err" "openssl rand -hex 32" "and how to make one"
openssl rand -hex 32 > "$TMP/k"
chmod 644 "$TMP/k"
run relaywatch-probe -n -c "$TMP/k.conf" < /dev/null
is "$rc" 77 "key file readable by others: 77"
like "$err" "chmod 600" "and what to do"
chmod 600 "$TMP/k"
echo 0011 > "$TMP/k"
run relaywatch-probe -n -c "$TMP/k.conf" < /dev/null
is "$rc" 78 "short key: 78"
like "$err" "k:1: key of 4 hex digits" "named by line"
printf 'keyfile = %s/key\n' "$TMP" > "$TMP/nodomain.conf"
run relaywatch-probe -n -c "$TMP/nodomain.conf" < /dev/null
is "$rc" 78 "no domain: 78"

# Hostile input: random bytes, long lines.
head -c 100000 /dev/urandom > "$TMP/junk"
run relaywatch-probe -n -c "$TMP/rw.conf" < "$TMP/junk"
is "$rc" 65 "random bytes: warned, exit 65"
printf '%05000d\n192.0.2.9\n' 0 | relaywatch-probe -n -c "$TMP/rw.conf" 2>"$TMP/err" | grep -c '^From ' > "$TMP/n"
is "$(cat "$TMP/n")" 4 "a long line, then a good one"
like "$(cat "$TMP/err")" "standard input:1: .*line too long" "the long line named"

# The default forms: in the customer's own name (its senders' domain, or
# its own name's), from the null sender, the percent hack at its domain;
# without a domain, the percent hack at [IP] instead.
printf 'domain = isp.example\nkeyfile = %s\n' "$TMP/key" > "$TMP/def.conf"
printf '192.0.2.7 shop.example\n192.0.2.8 ptr=named.example\n192.0.2.9\n' |
    relaywatch-probe -n -c "$TMP/def.conf" > "$TMP/def.mbox"
is "$(grep -c '^From ' "$TMP/def.mbox")" 11 "default forms: 4 with the senders' domain, 4 with the name's, 3 without"
is "$(sed -n 's/^X-Relaywatch: ip=192\.0\.2\.7 .*variant=\([a-z-]*\) .*/\1/p' "$TMP/def.mbox" | tr '\n' ' ')" \
    "plain own-sender null-sender percent-name " "  the forms for a host with its domain"
like "$(grep '^Return-path: <relaytest+[a-z2-7]*@shop\.example>' "$TMP/def.mbox")" "^Return-path: " \
    "  own-sender: its sender in the customer's domain"
like "$(grep -c '^Return-path: <>$' "$TMP/def.mbox")" "^3$" "  null-sender: the null sender, one a host"
like "$(cat "$TMP/def.mbox")" "Envelope-to: relaytest\+[a-z2-7]+%isp\.example@shop\.example" \
    "  percent-name: the percent hack at the customer's own domain"
like "$(cat "$TMP/def.mbox")" "X-Relaywatch: ip=192\.0\.2\.8 time=[0-9]+ variant=own-sender token=[a-z2-7]+ domain=named\.example domain-from=ptr" \
    "  a domain from the host's name: said in X-Relaywatch"
like "$(cat "$TMP/def.mbox")" "Envelope-to: relaytest\+[a-z2-7]+%isp\.example@\[192\.0\.2\.9\]" \
    "  without a domain: the percent hack at [IP]"
run relaywatch-probe -n -c "$TMP/def.conf" <<IN
192.0.2.7 Shop.example
192.0.2.7 shop
192.0.2.7 ptr=a.example helo=b.example
IN
is "$rc:$(printf '%s' "$err" | grep -c 'not an address as relaywatch-due prints them')" "65:3" \
    "hostile domains after the address: each a bad line, exit 65"

done_testing

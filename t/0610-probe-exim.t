#!/bin/sh
# relaywatch-probe through real Exim: our smart host with share/exim4's
# routes, and customer hosts on loopback that relay, refuse, or are not
# there.  Which probes come back relayed, which as bounces to the VERP
# sender; that no probe is delivered here without passing a customer.
. "$(dirname "$0")/lib.sh"
. "$T/exim.sh"
need_exim
need procmail

PS=$(free_port 61)	# the smart host
PC=$(free_port 62)	# the customers' SMTP port

# The customers: 127.0.0.2 and ::1 open relays, 127.0.0.3 refuses relaying,
# 127.0.0.4 has nothing listening, 127.0.0.5 relays only the percent hack,
# 127.0.0.6 relays for the smart host's own address only.
exim_customer relay 127.0.0.2 "  accept"
exim_customer refuse 127.0.0.3 "  deny message = relay not permitted"
exim_customer percent 127.0.0.5 "  accept condition = \${if match{\$local_part}{%}}
  deny message = relay not permitted"
exim_customer trusting 127.0.0.6 "  accept hosts = 127.0.0.1
  deny message = relay not permitted"
exim_customer relay6 ::1 "  accept"

# The smart host.
S=$(exim_setup smarthost)
cat > "$TMP/rc" <<RC
:0 fhw
| formail -I "X-Envelope-Recipient: \$RECIPIENT"
# (a maildir: no lock for the deliveries to wait on)
:0
$TMP/box/special/
RC
chmod 644 "$TMP/rc"
printf '\n' | cdb -c "$TMP/state.cdb"
printf '\n' | cdb -c "$TMP/recent.cdb"
exim_smarthost "$S" "$TMP/rc" "$TMP/state.cdb" || exit 1

(umask 077; openssl rand -hex 32 > "$TMP/key")
cat > "$TMP/rw.conf" <<CONF
domain = isp.example
keyfile = $TMP/key
variants = plain percent quoted bang
sendmail = $EXIM -C $S/exim.conf
CONF

t0=$(date +%s)
run relaywatch-probe -c "$TMP/rw.conf" <<IN
127.0.0.2
127.0.0.3
127.0.0.4
127.0.0.5
127.0.0.6
::1
IN
is "$rc" 0 "probe: exit 0"
is "$(printf '%s\n' "$out" | wc -l)" 24 "probe: 24 messages handed over"
printf '%s\n' "$out" > "$TMP/sent"
diag "$err"

# Nobody else can use the probe routes.  An ordinary message with the
# routing header:
printf 'From: user@isp.example\nX-Relaywatch: ip=127.0.0.2 time=1 variant=plain token=x\nSubject: forged\n\nhi\n' |
    "$EXIM" -C "$S/exim.conf" -oi -f user@isp.example -- postmaster@isp.example 2>/dev/null
# the probe sender and the header, through SMTP:
fake=relaytest+$(printf '%031d' 0 | tr 0 a)@isp.example
send 127.0.0.1 "$PS" 127.0.0.7 --from "$fake" --to "$fake" \
    --add-header "X-Relaywatch: ip=127.0.0.2 time=1 variant=plain token=x"
ok $? "SMTP: a message from the probe sender, with the header, accepted"
# a probe-sender message submitted here that no probe route takes:
printf 'Subject: lost\n\nhi\n' |
    "$EXIM" -C "$S/exim.conf" -oi -f "$fake" -- someone@isp.example 2>/dev/null
# 127.0.0.6 would relay for the smart host's own address.
send 127.0.0.6 "$PC" 127.0.0.1 --to relaytest+trust@isp.example > /dev/null
ok $? "127.0.0.6 relays for the smart host's own address (so probes leave from probe_source)"

# The special mailbox as one mbox, each message after a "From " line.
mbox() {
	for f in "$TMP"/box/special/new/* "$TMP"/box/special/cur/*; do
		[ -f "$f" ] && { echo "From relaywatch-test"; cat "$f"; echo; }
	done > "$TMP/special.mbox"
}
# Wait for every probe to come back, relayed or bounced.
# (24 probes, the SMTP one, 127.0.0.6's, and the guard's bounce)
wait_for '[ "$(ls "$TMP/box/special/new" 2>/dev/null | wc -l)" -ge 27 ]' ${WAIT:-90}
ok $? "every probe came back to the special mailbox" ||
    diag "$(ls "$TMP/box/special/new" | wc -l) came back" "$(tail -20 "$S/log/mainlog")"
took=$(( $(date +%s) - t0 ))
diag "all back in $took s (the dead host's bounces after RELAYWATCH_PROBE_RETRY = F,20s,5s)"
exim_settle "$S" 30
mbox

# Each message of the special mailbox: its token (from Envelope-to) and
# whether it is the probe itself (relayed) or a bounce (null sender).
awk '
/^From / { if (tok) print tok, kind; tok = ""; kind = ""; hdr = 1; next }
/^$/ { hdr = 0 }
hdr && /^Return-path: <>/ { kind = "bounced" }
hdr && /^Return-path: <relaytest\+/ { kind = "relayed" }
hdr && /^Envelope-to: / { if (match($0, /relaytest\+[a-z2-7]+/)) tok = substr($0, RSTART + 10, RLENGTH - 10) }
END { if (tok) print tok, kind }' "$TMP/special.mbox" | sort > "$TMP/back"
while read -r ip variant tok; do
	printf '%s %s %s\n' "$ip" "$variant" \
	    "$(awk -v t="$tok" '$1 == t { print $2 }' "$TMP/back" | sort -u | tr '\n' ' ')"
done < "$TMP/sent" > "$TMP/result"
is "$(cat "$TMP/result")" "127.0.0.2 plain relayed 
127.0.0.2 percent relayed 
127.0.0.2 quoted relayed 
127.0.0.2 bang relayed 
127.0.0.3 plain bounced 
127.0.0.3 percent bounced 
127.0.0.3 quoted bounced 
127.0.0.3 bang bounced 
127.0.0.4 plain bounced 
127.0.0.4 percent bounced 
127.0.0.4 quoted bounced 
127.0.0.4 bang bounced 
127.0.0.5 plain bounced 
127.0.0.5 percent relayed 
127.0.0.5 quoted bounced 
127.0.0.5 bang bounced 
127.0.0.6 plain bounced 
127.0.0.6 percent bounced 
127.0.0.6 quoted bounced 
127.0.0.6 bang bounced 
::1 plain relayed 
::1 percent relayed 
::1 quoted relayed 
::1 bang relayed " "each variant: relayed by the open relays, bounced by the others"
diag "$(cat "$TMP/result")"

# No probe delivered here without passing a customer: every delivery of
# a message submitted here from the probe sender went out by
# relaywatch_smtp, or failed.
L=$S/log/mainlog
awk '$4 == "<=" && $5 ~ /^relaytest\+/ && / U=root P=local / { print $3 }' "$L" | sort -u > "$TMP/local-ids"
is "$(wc -l < "$TMP/local-ids")" 25 "25 probe-sender messages submitted here"
is "$(awk 'NR == FNR { id[$1] = 1; next } ($4 == "=>" || $4 == "->") && id[$3] && !/ T=relaywatch_smtp /' "$TMP/local-ids" "$L" | wc -l)" 0 \
    "none delivered but by relaywatch_smtp to a customer"
like "$(grep ' \*\* someone@isp.example' "$L")" "R=relaywatch_guard.*a probe must go to a customer's host" \
    "a probe no route takes fails at the guard"
like "$(grep ' => postmaster <postmaster@isp.example>' "$L")" "R=here" "an ordinary message with the routing header: not routed"
grep -q "^Subject: forged" "$TMP/box/other"
ok $? "and delivered here as ordinary mail"
like "$(grep " => relaytest <$fake>" "$L" | head -1)" "R=relaywatch_mailbox" \
    "the probe sender and the header through SMTP: not routed, delivered to the special mailbox"
like "$(grep ' <= relaytest+' "$L" | grep ' H=' | head -1)" "H=\(relay.customer.test\) \[127.0.0.2\]|H=\(.*customer.test\)" \
    "relayed probes arrive from the customers"
like "$(grep ' => relaytest+' "$L" | grep 'R=relaywatch_probe' | head -1)" " T=relaywatch_smtp H=(127\.0\.0\.[0-9]|::1) " \
    "the plain variant: manualroute to the host in X-Relaywatch"
awk '/^From / { if (n && e != x) print e, x; n++; e = x = ""; h = 1; next }
h && /^$/ { h = 0 } h && /^Envelope-to: / { e = $2 } h && /^X-Envelope-Recipient: / { x = $2 }
END { if (n && e != x) print e, x }' "$TMP/special.mbox" > "$TMP/rcpt-mismatch"
awk '/^From relaywatch-test/ { if (n && !x) print e; n++; x = 0; e = "?"; h = 1; next }
h && /^$/ { h = 0 } h && /^Envelope-to: / { e = $2 } h && /^X-Envelope-Recipient: relaytest\+[a-z2-7]+@isp.example$/ { x = 1 }
END { if (n && !x) print e }' "$TMP/special.mbox" > "$TMP/no-rcpt"
is "$(cat "$TMP/no-rcpt")" "" "the recipe has the envelope recipient in \$RECIPIENT" ||
    diag "$(grep -c '^From relaywatch-test' "$TMP/special.mbox") messages"
is "$(cat "$TMP/rcpt-mismatch")" "" "the same as Envelope-to"
# probes left from probe_source
like "$(grep ' <= relaytest+' "$TMP/refuse/log/rejectlog" "$TMP/refuse/log/mainlog" 2>/dev/null; grep 'relay not permitted' "$TMP/refuse/log/rejectlog" | head -1)" "\[127.0.0.9\]" \
    "probes leave from probe_source"
diag "$(grep ' \*\* ' "$S/log/mainlog" | cut -c1-400)"
diag "$(cat "$TMP/relay/log/mainlog" 2>/dev/null | tail -20)"

done_testing

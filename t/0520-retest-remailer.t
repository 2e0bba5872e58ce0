#!/bin/sh
# The retest of a remailer (a BLOCK why=remailed mailbox=ADDRESS): asked
# by relaywatch-db retest, relaywatch-due hands relaywatch-probe a new
# probe into the mailbox ("IP mailbox=ADDRESS"), not into the host; our
# Exim's local arrival of it (relaywatch-hosts -d: "submitted TOKEN")
# shows that it went out; silence for pending_timeout after that lifts
# the BLOCK (relaywatch-db sweep: retest-result=silent); a copy that
# comes back keeps it with the new evidence; without the proof that the
# probe went out, silence lifts nothing.  Forged or foreign tokens change
# nothing.
. "$(dirname "$0")/lib.sh"
need faketime
# (faketime preloads a library: an ASan build must allow that.)

(umask 077; openssl rand -hex 32 > "$TMP/key")
mkdir "$TMP/st"
printf '192.0.2.0/24\n' > "$TMP/nets"
printf '192.0.2.48/29 shop@isp.example\n192.0.2.56/29 info@other.example\n' > "$TMP/mailboxes"
printf '%s\n' "domain = isp.example" "keyfile = $TMP/key" "netblocks = $TMP/nets" \
    "mailboxes = $TMP/mailboxes" "statedir = $TMP/st" "own_hosts = $TMP/none" \
    "probe_source = 192.0.2.9" > "$TMP/conf"
export RELAYWATCH_CONF="$TMP/conf"
: > "$TMP/st/state"
relaywatch-db compile || exit 1
last() { grep "^$1 " "$TMP/st/state" | tail -n 1; }
now=$(date +%s)
{
	echo "192.0.2.50 BLOCK $((now - 100)) why=remailed mailbox=shop@isp.example token-time=$((now - 200)) via=192.0.2.50"
	echo "192.0.2.58 BLOCK $((now - 100)) why=remailed mailbox=info@other.example token-time=$((now - 200)) via=192.0.2.58"
	echo "192.0.2.60 BLOCK $((now - 100)) why=relayed variant=plain token-time=$((now - 200))"
} | relaywatch-db apply > /dev/null
ok $? "three BLOCKs: two remailers, an open relay"

run relaywatch-db retest -w "fixed, ticket 7" 192.0.2.50
is "$rc" 0 "retest of a remailer"
like "$(last 192.0.2.50)" " BLOCK [0-9]+ why=remailed mailbox=shop@isp\.example retest=requested by=" \
    "  the BLOCK stands, with its mailbox and the retest asked"
relaywatch-db retest -w "fixed" 192.0.2.58 > /dev/null
relaywatch-db retest -w "fixed" 192.0.2.60 > /dev/null

# relaywatch-due: the mailbox again for the remailers, the host for the
# open relay.
relaywatch-due < /dev/null > "$TMP/due.out" 2> "$TMP/due.err"
is "$?" 0 "relaywatch-due" || diag "$(cat "$TMP/due.err")"
is "$(sort "$TMP/due.out")" "192.0.2.50 mailbox=shop@isp.example
192.0.2.58 mailbox=info@other.example
192.0.2.60" "  prints a new mailbox probe for each remailer, a host probe for the relay"
like "$(last 192.0.2.50)" " BLOCK [0-9]+ why=remailed mailbox=shop@isp\.example retest=pending$" \
    "  and records the retest under way, its mailbox kept"

# relaywatch-probe: the probe into the mailbox.
grep mailbox= "$TMP/due.out" | relaywatch-probe -n > "$TMP/probes" 2> "$TMP/probe.err"
is "$?" 0 "relaywatch-probe reads the retest lines" || diag "$(cat "$TMP/probe.err")"
is "$(grep -c '^From ' "$TMP/probes")" 2 "  one message a mailbox"
is "$(sed -n 's/^Envelope-to: //p' "$TMP/probes" | sort | tr '\n' ' ')" "info@other.example shop@isp.example " \
    "  delivered into the mailboxes"
tok=$(sed -n 's/^X-Relaywatch: mailbox=shop@isp.example time=[0-9]* token=//p' "$TMP/probes")
tok2=$(sed -n 's/^X-Relaywatch: mailbox=info@other.example time=[0-9]* token=//p' "$TMP/probes")
is "${#tok}" 50 "  a mailbox token"

# Not yet shown to have gone out: silence lifts nothing.
cp "$TMP/st/state" "$TMP/state.before"
ASAN_OPTIONS=verify_asan_link_order=0 faketime -f "+49h" relaywatch-db sweep > /dev/null 2>&1
like "$(last 192.0.2.50)" " BLOCK [0-9]+ why=remailed mailbox=shop@isp\.example retest=requested retest-result=undelivered$" \
    "silence without proof that the probe went out: the BLOCK stands, the retest asked again"
cp "$TMP/state.before" "$TMP/st/state"
relaywatch-db compile

# Our Exim's local arrival of the probe (relaywatch-probe's submission).
arr() { printf '%s 1xRt%02d-0000AB-Cd <= relaytest+%s@isp.example U=relaywatch P=local S=1234 id=relaywatch.%s@isp.example\n' \
    "$(date '+%Y-%m-%d %H:%M:%S')" "$1" "$2" "$2"; }
{ arr 1 "$tok"; arr 2 "$tok2"; } | relaywatch-hosts -d > "$TMP/hosts.out"
is "$(cat "$TMP/hosts.out")" "submitted $tok
submitted $tok2" "relaywatch-hosts -d: a probe's local arrival is its submission"
forged=$(printf '%s' "$tok" | tr 'ab' 'ba')
{
	cat "$TMP/hosts.out"
	echo "submitted $forged"
	echo "submitted zzzz"
} | relaywatch-due > /dev/null 2> "$TMP/due.err"
like "$(cat "$TMP/due.err")" "standard input:3: \"submitted $forged\": not a delivery of our probe" \
    "  a forged token: warned, with its line"
like "$(last 192.0.2.50)" " BLOCK [0-9]+ why=remailed mailbox=shop@isp\.example retest=pending delivered=[0-9]+$" \
    "relaywatch-due: the remailer's retest probe went out"

# A copy comes back from 192.0.2.58's network: the BLOCK stays, with
# the new evidence.
awk '/^From / { n++; next } n == 2' "$TMP/probes" | sed '1,2d' > "$TMP/probe2"
grep -q 'info@other.example' "$TMP/probe2" || awk '/^From / { n++; next } n == 1' "$TMP/probes" | sed '1,2d' > "$TMP/probe2"
{
	printf 'Return-path: <owner@other.example>\n'
	printf 'Received: from [192.0.2.58] (helo=pc.other.example)\n\tby smarthost.isp.example with esmtp (Exim 4.96)\n\tid 1xWhVY-0001L5-2j; Fri, 27 Nov 2026 04:00:00 +0000\n'
	cat "$TMP/probe2"
} > "$TMP/back"
out=$(relaywatch-classify -r "relaytest+$tok2@isp.example" < "$TMP/back")
like "$out" "^192\.0\.2\.58 BLOCK [0-9]+ why=remailed mailbox=info@other\.example token-time=[0-9]+ via=192\.0\.2\.58$" \
    "the new probe re-sent again: a BLOCK with the new evidence"
printf '%s\n' "$out" | relaywatch-db apply > /dev/null
like "$(last 192.0.2.58)" " BLOCK [0-9]+ why=remailed mailbox=info@other\.example token-time=" \
    "  recorded: the retest is over, the BLOCK kept"
ASAN_OPTIONS=verify_asan_link_order=0 faketime -f "+49h" relaywatch-db sweep > /dev/null 2>&1
like "$(last 192.0.2.58)" " BLOCK .*why=remailed" "  and silence afterwards does not lift it"

# Silence for pending_timeout after the probe went out: lifted.
like "$(last 192.0.2.50)" " OK [0-9]+ why=no-answer tested=[0-9]+ retest-result=silent mailbox=shop@isp\.example$" \
    "silence for pending_timeout after the new mailbox probe: lifted, retest-result=silent"
relaywatch-db show 192.0.2.50 > "$TMP/show"
like "$(head -n 1 "$TMP/show")" "^192\.0\.2\.50: OK " "  relaywatch-db show says OK"
like "$(last 192.0.2.60)" " BLOCK .*retest=requested retest-result=undelivered" \
    "  (the open relay's host probe, never shown delivered, stands)"

# relaywatch-probe and hostile retest lines.
printf '%s\n' "192.0.2.50 mailbox=bad address" "192.0.2.50 mailbox=" "192.0.2.050 mailbox=a@b.example" \
    "192.0.2.50 mailbox=a@b@c" | relaywatch-probe -n > /dev/null 2> "$TMP/bad.err"
is "$?" 65 "relaywatch-probe: bad retest lines, exit 65"
is "$(grep -c 'standard input:[1-4]: ' "$TMP/bad.err")" 4 "  each named with its line"
done_testing

#!/bin/sh
# make demo: the whole job on one machine, in a temporary directory, with
# real Exim and procmail on loopback, as root.  A smart host (127.0.0.1)
# with relaywatch's Exim pieces, its procmail recipe and relaywatch(8)
# following its main log; four customers: an open relay (127.0.0.2), a
# host that refuses to relay (127.0.0.3), one that takes everything and
# drops it (127.0.0.4), and a shop (127.0.0.5) that runs no mail server
# but collects its mailbox from our POP3 server (a private Dovecot) with
# fetchmail and re-sends what is not addressed to it.  They send; the
# timeline of what happens is printed; the open relay's second message in
# its first SMTP session is refused, and the shop is blocked once cron's
# mailbox probe comes back.  With ZOO=yes (make demo ZOO=yes), customers
# that run other MTAs as well, Debian's Postfix and OpenSMTPD unpacked by
# make deps (t/mta.sh): a Postfix open relay (127.0.0.10), a Postfix that
# refuses to relay (127.0.0.11), an OpenSMTPD open relay (127.0.0.12) and
# an OpenSMTPD that takes everything and bounces what its inner host, the
# refusing Postfix, will not take (127.0.0.13); and two relays open only
# to some senders, caught by the probes in the customer's own name: a
# Postfix that trusts the senders of its own domain (127.0.0.14) and an
# Exim that lets the null sender through (127.0.0.15).  Everything
# started is stopped and removed at the end.
. "$(dirname "$0")/lib.sh"
. "$T/exim.sh"
. "$T/pop3.sh"
. "$T/mta.sh"
[ "$(id -u)" = 0 ] || { echo "make demo: run it as root (it starts private Exim instances on loopback)" >&2; exit 77; }
need_exim
need procmail
need formail
need faketime
need swaks dovecot fetchmail
ZOO=${ZOO:-no}
case $ZOO in
yes) need_mtas ;;
no) ;;
*) echo "make demo: ZOO=$ZOO: say yes or no" >&2; exit 64 ;;
esac
zoo="127.0.0.10 127.0.0.11 127.0.0.12 127.0.0.13 127.0.0.14 127.0.0.15"

TMPDIR=$TMP
export TMPDIR
PS=$(free_port 91)
PC=$(free_port 92)
PP=$(free_port 93)

echo "relaywatch demo: a smart host on 127.0.0.1:$PS for isp.example, customers on"
echo "127.0.0.2 (an open relay), 127.0.0.3 (refuses to relay) and 127.0.0.4"
echo "(takes everything and drops it), their SMTP servers on port $PC; and"
echo "127.0.0.5, a shop with no mail server that collects shop@isp.example by"
echo "POP3 (port $PP) and re-sends what is not addressed to it; all in $TMP"
[ "$ZOO" = yes ] && {
	echo "The zoo: Postfix $(cat "$POSTFIX_ROOT/.version") on 127.0.0.10 (an open relay) and"
	echo "127.0.0.11 (refuses to relay); OpenSMTPD $(cat "$OPENSMTPD_ROOT/.version") on 127.0.0.12"
	echo "(an open relay) and 127.0.0.13 (takes everything, bounces what 127.0.0.11 refuses);"
	echo "Postfix on 127.0.0.14 (relays for senders in its own domain, pf-own.customer.test)"
	echo "and Exim on 127.0.0.15 (lets the null sender relay, \"so bounces can leave\")"
}
echo
exim_customer relay 127.0.0.2 "  accept" > /dev/null || exit 1
exim_customer refuse 127.0.0.3 "  deny message = relay not permitted" > /dev/null || exit 1
exim_customer silent 127.0.0.4 "  accept" "drop:
  driver = redirect
  data = :blackhole:" > /dev/null || exit 1
if [ "$ZOO" = yes ]; then
	postfix_customer pf-relay 127.0.0.10 relay > /dev/null || exit 1
	postfix_customer pf-refuse 127.0.0.11 refuse > /dev/null || exit 1
	opensmtpd_customer os-relay 127.0.0.12 relay > /dev/null || exit 1
	opensmtpd_customer os-bounce 127.0.0.13 bounce 127.0.0.11 > /dev/null || exit 1
	postfix_customer pf-own 127.0.0.14 own > /dev/null || exit 1
	exim_site ex-null 127.0.0.15 "  accept senders = :" > /dev/null || exit 1
fi
rw_setup > /dev/null
ST=$TMP/st
S=$(exim_setup smarthost)
echo "127.0.0.5 shop@isp.example" > "$TMP/etc/mailboxes"
echo "mailboxes = $TMP/etc/mailboxes" >> "$RELAYWATCH_CONF"
chown "$EXIM_USER:" "$TMP/etc/mailboxes"
exim_smarthost "$S" "$TMP/rc" "$ST/state.cdb" || exit 1
pop3_mailboxes "$S" shop > /dev/null || exit 1
dovecot_start "$PP" shop || exit 1
remailer "$TMP/remail" 127.0.0.5 owner@shop.example
cat > "$TMP/shop.rc" <<RC
SHELL=/bin/sh
:0
* ! ^TO_(.*@)?shop\.example
| $TMP/remail
:0
$TMP/shop.kept
RC
: > "$S/log/mainlog"

# The timeline, from the state and the smart host's main log, as they are
# written (mawk reads a line at a time only when told).  Each event comes
# from where it happens: a probe is shown when Exim delivers it to the
# customer (its "=>" line), which is before anything can come back, and
# the state is read first in each round, since due records a host before
# its probe is handed over.
mkfifo "$TMP/events"
tail -n +1 -F "$ST/state" "$S/log/mainlog" > "$TMP/events" 2>/dev/null &
tailpid=$!
mawk -W interactive -v mboxes="$TMP/etc/mailboxes" '
# The time of day (local time) of each event, to a tenth of a second.
function when(  c, t) {
	c = "date +%H:%M:%S.%N"; c | getline t; close(c)
	return "[" substr(t, 1, 10) "]"
}
function say(s) { printf "%s %s\n", when(), s; fflush() }
function ip_of(s) {	# the first [127.x.y.z] of s
	return match(s, /\[127\.[0-9]+\.[0-9]+\.[0-9]+\]/) ? substr(s, RSTART + 1, RLENGTH - 2) : "?"
}
function rcpt(  a) {	# the recipient of a delivery line
	a = $5; if (match($0, /<[^>]*>/)) a = substr($0, RSTART + 1, RLENGTH - 2)
	return a
}
BEGIN { while ((getline l < mboxes) > 0) { split(l, w, " "); holder[w[2]] = w[1] } }
/^==> / { f = $2; next }
NF == 0 { next }
# Arrivals: a customer sends through the smart host.
f ~ /mainlog$/ && $4 == "<=" && / H=\(/ && $5 !~ /^relaytest\+/ && $5 != "<>" {
	if (seen[$3]++)
		next
	from[$3] = ip_of($0)
	say("arrival   " from[$3] " sends a message through the smart host (main log)")
	next
}
# Probes, submitted here (no H=): with a token sender, or the null sender
# (their Message-ID is relaywatch.TOKEN).
f ~ /mainlog$/ && $4 == "<=" && !/ H=/ && ($5 ~ /^relaytest\+/ || / id=relaywatch\./) { probe[$3] = 1; next }
f ~ /mainlog$/ && $4 == "=>" && probe[$3] && / T=here/ {
	a = rcpt()
	say("mailbox   " (a in holder ? holder[a] : "?") ": a probe is put in its mailbox " a " (cron: relaywatch-probe -m)")
	next
}
f ~ /mainlog$/ && ($4 == "=>" || $4 == "->") && ($3 in from) && /relaywatch_procmail/ {
	say("REMAILED  " from[$3] ": the mailbox probe comes back to the special mailbox from it")
	next
}
# A probe handed back to us by a host: relayed.
f ~ /mainlog$/ && $4 == "<=" && / H=/ && ($5 ~ /^relaytest\+/ || / id=relaywatch\./) {
	say("RELAYED   " ip_of($0) ": a probe comes back to the special mailbox from it" ($5 == "<>" ? " (the null-sender form)" : ""))
	next
}
# A bounce: our Exim'"'"'s of a probe a host refused (R= the probe), or one a
# host sent.
f ~ /mainlog$/ && $4 == "<=" && $5 == "<>" {
	if (match($0, / R=[^ ]+/) && (substr($0, RSTART + 3, RLENGTH - 3) in failed))
		bounce[$3] = failed[substr($0, RSTART + 3, RLENGTH - 3)]
	else
		bounce[$3] = ip_of($0)
	next
}
f ~ /mainlog$/ && $4 == "**" && / T=relaywatch_smtp / {
	m = $0
	if (!sub(/.* after RCPT TO:<[^>]*>: /, "", m))
		sub(/.*: /, "", m)
	failed[$3] = ip_of($0)
	say("refused   " failed[$3] " refuses a probe: " m)
	next
}
f ~ /mainlog$/ && ($4 == "=>" || $4 == "->") && ($3 in bounce) && /relaywatch_procmail/ {
	say("bounce    " bounce[$3] ": the bounce of its probe reaches the special mailbox (procmail)")
	next
}
f ~ /mainlog$/ && $4 == "<=" && $5 == "abuse@isp.example" && match($0, / id=relaywatch-notice\.[^ ]*/) {
	n = substr($0, RSTART + 22, RLENGTH - 22); sub(/\.[0-9]+@.*/, "", n)
	notice[$3] = n
	next
}
f ~ /mainlog$/ && ($4 == "=>" || $4 == "->") && ($3 in notice) {
	say("notice    " notice[$3] ": the notice delivered to " rcpt())
	next
}
f ~ /mainlog$/ && /rejected RCPT/ {
	m = $0; sub(/.*rejected RCPT /, "", m)
	say("550       " ip_of($0) ": RCPT " m)
	next
}
f ~ /mainlog$/ && $4 == "=>" && / T=relaywatch_smtp / {
	say("probe     " ip_of(substr($0, index($0, " H="))) ": a probe delivered to it for " rcpt())
	next
}
# The state: once a host, each.
f ~ /state$/ && $2 == "UNKNOWN" && !/ delivered=/ && !pending[$1]++ { say("due       " $1 ": due, recorded as pending (relaywatch-due)"); next }
f ~ /state$/ && $2 == "BLOCK" && !blocked[$1]++ { say("BLOCK     " $1 ": " substr($0, index($0, "why="))); next }
f ~ /state$/ && $2 == "OK" && !okd[$1]++ { say("OK        " $1 ": " substr($0, index($0, "why="))); next }
' < "$TMP/events" &
awkpid=$!
timeline_end() { kill "$tailpid" "$awkpid" 2>/dev/null; wait "$awkpid" 2>/dev/null; }
at_exit timeline_end

RELAYWATCH_LOG=$TMP/relaywatch.log
export RELAYWATCH_LOG
setsid relaywatch > "$TMP/relaywatch.out" 2>&1 &
wait_for "grep -qs 'started: following' '$RELAYWATCH_LOG'" 10 ||
    { cat "$TMP/relaywatch.out" "$RELAYWATCH_LOG"; exit 1; }
at_exit "kill \$(cat '$ST/relaywatch.pid') 2>/dev/null; sleep 1"

# The open relay sends a message, and in the same SMTP session, once it is
# blocked and its notice is out, another one.
"$T/smtp-session" 127.0.0.1 "$PS" 127.0.0.2 mail \
    "run:for i in \$(seq 300); do grep -qs '^Subject: Open relay at 127\\.0\\.0\\.2:' '$TMP/box/other' && exit 0; sleep 0.1; done; exit 1" \
    mail > "$TMP/session" 2>&1 &
session=$!
send 127.0.0.1 "$PS" 127.0.0.3 > /dev/null
send 127.0.0.1 "$PS" 127.0.0.4 > /dev/null
# The zoo's customers send through their own servers, which pass it on.
if [ "$ZOO" = yes ]; then
	for ip in 127.0.0.10 127.0.0.11 127.0.0.12 127.0.0.13; do
		send "$ip" "$PC" "$ip" --to someone@isp.example
	done
	# Two messages of their users each: their own domain, which the
	# probes in their name use.
	for n in 1 2; do
		send 127.0.0.14 "$PC" 127.0.0.14 --from user@pf-own.customer.test \
		    --to "someone$n@isp.example"
		send 127.0.0.15 "$PC" 127.0.0.15 --from user@ex-null.customer.test \
		    --to "someone$n@isp.example"
	done
fi
wait "$session"
wait_for "[ \"\$(grep -c ' OK ' '$ST/state')\" -ge 1 ]" 20
if [ "$ZOO" = yes ]; then
	wait_for "grep -q '^127.0.0.10 BLOCK ' '$ST/state' && grep -q '^127.0.0.12 BLOCK ' '$ST/state' &&
	    grep -q '^127.0.0.11 OK ' '$ST/state' && grep -q '^127.0.0.13 OK .*bounced-after-accept' '$ST/state' &&
	    grep -q '^127.0.0.14 BLOCK ' '$ST/state' && grep -q '^127.0.0.15 BLOCK ' '$ST/state'" 60
fi
exim_settle "$S" 20
# cron's relaywatch-probe -m, then the shop's fetchmail, which hands what
# it collects to a procmail rule that re-sends what is not for shop.example.
relaywatch-probe -m > /dev/null
exim_settle "$S" 20
fetch shop "$PP" "$TMP/shop.rc" ||
    { echo "make demo: the shop's fetchmail failed:" >&2; cat "$TMP/shop.fetch" >&2; exit 1; }
wait_for "grep -q '^127.0.0.5 BLOCK .*why=remailed' '$ST/state'" 20
exim_settle "$S" 20
sleep 1

timeline_end
echo
echo "The open relay's SMTP session (127.0.0.2 to the smart host):"
sed 's/^/    /' "$TMP/session"
echo "(Its second RCPT got 550 in the same session: \"BLOCK for 0s\" in the log"
echo "line above says how long it had been blocked then, and why.)"
echo
status_table() {
	printf '    %-11s %-8s %s\n' customer status why
	ips="127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5"
	[ "$ZOO" = yes ] && ips="$ips $zoo"
	for ip in $ips; do
		awk -v ip="$ip" '$1 == ip { l = $0 } END {
			split(l, f, " "); w = l; sub(/.*why=/, "", w); sub(/ .*/, "", w)
			d = ""; if (match(l, /diag="[^"]*"/)) d = substr(l, RSTART, RLENGTH)
			if (d == "" && match(l, /via=[^ ]*/)) d = substr(l, RSTART, RLENGTH)
			if (match(l, /mailbox=[^ ]*/)) d = substr(l, RSTART, RLENGTH)
			printf "    %-11s %-8s %-20s %s\n", ip, f[2], w, d }' "$ST/state"
	done
}
echo "Status now:"
status_table
echo
echo "The silent host gave no answer.  Moving the demo's clock past the pending"
echo "timeout (48 h), cron's relaywatch-db sweep:"
ASAN_OPTIONS=verify_asan_link_order=0 faketime -f +49h relaywatch-db sweep |
while read -r ip from to t rest; do
	tested=${rest##*tested=}; tested=${tested%% *}
	echo "    $ip: $from -> $to, ${rest%% *}: tested at $(date -d "@$tested" +%H:%M:%S), and nothing came back for 48 h"
done
echo
echo "Status at the end:"
status_table
echo
echo "The notice to 127.0.0.2's postmaster (the first lines):"
awk '/^Subject: Open relay at 127\.0\.0\.2:/ { p = 1 } p && n++ < 22 { print "    " $0 } /^$/ && p && n > 22 { exit }' "$TMP/box/other"
echo
echo "Stopping everything and removing $TMP."
# The demo did its job only if the open relay was refused in its session,
# and the shop blocked.
[ "$(tail -1 "$TMP/session")" = "RCPT 550" ] || {
	echo "make demo: the open relay's second message was not refused" >&2
	exit 1
}
grep -q '^127.0.0.5 BLOCK .*why=remailed' "$ST/state" || {
	echo "make demo: the shop that re-sends its mail was not blocked" >&2
	exit 1
}
if [ "$ZOO" = yes ]; then
	for want in "127.0.0.10 BLOCK" "127.0.0.11 OK .*why=refused" "127.0.0.12 BLOCK" \
	    "127.0.0.13 OK .*why=bounced-after-accept" \
	    "127.0.0.14 BLOCK .*variant=own-sender" "127.0.0.15 BLOCK .*variant=null-sender"; do
		grep -q "^$want" "$ST/state" || {
			echo "make demo: the zoo: no \"$want\" in the state" >&2
			exit 1
		}
	done
fi

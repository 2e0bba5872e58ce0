#!/bin/sh
# The DNS form of the BLOCKs: relaywatch-db writes rbldnsd's data
# (dnsbl_data), rbldnsd (Debian's) serves it on 127.0.0.1:53, and a real
# Exim with the RCPT ACL that share/exim4 ships, asking the zone by
# dnslists (RELAYWATCH_USE_DNSBL, no CDB of its own), refuses a BLOCKed
# host with the CDB form's 550, accepts it again once lifted, and keeps
# accepting mail, logged, while rbldnsd is down.  In mount and network
# namespaces of its own: /etc/resolv.conf names 127.0.0.1 there only.
. "$(dirname "$0")/lib.sh"
own_namespace -n
. "$T/exim.sh"
need_exim
need rbldnsd

ZONE=rw.isp.test
mkdir -p "$TMP/st" "$TMP/dns"
chmod 755 "$TMP" "$TMP/dns"
echo "nameserver 127.0.0.1" > "$TMP/resolv.conf"
mount --bind "$TMP/resolv.conf" /etc/resolv.conf ||
    skip_all "cannot bind-mount a resolv.conf here"
printf '%s\n' "statedir = $TMP/st" "blocked_nets = $TMP/blocked.nets" \
    "domain = smarthost.test" "abuse = abuse@isp.test" \
    "probe_source = 127.0.0.9" "dnsbl_data = $TMP/dns/relaywatch" \
    "dnsbl_zone = $ZONE" "dnsbl_ttl = 2s" > "$TMP/rw.conf"
db() { relaywatch-db -c "$TMP/rw.conf" "$@"; }
db exim-macros > "$TMP/relaywatch.macros"
like "$(grep DNSBL "$TMP/relaywatch.macros")" "^RELAYWATCH_DNSBL_ZONE = $ZONE$" \
    "exim-macros: dnsbl_zone as RELAYWATCH_DNSBL_ZONE"
: > "$TMP/st/state"
db compile
ok $? "compile writes the data file too"
like "$(cat "$TMP/dns/relaywatch")" '^\$TTL 2$' "its TTL is dnsbl_ttl"

# The data file, for hostile and odd lines of blocked.nets.
now=$(date +%s)
printf '%s\n' "127.0.0.5 BLOCK $now why=relayed variant=plain" \
    "127.0.0.6 OK $now why=refused" "2001:db8:1:2::5 BLOCK $now why=relayed" |
    db apply > /dev/null
data=$(cat "$TMP/dns/relaywatch")
like "$data" '^127\.0\.0\.5 :127\.0\.0\.2:open relay since [0-9-]* \(why=relayed\); write to abuse@isp\.test$' \
    "a BLOCKed address: A 127.0.0.2 and a TXT saying since when, why, whom to write to"
like "$data" '^2001:db8:1:2::/64 :127\.0\.0\.2:' "an IPv6 one by its network, in the ip6trie dataset"
ok "$(printf '%s\n' "$data" | grep -c '^127\.0\.0\.6')" "an OK host is not listed"
{
	echo '10.9.9.9  # by hand, not ours to publish'
	echo 'bogus  # relaywatch 2026-11-01 why=relayed'
	echo '10.1.1.1  # relaywatch 2026-11-01 why=a$b:c<d'
	cat "$TMP/blocked.nets"
} > "$TMP/nets.new" && mv "$TMP/nets.new" "$TMP/blocked.nets"
echo "127.0.0.7 BLOCK $now why=relayed" | db apply > /dev/null 2> "$TMP/err"
like "$(cat "$TMP/err")" "blocked.nets:2: \"bogus  # relaywatch" \
    "a line marked ours that does not read is named with file:line"
data=$(cat "$TMP/dns/relaywatch")
ok "$(printf '%s\n' "$data" | grep -c '10\.9\.9\.9')" "a person's line is not published"
like "$data" '^10\.1\.1\.1 :127\.0\.0\.2:open relay since 2026-11-01 \(why=a_b_c_d\)' \
    "a TXT holds no '\$' (rbldnsd's placeholder), ':' or '<'"
like "$data" '^127\.0\.0\.7 :127\.0\.0\.2:' "apply writes the data file at once"
db compile 2> "$TMP/err"
is "$(cat "$TMP/err")" "" "compile makes relaywatch's lines again from the state"
t1=$(stat -c %Y "$TMP/dns/relaywatch")
db compile 2>/dev/null
t2=$(stat -c %Y "$TMP/dns/relaywatch")
ok "$([ "$t2" -gt "$t1" ]; echo $?)" "each write has a later time than the last, even within a second (rbldnsd compares seconds)"

# rbldnsd, as its Debian package runs it (its own user), checking the
# file every second.
rbldnsd_start() {
	rbldnsd -n -q -c 1 -b 127.0.0.1/53 -p "$TMP/rbldnsd.pid" \
	    "$ZONE:combined:$TMP/dns/relaywatch" > "$TMP/rbldnsd.out" 2>&1 &
	at_exit "kill $! 2>/dev/null"
	wait_for "ss -lun | grep -q '127.0.0.1:53 '" 10
}
rbldnsd_start || { ok 1 "rbldnsd started" ; done_testing; }
lookup() { "$EXIM" -be "\${lookup dnsdb{$1=\${reverse_ip:$2}.$ZONE}}" 2>/dev/null; }
is "$(lookup a 127.0.0.5)" 127.0.0.2 "rbldnsd answers A 127.0.0.2 for a BLOCKed address"
like "$(lookup txt 127.0.0.5)" "^open relay since .*write to abuse@isp.test$" "and its TXT"
is "$(lookup a 2001:db8:1:2::77)" 127.0.0.2 "and for any address of a BLOCKed IPv6 network"
is "$(lookup a 127.0.0.6)" "" "nothing for an OK host"

# RELAYWATCH_USE_DNSBL defined after the macros file: Exim would ask DNS
# and ignore the answer.  It refuses to start instead, naming the macro.
late=$TMP/late.conf
{
	exim_main_conf "$TMP" 25 127.0.0.11 smarthost.test
	cat <<CONF
RELAYWATCH_SETTINGS = $TMP/relaywatch.macros
.include $TOP/share/exim4/relaywatch-macros
RELAYWATCH_USE_DNSBL = yes
acl_smtp_rcpt = acl_rcpt
begin acl
acl_rcpt:
.include $TOP/share/exim4/relaywatch-rcpt.acl
  accept
CONF
} > "$late"
out=$("$EXIM" -C "$late" -bV 2>&1)
ok "$([ $? -ne 0 ]; echo $?)" "RELAYWATCH_USE_DNSBL after the macros file: Exim refuses to start"
like "$out" "define_macro_relaywatch_use_dnsbl_before_the_.include_of_relaywatch-macros" \
    "and names the macro"
sed -i '/^RELAYWATCH_USE_DNSBL = yes$/d; s|^RELAYWATCH_SETTINGS = |RELAYWATCH_USE_DNSBL = yes\n&|' "$late"
"$EXIM" -C "$late" -bV > "$TMP/bv.out" 2>&1
ok $? "defined before it, the same file starts" || diag "$(tail -n 3 "$TMP/bv.out")"

# A smart host that asks DNS only.
port=$(free_port 3)
exim_rcpt_only smarthost "$port" 127.0.0.11 "RELAYWATCH_USE_DNSBL = yes
RELAYWATCH_NO_CDB = yes" || { ok 1 "exim started"; done_testing; }
log=$TMP/smarthost/log/mainlog
rcpt() { rcpt_reply 127.0.0.11 "$port" "$@"; }
is "$(rcpt 127.0.0.5)" 550 "a host listed in the zone gets 550"
like "$(cat "$TMP/reply")" "^550 5.7.1 Your mail server 127.0.0.5 is an open relay .*write to abuse@isp.test" \
    "with the CDB form's text"
grep -q "rejected RCPT <b@remote.test>: relaywatch: open relay (listed in $ZONE: open relay since .* (why=relayed); write to abuse@isp.test)" "$log"
ok $? "logged with the zone and its TXT" || diag "$(tail -n 3 "$log")"
is "$(rcpt 127.0.0.6)" 250 "an OK host is accepted"
is "$(rcpt 127.0.0.5 relaytest+token@smarthost.test)" 250 "the special mailbox still takes mail from a listed host"

# A new BLOCK and a lift, each answered within a few seconds.
echo "127.0.0.8 BLOCK $(date +%s) why=relayed" | db apply > /dev/null
wait_for "[ \"\$(rcpt 127.0.0.8)\" = 550 ]" 10
ok $? "a new BLOCK is refused within seconds"
db unblock -w "fixed" 127.0.0.8 > /dev/null
wait_for "[ \"\$(rcpt 127.0.0.8)\" = 250 ]" 10
ok $? "a lifted BLOCK is accepted again within seconds"

# One SMTP session: message 1 accepted, the BLOCK applied, then message 2
# after the TTL (Exim keeps an answer, listed or not, for its TTL).
out=$("$T/smtp-session" 127.0.0.11 "$port" 127.0.0.10 mail \
    "run:echo '127.0.0.10 BLOCK $(date +%s) why=relayed' | relaywatch-db -c '$TMP/rw.conf' apply >/dev/null; sleep 4" \
    mail 2>&1)
is "$out" "MAIL 250
RCPT 250
DATA 250
MAIL 250
RCPT 550" "a BLOCK made during a session refuses the session's next message once the TTL has passed"

# warn_only: logged and marked, not refused.
wport=$(free_port 4)
exim_rcpt_only warnonly "$wport" 127.0.0.12 "RELAYWATCH_USE_DNSBL = yes
RELAYWATCH_NO_CDB = yes
RELAYWATCH_WARN_ONLY = yes" || { ok 1 "exim started"; done_testing; }
code=$(rcpt_reply 127.0.0.12 "$wport" 127.0.0.5)
is "$code" 250 "warn_only: a listed host is accepted"
grep -q "relaywatch: would refuse open relay 127.0.0.5 (listed in $ZONE" "$TMP/warnonly/log/mainlog"
ok $? "and logged"

# rbldnsd down: mail is accepted, and Exim says why in its log.
kill "$(cat "$TMP/rbldnsd.pid")"
wait_for "! ss -lun | grep -q '127.0.0.1:53 '" 10
sleep 3		# past the TTL of what Exim may hold
is "$(rcpt 127.0.0.5)" 250 "rbldnsd down: a listed host is accepted, not refused or deferred"
grep -q "DNS list lookup defer .*5.0.0.127.$ZONE" "$log"
ok $? "and the failed lookup is logged" || diag "$(tail -n 3 "$log")"
is "$(rcpt 127.0.0.6)" 250 "and other hosts too"

done_testing

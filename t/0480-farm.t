#!/bin/sh
# Several smart hosts, with the engines INSTALL's "Several smart hosts"
# sets up: three private Exims on 127.0.0.11-13, each with its own main
# log, shipped by an rsyslogd of its own (share/rsyslog's smart-host
# snippet) over TCP to the tester's rsyslogd (the tester's snippets),
# into the one file relaywatch(8) follows; BLOCKs served by rbldnsd from
# dnsbl_data and asked by dnslists.  Smart host 1 is the tester (its
# CDBs, its probes, the special mailbox); 2 and 3 ask DNS only.  An open
# relay that sends through smart host 2 only is refused by 1 and 3 on
# its next attempt; a refusing customer stays accepted everywhere; a
# lifted BLOCK is accepted again everywhere; with rbldnsd down mail is
# accepted, and logged; a fourth smart host with nothing but a copy of
# the CDBs made by rsync refuses the open relay too.  With smart host 2
# down and its rsyslogd hung, the others go on; with the tester's
# rsyslogd down, a smart host's lines wait and arrive when it is back.
# In mount and network namespaces of its own: /etc/resolv.conf names
# 127.0.0.1 there.
. "$(dirname "$0")/lib.sh"
own_namespace -n
. "$T/exim.sh"
need_exim
need procmail formail setsid flock rsyslogd rbldnsd rsync

ZONE=relays.isp.example
echo "nameserver 127.0.0.1" > "$TMP/resolv.conf"
mount --bind "$TMP/resolv.conf" /etc/resolv.conf ||
    skip_all "cannot bind-mount a resolv.conf here"

chmod 755 "$TMP"
PS=$(free_port 91)
PC=$(free_port 92)
LP=$(free_port 93)	# the tester's rsyslog TCP port
rw_setup
ST=$TMP/st
FARM=$TMP/farm.log
mkdir -p "$TMP/dns"
chmod 755 "$TMP/dns"
chown "$EXIM_USER:" "$TMP/dns"
S1=$TMP/sh1
sed -i -e "s|^mainlog = .*|mainlog = $FARM|" \
    -e "s|^sendmail = .*|sendmail = $EXIM -C $S1/exim.conf|" "$RELAYWATCH_CONF"
printf '%s\n' "dnsbl_data = $TMP/dns/relaywatch" "dnsbl_zone = $ZONE" \
    "dnsbl_ttl = 2s" >> "$RELAYWATCH_CONF"
relaywatch-db compile
ok $? "compile writes rbldnsd's data" || exit 1

# rbldnsd, as Debian runs it (its own user), the file checked each second.
rbldnsd_start() {
	rbldnsd -n -q -c 1 -b 127.0.0.1/53 -p "$TMP/rbldnsd.pid" \
	    "$ZONE:combined:$TMP/dns/relaywatch" > "$TMP/rbldnsd.out" 2>&1 &
	at_exit "kill $! 2>/dev/null"
	wait_for "ss -lun | grep -q '127.0.0.1:53 '" 10
}
rbldnsd_start
ok $? "rbldnsd serves $ZONE" || diag "$(cat "$TMP/rbldnsd.out")"

# Smart host 1, the tester: share/exim4's whole setup, the CDB form.
exim_setup sh1 > /dev/null
SMARTHOST=127.0.0.11 exim_smarthost "$S1" "$TMP/rc" "$ST/state.cdb" || exit 1
# Smart hosts 2 and 3: the RCPT ACL asking DNS only; the special mailbox
# passed on to smart host 1, everything else dropped.
relaywatch-db exim-macros > "$TMP/relaywatch.macros"
dns_smarthost() {	# dns_smarthost NAME ADDRESS
	d=$(exim_setup "$1")
	{
		exim_main_conf "$d" "$PS" "$2" "$1.isp.example"
		cat <<CONF
domainlist local_domains = isp.example
RELAYWATCH_SETTINGS = $TMP/relaywatch.macros
RELAYWATCH_USE_DNSBL = yes
RELAYWATCH_NO_CDB = yes
.include $TOP/share/exim4/relaywatch-macros
acl_smtp_rcpt = rcpt
begin acl
rcpt:
.include $TOP/share/exim4/relaywatch-rcpt.acl
  accept
begin routers
ours:
  driver = manualroute
  domains = isp.example
  route_list = * 127.0.0.11
  transport = onward
  self = send
others:
  driver = accept
  transport = drop
begin transports
onward:
  driver = smtp
  port = $PS
  allow_localhost
drop:
  driver = appendfile
  file = /dev/null
  user = $EXIM_USER
CONF
	} > "$d/exim.conf"
	exim_start "$d" "$PS"
}
dns_smarthost sh2 127.0.0.12 || exit 1
dns_smarthost sh3 127.0.0.13 || exit 1

# rsyslog: the tester's (its own Exim's log by imfile, the others' by
# TCP, into $FARM), and one on each other smart host.
rsyslog_start() {	# rsyslog_start NAME CONFIG
	mkdir -p "$TMP/$1.work"
	rsyslogd -N1 -f "$2" > "$TMP/$1.check" 2>&1 ||
	    { diag "rsyslogd -N1 $1:" "$(cat "$TMP/$1.check")"; return 1; }
	rsyslogd -n -f "$2" -i "$TMP/$1.pid" > "$TMP/$1.out" 2>&1 &
	at_exit "kill $! 2>/dev/null"
}
: > "$FARM"
{
	echo "global(workDirectory=\"$TMP/tester.work\")"
	echo 'module(load="imuxsock" SysSock.Use="off")'
	sed -e "s|/var/log/exim4/mainlog|$S1/log/mainlog|" \
	    -e "s|/var/log/relaywatch/exim.log|$FARM|" \
	    "$TOP/share/rsyslog/relaywatch.conf"
	sed -e "s|Port=\"5514\"|Port=\"$LP\" Address=\"127.0.0.1\"|" \
	    -e "s|^\$AllowedSender .*|\$AllowedSender TCP, 127.0.0.0/8|" \
	    "$TOP/share/rsyslog/relaywatch-tester.conf"
} > "$TMP/tester.conf"
rsyslog_start tester "$TMP/tester.conf"
ok $? "the tester's rsyslogd: share/rsyslog's relaywatch.conf and relaywatch-tester.conf" || exit 1
wait_for "ss -ltn | grep -q '127.0.0.1:$LP '" 10
for n in 2 3; do
	: > "$TMP/sh$n/log/mainlog"
	{
		echo "global(workDirectory=\"$TMP/sh$n.work\")"
		echo 'module(load="imuxsock" SysSock.Use="off")'
		sed -e "s|/var/log/exim4/mainlog|$TMP/sh$n/log/mainlog|" \
		    -e "s|Target=\"tester.isp.example\" Port=\"5514\"|Target=\"127.0.0.1\" Port=\"$LP\"|" \
		    "$TOP/share/rsyslog/relaywatch-smarthost.conf"
	} > "$TMP/sh$n.conf"
	rsyslog_start "sh$n" "$TMP/sh$n.conf"
	ok $? "smart host $n's rsyslogd: share/rsyslog's relaywatch-smarthost.conf" || exit 1
done

# relaywatch on the tester, following $FARM.
export RELAYWATCH_LOG="$TMP/relaywatch.log"
setsid relaywatch > "$TMP/relaywatch.out" 2>&1 &
wait_for "grep -qs 'started: following' '$RELAYWATCH_LOG'" 10
ok $? "relaywatch started, following $FARM" || diag "$(cat "$TMP/relaywatch.out" "$RELAYWATCH_LOG")"
sv=$(cat "$ST/relaywatch.pid" 2>/dev/null)
at_exit "kill $sv 2>/dev/null"

# The customers: an open relay that sends through smart host 2 only, a
# refusing one through smart host 3 only.
SMARTHOST=127.0.0.12 exim_customer relay 127.0.0.7 "  accept" || exit 1
SMARTHOST=127.0.0.13 exim_customer refuse 127.0.0.3 "  deny message = relay not permitted" || exit 1
last() {	# the last state line of an IP
	awk -v ip="$1" '$1 == ip { l = $0 } END { print l }' "$ST/state"
}
code() { rcpt_reply "$1" "$PS" "$2"; }	# code SMARTHOST SOURCE
t0=$(date +%s)
is "$(code 127.0.0.12 127.0.0.7)" 250 "the open relay's first message, through smart host 2: accepted"
send 127.0.0.12 "$PS" 127.0.0.7 > /dev/null
send 127.0.0.13 "$PS" 127.0.0.3 > /dev/null
wait_for "grep -q '\\[127.0.0.7\\]' '$FARM'" 20
ok $? "smart host 2's arrival reaches the tester's file through rsyslog" || diag "$(cat "$FARM" "$TMP/sh2.out" "$TMP/tester.out")"
wait_for "[ -n \"\$(last 127.0.0.7 | grep ' BLOCK ')\" ]" 60
like "$(last 127.0.0.7)" "^127\.0\.0\.7 BLOCK [0-9]+ why=relayed " \
    "the open relay, probed by the tester, relayed the probe back through smart host 2: BLOCK" ||
    diag "$(cat "$RELAYWATCH_LOG")" "$(tail -n 5 "$S1/log/mainlog")"
wait_for "[ \"\$(code 127.0.0.13 127.0.0.7)\" = 550 ]" 10
ok $? "smart host 3, which never saw it, refuses it with 550 (DNS)"
diag "from the first message to the 550 at smart host 3: $(( $(date +%s) - t0 )) s"
is "$(code 127.0.0.11 127.0.0.7)" 550 "smart host 1 refuses it (CDB)"
is "$(code 127.0.0.12 127.0.0.7)" 550 "smart host 2 too (DNS)"
wait_for "[ -n \"\$(last 127.0.0.3 | grep ' OK ')\" ]" 30
like "$(last 127.0.0.3)" "^127\.0\.0\.3 OK [0-9]+ why=refused " "the refusing customer: OK"
for h in 11 12 13; do
	is "$(code 127.0.0.$h 127.0.0.3)" 250 "  and accepted by smart host ${h#1}"
done

# The rsync form: a smart host with nothing but a copy of the CDBs,
# copied one at a time as INSTALL's cron line does (rsync sorts the
# files of one command by name).
mkdir -p "$TMP/copy"
copy_cdbs() {
	(cd "$ST" && for f in state.cdb recent.cdb cdb.serial; do rsync -t $f "$TMP/copy/" || exit 1; done)
}
copy_cdbs
ok $? "rsync copies state.cdb, then recent.cdb, then cdb.serial"
printf '%s\n' "statedir = $TMP/copy" "domain = isp.example" \
    "probe_source = 127.0.0.9" > "$TMP/copy.conf"
relaywatch-db -c "$TMP/copy.conf" exim-macros > "$TMP/copy.macros"
S4=$(exim_setup sh4)
{
	exim_main_conf "$S4" "$PS" 127.0.0.14 sh4.isp.example
	cat <<CONF
RELAYWATCH_SETTINGS = $TMP/copy.macros
.include $TOP/share/exim4/relaywatch-macros
acl_smtp_rcpt = rcpt
begin acl
rcpt:
.include $TOP/share/exim4/relaywatch-rcpt.acl
  accept
CONF
	exim_sink
} > "$S4/exim.conf"
chmod 755 "$TMP/copy"
exim_start "$S4" "$PS" || exit 1
is "$(code 127.0.0.14 127.0.0.7)" 550 "a smart host with only the copied CDBs refuses the open relay"
is "$(code 127.0.0.14 127.0.0.3)" 250 "  and accepts the refusing customer"

# Lifted: accepted again everywhere within seconds (the copy at its next
# rsync).
relaywatch-db unblock -w "fixed, ticket 1" 127.0.0.7 > /dev/null
copy_cdbs
for h in 11 12 13 14; do
	wait_for "[ \"\$(code 127.0.0.$h 127.0.0.7)\" = 250 ]" 10
	ok $? "lifted: accepted again by smart host ${h#1}"
done

# One smart host down or hung holds back no other: smart host 2's Exim
# stopped and its rsyslogd frozen (SIGSTOP), an open relay that sends
# through smart host 3 is found and refused as before.
exim_stop "$TMP/sh2"
kill -STOP "$(cat "$TMP/sh2.pid")"
SMARTHOST=127.0.0.13 exim_customer relay2 127.0.0.17 "  accept" || exit 1
send 127.0.0.13 "$PS" 127.0.0.17 > /dev/null
wait_for "[ -n \"\$(last 127.0.0.17 | grep ' BLOCK ')\" ]" 60
like "$(last 127.0.0.17)" "^127\.0\.0\.17 BLOCK " \
    "smart host 2 down and its rsyslogd hung: an open relay through smart host 3 is still found" ||
    diag "$(tail -n 5 "$RELAYWATCH_LOG")"
wait_for "[ \"\$(code 127.0.0.13 127.0.0.17)\" = 550 ]" 10
ok $? "  and refused by smart host 3"
is "$(code 127.0.0.11 127.0.0.17)" 550 "  and by smart host 1"
kill -CONT "$(cat "$TMP/sh2.pid")"

# The tester's rsyslogd down (a restart): smart host 3's lines wait in
# its rsyslog's queue and arrive when it is back.
kill "$(cat "$TMP/tester.pid")"
wait_for "! ss -ltn | grep -q '127.0.0.1:$LP '" 10
send 127.0.0.13 "$PS" 127.0.0.19 > /dev/null
wait_for "grep -q '\\[127.0.0.19\\]' '$TMP/sh3/log/mainlog'" 10
sleep 2
grep -q '\[127.0.0.19\]' "$FARM"
ok $((1 - $?)) "the tester's rsyslogd down: smart host 3's line not there yet"
rsyslog_start tester "$TMP/tester.conf"
wait_for "grep -q '\\[127.0.0.19\\]' '$FARM'" 30
ok $? "  and there once it is back (rsyslog's queue kept it)" ||
    diag "$(cat "$TMP/sh3.out" "$TMP/tester.out")"

# rbldnsd down: smart hosts 2 and 3 accept a blocked host, and log why.
echo "127.0.0.8 BLOCK $(date +%s) why=relayed" | relaywatch-db apply > /dev/null
wait_for "[ \"\$(code 127.0.0.13 127.0.0.8)\" = 550 ]" 10
ok $? "a new BLOCK: refused by smart host 3"
kill "$(cat "$TMP/rbldnsd.pid")"
wait_for "! ss -lun | grep -q '127.0.0.1:53 '" 10
sleep 3		# past the TTL of what Exim may hold
is "$(code 127.0.0.13 127.0.0.8)" 250 "rbldnsd down: smart host 3 accepts, neither refuses nor defers"
grep -q "DNS list lookup defer .*8.0.0.127.$ZONE" "$TMP/sh3/log/mainlog"
ok $? "  and logs the failed lookup" || diag "$(tail -n 3 "$TMP/sh3/log/mainlog")"
is "$(code 127.0.0.11 127.0.0.8)" 550 "smart host 1 (its CDB) still refuses it"

kill -TERM "$sv"
wait_for "! kill -0 $sv 2>/dev/null" 10
done_testing

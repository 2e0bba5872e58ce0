#!/bin/sh
# INSTALL, followed as a postmaster would: its own commands, in its
# order, as root and as the service user, into a private root ($R stands
# for /), on a private Exim built from Debian's split configuration by
# update-exim4.conf.  In a mount namespace of the test's own, /etc/exim4
# and /var/lib/exim4 are private copies: INSTALL's Exim commands run as
# written, and the relaywatch user's sendmail reaches the private Exim.
# Each step names the INSTALL line it runs; the lines must stand in
# INSTALL in this order, and every command INSTALL gives must be run here
# or set aside below, so that the two cannot drift.  Then the job itself:
# an open-relay customer refused with 550, fixed, retested on the
# operator's request and accepted again, with nothing compiled by hand.
# Then INSTALL.farm, several smart hosts: a second smart host (127.0.0.12,
# its own /etc/exim4 and /var/lib/exim4 in a mount namespace of its own, the
# rest of the file system shared, so that what INSTALL copies from the
# tester to the same path is already there), its rsyslogd sending its
# main log to the tester's by RELP, relaywatch following the file the
# tester's rsyslogd writes, rbldnsd answering on loopback, the second
# smart host refusing a BLOCK by DNS, and the cron line's rsync.
. "$(dirname "$0")/lib.sh"
# The book: INSTALL, then INSTALL.farm (the farm's part, after it).
BOOK=$TMP/book
cat "$TOP/INSTALL" "$TOP/INSTALL.farm" > "$BOOK"
. "$T/exim.sh"
need_exim
need update-exim4.conf start-stop-daemon adduser procmail formail unshare logrotate \
    rsyslogd rbldnsd rsync swaks
[ -d /etc/exim4/conf.d ] || skip_all "no /etc/exim4/conf.d (exim4-config)"
[ -n "$(find /usr/lib/*/rsyslog /usr/lib/rsyslog -name imrelp.so 2>/dev/null)" ] ||
    skip_all "no RELP modules for rsyslog (Debian: rsyslog-relp)"
own_namespace -n

R=$TMP/root
mkdir -p "$R/etc/cron.d" "$R/etc/init.d" "$R/etc/logrotate.d" "$R/run"
chmod 755 "$TMP" "$R"
PATH=$R/usr/local/bin:$R/usr/local/sbin:$PATH
RELAYWATCH_CONF=$R/etc/relaywatch/relaywatch.conf
export PATH RELAYWATCH_CONF
[ -d /var/lib/exim4 ] || skip_all "no /var/lib/exim4 (exim4-base)"
debian_copy true
# (the second smart host's Debian configuration, as it was before)
cp -R "$TMP/etc" "$TMP/etc2"
mkdir "$TMP/var-lib-exim4" "$TMP/var-lib-exim4-2"
# DNS: rbldnsd's, once INSTALL starts it, on this namespace's loopback.
echo "nameserver 127.0.0.1" > "$TMP/resolv.conf"
mount --bind "$TMP/resolv.conf" /etc/resolv.conf ||
    skip_all "cannot bind-mount /etc/resolv.conf"
mount --bind "$TMP/etc" /etc/exim4 && mount --bind "$TMP/var-lib-exim4" /var/lib/exim4 ||
    skip_all "cannot bind-mount /etc/exim4 and /var/lib/exim4"
port=$(free_port 20)
# A customer's mail server that relays anything (127.0.0.7, port $PC),
# passing it on to the smart host.
PS=$port PC=$(free_port 21)
exim_customer relay 127.0.0.7 "  accept" || exit 1
d=$(exim_setup smarthost)

# The paths of a real installation, in the private root.
map() {
	sed -e "s|/usr/local|$R/usr/local|g" -e "s|/etc/relaywatch|$R/etc/relaywatch|g" \
	    -e "s|/var/lib/relaywatch|$R/var/lib/relaywatch|g" \
	    -e "s|/var/log/relaywatch|$R/var/log/relaywatch|g" \
	    -e "s|/etc/cron.d/|$R/etc/cron.d/|g" \
	    -e "s|/etc/logrotate.d/|$R/etc/logrotate.d/|g" \
	    -e "s|/etc/init.d/|$R/etc/init.d/|g"
}

# step 'INSTALL LINE' ['AS RUN HERE']: run the line (its paths mapped),
# or what stands for it here; remember it for the order check.
at=0
step() {
	printf '%s\n' "$1" >> "$TMP/steps"
	cmd=${2:-$(printf '%s\n' "$1" | map)}
	( cd "${cwd:-$TOP}" && eval "$cmd" ) > "$TMP/step.out" 2>&1
	rc=$?
	ok $rc "INSTALL: $1" || diag "ran: $cmd" "$(tail -n 5 "$TMP/step.out")"
}

# Not run here: optional, or shown to look, or systemd's (the sysvinit
# way is run).
cat > "$TMP/aside" <<'ASIDE'
make check                 # optional; as root it runs a private Exim
make install DESTDIR=/tmp/pkg PREFIX=/usr
make uninstall             # the same PREFIX (and DESTDIR) as make install
relaywatch-hosts -v /var/log/exim4/mainlog > /dev/null
exim -bt relaytest+x@isp.example     # router = relaywatch_mailbox
relaywatch-classify -v < ~relaywatch/Maildir/new/MESSAGE
grep X-Relaywatch-Unclassified ~relaywatch/Maildir/new/*
exim -bP router_list | head -n 3  # relaywatch_probe relaywatch_guard
echo 192.0.2.1 shop.example | relaywatch-probe -n | less
echo "192.0.2.7 UNKNOWN BLOCK $(date +%s) why=relayed variant=percent" |
cp /usr/local/share/relaywatch/systemd/relaywatch.service \
systemctl daemon-reload
systemctl enable --now relaywatch
systemctl status relaywatch       # or: service relaywatch status
journalctl -t relaywatch          # or grep relaywatch /var/log/mail.log
tail -F /var/lib/relaywatch/probes   # IP VARIANT TOKEN, one a probe
relaywatch-db list UNKNOWN        # hosts with a test under way
relaywatch-db list BLOCK
relaywatch-db status              # how things stand; exit 1: look
relaywatch-db unblock -w "checked by hand, ticket 4711" 192.0.2.7
ASIDE

created_user=
id relaywatch >/dev/null 2>&1 || created_user=yes
[ -n "$created_user" ] && at_exit "deluser --system relaywatch"

# Building and installing
step "make" "make -s -C '$TOP'"
step "make install               # PREFIX=/usr/local by default" \
    "make -s -C '$TOP' install PREFIX='$R/usr/local' SYSCONFDIR='$R/etc'"
# (which made the tree's files that name paths with the private root's:
# made again with the build's own at the end)
at_exit "make -s -C '$TOP' > /dev/null 2>&1"
# The user and its directories
step "adduser --system --group --home /var/lib/relaywatch relaywatch"
step "install -d -o relaywatch -g relaywatch -m 755 /var/lib/relaywatch"
# (the main log's directory as Debian's: group adm, mode 750)
chgrp adm "$d/log" && chmod 750 "$d/log"
step "adduser relaywatch adm"
# Configuration: the two settings INSTALL names, on the example it put
# there; the test's own loopback addresses.
step "domain = isp.example" "sed -i 's/^#domain = .*/domain = isp.example/' '$RELAYWATCH_CONF' &&
     printf '%s\n' 'statedir = $R/var/lib/relaywatch' 'keyfile = $R/etc/relaywatch/key' \
        'netblocks = $R/etc/relaywatch/netblocks' 'exclude = $R/etc/relaywatch/exclude' \
        'contacts = $R/etc/relaywatch/contacts' 'own_hosts = $R/etc/relaywatch/own_hosts' \
        'mailboxes = $R/etc/relaywatch/mailboxes' >> '$RELAYWATCH_CONF'"
step "probe_source = 192.0.2.9 2001:db8::9" \
    "sed -i 's/^#probe_source = .*/probe_source = 127.0.0.9 ::1/' '$RELAYWATCH_CONF' &&
     printf 'mainlog = %s\nptr_lookup = no\n' '$d/log/mainlog' >> '$RELAYWATCH_CONF'"
step "(umask 077; openssl rand -hex 32 > /etc/relaywatch/key)"
step "chown relaywatch /etc/relaywatch/key"
step "su -s /bin/sh relaywatch -c 'relaywatch-db compile'"
# Customer networks (the test's: loopback; the smart host excluded)
step "printf '192.0.2.0/24\n2001:db8::/32\n' > /etc/relaywatch/netblocks" \
    "printf '127.0.0.0/8\n::1/128\n' > '$R/etc/relaywatch/netblocks'"
step "printf '192.0.2.1\n' > /etc/relaywatch/exclude" \
    "printf '127.0.0.1\n' > '$R/etc/relaywatch/exclude'"
step "su -s /bin/sh relaywatch -c 'relaywatch-db check'"
# Exim
step "relaywatch-db exim-macros > /etc/exim4/relaywatch.macros"
cwd=$R/usr/local/share/relaywatch/exim4
step "cd /usr/local/share/relaywatch/exim4" "true"
step "cp 35_relaywatch /etc/exim4/conf.d/acl/"
step "cp 05_relaywatch /etc/exim4/conf.d/router/"
step "cp 30_relaywatch /etc/exim4/conf.d/transport/"
step "cp 20_relaywatch /etc/exim4/conf.d/retry/"
cwd=
# (the tester's: the first of the two, INSTALL's)
step "cat >> /etc/exim4/conf.d/main/00_local_macros <<'EOF'" \
    "sed -n '/^    cat >> \/etc\/exim4\/conf.d\/main\/00_local_macros/,/^    EOF/p' '$BOOK' |
     sed '/^    EOF/q' | sed -e '1d' -e '\$d' -e 's/^    //' | map > '$TMP/macros.install' &&
     printf '%s\n' 'SPOOLDIR = $d/spool' 'MAIN_LOCAL_INTERFACES = <; 127.0.0.1' \
        'MAIN_LOCAL_DOMAINS = isp.example' 'MAIN_RELAY_NETS = <; 127.0.0.0/8' \
        'log_file_path = $d/log/%slog' 'pid_file_path = $d/exim.pid' \
        'daemon_smtp_ports = $port' \
        'RELAYWATCH_PROBE_PORT = $PC' 'RELAYWATCH_PROBE_TO_SELF = yes' > /etc/exim4/conf.d/main/00_local_macros &&
     cat '$TMP/macros.install' >> /etc/exim4/conf.d/main/00_local_macros"
# (the daemon on the configuration update-exim4.conf wrote, as Debian's
# init script starts it; its pid file is the test's)
step "update-exim4.conf && service exim4 restart    # or systemctl restart exim4" \
    "update-exim4.conf && '$EXIM' -bd -q10s"
at_exit "exim_stop '$d'"
wait_for "[ -s '$d/exim.pid' ] && ss -ltn | grep -q '[:.]$port '" 10
ok $? "  Exim listens on port $port" || diag "$(cat "$d/log/paniclog" 2>/dev/null)"
step "exim -bV                                  # the configuration parses"
rcpt() {
	swaks --server 127.0.0.1 --port "$port" --local-interface "$1" \
	    --from a@client.test --to b@remote.test --quit-after RCPT \
	    --timeout 20 2>&1 | awk '
		/^ *-> RCPT TO/ { r = 1; next }
		r && /^<[-~*]* +[0-9][0-9][0-9] / { sub(/^<[-~*]* +/, ""); print substr($0, 1, 3); exit }'
}
step 'echo "192.0.2.1 BLOCK $(date +%s) why=manual" | relaywatch-db apply' \
    'echo "127.0.0.5 BLOCK $(date +%s) why=manual" | relaywatch-db apply'
step "swaks --server smarthost --from you@isp.example --to someone@example.org" \
    '[ "$(rcpt 127.0.0.5)" = 550 ]'
step 'relaywatch-db unblock -w "installation test" 192.0.2.1' \
    'relaywatch-db unblock -w "installation test" 127.0.0.5 && [ "$(rcpt 127.0.0.5)" = 250 ]'
# Running it (Exim's log as Debian keeps it: group adm)
chgrp adm "$d/log/mainlog" && chmod 640 "$d/log/mainlog"
step "cp /usr/local/share/relaywatch/cron/relaywatch /etc/cron.d/"
step "cp /usr/local/share/relaywatch/logrotate/relaywatch /etc/logrotate.d/"
step "su -s /bin/sh relaywatch -c 'relaywatch-db check'"
step "cp /usr/local/share/relaywatch/init.d/relaywatch /etc/init.d/"
step "update-rc.d relaywatch defaults" "sh -n '$R/etc/init.d/relaywatch'"
# (the script's pid file in the private root; Exim's log readable by adm)
step "service relaywatch start" \
    "sed -i -e 's|^PIDFILE=/run/|PIDFILE=$R/run/|' \
        -e 's|/etc/default/relaywatch|$R/etc/default/relaywatch|g' '$R/etc/init.d/relaywatch' &&
     mkdir -p '$R/etc/default' &&
     printf 'RELAYWATCH_CONF=%s\nOUTPUT=%s\n' '$RELAYWATCH_CONF' '$TMP/relaywatch.log' > '$R/etc/default/relaywatch' &&
     '$R/etc/init.d/relaywatch' start"
at_exit "'$R/etc/init.d/relaywatch' stop"
sleep 1
wait_for "grep -qs 'started: following' '$TMP/relaywatch.log'" 10
ok $? "the supervisor started the sysvinit way, as relaywatch" || diag "$(cat "$TMP/relaywatch.log" 2>/dev/null)"
is "$(ps -o user= -p "$(cat "$R/run/relaywatch.pid" 2>/dev/null)" 2>/dev/null)" relaywatch "  running as relaywatch"
pid=$(cat "$R/run/relaywatch.pid")
"$R/etc/init.d/relaywatch" start > "$TMP/start2.out" 2>&1
is "$?:$(cat "$R/run/relaywatch.pid")" "0:$pid" "  service relaywatch start while it runs: 0 (LSB), the same supervisor" ||
    diag "$(cat "$TMP/start2.out")"

# The job: an open relay sends through the smart host (two messages of
# its users: their domain is told at the second, and the host is tested
# at once), is probed, relays the probe back and is refused at its next
# message.
state() {	# the open relay's last state line
	awk '$1 == "127.0.0.7" { l = $0 } END { print l }' "$R/var/lib/relaywatch/state"
}
for to in b@remote.test c@remote.test; do
	swaks --server 127.0.0.1 --port "$port" --local-interface 127.0.0.7 \
	    --from a@client.test --to "$to" --timeout 20 --hide-all
done
wait_for 'state | grep -q " BLOCK .*why=relayed"' 30
ok $? "the open relay, probed by the supervisor: BLOCK" ||
    diag "$(state)" "$(cat "$TMP/relaywatch.log")" "$(grep -v -e frozen -e 'queue run' -e 'lost privilege' "$d/log/mainlog" | tail -n 30)"
is "$(rcpt 127.0.0.7)" 550 "  its next message: 550"
# Fixed: it refuses to relay now.
sed -i 's/^  accept$/  deny message = relay not permitted/' "$TMP/relay/exim.conf"
exim_stop "$TMP/relay" && sleep 0.5 && exim_start "$TMP/relay" "$PC"
# logrotate, on the installed file (its path in the private root), while
# relaywatch runs: the probes so far in probes.1, the retest's in a new
# probes, both relaywatch's and private.
# (The supervisor's OUTPUT is the test's; rsyslog-rotate, which tells
# the system's rsyslogd, tells the test's.)
logrotate_conf() {
	sed -e "s|/var/lib/relaywatch|$R/var/lib/relaywatch|" \
	    -e "s|/var/log/relaywatch\.log|$TMP/relaywatch.log|" \
	    -e "s|/var/log/relaywatch/|$R/var/log/relaywatch/|" \
	    -e "s|/usr/lib/rsyslog/rsyslog-rotate|kill -HUP \$(cat '$TMP/rs-tester.pid')|" \
	    "$R/etc/logrotate.d/relaywatch" > "$TMP/logrotate.conf"
}
logrotate_conf
logrotate -f -s "$TMP/logrotate.state" "$TMP/logrotate.conf" > "$TMP/logrotate.out" 2>&1
ok $? "logrotate with the installed file" || diag "$(cat "$TMP/logrotate.out")"
is "$(grep -c '^127\.0\.0\.7 ' "$R/var/lib/relaywatch/probes.1")" 4 "  the open relay's probes in probes.1 (four forms: its users' domain known)"
grep -q 'started: following' "$TMP/relaywatch.log.1"
ok $? "  the supervisor's own log (sysvinit's OUTPUT) in relaywatch.log.1"
step 'relaywatch-db retest -w "fixed, ticket 4711" 192.0.2.7' \
    'relaywatch-db retest -w "fixed, ticket 4711" 127.0.0.7'
step 'relaywatch-db show 192.0.2.7     # BLOCK ..., retest requested' \
    'relaywatch-db show 127.0.0.7 | head -n 1 | grep -q "^127.0.0.7: BLOCK since .*(relayed), retest requested$"'
is "$(rcpt 127.0.0.7)" 550 "  the BLOCK stands until the retest's answer"
wait_for 'state | grep -q " OK .*why=refused"' 45
ok $? "retested on the operator's request: OK, refused" ||
    diag "$(state)" "$(cat "$TMP/relaywatch.log")" "$(grep -v -e frozen -e 'queue run' -e 'lost privilege' "$d/log/mainlog" | tail -n 30)"
is "$(grep -c '^127\.0\.0\.7 ' "$R/var/lib/relaywatch/probes")" 3 "  the retest's probes in a new probes file"
is "$(stat -c '%U %a' "$R/var/lib/relaywatch/probes" "$R/var/lib/relaywatch/probes.1" | sort -u)" "relaywatch 600" \
    "  both relaywatch's, private"
is "$(rcpt 127.0.0.7)" 250 "  accepted again at its next message, nothing compiled by hand"

# Several smart hosts.  The second smart host first, as it ran before
# relaywatch: Debian's configuration, its own addresses and files.
S2=$(exim_setup sh2)
port2=$(free_port 22)
in_sh2() {	# in_sh2 COMMAND: COMMAND where /etc/exim4 is smart host 2's
	unshare -m --propagation private sh -c "mount --bind '$TMP/etc2' /etc/exim4 &&
	    mount --bind '$TMP/var-lib-exim4-2' /var/lib/exim4 && $1"
}
printf '%s\n' "SPOOLDIR = $S2/spool" 'MAIN_LOCAL_INTERFACES = <; 127.0.0.12' \
    'MAIN_LOCAL_DOMAINS = isp.example' 'MAIN_RELAY_NETS = <; 127.0.0.0/8' \
    "log_file_path = $S2/log/%slog" "pid_file_path = $S2/exim.pid" \
    "daemon_smtp_ports = $port2" > "$TMP/etc2/conf.d/main/00_local_macros"
sh2_start() {
	in_sh2 "update-exim4.conf && '$EXIM' -bd" > "$TMP/sh2.out" 2>&1 &&
	    wait_for "[ -s '$S2/exim.pid' ] && ss -ltn | grep -q '127.0.0.12:$port2 '" 10
}
at_exit "exim_stop '$S2'"
sh2_start
ok $? "smart host 2 (127.0.0.12), Debian's Exim on its own /etc/exim4" ||
    diag "$(cat "$TMP/sh2.out" "$S2/log/paniclog" 2>/dev/null)"

# Our own hosts first: listed, never blamed, and the check says so.
step "printf '%s\\n' 192.0.2.2 192.0.2.3 > /etc/relaywatch/own_hosts"
is "$(cat "$R/etc/relaywatch/own_hosts")" "192.0.2.2
192.0.2.3" "  own_hosts: one address a line"
step "su -s /bin/sh relaywatch -c 'relaywatch-db check'"
like "$(cat "$TMP/step.out")" "2 of our own hosts" "  and relaywatch-db check counts them"

# Arrivals by RELP.  Each rsyslogd here is the system's with a main
# configuration of the test's own (no /dev/log, its own work
# directory) that includes its host's /etc/rsyslog.d; the snippets'
# paths and the addresses are this test's (sed), as INSTALL asks the
# postmaster to put in theirs.
step "apt-get install rsyslog-relp" "dpkg -s rsyslog-relp > /dev/null  # make deps installed it"
LP=$(free_port 23)
mkdir -p "$TMP/sh2-rsyslog.d" "$R/etc/rsyslog.d"
rsyslog_restart() {	# rsyslog_restart NAME RSYSLOG.D: as systemctl restart
	[ -s "$TMP/rs-$1.pid" ] && kill "$(cat "$TMP/rs-$1.pid")" 2>/dev/null &&
	    wait_for "[ ! -e '$TMP/rs-$1.pid' ]" 10
	mkdir -p "$TMP/rs-$1.work"
	printf '%s\n' "global(workDirectory=\"$TMP/rs-$1.work\")" \
	    'module(load="imuxsock" SysSock.Use="off")' \
	    "include(file=\"$2/*.conf\")" > "$TMP/rs-$1.conf"
	rsyslogd -N1 -f "$TMP/rs-$1.conf" &&
	    rsyslogd -f "$TMP/rs-$1.conf" -i "$TMP/rs-$1.pid" &&
	    wait_for "[ -s '$TMP/rs-$1.pid' ]" 10
}
at_exit "[ -s '$TMP/rs-sh2.pid' ] && kill \$(cat '$TMP/rs-sh2.pid')"
at_exit "[ -s '$TMP/rs-tester.pid' ] && kill \$(cat '$TMP/rs-tester.pid')"
step "scp tester.isp.example:/usr/local/share/relaywatch/rsyslog/relaywatch-smarthost.conf /etc/rsyslog.d/30-relaywatch-smarthost.conf" \
    "sed -e 's|/var/log/exim4/mainlog|$S2/log/mainlog|' \
        -e 's|Target=\"tester.isp.example\" Port=\"2514\"|Target=\"127.0.0.1\" Port=\"$LP\" LocalClientIp=\"127.0.0.12\"|' \
        '$R/usr/local/share/relaywatch/rsyslog/relaywatch-smarthost.conf' > '$TMP/sh2-rsyslog.d/30-relaywatch-smarthost.conf' &&
     grep -q 'Port=\"$LP\"' '$TMP/sh2-rsyslog.d/30-relaywatch-smarthost.conf'"
: > "$S2/log/mainlog"
chown "$EXIM_USER:" "$S2/log/mainlog"
step "systemctl restart rsyslog     # without systemd: service rsyslog restart" \
    "rsyslog_restart sh2 '$TMP/sh2-rsyslog.d'"
mkdir -p "$R/var/log"
step "install -d -o root -g adm -m 750 /var/log/relaywatch"
step "cp /usr/local/share/relaywatch/rsyslog/relaywatch.conf /etc/rsyslog.d/30-relaywatch.conf" \
    "sed -e 's|/var/log/exim4/mainlog|$d/log/mainlog|' -e 's|/var/log/relaywatch/|$R/var/log/relaywatch/|' \
        '$R/usr/local/share/relaywatch/rsyslog/relaywatch.conf' > '$R/etc/rsyslog.d/30-relaywatch.conf'"
step "cp /usr/local/share/relaywatch/rsyslog/relaywatch-tester.conf /etc/rsyslog.d/31-relaywatch-tester.conf" \
    "sed -e 's|Port=\"2514\"|Port=\"$LP\" Address=\"127.0.0.1\"|' \
        -e 's|\\[\"192.0.2.2\", \"192.0.2.3\"\\]|[\"127.0.0.12\"]|' \
        '$R/usr/local/share/relaywatch/rsyslog/relaywatch-tester.conf' > '$R/etc/rsyslog.d/31-relaywatch-tester.conf' &&
     grep -q '\"127.0.0.12\"' '$R/etc/rsyslog.d/31-relaywatch-tester.conf'"
step "systemctl restart rsyslog     # without systemd: service rsyslog restart" \
    "rsyslog_restart tester '$R/etc/rsyslog.d' && wait_for \"ss -ltn | grep -q '127.0.0.1:$LP '\" 10"
step "mainlog = /var/log/relaywatch/exim.log" \
    "sed -i '/^mainlog = /d' '$RELAYWATCH_CONF' &&
     printf '%s\n' 'mainlog = $R/var/log/relaywatch/exim.log' >> '$RELAYWATCH_CONF'"
step "service relaywatch restart" "'$R/etc/init.d/relaywatch' restart"
wait_for "grep -qs 'following $R/var/log/relaywatch/exim.log' '$TMP/relaywatch.log'" 10
ok $? "  relaywatch follows the tester's rsyslog file" || diag "$(tail -n 5 "$TMP/relaywatch.log")"
is "$(stat -c '%U %G %a' "$R/var/log/relaywatch")" "root adm 750" "  its directory: root's, group adm"
# A customer sends through smart host 2 only (two messages: tested at
# once, as above), another through the tester: the arrivals reach
# relaywatch, each tagged with the host that wrote it.
for to in b@remote.test c@remote.test; do
	swaks --server 127.0.0.12 --port "$port2" --local-interface 127.0.0.8 \
	    --from a@client.test --to "$to" --timeout 20 --hide-all
done
swaks --server 127.0.0.1 --port "$port" --local-interface 127.0.0.10 \
    --from a@client.test --to b@remote.test --timeout 20 --hide-all
wait_for "grep -q ' 127.0.0.12 exim: .* <= a@client.test .*\\[127.0.0.8\\]' '$R/var/log/relaywatch/exim.log' &&
    grep -q ' local exim: .* <= a@client.test .*\\[127.0.0.10\\]' '$R/var/log/relaywatch/exim.log'" 20
ok $? "  smart host 2's arrival and the tester's own in the file, by the host that wrote each" ||
    diag "$(tail -n 5 "$R/var/log/relaywatch/exim.log" 2>&1)" "$(cat "$TMP/rs-sh2.work"/* 2>/dev/null | head -n 3)"
is "$(stat -c '%U %G %a' "$R/var/log/relaywatch/exim.log")" "root adm 640" "  the file: root's, readable by adm"
wait_for "awk '\$1 == \"127.0.0.8\"' '$R/var/lib/relaywatch/state' | grep -q ." 30
ok $? "  relaywatch tests the customer that sent through smart host 2 only" ||
    diag "$(tail -n 5 "$R/var/lib/relaywatch/state")" "$(tail -n 5 "$TMP/relaywatch.log")"
# The file rotated by the installed logrotate file: rsyslog writes a new
# one, and relaywatch follows it.
logrotate_conf
logrotate -f -s "$TMP/logrotate.state" "$TMP/logrotate.conf" > "$TMP/logrotate.out" 2>&1
ok $? "logrotate: the tester's rsyslog file too" || diag "$(cat "$TMP/logrotate.out")"
for to in b@remote.test c@remote.test; do
	swaks --server 127.0.0.12 --port "$port2" --local-interface 127.0.0.21 \
	    --from a@client.test --to "$to" --timeout 20 --hide-all
done
wait_for "grep -q '\\[127.0.0.21\\]' '$R/var/log/relaywatch/exim.log' &&
    awk '\$1 == \"127.0.0.21\"' '$R/var/lib/relaywatch/state' | grep -q ." 30
ok $? "  the next arrival in the new file, and relaywatch tests that host" ||
    diag "$(ls -l "$R/var/log/relaywatch")" "$(tail -n 5 "$TMP/relaywatch.log")"
is "$(stat -c '%U %G %a' "$R/var/log/relaywatch/exim.log")" "root adm 640" "  the new file: root's, readable by adm"

# BLOCKs by DNS: the tester's part.
for l in "dnsbl_data = /var/lib/relaywatch/dnsbl/relaywatch" \
    "dnsbl_zone = relays.isp.example"; do
	step "$l" "printf '%s\n' '$(printf '%s\n' "$l" | map)' >> '$RELAYWATCH_CONF'"
done
step "install -d -o relaywatch -g relaywatch -m 755 /var/lib/relaywatch/dnsbl"
step "su -s /bin/sh relaywatch -c 'relaywatch-db compile'"
is "$(stat -c '%U %a' "$R/var/lib/relaywatch/dnsbl/relaywatch" 2>&1)" "relaywatch 644" \
    "  rbldnsd's file: relaywatch's, readable by rbldnsd"
step "relaywatch-db exim-macros > /etc/exim4/relaywatch.macros"
like "$(cat /etc/exim4/relaywatch.macros)" "^RELAYWATCH_DNSBL_ZONE = relays.isp.example$" "  the macros name the zone"
# rbldnsd as /etc/default/rbldnsd has it ("-": no user change; the
# address this test's), in the foreground.
rbl=$(sed -n 's/^    RBLDNSD="- \(.*\)"$/\1/p' "$BOOK")
step "RBLDNSD=\"- $rbl\"" \
    "rbldnsd -n $(printf '%s\n' "$rbl" | map | sed 's|-b 192.0.2.53|-b 127.0.0.1/53|') > '$TMP/rbldnsd.out' 2>&1 &
     echo \$! > '$TMP/rbldnsd.pid'
     wait_for \"ss -lun | grep -q '127.0.0.1:53 '\" 10"
at_exit "kill \$(cat '$TMP/rbldnsd.pid')"

# The second smart host's RCPT check.  Its /usr/local is the tester's
# here: the pieces INSTALL copies to the same path are there already.
step "install -d /usr/local/share/relaywatch/exim4" "[ -d '$R/usr/local/share/relaywatch/exim4' ]"
step "scp 'tester.isp.example:/usr/local/share/relaywatch/exim4/relaywatch-*' /usr/local/share/relaywatch/exim4/" \
    "ls '$R/usr/local/share/relaywatch/exim4/'relaywatch-* > /dev/null"
step "scp tester.isp.example:/usr/local/share/relaywatch/exim4/35_relaywatch /etc/exim4/conf.d/acl/" \
    "cp '$R/usr/local/share/relaywatch/exim4/35_relaywatch' '$TMP/etc2/conf.d/acl/'"
step "scp tester.isp.example:/etc/exim4/relaywatch.macros /etc/exim4/" \
    "cp /etc/exim4/relaywatch.macros '$TMP/etc2/'"
step "cat >> /etc/exim4/conf.d/main/00_local_macros <<'EOF'" \
    "sed -n '/^    cat >> \/etc\/exim4\/conf.d\/main\/00_local_macros/,/^    EOF/p' '$BOOK' |
     awk '/^    cat >>/ { n++ } n == 2' | sed '/^    EOF/q' | sed -e '1d' -e '\$d' -e 's/^    //' | map \
        >> '$TMP/etc2/conf.d/main/00_local_macros' &&
     grep -q '^RELAYWATCH_NO_CDB = yes' '$TMP/etc2/conf.d/main/00_local_macros'"
step "update-exim4.conf && service exim4 restart    # or systemctl restart exim4" \
    "exim_stop '$S2' && sh2_start"
srcp2() {	# srcp2 SOURCE: smart host 2's answer to RCPT from SOURCE
	swaks --server 127.0.0.12 --port "$port2" --local-interface "$1" \
	    --from a@client.test --to b@remote.test --quit-after RCPT \
	    --timeout 20 2>&1 | awk '
		/^ *-> RCPT TO/ { r = 1; next }
		r && /^<[-~*]* +[0-9][0-9][0-9] / { sub(/^<[-~*]* +/, ""); print substr($0, 1, 3); exit }'
}
echo "127.0.0.66 BLOCK $(date +%s) why=relayed" | su -s /bin/sh relaywatch -c 'relaywatch-db apply' > /dev/null
wait_for '[ "$(srcp2 127.0.0.66)" = 550 ]' 15
ok $? "  smart host 2 refuses a BLOCK by DNS (rbldnsd, dnslists)" ||
    diag "$(grep -v -e 'lost privilege' "$S2/log/mainlog" | tail -n 5)" "$(cat "$TMP/rbldnsd.out")"
is "$(srcp2 127.0.0.67)" 250 "  and accepts a host not blocked"
su -s /bin/sh relaywatch -c 'relaywatch-db unblock -w test 127.0.0.66' > /dev/null

# Or by file: the cron line's command, as relaywatch, into a directory
# that stands for smart host 2's /var/lib/relaywatch.
install -d -o relaywatch -g relaywatch "$TMP/sh2-state"
cronline=$(sed -n 's/^    \* \* \* \* \* relaywatch \(cd \/var\/lib\/relaywatch .*rsync.*\)$/\1/p' "$BOOK")
step "* * * * * relaywatch $cronline" \
    "su -s /bin/sh relaywatch -c '$(printf '%s\n' "$cronline" | sed "s|smarthost2:/var/lib/relaywatch/|$TMP/sh2-state/|" | map)' &&
     cmp '$R/var/lib/relaywatch/state.cdb' '$TMP/sh2-state/state.cdb' &&
     cmp '$R/var/lib/relaywatch/recent.cdb' '$TMP/sh2-state/recent.cdb' &&
     cmp '$R/var/lib/relaywatch/cdb.serial' '$TMP/sh2-state/cdb.serial' &&
     [ \"\$(ls '$TMP/sh2-state/cdb.serial.d')\" = \"\$(ls '$R/var/lib/relaywatch/cdb.serial.d')\" ]"

# The cron file's commands, as cron runs them (its user, its PATH).
cronpath=$(sed -n 's/^PATH=//p' "$R/etc/cron.d/relaywatch")
grep -v -e '^#' -e '^PATH=' -e '^$' "$R/etc/cron.d/relaywatch" | cut -f3- > "$TMP/cron.cmds"
while IFS= read -r c; do
	su -s /bin/sh relaywatch -c "PATH='$cronpath'; RELAYWATCH_CONF='$RELAYWATCH_CONF'; export RELAYWATCH_CONF; $c" > "$TMP/cron.out" 2>&1 < /dev/null
	ok $? "cron, as relaywatch: $c" || diag "$(cat "$TMP/cron.out")"
done < "$TMP/cron.cmds"

# Root's commands left nothing the service user cannot write; the
# configuration is root's, in a directory only root writes.
is "$(find "$R/var/lib/relaywatch" -mindepth 1 ! -user relaywatch -printf '%p %u\n')" "" \
    "no file in the state directory (blocked.nets included) owned by anyone but relaywatch"
is "$(find "$R/etc/relaywatch" ! -user root ! -path "$R/etc/relaywatch/key" -printf '%p %u\n')$(find "$R/etc/relaywatch" -perm /022 -printf '%p %m\n')" "" \
    "/etc/relaywatch and the configuration: root's, writable by root only; the key relaywatch's"
"$R/etc/init.d/relaywatch" stop > /dev/null 2>&1
ok $? "service relaywatch stop"

# The steps stand in INSTALL in this order.
n=0 bad=
while IFS= read -r line; do
	k=$(grep -nF -- "    $line" "$BOOK" | cut -d: -f1 | awk -v n="$n" '$1 > n' | head -1)
	if [ -z "$k" ]; then bad="$bad
$line"; else n=$k; fi
done < "$TMP/steps"
is "$bad" "" "every step stands in INSTALL, in this order"
# Every command INSTALL gives is run here or set aside.
grep -E '^    (make|adduser|install|su|cp|cat|update-exim4.conf|update-rc.d|service|systemctl|journalctl|relaywatch|exim|echo|swaks|printf|\(umask|chown|tail|cd|grep) ' "$BOOK" |
    sed 's/^    //' | sort -u > "$TMP/install.cmds"
cat "$TMP/steps" "$TMP/aside" | sort -u > "$TMP/known"
is "$(comm -23 "$TMP/install.cmds" "$TMP/known")" "" "every command in INSTALL is run here or set aside"
done_testing

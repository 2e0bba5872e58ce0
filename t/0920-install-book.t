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
. "$(dirname "$0")/lib.sh"
. "$T/exim.sh"
need_exim
need update-exim4.conf start-stop-daemon adduser procmail formail unshare logrotate
[ -d /etc/exim4/conf.d ] || skip_all "no /etc/exim4/conf.d (exim4-config)"
own_namespace

R=$TMP/root
mkdir -p "$R/etc/cron.d" "$R/etc/init.d" "$R/etc/logrotate.d" "$R/run"
chmod 755 "$TMP" "$R"
PATH=$R/usr/local/bin:$R/usr/local/sbin:$PATH
RELAYWATCH_CONF=$R/etc/relaywatch/relaywatch.conf
export PATH RELAYWATCH_CONF
[ -d /var/lib/exim4 ] || skip_all "no /var/lib/exim4 (exim4-base)"
debian_copy true
mkdir "$TMP/var-lib-exim4"
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

# Not run here, and why (the rsyslog lines and the other smart hosts' of
# "Several smart hosts": in
# t/0480-farm.t, with the snippets these lines install).
cat > "$TMP/aside" <<'ASIDE'
make check                 # optional; as root it runs a private Exim
make install DESTDIR=/tmp/pkg PREFIX=/usr
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
relaywatch-db unblock -w "checked by hand, ticket 4711" 192.0.2.7
apt-get install rsyslog-relp
scp tester.isp.example:/usr/local/share/relaywatch/rsyslog/relaywatch-smarthost.conf /etc/rsyslog.d/30-relaywatch-smarthost.conf
systemctl restart rsyslog     # without systemd: service rsyslog restart
install -d -o root -g adm -m 750 /var/log/relaywatch
cp /usr/local/share/relaywatch/rsyslog/relaywatch.conf /etc/rsyslog.d/30-relaywatch.conf
cp /usr/local/share/relaywatch/rsyslog/relaywatch-tester.conf /etc/rsyslog.d/31-relaywatch-tester.conf
service relaywatch restart
install -d /usr/local/share/relaywatch/exim4
scp 'tester.isp.example:/usr/local/share/relaywatch/exim4/relaywatch-*' /usr/local/share/relaywatch/exim4/
scp tester.isp.example:/usr/local/share/relaywatch/exim4/35_relaywatch /etc/exim4/conf.d/acl/
scp tester.isp.example:/etc/exim4/relaywatch.macros /etc/exim4/
ASIDE

created_user=
id relaywatch >/dev/null 2>&1 || created_user=yes
[ -n "$created_user" ] && at_exit "deluser --system relaywatch"

# Building and installing
step "make" "make -s -C '$TOP'"
step "make install               # PREFIX=/usr/local by default" \
    "make -s -C '$TOP' install PREFIX='$R/usr/local' SYSCONFDIR='$R/etc'"
# The user and its directories
step "adduser --system --group --home /var/lib/relaywatch relaywatch"
step "install -d -o relaywatch -g relaywatch -m 755 /var/lib/relaywatch"
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
# (the tester's: the first of INSTALL's two)
step "cat >> /etc/exim4/conf.d/main/00_local_macros <<'EOF'" \
    "sed -n '/^    cat >> \/etc\/exim4\/conf.d\/main\/00_local_macros/,/^    EOF/p' '$TOP/INSTALL' |
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
chgrp adm "$d/log" "$d/log/mainlog" && chmod 750 "$d/log" && chmod 640 "$d/log/mainlog"
step "adduser relaywatch adm"
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
sed "s|/var/lib/relaywatch|$R/var/lib/relaywatch|" "$R/etc/logrotate.d/relaywatch" > "$TMP/logrotate.conf"
logrotate -f -s "$TMP/logrotate.state" "$TMP/logrotate.conf" > "$TMP/logrotate.out" 2>&1
ok $? "logrotate with the installed file" || diag "$(cat "$TMP/logrotate.out")"
is "$(grep -c '^127\.0\.0\.7 ' "$R/var/lib/relaywatch/probes.1")" 4 "  the open relay's probes in probes.1 (four forms: its users' domain known)"
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

# Several smart hosts, the tester's part: the DNS form's file and the
# macros that name its zone; rbldnsd reads the file as INSTALL has it
# (-d: the zone dumped, as rbldnsd would serve it).  The other hosts'
# part (rsyslog both ends, rbldnsd answering, dnslists, rsync) runs in
# t/0480-farm.t.
# Our own hosts first: listed, never blamed, and the check says so.
step "printf '%s\\n' 192.0.2.2 192.0.2.3 > /etc/relaywatch/own_hosts"
is "$(cat "$R/etc/relaywatch/own_hosts")" "192.0.2.2
192.0.2.3" "  own_hosts: one address a line"
step "su -s /bin/sh relaywatch -c 'relaywatch-db check'"
like "$(cat "$TMP/step.out")" "2 of our own hosts" "  and relaywatch-db check counts them"
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
rbl=$(sed -n 's/^    RBLDNSD="- \(.*\)"$/\1/p' "$TOP/INSTALL")
step "RBLDNSD=\"- $rbl\"" \
    "echo '127.0.0.66 BLOCK $(date +%s) why=relayed' | su -s /bin/sh relaywatch -c 'relaywatch-db apply' &&
     rbldnsd -d -w '$R/var/lib/relaywatch/dnsbl' $(printf '%s\n' "$rbl" | sed 's/^.* -c 1 //') > '$TMP/zone' &&
     grep -q '^66.0.0.127[[:space:]].*A[[:space:]]*127.0.0.2' '$TMP/zone' &&
     su -s /bin/sh relaywatch -c 'relaywatch-db unblock -w test 127.0.0.66'"

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
	k=$(grep -nF -- "    $line" "$TOP/INSTALL" | cut -d: -f1 | awk -v n="$n" '$1 > n' | head -1)
	if [ -z "$k" ]; then bad="$bad
$line"; else n=$k; fi
done < "$TMP/steps"
is "$bad" "" "every step stands in INSTALL, in this order"
# Every command INSTALL gives is run here or set aside.
grep -E '^    (make|adduser|install|su|cp|cat|update-exim4.conf|update-rc.d|service|systemctl|journalctl|relaywatch|exim|echo|swaks|printf|\(umask|chown|tail|cd|grep) ' "$TOP/INSTALL" |
    sed 's/^    //' | sort -u > "$TMP/install.cmds"
cat "$TMP/steps" "$TMP/aside" | sort -u > "$TMP/known"
is "$(comm -23 "$TMP/install.cmds" "$TMP/known")" "" "every command in INSTALL is run here or set aside"
done_testing

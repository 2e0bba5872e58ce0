#!/bin/sh
# make deps installs what only the tests need with t/deps.sh -i: nothing
# it installs is started or left enabled at boot.  A package of the
# test's own (a service that listens on loopback, with an init script
# and a systemd unit, whose postinst enables and starts it as Debian's
# do) is installed with apt-get the way deps.sh installs, first without
# -i (it listens, and is enabled), then with -i (neither), and purged.
. "$(dirname "$0")/lib.sh"
. "$T/exim.sh"
[ "$(id -u)" = 0 ] || skip_all "installs a package: needs root"
need dpkg-deb dpkg-query apt-get update-rc.d invoke-rc.d perl ss

P=relaywatch-test-inert
dpkg-query -W "$P" > /dev/null 2>&1 && skip_all "$P is installed already"
port=$(free_port 50)
d=$TMP/pkg
mkdir -p "$d/DEBIAN" "$d/etc/init.d" "$d/lib/systemd/system" "$d/usr/sbin"
cat > "$d/DEBIAN/control" <<CONF
Package: $P
Version: 1
Architecture: all
Maintainer: relaywatch tests <root@localhost>
Description: relaywatch's test of an inert install
 A daemon that listens on 127.0.0.1:$port.
CONF
cat > "$d/usr/sbin/$P" <<SCRIPT
#!/usr/bin/perl
use IO::Socket::INET;
IO::Socket::INET->new(LocalAddr => "127.0.0.1:$port", Listen => 1, ReuseAddr => 1) or die;
sleep 600;
SCRIPT
cat > "$d/etc/init.d/$P" <<SCRIPT
#!/bin/sh
### BEGIN INIT INFO
# Provides:          $P
# Required-Start:    \$local_fs
# Required-Stop:     \$local_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: relaywatch's test of an inert install
### END INIT INFO
case \$1 in
start)	start-stop-daemon --start --background --make-pidfile --pidfile /run/$P.pid --exec /usr/sbin/$P ;;
stop)	start-stop-daemon --stop --oknodo --remove-pidfile --pidfile /run/$P.pid ;;
esac
SCRIPT
cat > "$d/lib/systemd/system/$P.service" <<UNIT
[Unit]
Description=relaywatch's test of an inert install
[Service]
ExecStart=/usr/sbin/$P
[Install]
WantedBy=multi-user.target
UNIT
cat > "$d/DEBIAN/postinst" <<SCRIPT
#!/bin/sh
set -e
if [ "\$1" = configure ]; then
	if [ -x /usr/bin/deb-systemd-helper ]; then
		deb-systemd-helper enable $P.service > /dev/null || true
	fi
	update-rc.d $P defaults > /dev/null
	invoke-rc.d $P start || true
fi
SCRIPT
cat > "$d/DEBIAN/prerm" <<SCRIPT
#!/bin/sh
invoke-rc.d --skip-systemd-native $P stop 2>/dev/null || /etc/init.d/$P stop
[ -d /run/systemd/system ] && systemctl stop $P.service
exit 0
SCRIPT
cat > "$d/DEBIAN/postrm" <<SCRIPT
#!/bin/sh
if [ "\$1" = purge ]; then
	update-rc.d $P remove > /dev/null
	[ -x /usr/bin/deb-systemd-helper ] && deb-systemd-helper purge $P.service > /dev/null
fi
exit 0
SCRIPT
chmod 755 "$d/DEBIAN/postinst" "$d/DEBIAN/prerm" "$d/DEBIAN/postrm" \
    "$d/etc/init.d/$P" "$d/usr/sbin/$P"
dpkg-deb --root-owner-group --build "$d" "$TMP/$P.deb" > /dev/null
ok $? "a package that starts and enables a service, as Debian's do"
at_exit "dpkg --purge $P > /dev/null 2>&1; [ -s /run/$P.pid ] && kill \$(cat /run/$P.pid) 2>/dev/null"

listens() { ss -ltn | grep -q "127.0.0.1:$port "; }
enabled() {
	ls /etc/rc2.d 2>/dev/null | grep -q "^S[0-9][0-9]$P\$" && return 0
	command -v systemctl > /dev/null &&
	    [ "$(systemctl is-enabled "$P.service" 2>/dev/null)" = enabled ]
}
policy_before=$(cat /usr/sbin/policy-rc.d 2>/dev/null)

# Without -i, as apt-get alone would: started and enabled (unless this
# machine's own policy-rc.d forbids starting).
sh "$T/deps.sh" "$TMP/$P.deb" > "$TMP/plain.out" 2>&1
ok $? "deps.sh without -i installs it" || diag "$(tail -n 5 "$TMP/plain.out")"
enabled
ok $? "  enabled at boot"
if [ -z "$policy_before" ]; then
	wait_for listens 10
	ok $? "  and listening"
else
	diag "(this machine's own policy-rc.d forbids starting services: not started)"
fi
dpkg --purge "$P" > /dev/null 2>&1
wait_for '! listens' 10

# With -i, as make deps installs what only the tests need.
sh "$T/deps.sh" -i "$TMP/$P.deb" > "$TMP/inert.out" 2>&1
ok $? "deps.sh -i installs it" || diag "$(tail -n 5 "$TMP/inert.out")"
is "$(dpkg-query -W -f='${Status}' "$P" 2>&1)" "install ok installed" "  installed"
sleep 1
listens
ok $((! $?)) "  not started: nothing listens on 127.0.0.1:$port"
enabled
ok $((! $?)) "  not enabled at boot" || diag "$(ls /etc/rc2.d | grep "$P")"
like "$(cat "$TMP/inert.out")" "$P: installed for the tests; not enabled at boot" "  and it says so"
is "$(cat /usr/sbin/policy-rc.d 2>/dev/null)" "$policy_before" "  the machine's policy-rc.d as it was"

done_testing

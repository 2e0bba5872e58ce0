#!/bin/sh
# make install honours DESTDIR, PREFIX, BINDIR, MANDIR, and keeps an
# existing configuration.
. "$(dirname "$0")/lib.sh"
need make

R=$TMP/root
# Under "make check", MAKEFLAGS carries the build's settings (SANITIZE).
make -s -C "$TOP" install DESTDIR="$R" PREFIX=/usr SYSCONFDIR=/etc \
    > "$TMP/install.out" 2>&1
ok $? "make install DESTDIR=... PREFIX=/usr" || diag "$(cat "$TMP/install.out")"
for f in usr/bin/relaywatch-hosts usr/share/man/man1/relaywatch-hosts.1 \
    usr/bin/relaywatch-db usr/share/man/man1/relaywatch-db.1 \
    usr/bin/relaywatch-due usr/share/man/man1/relaywatch-due.1 \
    usr/share/man/man5/relaywatch-state.5 \
    usr/share/man/man5/relaywatch.conf.5 usr/share/man/man7/relaywatch.7 \
    usr/share/relaywatch/exim4/relaywatch-data.acl \
    usr/share/relaywatch/exim4/relaywatch-rcpt.acl \
    usr/share/relaywatch/exim4/relaywatch-macros \
    usr/share/relaywatch/exim4/35_relaywatch \
    usr/share/relaywatch/exim4/05_relaywatch \
    usr/share/relaywatch/exim4/30_relaywatch \
    usr/share/relaywatch/exim4/20_relaywatch \
    usr/share/relaywatch/exim4/relaywatch-routers \
    usr/share/relaywatch/exim4/relaywatch-transports \
    usr/share/relaywatch/exim4/relaywatch-retry \
    usr/bin/relaywatch-probe usr/share/man/man1/relaywatch-probe.1 \
    usr/bin/relaywatch-classify usr/share/man/man1/relaywatch-classify.1 \
    usr/bin/relaywatch-notify usr/share/man/man1/relaywatch-notify.1 \
    usr/sbin/relaywatch usr/share/man/man8/relaywatch.8 \
    usr/share/relaywatch/systemd/relaywatch.service \
    usr/share/relaywatch/cron/relaywatch \
    usr/share/relaywatch/logrotate/relaywatch \
    usr/share/relaywatch/procmail/relaywatch.procmailrc \
    usr/share/relaywatch/rsyslog/relaywatch.conf \
    usr/share/relaywatch/rsyslog/relaywatch-smarthost.conf \
    usr/share/relaywatch/rsyslog/relaywatch-tester.conf \
    usr/share/relaywatch/relaywatch.conf.example \
    etc/relaywatch/relaywatch.conf; do
	[ -f "$R/$f" ]
	ok $? "installed $f"
done
[ -x "$R/usr/bin/relaywatch-hosts" ]
ok $? "program is executable"
grep -q '^.include /usr/share/relaywatch/exim4/relaywatch-rcpt.acl$' \
    "$R/usr/share/relaywatch/exim4/35_relaywatch"
ok $? "35_relaywatch includes the installed fragment"
grep -q '^.include /usr/share/relaywatch/exim4/relaywatch-routers$' \
    "$R/usr/share/relaywatch/exim4/05_relaywatch"
ok $? "05_relaywatch includes the installed routers"
grep -q '^RELAYWATCH_PROCMAILRC = /usr/share/relaywatch/procmail/' \
    "$R/usr/share/relaywatch/exim4/relaywatch-macros"
ok $? "the macros name the installed procmail recipe"
grep -q '^PATH=/usr/bin:' "$R/usr/share/relaywatch/procmail/relaywatch.procmailrc" &&
    grep -q '^RELAYWATCH_CONF=/etc/relaywatch/relaywatch.conf$' \
    "$R/usr/share/relaywatch/procmail/relaywatch.procmailrc"
ok $? "the procmail recipe names the installed programs and configuration"
grep -q '^\*) PATH=/usr/bin:\$PATH ;;$' "$R/usr/sbin/relaywatch" &&
    grep -q '^ExecStart=/usr/sbin/relaywatch$' "$R/usr/share/relaywatch/systemd/relaywatch.service" &&
    grep -q '^PATH=/usr/bin:' "$R/usr/share/relaywatch/cron/relaywatch"
ok $? "relaywatch, its unit and its cron file name the installed programs"
sh -n "$R/usr/sbin/relaywatch"
ok $? "the installed relaywatch is sh"
left=$(grep -rl '@[A-Z]*DIR@' "$R")
is "$left" "" "every .in file's paths filled in"
sh -n "$R/usr/share/relaywatch/init.d/relaywatch" &&
    grep -q '^DAEMON=/usr/sbin/relaywatch$' "$R/usr/share/relaywatch/init.d/relaywatch" &&
    grep -q '^BINDIR=/usr/bin$' "$R/usr/share/relaywatch/init.d/relaywatch" &&
    grep -q '^### BEGIN INIT INFO$' "$R/usr/share/relaywatch/init.d/relaywatch"
ok $? "the sysvinit script: sh, LSB headers, the installed paths"
echo "# mine" >> "$R/etc/relaywatch/relaywatch.conf"
make -s -C "$TOP" install DESTDIR="$R" PREFIX=/usr SYSCONFDIR=/etc \
    > "$TMP/install.out" 2>&1
grep -q '^# mine$' "$R/etc/relaywatch/relaywatch.conf"
ok $? "a second install keeps the configuration"
make -s -C "$TOP" install DESTDIR="$TMP/r2" BINDIR=/opt/rw/bin \
    MANDIR=/opt/rw/man > "$TMP/install.out" 2>&1
[ -x "$TMP/r2/opt/rw/bin/relaywatch-hosts" ] &&
    [ -f "$TMP/r2/opt/rw/man/man1/relaywatch-hosts.1" ]
ok $? "BINDIR and MANDIR"

# make uninstall takes away what install put there, nothing else: the
# configuration (and a key beside it) and a state stay.
(umask 077; echo 00 > "$R/etc/relaywatch/key")
mkdir -p "$R/var/lib/relaywatch" && : > "$R/var/lib/relaywatch/state"
mkdir -p "$R/usr/bin" && : > "$R/usr/bin/other-program"
make -s -C "$TOP" uninstall DESTDIR="$R" PREFIX=/usr SYSCONFDIR=/etc \
    > "$TMP/uninstall.out" 2>&1
ok $? "make uninstall DESTDIR=... PREFIX=/usr" || diag "$(cat "$TMP/uninstall.out")"
is "$(cd "$R" && find . ! -type d | sort)" "./etc/relaywatch/key
./etc/relaywatch/relaywatch.conf
./usr/bin/other-program
./var/lib/relaywatch/state" "  every file it installed gone; the configuration, the key, the state and others' files kept"
is "$(cd "$R" && find usr -type d -name '*relaywatch*')" "" "  and its directory in share"
like "$(cat "$TMP/uninstall.out")" "kept: .*/etc/relaywatch \(the configuration and the key\)" "  it says what it kept"
done_testing

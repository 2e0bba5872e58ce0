#!/bin/sh
# The main log through a real rsyslogd with share/rsyslog's snippet: Exim's
# lines reach the file relaywatch follows (imfile), and a local user
# without privileges who writes a line tagged exim to the local socket
# (logger -t exim), forged arrival and forged probe delivery alike, gets
# nothing into it.  A private rsyslogd: its own configuration, socket,
# work directory and files under $TMP.
. "$(dirname "$0")/lib.sh"
need rsyslogd logger setpriv
[ "$(id -u)" = 0 ] || skip_all "an unprivileged user to forge with needs root"
id nobody >/dev/null 2>&1 || skip_all "no user nobody"

mkdir -p "$TMP/work" "$TMP/exim" "$TMP/rw"
chmod 755 "$TMP"
: > "$TMP/exim/mainlog"
# The shipped snippet, with this test's paths; and the rest of a syslog
# configuration: the local socket (here a socket of its own, which
# anyone may write, as /dev/log) into the default ruleset.
{
	echo "global(workDirectory=\"$TMP/work\")"
	echo 'module(load="imuxsock" SysSock.Use="off")'
	echo "input(type=\"imuxsock\" Socket=\"$TMP/log.sock\")"
	sed -e "s|/var/log/exim4/mainlog|$TMP/exim/mainlog|" \
	    -e "s|/var/log/relaywatch/exim.log|$TMP/rw/exim.log|" \
	    "$TOP/share/rsyslog/relaywatch.conf"
	echo "*.* action(type=\"omfile\" File=\"$TMP/all.log\")"
	# What the snippet avoids: every line tagged exim, whatever its input.
	echo "if \$programname == \"exim\" then action(type=\"omfile\" File=\"$TMP/naive.log\" template=\"RSYSLOG_TraditionalFileFormat\")"
} > "$TMP/rsyslog.conf"
rsyslogd -N1 -f "$TMP/rsyslog.conf" > "$TMP/check.out" 2>&1
ok $? "rsyslogd -N1: the snippet is valid" || diag "$(cat "$TMP/check.out")"
rsyslogd -n -f "$TMP/rsyslog.conf" -i "$TMP/rsyslogd.pid" > "$TMP/rsyslogd.out" 2>&1 &
pid=$!
at_exit "kill $pid 2>/dev/null"
wait_for "[ -S '$TMP/log.sock' ]" 10
ok $? "rsyslogd started, its local socket made" || diag "$(cat "$TMP/rsyslogd.out")"
chmod 666 "$TMP/log.sock"

tok=cb7qaaacnmfmegx5m3nallmtvnrj5vi
forge() {	# forge LINE: as nobody, to the local socket, tagged exim
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    logger -u "$TMP/log.sock" -t exim -- "$1"
}
forge "1xWhVY-0001L2-2j <= a@b.example H=(x) [192.0.2.66]:34831 P=esmtp S=458"
ok $? "nobody may write to the local socket"
forge "1xWhVY-0001L3-2j => relaytest+$tok@isp.example R=relaywatch_probe T=relaywatch_smtp H=192.0.2.67 [192.0.2.67] C=\"250 OK\""
wait_for "grep -q '192.0.2.67' '$TMP/all.log'" 10
ok $? "rsyslogd received the forged lines (default ruleset)" || diag "$(cat "$TMP/all.log" "$TMP/rsyslogd.out" 2>/dev/null)"
# Exim's own line, after the forged ones.
echo "2026-11-28 12:00:00 1xWhVY-0001L1-2j <= a@b.example H=(x) [192.0.2.9]:34831 P=esmtp S=458" >> "$TMP/exim/mainlog"
echo "2026-11-28 12:00:01 1xWhVY-0001L4-2j => relaytest+$tok@isp.example R=relaywatch_probe T=relaywatch_smtp H=192.0.2.10 [192.0.2.10] C=\"250 OK\"" >> "$TMP/exim/mainlog"
wait_for "grep -q '192.0.2.10' '$TMP/rw/exim.log'" 10
ok $? "Exim's main log lines reach the file relaywatch follows (imfile)" || diag "$(cat "$TMP/rw/exim.log" "$TMP/rsyslogd.out" 2>/dev/null)"
like "$(head -n 1 "$TMP/rw/exim.log")" "^[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]{8} [^ ]+ exim: 2026-11-28 12:00:00 1xWhVY-0001L1-2j <= " \
    "  as syslog lines tagged exim"
is "$(grep -c '192\.0\.2\.6[67]' "$TMP/rw/exim.log")" 0 "the forged lines do not"
is "$(relaywatch-hosts -c /dev/null "$TMP/naive.log" 2>/dev/null)" "192.0.2.66 b.example" \
    "  (a file of every line tagged exim, whatever its input, would name the forged host)"
printf 'domain = isp.example\n' > "$TMP/rw.conf"
run relaywatch-hosts -c "$TMP/rw.conf" -d "$TMP/rw/exim.log"
is "$out" "192.0.2.9 b.example
192.0.2.10 delivered $tok" "relaywatch-hosts -d on that file: Exim's arrival and delivery, nothing forged"
is "$err" "" "  and nothing to warn of"
done_testing

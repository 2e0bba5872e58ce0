#!/bin/sh
# relaywatch(8) on its own, with a main log written here and a sendmail
# that keeps nothing: a log that does not exist yet, rotation by rename
# and by truncation, restarts with back-off, no rereading of the log
# after a restart, logging through logger, bad configuration.
. "$(dirname "$0")/lib.sh"
need setsid
need flock
need pgrep

. "$T/supervisor.sh"

start() {	# start relaywatch; sv is its pid
	n=$(grep -cs 'started: following' "$TMP/syslog")
	PATH=$TMP/fake:$PATH RELAYWATCH_LOG=syslog RELAYWATCH_REPORT=1 TMPDIR=$TMP setsid relaywatch > "$TMP/out" 2>&1 &
	wait_for "[ \"\$(grep -cs 'started: following' '$TMP/syslog')\" -gt ${n:-0} ] 2>/dev/null" 10 || return 1
	sv=$(cat "$TMP/st/relaywatch.pid")
	at_exit "kill $sv 2>/dev/null"
}

# A probes file left world-readable by an older version: the tokens in it
# are made private, whatever the caller's umask.
: > "$TMP/st/probes"
chmod 644 "$TMP/st/probes"
umask 022
start
ok $? "started with no main log yet" || diag "$(cat "$TMP/out" "$TMP/syslog" 2>/dev/null)"
is "$(stat -c %a "$TMP/st/probes")" 600 "the probes file (tokens) is private, the caller's umask 022"
like "$(head -1 "$TMP/syslog")" "^-t relaywatch\[$sv\] -p mail.notice -- started: following $TMP/log/mainlog" \
    "logged through logger (facility mail)"
arrival 192.0.2.1
wait_for '[ "$(probed 192.0.2.1)" = 3 ]' 10
ok $? "the log appears: its first customer probed"
is "$(stat -c %a "$TMP/st/state")" 644 "  the state (no tokens) stays readable"

# exicyclog: renamed, a new log
mv "$TMP/log/mainlog" "$TMP/log/mainlog.01"
arrival 192.0.2.2
wait_for '[ "$(probed 192.0.2.2)" = 3 ]' 10
ok $? "after rotation by rename, the new log followed"
# logrotate's copytruncate
cp "$TMP/log/mainlog" "$TMP/log/mainlog.1"
: > "$TMP/log/mainlog"
sleep 1
arrival 192.0.2.3
wait_for '[ "$(probed 192.0.2.3)" = 3 ]' 10
ok $? "after rotation by truncation, the log followed"
wait_for "grep -q 'running; 3 hosts probed since start' '$TMP/syslog'" 5
ok $? "the count of hosts probed (not of probe messages), now and then"
# statedir/errors (for relaywatch-db status) is kept short at each
# report: its last thousand lines, in place, no temp file left.
awk -v t="$(date +%s)" 'BEGIN { for (i = 1; i <= 2500; i++) printf "%d warning line %d\n", t, i }' >> "$TMP/st/errors"
ino=$(stat -c %i "$TMP/st/errors")
wait_for '[ "$(wc -l < "$TMP/st/errors")" -le 1100 ]' 5
ok $? "statedir/errors cut to its last thousand lines at a report"
like "$(cat "$TMP/st/errors")" " warning line 2500$" "  the last ones kept"
is "$(stat -c '%i %a' "$TMP/st/errors") $(ls "$TMP/st" | grep -c '^errors\.')" "$ino 600 0" "  in place, mode 600, no temp file left"
wait_for "grep -Eq 'relaywatch-due: [0-9]+ hosts probed since start; 0 waiting' '$TMP/syslog'" 5
ok $? "and relaywatch-due's queue, now and then"

# Restarts with back-off.  (Only this supervisor's stages: its pipeline's
# process group, which it notes in its run directory.)
pg() { cat "$TMP"/relaywatch.*/pgid; }
kill -KILL $(pgrep -g "$(pg)" -f "^relaywatch-probe$")
wait_for "grep -q 'pipeline ended (relaywatch-probe 137); restarting in 1 s' '$TMP/syslog'" 10
ok $? "relaywatch-probe killed: the pipeline ends, restarted after 1 s"
# (the new pipeline's stages each started: a loaded machine may be slow)
wait_for '[ -n "$(pgrep -g "$(pg)" -f "^relaywatch-probe$")" ] && [ -n "$(pgrep -g "$(pg)" -f "^relaywatch-hosts -d -p ")" ]' 10
kill -KILL $(pgrep -g "$(pg)" -f "^relaywatch-hosts -d -p ")
wait_for "grep -q 'pipeline ended (relaywatch-hosts 137); restarting in 2 s' '$TMP/syslog'" 10
ok $? "killed again: after 2 s"
like "$(grep -c ' -p mail.err -- pipeline ended' "$TMP/syslog")" "^2$" "failures logged as errors"
wait_for '[ -n "$(pgrep -g "$(pg)" -f "^relaywatch-hosts -d -p ")" ]' 10
sleep 0.5
arrival 192.0.2.4
wait_for '[ "$(probed 192.0.2.4)" = 3 ]' 10
ok $? "after the restarts, new customers probed"

# A stop, a line while stopped, a start: the log is read on from where
# it was left (statedir/mainlog.pos), not from its end, not again.
kill -TERM "$sv"
wait_for "! kill -0 $sv 2>/dev/null" 10
ok $? "TERM: stopped"
like "$(tail -1 "$TMP/syslog")" "mail.notice -- stopped \(signal TERM\); 4 hosts probed since start" "the stop logged"
arrival 192.0.2.5
start
arrival 192.0.2.6
wait_for '[ "$(probed 192.0.2.6)" = 3 ]' 10
wait_for '[ "$(probed 192.0.2.5)" = 3 ]' 10
ok $? "a line written while relaywatch was stopped: read after the start"
is "$(cut -d' ' -f1 "$TMP/st/probes" | sort | uniq -c | awk '$1 != 3')" "" "  and nobody probed twice"
arrival 192.0.2.1
sleep 1
is "$(probed 192.0.2.1)" 3 "a customer already tested is not probed again"
# Lines written during a restart's back-off (once the run has ended) are
# read by the next run.
n=$(grep -c 'pipeline ended (relaywatch-probe 137)' "$TMP/syslog")
kill -KILL $(pgrep -g "$(pg)" -f "^relaywatch-probe$")
wait_for "[ \$(grep -c 'pipeline ended (relaywatch-probe 137)' '$TMP/syslog') -gt $n ]" 10
arrival 192.0.2.7
wait_for '[ "$(probed 192.0.2.7)" = 3 ]' 15
ok $? "a line written while the pipeline restarts: read by the next run"
# Stopped, and the log rotated meanwhile: the rest of the old file (found
# by its inode), then the new one.
kill -TERM "$sv"
wait_for "! kill -0 $sv 2>/dev/null" 10
arrival 192.0.2.8
mv "$TMP/log/mainlog" "$TMP/log/mainlog.0"
arrival 192.0.2.9
start
wait_for '[ "$(probed 192.0.2.8)" = 3 ] && [ "$(probed 192.0.2.9)" = 3 ]' 15
ok $? "rotated while stopped: the old file's last line and the new file's read"
like "$(cat "$TMP/syslog")" "reading the rest of $TMP/log/mainlog\.0 \(rotated\) from byte [0-9]+" "  said"
is "$(cut -d' ' -f1 "$TMP/st/probes" | sort | uniq -c | awk '$1 != 3')" "" "  and nobody probed twice"
# Where it stands: the inode of the log and an offset within it.
pos() { read -r a b < "$TMP/st/mainlog.pos" && echo "$a $b"; }
wait_for '[ "$(pos)" = "$(stat -c "%i %s" "$TMP/log/mainlog")" ]' 5
is "$(pos)" "$(stat -c '%i %s' "$TMP/log/mainlog")" "statedir/mainlog.pos: the log's inode and where reading stopped"
# logrotate (share/logrotate/relaywatch) renames the probes file: the
# next probes go to a new one, private, and the count since the start
# takes both.
mv "$TMP/st/probes" "$TMP/st/probes.1"
arrival 192.0.2.10
wait_for '[ "$(probed 192.0.2.10)" = 3 ]' 10
ok $? "the probes file renamed (logrotate): the next probes in a new one"
is "$(stat -c %a "$TMP/st/probes")" 600 "  private"
is "$(grep -c '^192\.0\.2\.10 ' "$TMP/st/probes.1")" 0 "  none in the renamed one"
wait_for "grep -q 'running; 3 hosts probed since start' '$TMP/syslog'" 5
ok $? "  the count since the start: the renamed file's lines since then and the new file's"
# A probes file that is a symbolic link is not written through.
rm "$TMP/st/probes"
ln -s "$TMP/elsewhere" "$TMP/st/probes"
n=$(grep -c 'pipeline ended' "$TMP/syslog")
arrival 192.0.2.11
wait_for "[ \$(grep -c 'pipeline ended' '$TMP/syslog') -gt $n ]" 10
like "$(grep 'pipeline ended' "$TMP/syslog" | tail -n 1)" "pipeline ended \(recording in $TMP/st/probes: 73\)" \
    "the probes file a symbolic link: nothing written, the run ends and says why"
[ ! -e "$TMP/elsewhere" ]
ok $? "  nothing written through the link"
rm "$TMP/st/probes"
kill -HUP "$sv"
wait_for "! kill -0 $sv 2>/dev/null" 10
ok $? "HUP: stopped"
sleep 0.3
is "$(left_behind "$sv")" "" "nothing left behind"

# Bad configuration, state directory.
printf 'domain = isp.example\nfrobnicate = 1\n' > "$TMP/bad.conf"
run relaywatch -c "$TMP/bad.conf"
is "$rc" 78 "an unknown setting: 78"
like "$err" "bad.conf:2" "  naming the file and line"
sed "s|^keyfile = .*|keyfile = $TMP/nokey|" "$TMP/conf" > "$TMP/nokey.conf"
run relaywatch -c "$TMP/nokey.conf"
is "$rc" 78 "no key: 78"
sed "s|^statedir = .*|statedir = $TMP/nonexistent|" "$TMP/conf" > "$TMP/nostate.conf"
run relaywatch -c "$TMP/nostate.conf"
is "$rc" 73 "no state directory: 73"
run relaywatch -x
is "$rc" 64 "a bad option: 64"

# What can be checked before "started" is.
sed "s|^netblocks = .*|netblocks = $TMP/nonets|" "$TMP/conf" > "$TMP/nonets.conf"
run relaywatch -c "$TMP/nonets.conf"
is "$rc" 66 "no netblocks file: 66, not started"
like "$err" "nonets: No such file or directory \(netblocks in" "  naming the file and the setting"
sed "s|^mainlog=.*|mainlog = $TMP/nolog/mainlog|" "$TMP/conf" > "$TMP/nolog.conf"
run relaywatch -c "$TMP/nolog.conf"
is "$rc" 66 "the main log's directory missing: 66, not started"
like "$err" "nolog: No such file or directory \(the directory of mainlog\)" "  saying which directory"
sed "s|^probe_source = .*|probe_source = 192.0.2.250|" "$TMP/conf" > "$TMP/nosrc.conf"
run relaywatch -c "$TMP/nosrc.conf"
is "$rc" 78 "a probe source not on this host: 78"
like "$err" "probe_source 192.0.2.250 is not an address of this host" "  saying so"
sed "/^probe_source/d" "$TMP/conf" > "$TMP/nosrc.conf"
run relaywatch -c "$TMP/nosrc.conf"
is "$rc" 78 "no probe source for the IPv4 customers: 78"
echo 2001:db8::/32 >> "$TMP/netblocks"
run relaywatch
is "$rc" 78 "IPv6 customers and an IPv4 probe source only: 78"
like "$err" "netblocks hold IPv6 networks but probe_source has no IPv6 address" "  saying so"
echo 192.0.2.0/24 > "$TMP/netblocks"
grep -v '^domain' "$TMP/conf" > "$TMP/nodomain.conf"
run relaywatch -c "$TMP/nodomain.conf"
is "$rc" 78 "no domain: 78"
like "$err" "domain is not set" "  saying so"

# No syslog: standard error, said once.
if [ ! -S /dev/log ]; then
	RELAYWATCH_REPORT=3600 setsid relaywatch > "$TMP/out" 2> "$TMP/err" &
	wait_for "grep -qs 'started: following' '$TMP/err'" 10
	ok $? "no /dev/log: the log goes to standard error" || diag "$(cat "$TMP/err")"
	like "$(head -1 "$TMP/err")" "no syslog here \(/dev/log\): logging to standard error" "  and it says so first"
	sv=$(cat "$TMP/st/relaywatch.pid")
	kill -TERM "$sv"
	wait_for "! kill -0 $sv 2>/dev/null" 10
else
	skip_one "/dev/log exists: the no-syslog case is not testable here"
	skip_one "/dev/log exists"
fi

done_testing

#!/bin/sh
# The health of the feed: relaywatch-hosts -p (following the log for the
# supervisor) says once that a source of the farm's file (a smart host,
# or "local") has sent nothing for feed_silence, and once that it is
# back; once that a smart host's lookups of our DNS zone fail ("DNS list
# lookup defer", Exim's words), and once when they have stopped; on
# SIGUSR1, one line for the lot.  Lookups of other zones, lines not
# tagged exim, hostile source names and more sources than it watches say
# nothing more than they must.
. "$(dirname "$0")/lib.sh"

printf '%s\n' "feed_silence = 2s" "dnsbl_zone = rw.isp.test" > "$TMP/conf"
mkfifo "$TMP/in"
relaywatch-hosts -c "$TMP/conf" -p "$TMP/pos" -s 1:0 < "$TMP/in" \
    > "$TMP/out" 2> "$TMP/err" &
pid=$!
at_exit "kill $pid 2>/dev/null"
exec 7> "$TMP/in"
n=0
arrival() {	# arrival SOURCE [TAG]: an arrival line from SOURCE
	n=$((n + 1))
	printf '%s %s %s: %s 1xFe%02d-0000AB-Cd <= a@b H=(x) [10.9.0.%d]:1 P=esmtp S=1\n' \
	    "Dec  7 10:00:00" "$1" "${2:-exim}" "$(date '+%Y-%m-%d %H:%M:%S')" \
	    $((n % 100)) $((n % 250 + 1)) >&7
}
defer() {	# defer SOURCE NAME [TAG]: a failed lookup of NAME at SOURCE
	printf '%s %s %s: %s DNS list lookup defer (probably timeout) for %s: assumed not in list\n' \
	    "Dec  7 10:00:00" "$1" "${3:-exim}" "$(date '+%Y-%m-%d %H:%M:%S')" "$2" >&7
}
said() { grep -c -- "$1" "$TMP/err"; }

# Three sources; 192.0.2.2 stops, the others go on for four seconds.
arrival 192.0.2.2; arrival 192.0.2.3; arrival local
for i in 1 2 3 4 5 6 7 8; do
	sleep 0.5
	arrival 192.0.2.3; arrival local
done
wait_for "[ \$(said 'no line from 192.0.2.2') -ge 1 ]" 10
is "$(said 'feed: no line from 192.0.2.2 for ')" 1 "a source silent for feed_silence: said once, not at each look" ||
    diag "$(cat "$TMP/err")"
like "$(grep 'no line from 192.0.2.2' "$TMP/err")" 'the last at 20[0-9-]* [0-9:]* UTC\): its Exim, its rsyslog or the way here is down' \
    "  with when it last sent, and what it means"
is "$(said 'no line from 192.0.2.3')$(said 'no line from local')" 00 "  the others that send are not"
arrival 192.0.2.2
wait_for "[ \$(said '192.0.2.2 sends again') -ge 1 ]" 10
like "$(grep 'sends again' "$TMP/err")" '^relaywatch-hosts: feed: 192\.0\.2\.2 sends again, after [0-9]+s without a line$' \
    "back: said once"

# Failed lookups of our zone at 192.0.2.3, one a message there.
for i in 1 2 3 4 5 6 7 8 9 10; do
	defer 192.0.2.3 "$i.0.0.127.rw.isp.test"
done
defer 192.0.2.3 "5.0.0.127.other.example"	# not ours
defer 192.0.2.2 "5.0.0.127.RW.ISP.TEST" logger	# not Exim's
defer 192.0.2.2 "5.0.0.127.xrw.isp.test"	# not in the zone
wait_for "[ \$(said 'cannot look up our zone') -ge 1 ]" 10
is "$(said 'cannot look up our zone')" 1 "failed lookups of our zone: said once for ten" || diag "$(cat "$TMP/err")"
like "$(grep 'cannot look up' "$TMP/err")" 'feed: 192\.0\.2\.3 cannot look up our zone rw\.isp\.test \("DNS list lookup defer" for 1\.0\.0\.127\.rw\.isp\.test\): it accepts the hosts we BLOCK' \
    "  naming the smart host, the zone and what it means"
kill -USR1 $pid
wait_for "[ \$(said 'feed: 3 sources') -ge 1 ]" 10
like "$(grep 'feed: 3 sources' "$TMP/err")" 'failing lookups of our zone: 192\.0\.2\.3 \(10\)' \
    "SIGUSR1: one line, with the failing source and its count" || diag "$(cat "$TMP/err")"
wait_for "[ \$(said 'no failed lookup of rw.isp.test') -ge 1 ]" 10
like "$(grep 'no failed lookup' "$TMP/err")" '192\.0\.2\.3: no failed lookup of rw\.isp\.test for 2s \(10 since ' \
    "none for feed_silence: the incident ends, said once"
wait_for "[ \$(said 'no line from local') -ge 1 ]" 10
ok $? "all silent: each source said silent" || diag "$(cat "$TMP/err")"
kill -USR1 $pid
wait_for "[ \$(grep -c 'feed: 3 sources; silent: ' '$TMP/err') -ge 1 ]" 10
like "$(grep 'feed: 3 sources; silent: ' "$TMP/err")" 'silent: 192\.0\.2\.2 \(for [0-9]+s\), 192\.0\.2\.3 \(for [0-9]+s\), local' \
    "  and the report names them"

# Hostile source names: shown quoted; more sources than watched: once.
printf 'Dec  7 10:00:00 \001evil\033[2J exim: %s 1xFe99-0000AB-Cd <= a@b H=(x) [10.9.0.9]:1 P=esmtp S=1\n' \
    "$(date '+%Y-%m-%d %H:%M:%S')" >&7
i=0
while [ $i -lt 300 ]; do
	arrival "10.1.$((i / 250)).$((i % 250))"
	i=$((i + 1))
done
wait_for "[ \$(said 'more than 256 sources') -ge 1 ]" 10
is "$(said 'more than 256 sources')" 1 "more sources than watched: said once"
wait_for "[ \$(said 'no line from \\\\x01evil') -ge 1 ]" 10
ok $? "a source name with control characters is shown quoted" || diag "$(grep evil "$TMP/err" | od -c | head)"
ok "$(grep -c "$(printf '\033')" "$TMP/err")" "  never raw"
exec 7>&-
wait $pid
is "$?:$(wc -l < "$TMP/out")" "0:$((n + 1))" "every arrival still printed, exit 0"

# Without -p (a file read through, a pipeline by hand): not watched.
printf '%s\n' "Dec  7 10:00:00 192.0.2.3 exim: 2026-12-07 10:00:00 DNS list lookup defer (probably timeout) for 1.0.0.127.rw.isp.test: assumed not in list" |
    relaywatch-hosts -c "$TMP/conf" > /dev/null 2> "$TMP/err2"
is "$?:$(cat "$TMP/err2")" "0:" "without -p: the feed is not watched"
printf 'feed_silence = 2d\n' > "$TMP/bad.conf"
run relaywatch-hosts -c "$TMP/bad.conf" < /dev/null
like "$rc:$err" '^78:.*bad.conf:1: .*feed_silence.*at most 1d' "feed_silence: at most 1d, or 0"
done_testing

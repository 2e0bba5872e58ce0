#!/bin/sh
# relaywatch-db status: what it says, when its exit status calls for a
# person, and what it makes of damaged or hostile files in the state
# directory (t/0815-rotation.t runs it on the state of a real flow).
. "$(dirname "$0")/lib.sh"

state_setup "mainlog = $TMP/mainlog" "pending_timeout = 48h" "feed_silence = 1h"
now=$(date +%s)
st() { relaywatch-db status; }

# A state that needs nobody: relaywatch running (this shell stands in
# for it), its files fresh.
cat > "$S/state" <<ST
10.0.0.1 OK $((now - 100)) why=refused
10.0.0.2 BLOCK $((now - 90)) why=relayed
10.0.0.3 UNKNOWN $((now - 80)) why=probe probes=3 submitted=$((now - 79))
10.0.0.1 OK $((now - 70)) why=refused
ST
relaywatch-db compile
echo "10.0.0.4 UNKNOWN $((now - 300)) why=probe probes=3" >> "$S/state"
echo $$ > "$S/relaywatch.pid"
printf 'queued 2\nwaiting 1\nlater 3\ndropped 0\nprinted 7\n' > "$S/due.status"
printf 'x%.0s' $(seq 1 500) > "$TMP/mainlog"
echo "$(stat -c %i "$TMP/mainlog") 500" > "$S/mainlog.pos"
echo "10.0.0.3 plain cb7qaaacnmfmegx5m3nallmtvnrj5vi" > "$S/probes"
printf '%s warning tail: file truncated\n%s err pipeline ended (old)\n' $((now - 60)) $((now - 7200)) > "$S/errors"
run st
is "$rc" 0 "nothing needs a person: exit 0" || diag "$out"
like "$out" "relaywatch: running \(pid $$\)" "relaywatch running"
like "$out" "hosts: +4 \(OK 1, BLOCK 1, UNKNOWN 2\)" "hosts by status, the last line of each (CDB and the lines after it)"
like "$out" "pending: +2 tests under way, the oldest since [-0-9]+ [0-9:]+ \(5 min ago\), 10\.0\.0\.4" "pending tests, the oldest"
like "$out" "cut short: +1 tests whose probes our Exim did not all take" "a test whose probes were not all taken"
like "$out" "compiled: +[-0-9]+ [0-9:]+ \([0-9]+ s ago\), [0-9]+ bytes of the state since" "the last compile, and what came after it"
like "$out" "backlog: +2 hosts waiting for probe_rate, 1 for their domain, 3 recorded as due later" "relaywatch-due's queue"
like "$out" "log read: .*, $TMP/mainlog" "where reading the main log is"
unlike "$out" "bytes behind" "  not behind"
like "$out" "last probe: .*, 10\.0\.0\.3 plain$" "the last probe: to whom, which form, not its token"
like "$out" "outbox: +empty" "the outbox"
like "$out" "errors: +0 in the last hour, and 1 warnings" "the supervisor's errors and warnings of the last hour"

# Each thing that needs a person: exit 1, one attention line each.
echo "10.0.0.5 UNKNOWN $((now - 50 * 3600)) why=probe probes=3 delivered=$now" >> "$S/state"
echo "10.0.0.6 UNKNOWN $now why=undecided" >> "$S/state"
touch -d @$((now - 7200)) "$S/state.cdb"
echo 4242424 > "$S/relaywatch.pid"
printf 'queued 0\nwaiting 0\ndropped 5\nprinted 7\n' > "$S/due.status"
printf 'x%.0s' $(seq 1 100) >> "$TMP/mainlog"
touch -d @$((now - 1200)) "$S/mainlog.pos"
mkdir -p "$S/outbox"
echo "10.0.0.2 UNKNOWN BLOCK $now why=relayed" > "$S/outbox/10.0.0.2"
touch -d @$((now - 7200)) "$S/outbox/10.0.0.2"
printf 'source %s 0 "192.0.2.25"\nsource %s %s "192.0.2.26"\n' $((now - 10)) $((now - 7200)) $((now - 3000)) > "$S/feeds.status"
echo "$now err pipeline ended (relaywatch-due 137); restarting in 1 s" >> "$S/errors"
run st
is "$rc" 1 "something needs a person: exit 1"
like "$out" "needs a person: yes" "  said"
like "$out" "attention: relaywatch is not running" "relaywatch not running (a pid that is no process)"
like "$out" "attention: 1 hosts held for a person" "a host held for a person"
like "$out" "attention: a test pending for 2 d 2 h, past pending_timeout: is relaywatch-db sweep run from cron\?" "a test pending past pending_timeout"
like "$out" "attention: nothing compiled for 2 h 0 min: is relaywatch-db compile run from cron\?" "nothing compiled for an hour"
like "$out" "attention: the queue was full: 5 hosts recorded as due later since relaywatch-due started" "hosts recorded as due later"
like "$out" "attention: reading $TMP/mainlog stopped 20 min ago, 100 bytes before its end" "reading the log stopped before its end"
like "$out" "attention: a notice waiting for 2 h 0 min: is relaywatch-notify -q run from cron" "a notice waiting for an hour"
like "$out" 'feed: +"192\.0\.2\.25": last line' "each smart host's feed"
like "$out" 'attention: the feed of "192\.0\.2\.26" is silent since' "  a silent one"
unlike "$out" 'attention: the feed of "192\.0\.2\.25"' "  not a live one"
like "$out" "attention: 1 errors in the last hour, the last: pipeline ended \(relaywatch-due 137\)" "an error of the supervisor in the last hour (not one older)"
is "$(printf '%s\n' "$out" | grep -c "^attention:")" 9 "  one attention line each"

# Hostile and damaged files: said, passed over, never a crash.
head -c 70000 /dev/urandom > "$S/due.status"
printf 'source\001 12 0 x\nsource 99999999999999999999 0 y\nsource 5\n\377\376 bad\n' > "$S/feeds.status"
printf 'junk\n\377\376\n%s\n%s err\n-5 err x\n99999999999999999999 err y\n' "$now" "$now" >> "$S/errors"
printf 'x y z\n' > "$S/mainlog.pos"
printf '\0\0\377\n\033[2Jplain\033[H bad' > "$S/probes"
echo -1 > "$S/relaywatch.pid"
run st
is "$rc" 1 "damaged status files: exit 1 (still something for a person), not a crash"
like "$out" "note: +$S/due.status: File too large" "a status file too large: said"
like "$out" "backlog: +not known" "  and not believed"
unlike "$out" "$(printf '\033')" "no control byte of a file reaches the terminal"
like "$out" "attention: [0-9]+ errors in the last hour" "the errors file's good lines still counted"
rm "$S/due.status"
ln -s "$TMP/elsewhere" "$S/due.status"
printf 'queued 9\nwaiting 9\n' > "$TMP/elsewhere"
run st
like "$out" "note: +$S/due.status: Too many levels of symbolic links" "a status file that is a symbolic link: not followed"
printf 'queued 1\nwaiting' > "$TMP/cut"
rm "$S/due.status"
mv "$TMP/cut" "$S/due.status"
run st
like "$out" "backlog: +not known \(due.status does not say\)" "a status file cut short: not believed"
# No state.cdb: all of the state read, and said.
rm -f "$S/state.cdb"
run st
like "$out" "note: +$S/state.cdb: .*all of the state read" "no CDB: said"
like "$out" "hosts: +6 " "  the hosts counted all the same"
run relaywatch-db status extra
is "$rc" 64 "status takes no arguments: exit 64"
done_testing

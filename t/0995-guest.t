#!/bin/sh
# Tests are guests: with a relaywatch pipeline running outside them (a
# decoy standing for the one installed on a smart host: its own session,
# state and main log), the tests that start, kill and count pipelines
# of their own run, and the decoy is left as it was: the same processes,
# no restart, and it still probes.
. "$(dirname "$0")/lib.sh"
need setsid flock pgrep prove

. "$T/supervisor.sh"
unset RELAYWATCH_CONF

# The decoy: the supervisor in a session of its own, as an init system
# starts it, under the names the installed one has.
RELAYWATCH_CONF=$TMP/conf PATH=$TMP/fake:$PATH RELAYWATCH_LOG=syslog TMPDIR=$TMP \
    setsid relaywatch > "$TMP/out" 2>&1 &
wait_for "[ -s '$TMP/st/relaywatch.pid' ] && grep -qs 'started: following' '$TMP/syslog'" 10
ok $? "the decoy pipeline runs" || { diag "$(cat "$TMP/out" "$TMP/syslog" 2>/dev/null)"; done_testing; exit; }
sv=$(cat "$TMP/st/relaywatch.pid")
pg=$(ps -o pgid= -p "$sv" | tr -d ' ')
at_exit "kill -TERM $sv 2>/dev/null"
arrival 192.0.2.1
wait_for '[ "$(probed 192.0.2.1)" = 3 ]' 10
ok $? "  and probes"
# Its processes: the supervisor's group and its pipeline's (the pgid in
# its run directory, under TMPDIR).
procs() {
	{ pgrep -g "$pg" -a; pgrep -g "$(cat "$TMP"/relaywatch.*/pgid 2>/dev/null)" -a; } | sort
}
# (by command line: a process name is cut at 15 characters, and
# relaywatch-probe is 16)
wait_for '[ -n "$(pgrep -g "$(cat "$TMP"/relaywatch.*/pgid)" -f "^relaywatch-due( |\$)")" ] &&
    [ -n "$(pgrep -g "$(cat "$TMP"/relaywatch.*/pgid)" -f "^relaywatch-probe( |\$)")" ]' 10
before=$(procs)
for stage in "tail -c" "relaywatch-hosts -d -p" relaywatch-due relaywatch-probe; do
	printf '%s\n' "$before" | grep -q -- " $stage"
	ok $? "  its stage $stage"
done

# The tests that start, kill and count pipelines, beside it.
prove t/0500-due.t t/0800-relaywatch.t t/0810-supervisor.t > "$TMP/prove.out" 2>&1
ok $? "t/0500, t/0800 and t/0810 pass beside it" || diag "$(tail -n 15 "$TMP/prove.out")"
is "$(procs)" "$before" "the decoy's processes are the same ones, none killed or restarted"
grep -q 'pipeline ended' "$TMP/syslog"
ok $((! $?)) "  its supervisor saw no stage end" || diag "$(grep 'pipeline ended' "$TMP/syslog")"
arrival 192.0.2.2
wait_for '[ "$(probed 192.0.2.2)" = 3 ]' 10
ok $? "  and it still probes"

done_testing

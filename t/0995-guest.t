#!/bin/sh
# Tests are guests: with a relaywatch pipeline running outside them (a
# decoy standing for the one installed on a smart host: its own session,
# state and main log), the tests that start, kill and count pipelines
# of their own run, and the decoy is left as it was: the same processes,
# no restart, and it still probes.
. "$(dirname "$0")/lib.sh"
need setsid flock pgrep prove

mkdir -p "$TMP/st" "$TMP/fake" "$TMP/log"
(umask 077; openssl rand -hex 32 > "$TMP/key")
printf '#!/bin/sh\ncat > /dev/null\n' > "$TMP/fake/sendmail"
printf '#!/bin/sh\nprintf "%%s\\n" "$*" >> %s/syslog\n' "$TMP" > "$TMP/fake/logger"
chmod 755 "$TMP/fake/sendmail" "$TMP/fake/logger"
echo 192.0.2.0/24 > "$TMP/netblocks"
cat > "$TMP/conf" <<CONF
domain = isp.example
keyfile = $TMP/key
statedir = $TMP/st
netblocks = $TMP/netblocks
blocked_nets = $TMP/st/blocked.nets
mainlog = $TMP/log/mainlog
sendmail = $TMP/fake/sendmail
probe_rate = 0
probe_source = 127.0.0.9
domain_wait = 0
CONF
: > "$TMP/st/state"
relaywatch-db -c "$TMP/conf" compile
arrival() {
	echo "2026-11-27 05:00:00 1xWhVY-0001L1-2j <= a@b.example H=(x) [$1]:34831 P=esmtp S=458 id=x@y for c@d.example" >> "$TMP/log/mainlog"
}
probed() { grep -c "^$1 " "$TMP/st/probes" 2>/dev/null; }

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
wait_for '[ -n "$(pgrep -g "$(cat "$TMP"/relaywatch.*/pgid)" -x relaywatch-due)" ] &&
    [ -n "$(pgrep -g "$(cat "$TMP"/relaywatch.*/pgid)" -x relaywatch-probe)" ]' 10
before=$(procs)
for stage in "tail -c" "relaywatch-hosts -d -p" relaywatch-due relaywatch-probe; do
	printf '%s\n' "$before" | grep -q -- " $stage"
	ok $? "  its stage $stage"
done

# The tests that start, kill and count pipelines, beside it.
unset RELAYWATCH_CONF
prove t/0500-due.t t/0800-relaywatch.t t/0810-supervisor.t > "$TMP/prove.out" 2>&1
ok $? "t/0500, t/0800 and t/0810 pass beside it" || diag "$(tail -n 15 "$TMP/prove.out")"
is "$(procs)" "$before" "the decoy's processes are the same ones, none killed or restarted"
grep -q 'pipeline ended' "$TMP/syslog"
ok $((! $?)) "  its supervisor saw no stage end" || diag "$(grep 'pipeline ended' "$TMP/syslog")"
arrival 192.0.2.2
wait_for '[ "$(probed 192.0.2.2)" = 3 ]' 10
ok $? "  and it still probes"

done_testing

#!/bin/sh
# relaywatch: follows the Exim main log into
#
#   tail -F mainlog | relaywatch-hosts | relaywatch-due | relaywatch-probe
#
# and keeps that pipeline running: restarted with back-off when any part
# of it ends, stopped whole on TERM, INT or HUP, never run twice on one
# state.  Starts, stops, failures and a count of probes go to syslog
# (logger), or to the file $RELAYWATCH_LOG.  See relaywatch(8).

PATH=@BINDIR@:$PATH:/usr/bin:/bin
export PATH
LC_ALL=C
export LC_ALL

usage() {
	echo "usage: relaywatch [-h] [-c conf]" >&2
	exit 64
}

conf=
while getopts c:h opt; do
	case $opt in
	c) conf=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
conf=${conf:-${RELAYWATCH_CONF:-/etc/relaywatch/relaywatch.conf}}
RELAYWATCH_CONF=$conf
export RELAYWATCH_CONF

say() {	# say PRIORITY TEXT: to syslog (mail facility) or $RELAYWATCH_LOG
	if [ -n "${RELAYWATCH_LOG:-}" ]; then
		printf '%s relaywatch[%s]: %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" \
		    "$$" "$2" >> "$RELAYWATCH_LOG"
	else
		logger -t "relaywatch[$$]" -p "mail.$1" -- "$2"
	fi
}

die() {	# die STATUS TEXT
	say err "$2"
	echo "relaywatch: $2" >&2
	exit "$1"
}

# The configuration, checked by the programs that read it; the two
# settings this script needs, as they read them.
err=$(relaywatch-hosts -c "$conf" < /dev/null 2>&1) || die $? "$err"
err=$(relaywatch-probe -n -c "$conf" < /dev/null 2>&1) || die $? "$err"
settings=$(relaywatch-db -c "$conf" setting mainlog statedir 2>&1) ||
    die 78 "$settings"
mainlog=$(printf '%s\n' "$settings" | sed -n 1p)
statedir=$(printf '%s\n' "$settings" | sed -n 2p)
[ -d "$statedir" ] && [ -w "$statedir" ] ||
    die 73 "$statedir: not a writable directory (statedir in $conf)"

# One supervisor per state: a lock held as long as this process lives.
lock=$statedir/relaywatch.pid
exec 9>>"$lock" || die 73 "$lock: cannot open"
flock -n 9 || die 75 "already running (pid $(cat "$lock" 2>/dev/null)); $lock is locked"
echo $$ > "$lock"

# Where the stages say that they ended, and what they say on standard
# error: fifos in a private directory.
run=$(mktemp -d "${TMPDIR:-/tmp}/relaywatch.XXXXXX") || die 73 "mktemp failed"
probes=$statedir/probes

pgid=
watcher=
logpid=
reporter=
sleeper=
stop() {
	trap '' TERM INT HUP
	[ -n "$pgid" ] && kill -TERM "-$pgid" "$pgid" 2>/dev/null
	[ -n "$watcher" ] && kill -TERM "$watcher" 2>/dev/null
	[ -n "$reporter" ] && kill -TERM "-$reporter" 2>/dev/null
	kill -TERM "$logpid" $sleeper 2>/dev/null
	wait
	rm -rf "$run"
	say notice "stopped (signal $1); $(count) probes sent since start"
	exit 0
}
trap 'stop TERM' TERM
trap 'stop INT' INT
trap 'stop HUP' HUP

touch "$probes" || die 73 "$probes: cannot write"
start_count=$(wc -l < "$probes")
count() { echo $(( $(wc -l < "$probes") - start_count )); }

# The pipeline, in its own process group (so that it is stopped whole);
# each stage says on fd 3 that it ended, and with what status.  tail
# starts at the end of the log: a restart does not read it again.
pipeline() {
	setsid sh -c '
	{ tail -n 0 -F "$1"; echo "tail $?" >&3; } |
	{ relaywatch-hosts; echo "relaywatch-hosts $?" >&3; } |
	{ relaywatch-due; echo "relaywatch-due $?" >&3; } |
	{ relaywatch-probe >> "$2"; echo "relaywatch-probe $?" >&3; }
	' relaywatch-pipeline "$mainlog" "$probes" \
	    3>"$run/ended.$runs" 2>"$run/stderr" < /dev/null 9>&- &
	pgid=$!
}

# Stop the pipeline's process group (and its leader, should it not have
# made the group yet).
pipeline_stop() {
	kill -TERM "-$pgid" "$pgid" 2>/dev/null
	wait "$pgid" 2>/dev/null
	pgid=
}

# What the stages say on standard error goes to the log as it comes.
mkfifo "$run/stderr" || die 73 "$run/stderr: mkfifo failed"
exec 5<>"$run/stderr"
( while IFS= read -r line; do say warning "$line"; done ) <&5 9>&- &
logpid=$!
exec 5<&-

say notice "started: following $mainlog, state in $statedir (pid $$)"

# Now and then, how many probes went out.
trap 'say info "running; $(count) probes sent since start"' USR1
setsid sh -c 'while sleep "$1"; do kill -USR1 "$2" || exit; done' \
    relaywatch-reporter "${RELAYWATCH_REPORT:-3600}" $$ < /dev/null 9>&- &
reporter=$!

backoff=1
runs=0
while :; do
	# A fifo of its own for each run: the last run's stages, as they
	# die, cannot end this one.
	runs=$((runs + 1))
	mkfifo "$run/ended.$runs" || die 73 "$run/ended.$runs: mkfifo failed"
	exec 6<>"$run/ended.$runs"
	pipeline
	started=$(date +%s)
	# The first stage to end ends this run.
	( IFS= read -r what <&6; printf '%s\n' "$what" > "$run/what" ) 9>&- &
	watcher=$!
	exec 6<&-
	# (wait returns early for the reporter's USR1, too)
	while kill -0 "$watcher" 2>/dev/null; do
		wait "$watcher"
	done
	watcher=
	what=$(cat "$run/what" 2>/dev/null)
	pipeline_stop
	rm -f "$run/ended.$runs" "$run/what"
	# A run of more than ten minutes was a good one: start again quickly.
	[ $(( $(date +%s) - started )) -gt 600 ] && backoff=1
	say err "pipeline ended (${what:-unknown}); restarting in $backoff s"
	sleep "$backoff" &
	sleeper=$!
	wait $sleeper
	sleeper=
	backoff=$((backoff * 2))
	[ "$backoff" -le 300 ] || backoff=300
done

#!/bin/sh
# relaywatch: follows the Exim main log into
#
#   tail -F mainlog | relaywatch-hosts | relaywatch-due | relaywatch-probe
#
# and keeps that pipeline running: restarted with back-off when any part
# of it ends, stopped whole on TERM, INT or HUP, never run twice on one
# state.  Starts, stops, failures and what it has done go to syslog
# (logger) when there is one (/dev/log), else to standard error; or, by
# $RELAYWATCH_LOG, to a file ("syslog" and "-" choose).  It runs in the
# foreground, for systemd, runit, daemontools or docker; the sysvinit
# script puts it in the background.  See relaywatch(8).

PATH=@BINDIR@:$PATH:/usr/bin:/bin
export PATH
LC_ALL=C
export LC_ALL
# What it writes holds tokens (probes) and is its own, whatever the
# caller's umask; what Exim reads (state.cdb, blocked.nets) is made
# readable by the programs that write it.
umask 077

usage() {
	echo "usage: relaywatch [-h] [-c conf]" >&2
	exit 64
}

conf=
while getopts c:h opt; do
	case $opt in
	c) conf=$OPTARG ;;
	h) echo "usage: relaywatch [-h] [-c conf]"; exit 0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
conf=${conf:-${RELAYWATCH_CONF:-/etc/relaywatch/relaywatch.conf}}
RELAYWATCH_CONF=$conf
export RELAYWATCH_CONF

# Where the log goes: syslog when it listens, else standard error (said
# once, since logger(1) would drop everything in silence); or as
# $RELAYWATCH_LOG says: "syslog", "-" (standard error), or a file.
logto=${RELAYWATCH_LOG:-}
if [ -z "$logto" ]; then
	if [ -S /dev/log ]; then
		logto=syslog
	else
		logto=-
		echo "relaywatch: no syslog here (/dev/log): logging to standard error" >&2
	fi
fi
say() {	# say PRIORITY TEXT
	case $logto in
	syslog)	logger -t "relaywatch[$$]" -p "mail.$1" -- "$2" ;;
	-)	printf '%s relaywatch[%s]: %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" \
		    "$$" "$2" >&2 ;;
	*)	printf '%s relaywatch[%s]: %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" \
		    "$$" "$2" >> "$logto" ;;
	esac
}

die() {	# die STATUS TEXT: logged, and everything started stopped
	say err "$2"
	[ "$logto" = - ] || echo "relaywatch: $2" >&2
	trap '' TERM INT HUP
	[ -n "${pgid:-}" ] && kill -TERM "-$pgid" "$pgid" 2>/dev/null
	[ -n "${reporter:-}" ] && kill -TERM "-$reporter" 2>/dev/null
	[ -n "${logpid:-}" ] && kill -TERM "$logpid" 2>/dev/null
	[ -n "${run:-}" ] && rm -rf "$run"
	exit "$1"
}

# The configuration, checked by the programs that read it; the two
# settings this script needs, as they read them.
# Everything that can be checked is, before "started" and before each
# restart (relaywatch-db check): the key, the networks, the probe source,
# the state, the main log (which may come later, but must be readable when
# it is there: a tail -F that cannot read says so once, then nothing).
err=$(relaywatch-hosts -c "$conf" < /dev/null 2>&1) || die $? "$err"
check() {
	err=$(relaywatch-db -c "$conf" check 2>&1 >/dev/null) ||
	    die $? "$(printf '%s\n' "$err" | sed 's/^relaywatch-db: //' | paste -sd ';' - | sed 's/;/; /g')"
}
check
settings=$(relaywatch-db -c "$conf" setting mainlog statedir 2>&1) ||
    die 78 "$settings"
mainlog=$(printf '%s\n' "$settings" | sed -n 1p)
statedir=$(printf '%s\n' "$settings" | sed -n 2p)

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
	say notice "stopped (signal $1); $(count) hosts probed since start"
	exit 0
}
trap 'stop TERM' TERM
trap 'stop INT' INT
trap 'stop HUP' HUP

touch "$probes" && chmod 600 "$probes" || die 73 "$probes: cannot write"
start_line=$(( $(wc -l < "$probes") + 1 ))
# Hosts, not probe messages (one a variant).
count() { tail -n "+$start_line" "$probes" | cut -d ' ' -f 1 | sort -u | wc -l; }

# Where reading the log stopped: "INODE OFFSET" in statedir/mainlog.pos,
# kept by relaywatch-hosts -p.  Each run goes on from there: in the same
# file, from the offset; after a rotation, the rest of the old file (found
# by its inode beside the log) first, then the new log from its start.
# With no position yet, from the end of the log.  Sets from (tail's
# start), at (INODE:OFFSET for relaywatch-hosts -s), and old and oldfrom
# (the rotated file to finish first, if any).
pos=$statedir/mainlog.pos
resume() {
	old= oldfrom=
	cur=$(stat -L -c %i "$mainlog" 2>/dev/null) || cur=0
	size=$(stat -L -c %s "$mainlog" 2>/dev/null) || size=0
	ino= off=
	[ -f "$pos" ] && read -r ino off < "$pos" 2>/dev/null
	case $ino:$off in
	*[!0-9:]*|:*|*:) ino= ;;
	esac
	if [ -z "$ino" ]; then			# first run: from the end
		from=$((size + 1)) at=$cur:$size
	elif [ "$ino" = "$cur" ] || [ "$ino" = 0 ]; then
		[ "$off" -le "$size" ] || off=0	# truncated meanwhile
		from=$((off + 1)) at=$cur:$off
	else					# rotated meanwhile
		old=$(find "$(dirname "$mainlog")" -maxdepth 1 -type f \
		    -name "$(basename "$mainlog")?*" -inum "$ino" 2>/dev/null |
		    head -n 1)
		[ -n "$old" ] && oldfrom=$((off + 1))
		from=1 at=$cur:0
	fi
}

# The pipeline, in its own process group (so that it is stopped whole);
# each stage says on fd 3 that it ended, and with what status.  The rest
# of a rotated log, if any, goes through the same filters first.
pipeline() {
	resume
	[ -n "$old" ] && say notice "reading the rest of $old (rotated) from byte $oldfrom"
	setsid sh -c '
	if [ -n "$5" ]; then
		tail -c "+$6" "$5" | relaywatch-hosts -d | relaywatch-due |
		    relaywatch-probe >> "$2" || { echo "catch-up $?" >&3; exit; }
	fi
	{ tail -c "+$3" -F "$1"; echo "tail $?" >&3; } |
	{ relaywatch-hosts -d -p "$4" -s "$7"; echo "relaywatch-hosts $?" >&3; } |
	{ relaywatch-due; echo "relaywatch-due $?" >&3; } |
	{ relaywatch-probe >> "$2"; echo "relaywatch-probe $?" >&3; }
	' relaywatch-pipeline "$mainlog" "$probes" "$from" "$pos" "$old" \
	    "$oldfrom" "$at" 3>"$run/ended.$runs" 2>"$run/stderr" \
	    < /dev/null 9>&- &
	pgid=$!
	echo "$pgid" > "$run/pgid"
}

# Stop the pipeline's process group (and its leader, should it not have
# made the group yet).
pipeline_stop() {
	kill -TERM "-$pgid" "$pgid" 2>/dev/null
	wait "$pgid" 2>/dev/null
	pgid=
}

# What the stages say on standard error goes to the log as it comes.  A
# tail that cannot read the log would wait silently for ever: its
# complaint ends the run (and the check before the next one says why).
mkfifo "$run/stderr" || die 73 "$run/stderr: mkfifo failed"
exec 5<>"$run/stderr"
( while IFS= read -r line; do
	say warning "$line"
	# (tail ended, its stage says so on fd 3, and the run ends)
	case $line in
	tail:*"No such file"*) ;;	# not there yet: tail -F waits
	tail:*"annot open"*|tail:*"ermission denied"*|tail:*"inaccessible"*)
		pkill -TERM -g "$(cat "$run/pgid")" -x tail ;;
	# Rotated, or there at last: a new run, which finishes the old file
	# and knows where it is in the new one (its inode).
	tail:*"has been replaced"*|tail:*"file truncated"*|tail:*"has appeared"*)
		: > "$run/rotated"
		pkill -TERM -g "$(cat "$run/pgid")" -x tail ;;
	esac
done ) <&5 9>&- &
logpid=$!
exec 5<&-

say notice "started: following $mainlog, state in $statedir (pid $$)"

# Now and then, how many hosts were probed, and (from relaywatch-due, on
# USR1) how many wait for probe_rate.
report() {
	say info "running; $(count) hosts probed since start"
	[ -n "$pgid" ] && pkill -USR1 -g "$pgid" -x relaywatch-due
}
trap report USR1
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
	# A rotation ends a run by design: the next one starts at once.
	if [ -e "$run/rotated" ]; then
		rm -f "$run/rotated"
		say notice "$mainlog rotated; going on"
		check
		continue
	fi
	# A run of more than ten minutes was a good one: start again quickly.
	[ $(( $(date +%s) - started )) -gt 600 ] && backoff=1
	say err "pipeline ended (${what:-unknown}); restarting in $backoff s"
	check
	sleep "$backoff" &
	sleeper=$!
	wait $sleeper
	sleeper=
	backoff=$((backoff * 2))
	[ "$backoff" -le 300 ] || backoff=300
done

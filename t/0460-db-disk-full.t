#!/bin/sh
# The state on a full disk (a small tmpfs of the test's own, in its own
# mount namespace) and after a write cut short: nothing half written is
# ever read as a verdict, and a command that could not record says so
# with 75, so that the MTA keeps the message and tries again.
. "$(dirname "$0")/lib.sh"
need cdb
own_namespace

S=$TMP/small
mkdir -p "$S"
mount -t tmpfs -o size=1m tmpfs "$S" || skip_all "cannot mount a tmpfs"
at_exit "umount '$S'"	# (before $TMP is removed: a mount point is busy)
printf 'statedir = %s\nblocked_nets = %s\n' "$S" "$TMP/blocked.nets" > "$TMP/rw.conf"
db() { relaywatch-db -c "$TMP/rw.conf" "$@"; }
now=$(date +%s)

: > "$S/state"
db compile
# Fill the disk but for a few hundred bytes.
head -c $((1024 * 1024 - 60 * 1024)) /dev/zero > "$S/filler" 2>/dev/null
free=$(df -B1 --output=avail "$S" | tail -n 1)
diag "free after the filler: $free bytes"
# A batch of verdicts much larger than what is left.
awk -v now="$now" 'BEGIN { for (i = 0; i < 2000; i++)
	printf "10.0.%d.%d OK %d why=refused variant=plain\n", int(i / 250), i % 250 + 1, now }' > "$TMP/batch"
before=$(cat "$S/state")
run db apply < "$TMP/batch"
is "$rc" 75 "apply on a full disk: 75 (the MTA keeps the message)"
like "$err" "No space left on device" "  and says why"
is "$(cat "$S/state")" "$before" "  the state is as it was: no half-written line"

# A sweep with more to write than there is room for: the same.
rm -f "$S/filler"
awk -v t="$((now - 3 * 86400))" 'BEGIN { for (i = 0; i < 2000; i++)
	printf "10.1.%d.%d UNKNOWN %d why=probe\n", int(i / 250), i % 250 + 1, t }' > "$S/state"
head -c $(( $(df -B1 --output=avail "$S" | tail -n 1) - 60 * 1024 )) /dev/zero > "$S/filler"
before=$(cat "$S/state")
run db sweep
is "$rc" 75 "sweep on a full disk: 75"
is "$(cat "$S/state")" "$before" "  the state is as it was"

# Room again: the verdicts go in whole.
rm -f "$S/filler"
: > "$S/state"
run db apply < "$TMP/batch"
is "$rc" 0 "room again: apply records the batch"
is "$(grep -c ' OK .* variant=plain$' "$S/state")" 2000 "  every line whole"
db compile
is "$(cdb -q "$S/state.cdb" 10.0.7.250 | cut -d' ' -f1)" OK "  and in the CDB"

# A line cut short by a crash (no newline): the next append ends it so
# that it does not parse; it is never read as a verdict.
printf '192.0.2.9 UNKNOWN 1795839' >> "$S/state"
echo "192.0.2.10 OK $now why=refused token-time=$now" | db apply > /dev/null 2>"$TMP/apply.err"
like "$(cat "$TMP/apply.err")" "state:2001: last line cut short \(no newline\)" "apply warns of a line cut short, with file:line"
is "$(grep '^192\.0\.2\.9 ' "$S/state")" "192.0.2.9 UNKNOWN 1795839 #cut" "a cut line is marked, not mended into a verdict"
run db show 192.0.2.9
is "$out" "192.0.2.9: never tested" "  and not read as one"
like "$(db compile 2>&1)" "state:[0-9]+: .*bad key=value field" "  compile warns with file:line"
is "$(cdb -q "$S/state.cdb" 192.0.2.9)" "" "  not in the CDB"
is "$(db show 192.0.2.10 | head -n 1 | cut -d' ' -f2)" OK "the line after it is whole"

done_testing

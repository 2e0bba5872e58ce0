#!/bin/sh
# The wall clock stepped: relaywatch-due, following a live log, sees a
# step against the monotonic clock and records it (statedir/clock.steps);
# sweep takes the steps out of the time a test has waited, so that a clock
# stepped forward a day does not make a test's silence OK a day early, nor
# one stepped back ten minutes late.  The clock moved by faketime (the
# monotonic clock left alone).
. "$(dirname "$0")/lib.sh"
need faketime
FT=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
[ -n "$FT" ] || skip_all "libfaketime.so.1 not found (apt-get install libfaketime)"

state_setup "pending_timeout = 48h" "probe_rate = 0" "domain_wait = 0"
: > "$S/state"
relaywatch-db compile

# A live relaywatch-due; its clock stepped forward a day, then back ten
# minutes.
# (the offset file replaced whole: libfaketime reads it at every call,
# and must never find it empty)
offset() { echo "$1" > "$TMP/offset.new" && mv "$TMP/offset.new" "$TMP/offset"; }
offset +0
mkfifo "$TMP/in"
LD_PRELOAD=$FT FAKETIME_TIMESTAMP_FILE=$TMP/offset FAKETIME_NO_CACHE=1 \
    FAKETIME_DONT_FAKE_MONOTONIC=1 ASAN_OPTIONS=verify_asan_link_order=0 \
    relaywatch-due -f < "$TMP/in" > "$TMP/out" 2> "$TMP/err" &
pid=$!
at_exit "kill $pid 2>/dev/null"
exec 3> "$TMP/in"
echo 10.0.0.1 >&3
wait_for 'grep -q 10.0.0.1 "$TMP/out"' 10
offset +86400
echo 10.0.0.2 >&3
wait_for '[ -s "$S/clock.steps" ]' 10
# (whole seconds of two clocks: a second either way)
like "$(cat "$S/clock.steps")" "^[0-9]+ 86(39[0-9]|4[0-9][0-9])$" "a step forward of a day: recorded (TIME STEP)"
like "$(cat "$TMP/err")" "the clock was stepped forward by 86(39[0-9]|4[0-9][0-9]) s: recorded in $S/clock.steps" "  and said"
offset +85800
echo 10.0.0.3 >&3
wait_for '[ "$(wc -l < "$S/clock.steps")" = 2 ]' 10
like "$(sed -n 2p "$S/clock.steps")" "^[0-9]+ -(59[0-9]|60[0-9])$" "a step back of ten minutes: recorded"
exec 3>&-
wait $pid
is "$(grep -c 'why=probe' "$S/state")" 3 "  the hosts around the steps tested, each once" || diag "$(cat "$S/state" "$TMP/err")"

# A step while no relaywatch-due ran (the supervisor stopped for a
# while): found against clock.anchor when the next one starts.
due_at() {
	offset "$1"
	echo "$2" | LD_PRELOAD=$FT FAKETIME_TIMESTAMP_FILE=$TMP/offset \
	    FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
	    ASAN_OPTIONS=verify_asan_link_order=0 relaywatch-due -f \
	    > /dev/null 2> "$TMP/err"
}
rm -f "$S/clock.steps" "$S/clock.anchor"
due_at +0 10.0.0.4
like "$(cat "$S/clock.anchor" 2>&1)" "^-?[0-9]+ [0-9a-f-]+$" "relaywatch-due -f keeps clock.anchor (OFFSET BOOT)"
is "$(cat "$S/clock.steps" 2>/dev/null)" "" "  no step at a first start"
due_at +86400 10.0.0.5
like "$(cat "$S/clock.steps" 2>&1)" "^[0-9]+ 86(39[0-9]|4[0-9][0-9])$" "a step forward of a day while stopped: recorded at the next start"
like "$(cat "$TMP/err")" "stepped forward by 86(39[0-9]|4[0-9][0-9]) s while relaywatch-due was stopped" "  and said"
due_at +86400 10.0.0.6
is "$(wc -l < "$S/clock.steps")" 1 "  once: the anchor moved with it"
# An anchor of another boot (the monotonic clock began anew) or damaged:
# no step taken from it, and it is made anew.
read -r off boot < "$S/clock.anchor"
echo "$((off - 999999)) 00000000-0000-0000-0000-000000000000" > "$S/clock.anchor"
due_at +86400 10.0.0.7
is "$(wc -l < "$S/clock.steps")" 1 "an anchor of another boot: no step taken from it"
is "$(cut -d ' ' -f 2 "$S/clock.anchor")" "$boot" "  and it is this boot's again"
for junk in 'junk' '12 ' ' abc' "99999999999999999999 $boot" "$(head -c 70000 /dev/zero | tr '\0' 1) $boot"; do
	printf '%s\n' "$junk" > "$S/clock.anchor"
	due_at +86400 10.0.0.8
	[ "$(wc -l < "$S/clock.steps")" = 1 ] && grep -q " $boot\$" "$S/clock.anchor"
	ok $? "a damaged anchor ($(printf '%.12s' "$junk")...): no step, made anew" || diag "$(cat "$TMP/err")"
done

# sweep: a test whose probe was delivered 25 hours ago by the real clock,
# the clock since stepped forward a day (it says 49 hours).
now=$(date +%s)
H=3600
rm -f "$S"/state* "$S/clock.steps"
cat > "$S/state" <<ST
10.0.1.1 UNKNOWN $((now - 25 * H)) why=probe probes=3 delivered=$((now - 25 * H + 5))
10.0.1.2 UNKNOWN $((now - 48 * H - 300)) why=probe probes=3 delivered=$((now - 48 * H - 295))
ST
relaywatch-db compile
sweep_at() { ASAN_OPTIONS=verify_asan_link_order=0 faketime -f "$1" relaywatch-db sweep > /dev/null 2>&1; }
last() { awk -v ip="$1" '$1 == ip { l = $0 } END { print l }' "$S/state"; }
cp "$S/state" "$TMP/state.before"
sweep_at +1d
like "$(last 10.0.1.1)" " why=no-answer " "without the steps: 25 h of silence taken for 49, OK a day early (the wrong verdict)"
cp "$TMP/state.before" "$S/state"
relaywatch-db compile
echo "$((now - H + 86400)) 86400" > "$S/clock.steps"
sweep_at +1d
like "$(last 10.0.1.1)" " UNKNOWN .*why=probe" "with the step recorded: 25 h are 25 h, the test still waits"
sweep_at +2d
like "$(last 10.0.1.1)" " OK [0-9]+ why=no-answer " "  and is OK after 48 h of real silence"
# A step back of ten minutes: the test waited 48 h 5 min of real time,
# though the clock says 47 h 55 min.
cp "$TMP/state.before" "$S/state"
relaywatch-db compile
echo "$((now - H - 600)) -600" > "$S/clock.steps"
sweep_at -10m
like "$(last 10.0.1.2)" " OK [0-9]+ why=no-answer " "a step back of ten minutes recorded: OK after 48 h of real silence, not ten minutes late"
# Times never go backwards: a test begun before the clock was stepped
# back three days, silent for 49 h of real time, is OK at its own time,
# not three days before it; a verdict for an address whose last line the
# clock (stepped back ten minutes) says is later, at that line's time.
cp "$TMP/state.before" "$S/state"
echo "10.0.1.3 UNKNOWN $((now + 600)) why=probe probes=3 delivered=$((now + 605))" >> "$S/state"
relaywatch-db compile
echo "$((now + 700)) -259200" > "$S/clock.steps"
sweep_at -23h
like "$(last 10.0.1.3)" "^10\.0\.1\.3 OK $((now + 600)) why=no-answer tested=$((now + 600))\$" "sweep after a step back of three days: the OK at the test's own time"
echo "10.0.1.4 UNKNOWN $((now + 600)) why=probe probes=3" >> "$S/state"
echo "10.0.1.4 BLOCK $now why=relayed variant=plain via=10.0.1.4" | relaywatch-db apply > /dev/null 2>&1
is "$(last 10.0.1.4)" "10.0.1.4 BLOCK $((now + 600)) why=relayed variant=plain via=10.0.1.4" "apply: a verdict dated before the address's last line, at that line's time, its fields kept"
echo "10.0.1.5 OK $now why=refused" | relaywatch-db apply > /dev/null 2>&1
is "$(last 10.0.1.5)" "10.0.1.5 OK $now why=refused" "  a new address's verdict at its own time"
awk '{ if ($1 in t && $3 < t[$1]) print; t[$1] = $3 }' "$S/state" > "$TMP/back"
is "$(cat "$TMP/back")" "" "  no address's time goes backwards in the state"

# A damaged steps file: its bad lines passed over, said.
printf 'junk\n99999999999999999999 5\n%s 0\n-5 60\n%s 86400' "$now" "$now" >> "$S/clock.steps"
run relaywatch-db sweep
like "$err" "clock.steps: 5 lines not \"TIME STEP\" passed over" "a damaged clock.steps: its bad lines passed over, said"
ln -sf "$TMP/elsewhere" "$S/clock.steps"
run relaywatch-db sweep
is "$rc" 75 "clock.steps a symbolic link: not followed (exit 75)"
done_testing

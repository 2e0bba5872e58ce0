#!/bin/sh
# A damaged state.cdb is not used: eight bytes of its records overwritten,
# forty ways over (the same forty each run), and relaywatch-due, sweep,
# status and the RCPT lookup's reader neither crash nor believe it; the
# text state, the truth, is read instead, and the damage said.
. "$(dirname "$0")/lib.sh"
need cdb

state_setup "probe_rate = 0" "domain_wait = 0"
now=$(date +%s)
awk -v t="$now" 'BEGIN { for (i = 0; i < 300; i++)
	printf "10.0.%d.%d %s %d why=%s\n", i / 256, i % 256,
	    i % 3 ? "OK" : "BLOCK", t - 1000 + i, i % 3 ? "refused" : "relayed" }' > "$S/state"
relaywatch-db compile
cp "$S/state.cdb" "$TMP/good.cdb"
size=$(stat -c %s "$TMP/good.cdb")
# damage N: the good CDB with 8 bytes after its header (2048 bytes) made
# something else, where and what by N
damage() {
	cp "$TMP/good.cdb" "$S/state.cdb"
	awk -v n="$1" -v size="$size" 'BEGIN { srand(n)
		printf "%d", 2048 + int(rand() * (size - 2048 - 8)) > "/dev/stderr"
		for (i = 0; i < 8; i++) printf "\\%03o", int(rand() * 256) }' 2> "$TMP/off" > "$TMP/bytes"
	printf "$(cat "$TMP/bytes")" | dd of="$S/state.cdb" bs=1 seek="$(cat "$TMP/off")" conv=notrunc 2>/dev/null
}

crashed= wrong= unsaid=
for n in $(seq 1 40); do
	damage "$n"
	cmp -s "$S/state.cdb" "$TMP/good.cdb" && continue	# (the same bytes)
	# relaywatch-due: every host of the state is known (none due), or
	# the damage is said and the state read.
	echo 10.0.0.1 | relaywatch-due > "$TMP/out" 2> "$TMP/err"
	rc=$?
	[ $rc -ge 128 ] && crashed="$crashed due:$n"
	[ -s "$TMP/out" ] && wrong="$wrong due:$n"
	relaywatch-db sweep > /dev/null 2>&1
	[ $? -ge 128 ] && crashed="$crashed sweep:$n"
	relaywatch-db status > "$TMP/status" 2>&1
	[ $? -ge 128 ] && crashed="$crashed status:$n"
	grep -q '^hosts: *300 (OK 200, BLOCK 100, UNKNOWN 0)' "$TMP/status" || wrong="$wrong status:$n"
	relaywatch-db show 10.0.0.0 > /dev/null 2>&1
	[ $? -ge 128 ] && crashed="$crashed show:$n"
	if grep -q 'damaged\|record "' "$TMP/err"; then
		grep -q 'reading all of' "$TMP/err" || unsaid="$unsaid $n"
	fi
done
is "$crashed" "" "forty damaged CDBs: nothing crashed"
is "$wrong" "" "  relaywatch-due tests no host the state knows; status counts the state's hosts"
is "$unsaid" "" "  a damage found is said, with the state read instead"

# The damage the issue met: a record's length past the data (tinycdb's
# own check lets it by), and a header that claims a billion records.
cp "$TMP/good.cdb" "$S/state.cdb"
# (the third record's key length: past the position's record, wherever
# that is)
at=2048
for i in 1 2; do
	at=$((at + 8 + $(od -An -tu4 -j$at -N4 "$TMP/good.cdb") + $(od -An -tu4 -j$((at + 4)) -N4 "$TMP/good.cdb")))
done
printf '\377\377\377\177' | dd of="$S/state.cdb" bs=1 seek=$at conv=notrunc 2>/dev/null
run relaywatch-due < /dev/null
ok "$([ "$rc" -lt 128 ]; echo $?)" "a key length past the end: no crash (exit $rc)"
like "$err" "state.cdb: damaged; reading all of $S/state" "  damaged, said; the state read"
cp "$TMP/good.cdb" "$S/state.cdb"
printf '\377\377\377\177' | dd of="$S/state.cdb" bs=1 seek=4 conv=notrunc 2>/dev/null
run relaywatch-due < /dev/null
ok "$([ "$rc" -lt 128 ] && [ "$rc" != 71 ]; echo $?)" "a header claiming 2^30 records: neither a crash nor out of memory (exit $rc)"
done_testing

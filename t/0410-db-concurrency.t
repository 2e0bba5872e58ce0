#!/bin/sh
# The store under concurrency and crashes: writers never lose or tear a
# line, and state.cdb is always whole, old or new.
. "$(dirname "$0")/lib.sh"
need cdb awk

S=$TMP/state.d
mkdir -p "$S"
printf 'statedir = %s\nblocked_nets = %s\npending_timeout = 1h\n' "$S" \
    "$TMP/blocked.nets" > "$TMP/rw.conf"
db() { relaywatch-db -c "$TMP/rw.conf" "$@"; }

# 16 writers, 1000 verdicts each in batches of 20, while compile and sweep
# run in a loop.
now=$(date +%s)
p=1
while [ $p -le 16 ]; do
	awk -v p=$p -v now="$now" 'BEGIN {
		split("UNKNOWN OK BLOCK UNKNOWN OK", st, " ")
		for (i = 0; i < 1000; i++) {
			# some pending long enough for sweep to act on
			t = (i % 7 == 0) ? now - 7200 : now
			printf "10.%d.%d.%d %s %d why=w%d-%d\n", p, int(i / 250),
			    i % 250 + 1, st[i % 5 + 1], t, p, i
		}
	}' > "$TMP/in.$p"
	p=$((p + 1))
done
cat "$TMP"/in.* > "$TMP/all.in"
(
	n=0
	while [ ! -e "$TMP/stop" ]; do
		db compile 2>>"$TMP/bg.err" || echo "compile failed" >> "$TMP/bg.err"
		db sweep > /dev/null 2>>"$TMP/bg.err" || echo "sweep failed" >> "$TMP/bg.err"
		n=$((n + 1))
		# A few compactions too: writers waiting on the old file
		# must follow to the new one.
		if [ $((n % 5)) = 0 ] && [ $n -le 15 ]; then
			db compact > /dev/null 2>>"$TMP/bg.err" ||
			    echo "compact failed" >> "$TMP/bg.err"
		fi
	done
) &
bg=$!
at_exit "kill $bg"
p=1
writers=
while [ $p -le 16 ]; do
	(
		split -l 20 "$TMP/in.$p" "$TMP/batch.$p."
		for b in "$TMP/batch.$p."*; do
			db apply < "$b" > /dev/null 2>>"$TMP/w.$p.err" ||
			    echo "apply failed: $?" >> "$TMP/w.$p.err"
		done
	) &
	writers="$writers $!"
	p=$((p + 1))
done
for w in $writers; do
	wait "$w"
done
touch "$TMP/stop"
wait "$bg"

is "$(cat "$TMP"/w.*.err "$TMP/bg.err" 2>/dev/null)" "" "no writer and no compile or sweep failed"
# Every verdict is there (sweep adds its own OK lines, why=no-answer),
# in the state or, before a compaction, in its history.
diag "compactions: $(ls "$S" | grep -c '^state\.[0-9]$')"
cat "$S"/state "$S"/state.[0-9] 2>/dev/null | grep -v 'why=no-answer tested=[0-9]*$' | sort -u > "$TMP/got"
sort "$TMP/all.in" > "$TMP/want"
# BLOCKs stand: later OK/UNKNOWN verdicts for a blocked IP are not
# recorded, so compare only what the rules keep.
missing=$(comm -13 "$TMP/got" "$TMP/want" | grep -v -e ' OK ' -e ' UNKNOWN ' | wc -l)
is "$missing" 0 "no verdict lost"
is "$(comm -23 "$TMP/got" "$TMP/want" | wc -l)" 0 "no line torn or invented"
is "$(cat "$S"/state.[0-9] 2>/dev/null | cat - "$S/state" | grep -v 'why=no-answer tested=[0-9]*$' |
    sort | uniq -c | awk '$1 > 4' | wc -l)" 0 "no line written twice (beyond compactions' copies)"
# What Exim finds (recent.cdb, then state.cdb), before any compile: the
# state's last lines, for every BLOCK and every other status alike.
{ cdb -d -m "$S/state.cdb" | sed 's/^/S /'; cdb -d -m "$S/recent.cdb" | sed 's/^/R /'; } |
    awk '$2 == "relaywatch-state" || $2 ~ /\// { next }
	$1 == "R" { r[$2] = $3; next } { s[$2] = $3 }
	END { for (k in s) if (!(k in r)) print k, s[k]; for (k in r) print k, r[k] }' |
    sort > "$TMP/exim.view"
db list | awk '{ print $1, $2 }' | sort > "$TMP/list.view"
cmp -s "$TMP/exim.view" "$TMP/list.view"
ok $? "what Exim finds, through the writers, compiles, sweeps and compactions: the state's last lines" ||
    diag "$(diff "$TMP/list.view" "$TMP/exim.view" | head -n 5)"
run db compile
is "$err" "" "every line of the state parses"
db list | awk '{ k = $1; $1 = ""; print k "->" substr($0, 2) }' | sort > "$TMP/list"
cdb -d -m "$S/state.cdb" | grep -v '^relaywatch-state ' | awk '{ k = $1; $1 = ""; print k "->" substr($0, 2) }' | sort > "$TMP/cdb"
cmp -s "$TMP/list" "$TMP/cdb"
ok $? "the final CDB is the state's last lines"
is "$(wc -l < "$TMP/cdb")" 16000 "one record per IP"
is "$(db list BLOCK | wc -l)" 3200 "every BLOCK stands"

# compile killed at random points, RW_STRESS_KILLS times (make check: 20;
# make stress: 100): state.cdb is always whole, with the old or the new
# content.
kills=${RW_STRESS_KILLS:-20}
awk 'BEGIN { for (i = 0; i < 300000; i++)
	printf "172.%d.%d.%d OK 1000 why=refused\n", int(i / 65536) + 16,
	    int(i / 256) % 256, i % 256 }' > "$S/state"
db compile
# The kills fall within one and a half compiles of this state (as long as
# this machine takes), most of them inside one.
t0=$(date +%s%N)
db compile
span=$(( ($(date +%s%N) - t0) * 3 / 2000000 ))	# (milliseconds)
[ "$span" -ge 10 ] || span=10
bad=0 done=0 killed=0
i=0
while [ $i -lt "$kills" ]; do
	old=$(cdb -q "$S/state.cdb" 172.16.0.0)
	new="BLOCK $((2000 + i)) why=relayed"
	printf '172.16.0.0 %s\n' "$new" >> "$S/state"
	# The program itself, not a subshell running it, is killed.
	relaywatch-db -c "$TMP/rw.conf" compile 2>/dev/null &
	pid=$!
	sleep "$(awk -v s=$i -v w="$span" 'BEGIN { srand(s); printf "%.3f", int(rand() * w) / 1000 }')"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	v=$(cdb -q "$S/state.cdb" 172.16.0.0 2>/dev/null)
	if ! cdb -s "$S/state.cdb" > /dev/null 2>&1 ||
	    { [ "$v" != "$old" ] && [ "$v" != "$new" ]; }; then
		bad=$((bad + 1))
		diag "kill $i: value '$v', want '$old' or '$new'"
	fi
	if [ "$v" = "$new" ]; then done=$((done + 1)); else killed=$((killed + 1)); fi
	i=$((i + 1))
done
is "$bad" 0 "$kills compiles killed at random: the CDB always whole, old or new"
diag "$killed killed before the rename, $done after"
ok $([ $killed -ge $((kills / 10)) ]; echo $?) "at least $((kills / 10)) kills landed inside a compile"
is "$(cdb -d -m "$S/state.cdb" | grep -vc '^relaywatch-state ')" 300000 "and complete"
ls -A "$S" | grep -c '^\.state\.cdb\.' > "$TMP/temps"
diag "killed compiles left $(cat "$TMP/temps") temp files"
# Temp files of a minute ago: dead (a live writer holds its file locked).
for f in "$S"/.state.cdb.*; do
	[ -e "$f" ] && touch -d '2 minutes ago' "$f"
done
db compile
is "$(ls -A "$S" | grep -c '^\.state\.cdb\.')" 0 "the next compile removes them"

# compact racing apply: compact stopped just after its new file is in
# place, before its CDB is written; an apply then must not be undone by
# that CDB (written from compact's snapshot) when compact goes on.
lost=0
for i in 1 2 3; do
	ino=$(stat -c %i "$S/state")
	relaywatch-db -c "$TMP/rw.conf" compact > /dev/null &
	c=$!
	n=0	# (as tight a loop as sh has: the window is milliseconds)
	while [ "$(stat -c %i "$S/state")" = "$ino" ] && [ $n -lt 100000 ]; do
		n=$((n + 1))
	done
	kill -STOP $c
	echo "192.0.2.$i BLOCK $(date +%s) why=relayed" |
	    relaywatch-db -c "$TMP/rw.conf" apply > /dev/null &
	a=$!
	sleep 0.5
	kill -CONT $c
	wait $c
	wait $a
	exim_finds "$S" "192.0.2.$i" | grep -q '^BLOCK ' || lost=$((lost + 1))
done
is "$lost" 0 "a BLOCK applied while compact puts its file in place reaches what Exim reads (3 tries)"
# A compact killed after writing its copy leaves a temp file as big as the
# state: the next compile (cron, every five minutes) removes it.
: > "$S/.state.AbC123"
touch -d '2 minutes ago' "$S/.state.AbC123"
: > "$S/.state.XyZ789"
db compile
is "$(ls -A "$S" | grep '^\.state\.[A-Za-z0-9]*$' | tr '\n' ' ')" ".state.XyZ789 " \
    "a dead compact's temp file removed by compile, a live one (just made) kept"
# apply killed at random points, 40 times, each verdict a new BLOCK: the
# MTA's retry (the same verdict again) always leaves the BLOCK in the
# state, in what Exim reads and in blocked.nets, its notice in the outbox,
# and nothing left to do.  (A state of 20,000 lines compiled, and 40,000
# after it, which apply reads: so that it takes long enough to be killed
# on its way.)
awk 'BEGIN { for (i = 0; i < 60000; i++)
	printf "172.%d.%d.%d OK 1000 why=refused\n", int(i / 65536) + 16,
	    int(i / 256) % 256, i % 256 }' > "$TMP/lines"
head -n 20000 "$TMP/lines" > "$S/state"
db compile
tail -n +20001 "$TMP/lines" >> "$S/state"
bad=0 killed=0
i=0
while [ $i -lt 40 ]; do
	v="198.18.$((i / 250)).$((i % 250 + 1)) BLOCK $((3000 + i)) why=relayed variant=plain"
	ip=${v%% *}
	echo "$v" | relaywatch-db -c "$TMP/rw.conf" apply > /dev/null 2>&1 &
	pid=$!
	sleep "0.$(awk -v s=$i 'BEGIN { srand(s + 1000); printf "%03d", int(rand() * 25) }')"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	[ $? = 137 ] && killed=$((killed + 1))
	# The MTA tries again: until apply says it is done.
	n=0
	until echo "$v" | relaywatch-db -c "$TMP/rw.conf" apply > /dev/null 2>&1; do
		n=$((n + 1))
		[ $n -lt 3 ] || break
	done
	if [ "$(exim_finds "$S" "$ip" | cut -d' ' -f1)" != BLOCK ] ||
	    ! grep -q "^$ip " "$TMP/blocked.nets" ||
	    [ ! -s "$S/outbox/$ip" ] || [ -e "$S/enforce-pending" ] ||
	    [ "$(awk -v ip="$ip" '$1 == ip' "$S/state" | wc -l)" -lt 1 ]; then
		bad=$((bad + 1))
		diag "kill $i ($ip): Exim finds '$(exim_finds "$S" "$ip")', outbox '$(ls "$S/outbox" | grep -c "^$ip$")'"
	fi
	i=$((i + 1))
done
diag "$killed of 40 applies killed on the way"
is "$bad" 0 "apply killed at random, then retried: the BLOCK in the state, where Exim looks, blocked.nets, its notice in the outbox"
ok $([ $killed -ge 10 ]; echo $?) "at least 10 kills landed inside an apply"
done_testing

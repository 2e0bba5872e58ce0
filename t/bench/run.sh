#!/bin/sh
# make bench: throughput of the filters on generated data, beside standard
# tools run on the same data in the same run.  Each time is the best of
# $RUNS runs, with the input in the page cache.
set -eu
cd "$(dirname "$0")/../.."
TOP=$(pwd)
RUNS=${RUNS:-7}
MESSAGES=${BENCH_MESSAGES:-1000000}
DIR=${BENCH_DIR:-$TOP/t/tmp/bench}
mkdir -p "$DIR"

# best CMD...: the best wall time of $RUNS runs, in seconds (stdout of the
# command discarded, its stdin from $input).
best() {
	b=
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		t0=$(date +%s%N)
		"$@" < "$input" > /dev/null
		t1=$(date +%s%N)
		t=$((t1 - t0))
		if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
		i=$((i + 1))
	done
	echo "$b" | awk '{ printf "%.3f", $1 / 1e9 }'
}

# row NAME SECONDS: a line of the table, with lines and MB per second.
row() {
	awk -v n="$1" -v t="$2" -v l="$lines" -v b="$bytes" 'BEGIN {
		printf "  %-34s %7.3f s %12.0f lines/s %8.0f MB/s\n", n, t, l / t, b / t / 1e6 }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b / a }'
}

log=$DIR/mainlog-$MESSAGES
if [ ! -s "$log" ]; then
	echo "generating a main log of $MESSAGES messages in $log"
	t/bench/genlog "$MESSAGES" > "$log.tmp" && mv "$log.tmp" "$log"
fi
cat "$log" > /dev/null
input=$log
lines=$(wc -l < "$log")
bytes=$(wc -c < "$log")
arrivals=$(grep -c ' <= ' "$log")

echo "relaywatch-hosts on $log"
echo "  $lines lines, $bytes bytes, $arrivals arrivals; best of $RUNS runs"

# (the log holds lines relaywatch-hosts warns about: it exits 65)
hosts_file() { bin/relaywatch-hosts "$log" 2>/dev/null || [ $? -eq 65 ]; }
hosts_pipe() { cat | bin/relaywatch-hosts 2>/dev/null || [ $? -eq 65 ]; }
mawk_ip() {
	mawk '/ <= / && / H=/ { if (match($0, / H=[^[]*\[[^]]*\]/)) {
		s = substr($0, RSTART, RLENGTH); sub(/.*\[/, "", s);
		sub(/\]$/, "", s); print s } }'
}
perl_ip() { perl -ne 'print "$1\n" if / <= .* H=[^[]*\[([^]]+)\]/'; }
wc_l() { wc -l; }

t_hosts=$(best hosts_file)
t_pipe=$(best hosts_pipe)
t_mawk=$(best mawk_ip)
t_perl=$(best perl_ip)
t_wc=$(best wc_l)
row "relaywatch-hosts FILE" "$t_hosts"
row "cat FILE | relaywatch-hosts" "$t_pipe"
row "mawk one-liner" "$t_mawk"
row "perl one-liner" "$t_perl"
row "wc -l" "$t_wc"
echo "  relaywatch-hosts FILE: $(ratio "$t_hosts" "$t_mawk") x mawk (target 5)," \
    "$(ratio "$t_hosts" "$t_wc") of wc -l's speed (target 0.33)," \
    "$(ratio "$t_hosts" "$t_perl") x perl"
echo "  through a pipe:        $(ratio "$t_pipe" "$t_mawk") x mawk," \
    "$(ratio "$t_pipe" "$t_wc") of wc -l's speed"

# relaywatch-db: compile a state of 1,000,000 IPs in 1,200,000 lines (a
# fifth of them updates) beside tinycdb's own "cdb -c -m" on the same
# lines (which keeps duplicates: the floor), and the time from a BLOCK
# verdict to the new state.cdb in place.
IPS=${BENCH_IPS:-1000000}
sdir=$DIR/state-$IPS
state=$sdir/state
if [ ! -s "$state" ]; then
	mkdir -p "$sdir"
	echo "generating a state of $IPS IPs in $sdir"
	awk -v n="$IPS" 'BEGIN {
		t = 1764000000
		for (i = 0; i < n; i++) {
			if (i % 10 == 9)
				ip = sprintf("2001:db8:%x:%x::%x", int(i / 65536) + 1, int(i / 256) % 256 + 1, i % 256 + 1)
			else
				ip = sprintf("10.%d.%d.%d", int(i / 65536) % 256, int(i / 256) % 256, i % 256)
			printf "%s UNKNOWN %d why=probe\n", ip, t + i
			if (i % 5 == 0) upd[i / 5] = ip
		}
		for (j = 0; j < n / 5; j++)
			printf "%s OK %d why=refused diag=\"550 5.7.1 Relaying denied\"\n", upd[j], t + n + j
	}' > "$state.tmp" && mv "$state.tmp" "$state"
fi
printf 'statedir = %s\nblocked_nets = %s/blocked.nets\n' "$sdir" "$sdir" > "$sdir/rw.conf"
cat "$state" > /dev/null
input=/dev/null
slines=$(wc -l < "$state")
db_compile() { bin/relaywatch-db -c "$sdir/rw.conf" compile; }
cdb_floor() { cdb -c -m -t "$sdir/floor.tmp" "$sdir/floor.cdb" "$state"; }
t_compile=$(best db_compile)
t_floor=$(best cdb_floor)
records=$(cdb -s "$sdir/state.cdb" | awk '/^number of records/ { print $4 }')
# (one record says which state file the CDB was built from)
cdb -q "$sdir/state.cdb" relaywatch-state > /dev/null && records=$((records - 1))
echo
echo "relaywatch-db on a state of $slines lines, $IPS IPs ($records records compiled)"
printf '  %-34s %7.3f s\n' "relaywatch-db compile" "$t_compile"
printf '  %-34s %7.3f s\n' "cdb -c -m (no last-wins: floor)" "$t_floor"
echo "  compile: $(ratio "$t_floor" "$t_compile") x the floor (target at most 2)"
i=0
block_latency() {
	i=$((i + 1))
	echo "10.0.0.$i BLOCK $(date +%s) why=relayed" |
	    bin/relaywatch-db -c "$sdir/rw.conf" apply
}
t_apply=$(best block_latency)
printf '  %-34s %7.3f s\n' "BLOCK verdict -> state.cdb in place" "$t_apply"
# Leave the state as generated for the next run.
head -n "$slines" "$state" > "$state.tmp" && mv "$state.tmp" "$state"

# relaywatch-due: 10,000,000 IP lines drawn from 1,000,000 customers (long
# tail) against a state.cdb of 1,000,000 IPs, beside "sort -u" of the same
# lines.  Each run starts from the same state (copied, then compiled: the
# CDB names the state file it was built from); what is due is recorded.
LINES=${BENCH_DUE_LINES:-10000000}
CUSTOMERS=${BENCH_CUSTOMERS:-1000000}
ddir=$DIR/due-$LINES
mkdir -p "$ddir"
ips=$ddir/ips
if [ ! -s "$ips" ]; then
	echo "generating $LINES IP lines from $CUSTOMERS customers in $ips"
	t/bench/genips lines "$LINES" "$CUSTOMERS" > "$ips.tmp" && mv "$ips.tmp" "$ips"
fi
t/bench/genips state "$CUSTOMERS" "$IPS" "$(date +%s)" > "$ddir/state.orig"
printf '10.0.0.0/8\n2001:db8::/32\n' > "$ddir/netblocks"
cat > "$ddir/rw.conf" <<CONF
statedir = $ddir
netblocks = $ddir/netblocks
exclude = $ddir/exclude
blocked_nets = $ddir/blocked.nets
probe_rate = 0
CONF
cat "$ips" > /dev/null
input=$ips
lines=$(wc -l < "$ips")
bytes=$(wc -c < "$ips")
distinct=$(LC_ALL=C sort -u "$ips" | wc -l)
fresh_state() {
	cp "$ddir/state.orig" "$ddir/state"
	sync "$ddir/state"
	bin/relaywatch-db -c "$ddir/rw.conf" compile
}
# best_due: like best, from a fresh state each run (not timed); the peak
# memory (maximum resident set, KB) of the fastest run in $due_kb.
best_due() {
	b=
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		fresh_state
		t0=$(date +%s%N)
		/usr/bin/time -f '%M' -o "$ddir/time" bin/relaywatch-due -v \
		    -c "$ddir/rw.conf" < "$ips" > "$ddir/out" 2> "$ddir/err"
		t1=$(date +%s%N)
		t=$((t1 - t0))
		if [ -z "$b" ] || [ "$t" -lt "$b" ]; then
			b=$t
			due_kb=$(tail -n 1 "$ddir/time")
		fi
		i=$((i + 1))
	done
	echo "$b" | awk '{ printf "%.3f", $1 / 1e9 }' > "$ddir/best"
}
sort_u() { LC_ALL=C sort -u; }
best_due
t_due=$(cat "$ddir/best")
t_sort=$(best sort_u)
known=$(sed -n 's/.* \([0-9]*\) hosts known;.*/\1/p' "$ddir/err")
printed=$(wc -l < "$ddir/out")
echo
echo "relaywatch-due on $ips"
echo "  $lines lines, $distinct distinct IPs from $CUSTOMERS customers;" \
    "a state of $IPS IPs; best of $RUNS runs"
row "relaywatch-due" "$t_due"
row "LC_ALL=C sort -u" "$t_sort"
echo "  relaywatch-due: $printed hosts due and recorded, $known hosts known"
awk -v kb="$due_kb" -v n="$known" 'BEGIN {
	printf "  peak memory %.1f MB: %.1f bytes per host known (target at most 100)\n",
	    kb / 1024, kb * 1024 / n }'
echo "  relaywatch-due: $(awk -v t="$t_due" -v l="$lines" 'BEGIN { printf "%.2f", l / t / 1e6 }')" \
    "million lines a second (target at least 2); $(ratio "$t_due" "$t_sort") x sort -u"
rm -f "$ddir/state" "$ddir/state.cdb" "$ddir/out"

# relaywatch-probe -n: probes composed and signed per second (no sendmail).
pdir=$DIR/probe
mkdir -p "$pdir"
head -n 100000 "$ips" > "$pdir/ips"
(umask 077; [ -s "$pdir/key" ] || openssl rand -hex 32 > "$pdir/key")
printf 'domain = isp.example\nkeyfile = %s/key\n' "$pdir" > "$pdir/rw.conf"
input=$pdir/ips
probe_n() { bin/relaywatch-probe -n -c "$pdir/rw.conf"; }
t_probe=$(best probe_n)
nprobes=$(probe_n < "$pdir/ips" | grep -c '^From ')
echo
echo "relaywatch-probe -n on 100000 addresses (plain percent quoted); best of $RUNS runs"
awk -v n="$nprobes" -v t="$t_probe" 'BEGIN {
	printf "  %d probes in %.3f s: %.0f probes a second (target at least 50000)\n", n, t, n / t }'

# relaywatch-classify over the corpus, one process a message as procmail
# runs it: the bounces with a probe planted in the original they quote,
# and everything else as it is; beside cat(1) run the same way.
cdir=$DIR/classify
CORPUS=${RELAYWATCH_CORPUS:-$TOP/../shared/corpus}
if [ -d "$CORPUS/bounces" ]; then
	rm -rf "$cdir"
	mkdir -p "$cdir/m"
	(umask 077; openssl rand -hex 32 > "$cdir/key")
	printf 'domain = isp.example\nkeyfile = %s/key\n' "$cdir" > "$cdir/rw.conf"
	tok=$(echo 192.0.2.7 | bin/relaywatch-probe -n -c "$cdir/rw.conf" |
	    sed -n 's/^X-Relaywatch: .*variant=plain token=//p')
	n=0
	for f in "$CORPUS"/*/*/*; do
		n=$((n + 1))
		t/plant "$tok" 192.0.2.7 "$f" > "$cdir/m/$n" || cp "$f" "$cdir/m/$n"
	done
	ls "$cdir/m" > "$cdir/list"
	each() {	# each CMD...: CMD on every message, one process each
		while read -r m; do
			"$@" < "$cdir/m/$m" || [ $? -eq 1 ]
		done
	}
	input=$cdir/list
	t_classify=$(best each bin/relaywatch-classify -c "$cdir/rw.conf")
	t_cat=$(best each cat)
	verdicts=$(each bin/relaywatch-classify -c "$cdir/rw.conf" < "$cdir/list" | wc -l)
	# one big report: a bounce with 100 MB of text before the original
	{
		printf 'Return-path: <>\nFrom: MAILER-DAEMON@remote.example\nSubject: Undeliverable\n\n'
		head -c 100000000 /dev/zero | tr '\0' 'x' | fold -w 76
		echo 192.0.2.7 | bin/relaywatch-probe -n -c "$cdir/rw.conf" | sed '1,3d'
	} > "$cdir/big"
	input=$cdir/big
	t_big=$(best bin/relaywatch-classify -c "$cdir/rw.conf")
	big=$(wc -c < "$cdir/big")
	echo
	echo "relaywatch-classify over the corpus ($n messages, $verdicts verdicts), one process a message; best of $RUNS runs"
	awk -v n="$n" -v t="$t_classify" -v c="$t_cat" 'BEGIN {
		printf "  relaywatch-classify %7.3f s: %.0f messages a second\n", t, n / t
		printf "  cat                 %7.3f s: %.0f messages a second (relaywatch-classify takes %.2f x its time)\n", c, n / c, t / c }'
	awk -v b="$big" -v t="$t_big" 'BEGIN {
		printf "  one report of %.0f MB: %.3f s, %.0f MB/s\n", b / 1e6, t, b / t / 1e6 }'
	rm -rf "$cdir"
else
	echo
	echo "relaywatch-classify: no corpus at $CORPUS, not measured"
fi

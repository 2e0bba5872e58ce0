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

# part NAME: whether BENCH_PARTS (all by default) names it.
part() {
	case " ${BENCH_PARTS:-hosts db due probe classify farm} " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

if part hosts; then
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

fi

# relaywatch-db at each size of BENCH_SCALES (addresses; a state of 1.2
# lines an address, a fifth of them updated): compile beside tinycdb's own
# "cdb -c -m" on the same lines (which keeps duplicates: the floor), with
# peak memory; a verdict that changes nothing and a new BLOCK, each one
# apply, then whether Exim refuses the host (exim -bh, through the shipped
# RCPT ACL); a burst of returned messages through procmail's path
# (classify | apply); relaywatch-due's start-up on the CDB.  The state is
# left as generated, and compiled, for the next run.
SCALES=${BENCH_SCALES:-1000000 10000000}
BURST=${BENCH_BURST:-10000}
RUNS_DB=${RUNS_DB:-3}
EXIM=${EXIM:-/usr/sbin/exim}

# peak CMD...: "SECONDS MB" of one run (stdin from $input).
peak() {
	/usr/bin/time -f '%e %M' -o "$DIR/peak" "$@" < "$input" > /dev/null ||
	    return 1
	awk '{ printf "%.3f %.1f", $1, $2 / 1024 }' "$DIR/peak"
}

# ms TOTAL_NS N: milliseconds each.
ms() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.2f", t / n / 1e6 }'; }

# exim_refuses IP: Exim, through the shipped RCPT ACL, answers 550.
exim_refuses() {
	printf 'EHLO bench.example\r\nMAIL FROM:<a@bench.example>\r\nRCPT TO:<b@remote.example>\r\nQUIT\r\n' |
	    "$EXIM" -C "$sdir/exim.conf" -bh "$1" 2>/dev/null | grep -q '^550'
}

bench_db() {
	IPS=$1
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
	printf '10.0.0.0/8\n2001:db8::/32\n' > "$sdir/netblocks"
	(umask 077; [ -s "$sdir/key" ] || openssl rand -hex 32 > "$sdir/key")
	cat > "$sdir/rw.conf" <<CONF
statedir = $sdir
blocked_nets = $sdir/blocked.nets
netblocks = $sdir/netblocks
keyfile = $sdir/key
domain = isp.example
probe_source = 127.0.0.9
CONF
	conf=$sdir/rw.conf
	cat "$state" > /dev/null
	input=/dev/null
	slines=$(wc -l < "$state")
	db_compile() { bin/relaywatch-db -c "$conf" compile; }
	cdb_floor() { cdb -c -m -t "$sdir/floor.tmp" "$sdir/floor.cdb" "$state"; }
	# (compile syncs the CDB to disk before it renames it; cdb does not)
	cdb_floor_synced() { cdb_floor && sync "$sdir/floor.cdb"; }
	saved=$RUNS
	RUNS=$RUNS_DB
	t_compile=$(best db_compile)
	t_floor=$(best cdb_floor)
	t_synced=$(best cdb_floor_synced)
	RUNS=$saved
	m_compile=$(peak bin/relaywatch-db -c "$conf" compile | cut -d' ' -f2)
	m_floor=$(peak cdb -c -m -t "$sdir/floor.tmp" "$sdir/floor.cdb" "$state" |
	    cut -d' ' -f2)
	rm -f "$sdir/floor.cdb"
	records=$(cdb -s "$sdir/state.cdb" | awk '/^number of records/ { print $4 }')
	# (one record says which state file the CDB was built from)
	records=$((records - 1))
	echo
	echo "relaywatch-db on a state of $slines lines, $IPS IPs ($records records compiled)"
	printf '  %-34s %7.3f s %8.1f MB peak\n' "relaywatch-db compile" "$t_compile" "$m_compile"
	printf '  %-34s %7.3f s %8.1f MB peak\n' "cdb -c -m (no last-wins: floor)" "$t_floor" "$m_floor"
	printf '  %-34s %7.3f s\n' "cdb -c -m, then sync of its CDB" "$t_synced"
	echo "  compile: $(ratio "$t_floor" "$t_compile") x the floor's time (target at most 2)," \
	    "$(ratio "$t_synced" "$t_compile") x the synced floor's, $(ratio "$m_floor" "$m_compile") x its memory"

	# Exim, with the shipped fragments, on this state.
	bin/relaywatch-db -c "$conf" exim-macros > "$sdir/relaywatch.macros"
	mkdir -p "$sdir/spool"
	chown "$(id -un "$EXIM_USER" 2>/dev/null || echo root)" "$sdir/spool" 2>/dev/null || :
	cat > "$sdir/exim.conf" <<CONF
RELAYWATCH_SETTINGS = $sdir/relaywatch.macros
.include $TOP/share/exim4/relaywatch-macros
primary_hostname = bench.isp.example
acl_smtp_rcpt = rcpt
log_file_path = $sdir/exim-%slog
spool_directory = $sdir/spool
begin acl
rcpt:
.include $TOP/share/exim4/relaywatch-rcpt.acl
  accept
CONF
	chmod 644 "$sdir/exim.conf"

	# A verdict that changes nothing (an OK host's OK again), N times.
	n=1000
	now=$(date +%s)
	t0=$(date +%s%N)
	i=0
	while [ $i -lt $n ]; do
		echo "10.0.0.$((i % 50 * 5)) OK $now why=refused" |
		    bin/relaywatch-db -c "$conf" apply > /dev/null
		i=$((i + 1))
	done
	t1=$(date +%s%N)
	t_same=$(ms $((t1 - t0)) $n)
	input=/dev/stdin
	m_same=$(echo "10.0.0.5 OK $now why=refused" | peak bin/relaywatch-db -c "$conf" apply | cut -d' ' -f2)
	# A new BLOCK each time, then Exim asked at once.
	n=50 refused=0 tb=0
	i=0
	while [ $i -lt $n ]; do
		ip=10.250.$((i / 250)).$((i % 250 + 1))
		t0=$(date +%s%N)
		echo "$ip BLOCK $now why=relayed variant=plain via=$ip" |
		    bin/relaywatch-db -c "$conf" apply > /dev/null
		t1=$(date +%s%N)
		tb=$((tb + t1 - t0))
		exim_refuses "$ip" && refused=$((refused + 1))
		i=$((i + 1))
	done
	t_block=$(ms $tb $n)
	m_block=$(echo "10.251.0.1 BLOCK $now why=relayed" | peak bin/relaywatch-db -c "$conf" apply | cut -d' ' -f2)
	# Instructions, which the machine's noise does not touch.
	i_same=- i_block=-
	if command -v valgrind > /dev/null 2>&1; then
		cg() { valgrind --tool=cachegrind --cache-sim=no \
		    --cachegrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
		    sed -n 's/.*I *refs: *//p' | tr -d ,; }
		i_same=$(echo "10.0.0.10 OK $now why=refused" | cg bin/relaywatch-db -c "$conf" apply)
		i_block=$(echo "10.251.1.1 BLOCK $now why=relayed" | cg bin/relaywatch-db -c "$conf" apply)
	fi
	printf '  %-34s %7s ms each, %6.1f MB peak\n' "apply, no change (1000 runs)" "$t_same" "$m_same"
	printf '  %-34s %7s ms each, %6.1f MB peak; refused by Exim right after: %d of %d\n' \
	    "apply, new BLOCK (50 runs)" "$t_block" "$m_block" "$refused" "$n"
	echo "  instructions of one apply (valgrind): no change $i_same, new BLOCK $i_block"

	# The burst: BURST bounces of probes to hosts under test, each
	# through classify | apply, one at a time and 8 at a time.
	bdir=$sdir/burst
	rm -rf "$bdir"
	mkdir -p "$bdir"
	awk -v n="$BURST" 'BEGIN { for (k = 0; k < n; k++) { i = 5 * k + 1
		printf "10.%d.%d.%d\n", int(i / 65536) % 256, int(i / 256) % 256, i % 256 } }' |
	    bin/relaywatch-probe -n -c "$conf" | awk -v dir="$bdir" '
	/^From / { inhdr = 1; n = split("", h); next }
	inhdr && /^$/ { inhdr = 0
		if (variant == "plain") {
			f = sprintf("%s/%06d", dir, ++count)
			printf "Return-path: <>\nFrom: Mail Delivery System <MAILER-DAEMON@customer.example>\nTo: %s\nSubject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nYour message could not be delivered to <victim@remote.example>:\nhost said: 550 5.7.1 Relaying denied\n\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; customer.example\n\nFinal-Recipient: rfc822; victim@remote.example\nAction: failed\nStatus: 5.7.1\nDiagnostic-Code: smtp; 550 5.7.1 Relaying denied\n\n--B\nContent-Type: text/rfc822-headers\n\n", rcpt > f
			for (i = 1; i <= n; i++) print h[i] > f
			printf "\n--B--\n" > f
			close(f)
			print f, rcpt
		}
		variant = ""; next }
	inhdr { h[++n] = $0
		if ($0 ~ /^X-Relaywatch: /) { variant = $0; sub(/.* variant=/, "", variant); sub(/ .*/, "", variant) }
		if ($0 ~ /^Return-path: /) { rcpt = $0; sub(/^Return-path: </, "", rcpt); sub(/>$/, "", rcpt) } }
	' > "$bdir/list"
	before=$(wc -l < "$state")
	one() { bin/relaywatch-classify -c "$conf" -r "$2" < "$1" |
	    bin/relaywatch-db -c "$conf" apply > /dev/null; }
	t0=$(date +%s%N)
	while read -r f r; do one "$f" "$r"; done < "$bdir/list"
	t1=$(date +%s%N)
	t_burst=$((t1 - t0))
	changes=$(($(wc -l < "$state") - before))
	# the same messages again, 8 deliveries at a time (no change now)
	export conf
	t0=$(date +%s%N)
	xargs -P 8 -n 2 sh -c 'bin/relaywatch-classify -c "$conf" -r "$1" < "$0" |
	    bin/relaywatch-db -c "$conf" apply > /dev/null' < "$bdir/list"
	t1=$(date +%s%N)
	t_burst8=$((t1 - t0))
	awk -v n="$BURST" -v t="$t_burst" -v t8="$t_burst8" -v c="$changes" 'BEGIN {
		printf "  burst of %d bounces, classify | apply: %.1f s, %.0f messages a second, %d recorded\n", n, t / 1e9, n / (t / 1e9), c
		printf "  the same again, 8 at a time:          %.1f s, %.0f messages a second\n", t8 / 1e9, n / (t8 / 1e9) }'
	rm -rf "$bdir"

	# Leave the state as generated, compiled, for the next run.
	head -n "$slines" "$state" > "$state.tmp" && mv "$state.tmp" "$state"
	bin/relaywatch-db -c "$conf" compile
	: > "$sdir/blocked.nets"
	input=/dev/null
	peak bin/relaywatch-due -c "$conf" | awk -v n="$IPS" '{
		printf "  relaywatch-due start-up on this CDB: %.2f s, %.1f MB peak, %.1f bytes an address\n", $1, $2, $2 * 1048576 / n }'
	# relaywatch-db status: every record of the CDB read (it exits 1 here:
	# no relaywatch runs on this state).
	/usr/bin/time -f '%e %M' -o "$DIR/peak" bin/relaywatch-db -c "$conf" \
	    status < /dev/null > /dev/null 2>&1 || :
	# (time(1) writes "Command exited with non-zero status 1" first)
	awk '/^[0-9.]+ [0-9]+$/ { printf "  relaywatch-db status on this state:   %.2f s, %.1f MB peak\n", $1, $2 / 1024 }' "$DIR/peak"
	rm -f "$sdir/state.cdb" "$sdir/recent.cdb"
	ALL_COMPILE="$ALL_COMPILE $IPS:$t_compile:$t_floor"
	ALL_APPLY="$ALL_APPLY $IPS:$t_same:$t_block:$i_same:$i_block"
}

EXIM_USER=Debian-exim
ALL_COMPILE= ALL_APPLY=
if part db; then
for n in $SCALES; do
	bench_db "$n"
done
# How the cost grows: each size against the first.
echo
echo "relaywatch-db: how the cost grows with the state (against $(echo $SCALES | cut -d' ' -f1) addresses)"
echo "$ALL_COMPILE" | tr ' ' '\n' | grep . | awk -F: 'NR == 1 { c = $2; f = $3; n = $1 }
	{ printf "  %9d addresses: compile %.2f x, floor %.2f x, for %.1f x the addresses\n", $1, $2 / c, $3 / f, $1 / n }'
echo "$ALL_APPLY" | tr ' ' '\n' | grep . | awk -F: 'NR == 1 { s = $2; b = $3; is = $4; ib = $5 }
	{ printf "  %9d addresses: apply no change %.2f x, apply new BLOCK %.2f x", $1, $2 / s, $3 / b
	  if ($4 != "-" && is > 0) printf " (instructions %.3f x, %.3f x)", $4 / is, $5 / ib
	  printf "\n" }'
fi

if part due; then

# relaywatch-due: 10,000,000 IP lines drawn from 1,000,000 customers (long
# tail) against a state.cdb of 1,000,000 IPs, beside "sort -u" of the same
# lines.  Each run starts from the same state (copied, then compiled: the
# CDB names the state file it was built from); what is due is recorded.
IPS=${BENCH_IPS:-1000000}
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

fi

if part probe; then
# relaywatch-probe -n: probes composed and signed per second (no sendmail).
pdir=$DIR/probe
mkdir -p "$pdir"
ips=${ips:-$DIR/due-${BENCH_DUE_LINES:-10000000}/ips}
[ -s "$ips" ] || { mkdir -p "${ips%/*}"; t/bench/genips lines 100000 100000 > "$ips"; }
head -n 100000 "$ips" > "$pdir/ips"
(umask 077; [ -s "$pdir/key" ] || openssl rand -hex 32 > "$pdir/key")
printf 'domain = isp.example\nkeyfile = %s/key\n' "$pdir" > "$pdir/rw.conf"
# The default forms with the customers' domains known (four a host),
# without (three), and the forms of the first releases (plain percent
# quoted, three at the [IP] literal) as the anchor, in the same run.
awk '{ printf "%s d%d.example\n", $1, NR % 1000 }' "$pdir/ips" > "$pdir/ips-dom"
printf 'variants = plain percent quoted\n' | cat "$pdir/rw.conf" - > "$pdir/old.conf"
probe_n() { bin/relaywatch-probe -n -c "$pdir/rw.conf"; }
probe_old() { bin/relaywatch-probe -n -c "$pdir/old.conf"; }
echo
echo "relaywatch-probe -n on 100000 hosts; best of $RUNS runs"
for form in "default, with domain:ips-dom:probe_n" "default, no domain:ips:probe_n" \
    "plain percent quoted (anchor):ips:probe_old"; do
	name=${form%%:*} rest=${form#*:}
	input=$pdir/${rest%%:*} fn=${rest#*:}
	t=$(best "$fn")
	n=$("$fn" < "$input" | grep -c '^From ')
	[ "$fn" = probe_old ] && t_anchor=$t n_anchor=$n
	awk -v name="$name" -v n="$n" -v t="$t" -v h=100000 'BEGIN {
		printf "  %-32s %d probes (%.0f a host) in %.3f s: %.0f probes, %.0f hosts a second\n",
		    name ":", n, n / h, t, n / t, h / t }'
	eval "t_$(echo "$name" | tr -c 'a-z' _)=\$t n_$(echo "$name" | tr -c 'a-z' _)=\$n"
done
awk -v a="$t_anchor" -v d="$t_default__with_domain_" -v na="$n_anchor" -v nd="$n_default__with_domain_" 'BEGIN {
	printf "  a host with its domain costs %.2f x the anchor'"'"'s time (%.2f x a message); target at least 50000 probes a second\n",
	    d / a, (d / nd) / (a / na) }'

fi

if part classify; then
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
fi

if part farm; then
# Several smart hosts: Exim's accept rate with the CDB and DNS forms of
# the check and without; from apply to the 550 elsewhere; rbldnsd's data
# at a million BLOCKs (t/bench/farm.sh, in namespaces of its own).
if [ "$(id -u)" = 0 ] && command -v rbldnsd > /dev/null &&
    unshare -m -n --propagation private true 2>/dev/null; then
	unshare -m -n --propagation private sh t/bench/farm.sh
else
	echo
	echo "several smart hosts: needs root, unshare and rbldnsd; not measured"
fi
fi

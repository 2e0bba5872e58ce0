#!/bin/sh
# make bench, the part for several smart hosts (BENCH_PARTS=farm), as
# root, in mount and network namespaces of its own (run.sh starts it
# there): rbldnsd on 127.0.0.1:53, /etc/resolv.conf naming it, the Exim
# spools on a tmpfs.
#
# 1. Exim's accept rate through one smart host with no check, with the
#    CDB form and with the DNS form of the RCPT check (share/exim4's
#    fragment): CONNS sessions from as many addresses, MSGS messages
#    each, one recipient, queued and never delivered; then MSGS rounds
#    of CONNS sessions of one message; RUNS (RUNS1) rounds of the
#    forms taken in turn: the best rate, Exim's CPU time a message
#    against the form without the check (the median of the rounds'
#    ratios, with their spread); and, without the
#    clock's noise, Exim's instructions a message under valgrind in
#    exim -bs sessions.
# 2. From a relayed probe's arrival (relaywatch-classify, apply) to the
#    550 at a smart host that never saw the customer: by DNS (rbldnsd
#    -c 1, dnsbl_ttl 2s), and by rsync of the CDBs right after the apply.
# 3. rbldnsd's data at BLOCKS blocked addresses, beside compile.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=$TOP/t
RUNS=${RUNS:-9}
RUNS1=${RUNS1:-3}
RUNS_DATA=${RUNS_DATA:-3}
CONNS=${BENCH_CONNS:-80}
MSGS=${BENCH_MSGS:-50}
BLOCKS=${BENCH_BLOCKS:-1000000}
PATH=$TOP/bin:$PATH
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rw-farm.XXXXXX")
cleanups=
at_exit() { cleanups="$*
$cleanups"; }
trap 'set +e; printf "%s\n" "$cleanups" | while IFS= read -r c; do [ -n "$c" ] && eval "$c" >/dev/null 2>&1; done; sleep 1; umount "$TMP/spool" 2>/dev/null; rm -rf "$TMP"; true' EXIT
wait_for() {
	i=0
	while ! eval "$1"; do
		i=$((i + 1))
		[ "$i" -gt $((${2:-10} * 100)) ] && return 1
		sleep 0.01
	done
}
diag() { printf '# %s\n' "$@" >&2; }
. "$T/exim.sh"

ip link set lo up
chmod 755 "$TMP"
echo "nameserver 127.0.0.1" > "$TMP/resolv.conf"
mount --bind "$TMP/resolv.conf" /etc/resolv.conf
mkdir -p "$TMP/spool" "$TMP/st" "$TMP/dns" "$TMP/copy"
mount -t tmpfs -o size=512m tmpfs "$TMP/spool"
chown "$EXIM_USER:" "$TMP/st" "$TMP/dns" "$TMP/copy"
ZONE=relays.isp.example
cat > "$TMP/rw.conf" <<CONF
statedir = $TMP/st
domain = isp.example
probe_source = 127.0.0.9
dnsbl_data = $TMP/dns/relaywatch
dnsbl_zone = $ZONE
dnsbl_ttl = 2s
keyfile = $TMP/key
CONF
(umask 077; openssl rand -hex 32 > "$TMP/key")
db() { relaywatch-db -c "$TMP/rw.conf" "$@"; }
# A state of 100,000 addresses, OK, the load's sources among them.
awk 'BEGIN { t = 1795000000
	for (i = 0; i < 100000; i++)
		printf "10.%d.%d.%d OK %d why=refused\n", int(i / 65536), int(i / 256) % 256, i % 256, t
	for (i = 1; i <= 80; i++)
		printf "127.0.1.%d OK %d why=refused\n", i, t
	printf "127.0.0.66 BLOCK %d why=relayed\n", t }' > "$TMP/st/state"
chown "$EXIM_USER:" "$TMP/st/state"
db compile
db exim-macros > "$TMP/relaywatch.macros"
rbldnsd -n -q -c 1 -b 127.0.0.1/53 -p "$TMP/rbldnsd.pid" \
    "$ZONE:combined:$TMP/dns/relaywatch" > "$TMP/rbldnsd.out" 2>&1 &
at_exit "kill $!"
wait_for "ss -lun | grep -q '127.0.0.1:53 '" 10

# Exim's CPU time is read from a cgroup (version 2) that holds each
# daemon and the sessions it forks: microseconds.  /proc's CPU times of
# the daemon and its reaped children are clock ticks (10 ms), which at
# 0.1 ms a message and 4,000 messages is a step of 2.5%.
CG=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$CG" ] && [ -w "$CG/cgroup.procs" ] || CG=
cg_remove() {	# the daemon's cgroup, once its last process has gone
	k=0
	while ! rmdir "$1" 2>/dev/null && [ "$k" -lt 50 ]; do
		sleep 0.1
		k=$((k + 1))
	done
}
# smarthost NAME ADDRESS ACL MACROS: an Exim on ADDRESS:$PORT that queues
# what it accepts and delivers nothing, its spool on the tmpfs.
PORT=$(free_port 7)
smarthost() {
	d=$TMP/$1
	mkdir -p "$d/log" "$TMP/spool/$1"
	chown "$EXIM_USER:" "$d/log" "$TMP/spool/$1"
	chmod 755 "$d"
	{
		exim_main_conf "$d" "$PORT" "$2" "$1.isp.example" |
		    sed "s|^spool_directory = .*|spool_directory = $TMP/spool/$1|"
		cat <<CONF
queue_only = true
smtp_accept_max = 500
smtp_connect_backlog = 500
smtp_accept_queue_per_connection = 0
domainlist local_domains = isp.example
$4
acl_smtp_rcpt = rcpt
begin acl
rcpt:
$3
  accept
CONF
		exim_sink
	} > "$d/exim.conf"
	chmod 644 "$d/exim.conf"
	# (its CPU time counted in a cgroup of its own, where there is
	# cgroup2: see cputime)
	cg=${CG:+$CG/relaywatch-bench.$$.$1}
	[ -n "$cg" ] && mkdir "$cg" && at_exit "cg_remove '$cg'"
	"$EXIM" -C "$d/exim.conf" -bd
	wait_for "[ -s '$d/exim.pid' ] && ss -ltn | grep -q '$2:$PORT '" 10
	at_exit "kill \$(cat '$d/exim.pid')"
	[ -n "$cg" ] && cat "$d/exim.pid" > "$cg/cgroup.procs"
}
ACL=".include $TOP/share/exim4/relaywatch-rcpt.acl"
MAC="RELAYWATCH_SETTINGS = $TMP/relaywatch.macros"
smarthost none 127.0.0.21 "" ""
smarthost cdb 127.0.0.22 "$ACL" "$MAC
.include $TOP/share/exim4/relaywatch-macros"
smarthost dns 127.0.0.23 "$ACL" "$MAC
RELAYWATCH_USE_DNSBL = yes
RELAYWATCH_NO_CDB = yes
.include $TOP/share/exim4/relaywatch-macros"
printf '%s\n' "statedir = $TMP/copy" "domain = isp.example" \
    "probe_source = 127.0.0.9" > "$TMP/copy.conf"
relaywatch-db -c "$TMP/copy.conf" exim-macros > "$TMP/copy.macros"
# copy_cdbs: as INSTALL's cron line, one rsync a file, in this order.
copy_cdbs() {
	for f in state.cdb recent.cdb cdb.serial cdb.serial.d; do
		rsync -rt --delete "$TMP/st/$f" "$TMP/copy/" || return 1
	done
}
copy_cdbs
smarthost copy 127.0.0.24 "$ACL" "RELAYWATCH_SETTINGS = $TMP/copy.macros
.include $TOP/share/exim4/relaywatch-macros"

sources=$(awk -v n="$CONNS" 'BEGIN { for (i = 1; i <= n; i++)
	printf "%s127.0.1.%d", (i > 1 ? "," : ""), (i - 1) % 80 + 1 }')
# cputime NAME: the CPU seconds of NAME's daemon and its sessions: its
# cgroup's usage_usec, else utime, stime, cutime and cstime of
# /proc/PID/stat (the sessions it has reaped).
cputime() {
	if [ -n "$CG" ]; then
		awk '$1 == "usage_usec" { print $2 / 1000000 }' \
		    "$CG/relaywatch-bench.$$.$1/cpu.stat"
	else
		awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, "")
			print ($12 + $13 + $14 + $15) / hz }' "/proc/$(cat "$TMP/$1/exim.pid")/stat"
	fi
}
# load NAME ADDRESS MSGS ROUNDS: "MESSAGES SECONDS CPU" of ROUNDS runs
# of CONNS sessions of MSGS messages.
load() {
	c0=$(cputime "$1")
	j=0 m=0 sec=0
	while [ "$j" -lt "$4" ]; do
		r=$(t/bench/smtpload "$2" "$PORT" "$sources" "$CONNS" "$3" 2> "$TMP/load.err") || {
			diag "smtpload $1 failed:" "$(cat "$TMP/load.err")"; exit 1; }
		[ -s "$TMP/load.err" ] && { diag "$1:" "$(head -n 3 "$TMP/load.err")"; exit 1; }
		m=$(echo "$r" | awk -v m="$m" '{ print m + $1 }')
		sec=$(echo "$r" | awk -v s="$sec" '{ print s + $2 }')
		j=$((j + 1))
	done
	sleep 0.5	# the last sessions reaped
	echo "$m $sec $(awk -v a="$c0" -v b="$(cputime "$1")" 'BEGIN { print b - a }')"
}
# rates MSGS ROUNDS RUNS: the three forms taken in turn, RUNS rounds: the
# best rate of each, and the CPU a message of each form against the
# form without the check in the same round, the median of the rounds.
# The CPU a machine gives a process swings by 10% and more from one
# second to the next (other guests of the host, its clock speed); the
# forms of one round see the same, a median leaves out the rounds that
# did not.
rates() {
	best_none= best_cdb= best_dns=
	: > "$TMP/cpu.rounds"
	i=0
	while [ "$i" -lt "$3" ]; do
		round=
		for f in none cdb dns; do
			case $f in none) a=127.0.0.21 ;; cdb) a=127.0.0.22 ;; dns) a=127.0.0.23 ;; esac
			r=$(load "$f" "$a" "$1" "$2")
			eval "b=\$best_$f"
			if [ -z "$b" ] || awk -v r="$r" -v b="$b" 'BEGIN { split(r, x); split(b, y); exit !(x[2] < y[2]) }'; then
				eval "best_$f=\$r"
			fi
			round="$round $(echo "$r" | awk '{ print $3 / $1 }')"
			rm -rf "$TMP/spool/$f/input" "$TMP/spool/$f/msglog"
		done
		echo "$round" >> "$TMP/cpu.rounds"
		i=$((i + 1))
	done
	for f in none cdb dns; do
		eval "r=\$best_$f"
		printf '%s\n' "$r" | awk -v f="$f" '{ printf "  %-22s %7.0f messages/s   %.3f ms of Exim CPU a message\n", f, $1 / $2, $3 * 1000 / $1 }'
	done
	median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
	spread() { sort -n | awk '{ v[NR] = $1 } END { printf "%+.0f%% to %+.0f%%", (v[1] - 1) * 100, (v[NR] - 1) * 100 }'; }
	cc=$(awk '{ print $2 / $1 }' "$TMP/cpu.rounds" | median)
	cd=$(awk '{ print $3 / $1 }' "$TMP/cpu.rounds" | median)
	sc=$(awk '{ print $2 / $1 }' "$TMP/cpu.rounds" | spread)
	sd=$(awk '{ print $3 / $1 }' "$TMP/cpu.rounds" | spread)
	awk -v n="$best_none" -v c="$best_cdb" -v d="$best_dns" -v cc="$cc" -v cd="$cd" \
	    -v sc="$sc" -v sd="$sd" 'BEGIN {
		split(n, x); split(c, y); split(d, z)
		printf "  CDB form: %.3f x the rate without the check, CPU a message %+.1f%% (rounds %s)\n", (y[1] / y[2]) / (x[1] / x[2]), (cc - 1) * 100, sc
		printf "  DNS form: %.3f x the rate without the check, CPU a message %+.1f%% (rounds %s)\n", (z[1] / z[2]) / (x[1] / x[2]), (cd - 1) * 100, sd }'
	if [ -n "$CG" ]; then
		echo "  (CPU: each daemon's cgroup, in microseconds; the median of $3 rounds' ratios)"
	else
		awk -v n="$best_none" -v hz="$(getconf CLK_TCK)" 'BEGIN { split(n, x)
			printf "  (CPU: /proc'"'"'s clock ticks, no cgroup2 here: steps of %.1f%%)\n", 100 / hz / x[3] }'
	fi
}
echo
echo "Exim's accept rate through one smart host: $CONNS sessions, $MSGS messages each,"
echo "  one RCPT a message, queued (spool on tmpfs); $RUNS rounds, the forms in turn"
rates "$MSGS" 1 "$RUNS"
echo
echo "The same with sessions of one message: $CONNS sessions, $MSGS times; $RUNS1 rounds"
rates 1 "$MSGS" "$RUNS1"

# 1b. The same without the noise of the clock: Exim's instructions,
# under valgrind, in exim -bs sessions from 127.0.1.7 (-oMa: the ACLs
# run as for that client, the messages are spooled; exim -bh would
# print its debugging of every ACL statement, which costs more than the
# statements): sessions of 1 and of 201 messages, whose difference over
# 200 is the cost of a message.
if command -v valgrind > /dev/null; then
	{
		printf 'EHLO load.test\r\n'
		i=0
		while [ "$i" -lt 201 ]; do
			printf 'MAIL FROM:<a@load.test>\r\nRCPT TO:<b@remote.test>\r\nDATA\r\nSubject: load\r\n\r\nload\r\n.\r\n'
			i=$((i + 1))
		done
		printf 'QUIT\r\n'
	} > "$TMP/s201"
	printf 'EHLO load.test\r\nMAIL FROM:<a@load.test>\r\nRCPT TO:<b@remote.test>\r\nDATA\r\nSubject: load\r\n\r\nload\r\n.\r\nQUIT\r\n' > "$TMP/s1"
	# (a copy without the setuid bit, which valgrind does not run)
	cp "$EXIM" "$TMP/exim"
	irefs() {	# irefs NAME SESSION: Exim's instructions for the session
		valgrind --tool=cachegrind --cache-sim=no --vgdb=no \
		    --cachegrind-out-file=/dev/null "$TMP/exim" \
		    -C "$TMP/$1/exim.conf" -oMa 127.0.1.7 -bs < "$2" 2>&1 >/dev/null |
		    sed -n 's/.*I *refs: *//p' | tr -d , | tail -n 1
		rm -rf "$TMP/spool/$1/input" "$TMP/spool/$1/msglog"
	}
	echo
	echo "Exim's instructions a message (valgrind, exim -bs, (201 - 1 messages) / 200)"
	for f in none cdb dns; do
		a=$(irefs "$f" "$TMP/s1")
		b=$(irefs "$f" "$TMP/s201")
		eval "i_$f=$(( (b - a) / 200 ))"
	done
	for f in none cdb dns; do
		eval "v=\$i_$f"
		awk -v f="$f" -v v="$v" -v n="$i_none" 'BEGIN {
			printf "  %-22s %9d instructions  %+.2f%%\n", f, v, (v / n - 1) * 100 }'
	done
fi

# 2. From the relayed probe's arrival to the 550: a probe of the host
# (relaywatch-probe -n), as the host relays it back (our Exim's Received
# on top), read by relaywatch-classify and applied, as the special
# mailbox's procmail recipe does; then, for the rsync form, the copy.
refused() {	# refused ADDRESS SOURCE: does the smart host refuse RCPT?
	t/bench/smtpload "$1" "$PORT" "$2" 1 1 2>&1 | grep -q refused
}
now_ms() { date +%s%3N; }
relayed() {	# relayed SOURCE: the probe of SOURCE relayed back, in $TMP/relayed
	echo "$1" | relaywatch-probe -n -c "$TMP/rw.conf" |
	    awk '/^From / { n++; next } n == 1' > "$TMP/probe"
	rcpt=$(sed -n 's/^Envelope-to: //p' "$TMP/probe")
	{
		sed -n '1,2p' "$TMP/probe"
		printf 'Received: from [%s] (helo=mail.customer.example)\n\tby smarthost.isp.example with esmtp (Exim 4.96)\n\tid 1xWhVY-0001L1-2j; %s\n' "$1" "$(date -R)"
		sed '1,2d' "$TMP/probe"
	} > "$TMP/relayed"
}
n=20
tdns= trsync=
k=1
while [ "$k" -le "$n" ]; do
	src=127.0.3.$k
	relayed "$src"
	t0=$(now_ms)
	relaywatch-classify -c "$TMP/rw.conf" -r "$rcpt" < "$TMP/relayed" |
	    db apply > "$TMP/applied"
	grep -q "^$src .* BLOCK " "$TMP/applied" ||
	    { diag "$src: no BLOCK from the relayed probe:" "$(cat "$TMP/applied")"; exit 1; }
	copy_cdbs
	wait_for "refused 127.0.0.24 $src" 10 || { diag "rsync: $src never refused"; exit 1; }
	t2=$(now_ms)
	wait_for "refused 127.0.0.23 $src" 10 || { diag "DNS: $src never refused"; exit 1; }
	t3=$(now_ms)
	trsync="$trsync $((t2 - t0))"
	tdns="$tdns $((t3 - t0))"
	sleep 0.$(( (k * 37) % 10 ))	# not in step with rbldnsd's second
	k=$((k + 1))
done
echo
echo "From the relayed probe's arrival (classify, apply) to the 550 at a smart host"
echo "  that never saw the host ($n hosts)"
for f in dns rsync; do
	eval "l=\$t$f"
	printf '%s\n' $l | sort -n | awk -v f="$f" '{ v[NR] = $1; s += $1 }
	    END { printf "  %-6s median %5d ms, mean %5d ms, max %5d ms\n", f, v[int((NR + 1) / 2)], s / NR, v[NR] }'
done
echo "  (DNS: rbldnsd -c 1 looks for a new file every second; rsync run right after apply)"

# 3. rbldnsd's data at $BLOCKS blocked addresses, beside compile.
big=$TMP/big
mkdir -p "$big"
chown "$EXIM_USER:" "$big"
awk -v n="$BLOCKS" 'BEGIN { t = 1795000000
	for (i = 0; i < n; i++)
		printf "10.%d.%d.%d BLOCK %d why=relayed variant=plain\n", int(i / 65536) % 256, int(i / 256) % 256, i % 256, t + i % 1000 }' > "$big/state"
chown "$EXIM_USER:" "$big/state"
printf '%s\n' "statedir = $big" > "$big/plain.conf"
printf '%s\n' "statedir = $big" "dnsbl_data = $big/relaywatch" "dnsbl_zone = $ZONE" > "$big/dns.conf"
cat "$big/state" > /dev/null
bestof() {	# bestof CONF: the best compile time of RUNS, in seconds
	b=
	j=0
	while [ "$j" -lt "$RUNS_DATA" ]; do
		rm -f "$big/state.cdb"
		t0=$(date +%s%N)
		relaywatch-db -c "$1" compile
		t1=$(date +%s%N)
		t=$((t1 - t0))
		if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
		j=$((j + 1))
	done
	echo "$b" | awk '{ printf "%.3f", $1 / 1e9 }'
}
tp=$(bestof "$big/plain.conf")
td=$(bestof "$big/dns.conf")
t0=$(date +%s%N)
rbldnsd -n -c 0 -b 127.0.0.1/5353 -p "$TMP/big.pid" "$ZONE:combined:$big/relaywatch" > "$TMP/big.out" 2>&1 &
bpid=$!
wait_for "grep -q 'zones reloaded' '$TMP/big.out'" 120
t1=$(date +%s%N)
kill "$bpid"
echo
echo "rbldnsd's data at $BLOCKS blocked addresses ($(wc -c < "$big/relaywatch") bytes); best of $RUNS_DATA"
printf '  %-38s %7.3f s\n' "compile (state.cdb and blocked.nets)" "$tp" \
    "compile with dnsbl_data" "$td"
awk -v p="$tp" -v d="$td" 'BEGIN { printf "  %-38s %7.3f s: %.2f x the compile (target at most 2)\n", "the data file alone (the difference)", d - p, (d - p) / p }'
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "  %-38s %7.3f s\n", "rbldnsd loading it", (b - a) / 1e9 }'

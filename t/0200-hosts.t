#!/bin/sh
# relaywatch-hosts on the corpus, on the lines of DESIGN.md, and on bad input.
. "$(dirname "$0")/lib.sh"

X=relaywatch-hosts
L=$CORPUS/exim-mainlog

if [ -d "$L" ]; then
	run $X "$L/logstash-patterns-core-exim_spec.log"
	is "$out" "192.168.123.123 dwarf.fict.example ptr=fict.example
208.42.54.2 domain.com ptr=domain.com
127.0.0.1 example.com helo=example.com
127.0.0.1 domain.com" "logstash corpus: remote arrivals, with and without I=, pid, HELO; each sender's domain, and the host name's (Exim's lookup, else the HELO; not a HELO of digits)"
	run $X "$L/filebeat-exim4-lbausch-tests.log"
	is "$out" "124.124.124.124 senderhost.tld
123.123.123.123 senderhost.tld helo=senderhost.tld
123.123.123.123 senderhost.tld helo=senderhost.tld
123.123.123.123 senderhost.tld helo=senderhost.tld
123.123.123.123 senderhost.tld ptr=remotehost.tld
123.123.123.123 senderhost.tld
123.123.123.123 host.tld ptr=host.tld" "filebeat corpus: timezones, A=, X=, CV=, DKIM=, ([]) HELO"
	run $X "$L/crowdsec-hub-exim-logs.log"
	is "$out" "" "crowdsec corpus (no arrivals): nothing"
	# Every corpus line alone: arrivals from remote hosts give their
	# host, everything else nothing.
	bad=0
	cat "$L"/*.log > "$TMP/all.log"
	while IFS= read -r l; do
		got=$(printf '%s\n' "$l" | $X 2>/dev/null | sed 's/ \(ptr\|helo\)=[^ ]*$//')
		want=
		case $l in
		*' <= '*' H='*) want=$(printf '%s\n' "$l" | perl -ne \
		    'next unless / H=(?:[^ (]+ )?(?:\(.*?\) )?\[([0-9a-f.:]+)\]/;
		     my $ip = $1;
		     my $d = / <= [^"\\ ]*\@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+) / ?
			" " . lc $1 : "";
		     print "$ip$d"') ;;
		esac
		if [ "$got" != "$want" ]; then
			bad=$((bad + 1))
			diag "line: $l" "got: $got" "want: $want"
		fi
	done < "$TMP/all.log"
	is "$bad" 0 "each corpus line alone: its host and its sender's domain, or nothing"
else
	skip_one "corpus not found at $L"
fi

cat > "$TMP/design.log" <<'LOG'
2026-11-26 22:00:00 [5147] 1xWhVY-0001L1-2j <= alice@customer.example H=(mail.customer.example) [127.0.0.5]:34831 I=[127.0.0.1]:2525 P=esmtp S=458 id=x@y for bob@remote.example
2026-11-26 22:00:01 [5148] 1xWhVY-0001L1-2j => bob@remote.example R=dnslookup T=remote_smtp H=mx.remote.example [192.0.2.25] C="250 OK"
2026-11-26 22:00:01 [5148] 1xWhVY-0001L1-2j Completed
2026-11-26 22:00:02 [5149] 1xWhVZ-0001L2-3k <= root@smarthost.example U=root P=local S=300
2026-11-26 22:00:03 [5150] 1xWhW0-0001L3-4l <= <> R=1xWhVZ-0001L2-3k U=Debian-exim P=local S=1200
2026-11-26 22:00:04 [5151] 1xWhW1-0001L4-5m <= a@b H=(x) [6.6.6.6] (y) [127.0.0.6]:38221 I=[127.0.0.1]:2525 P=esmtp S=1
2026-11-26 22:00:05 [5152] 1xWhW2-0001L5-6n <= a@b H=(x) [6.6.6.6]:1 I=[1.1.1.1]:25 P=esmtp S=1 (y) [127.0.0.6]:38222 I=[127.0.0.1]:2525 P=esmtp S=2
2026-11-26 22:00:06 [5153] 1xWhW3-0001L6-7o **** log string overflowed log buffer ****

2026-11-26 22:00:07 [5154] 1xWhW4-0001L7-8p <= a@b H=(v6.example) [2001:db8::abcd]:4242 I=[2001:db8::1]:25 P=esmtp S=1
2026-11-26 22:00:08 [5155] 1xWhW5-0001L8-9q RELAYWATCH ip=127.0.0.7
2026-11-26 22:00:08 [5155] 1xWhW5-0001L8-9q <= a@b H=(x) [127.0.0.7]:1 I=[127.0.0.1]:2525 P=esmtp S=1
2026-11-26 22:00:09 [5156] 1xWhW6-0001L9-0r RELAYWATCH ip=127.0.0.6
2026-11-26 22:00:09 [5156] 1xWhW6-0001L9-0r <= a@b H=(x) [6.6.6.6] (y) [127.0.0.6]:1 P=esmtp S=1
LOG
printf 'hosts_from = both\n' > "$TMP/both.conf"
run $X -c "$TMP/both.conf" "$TMP/design.log"
is "$out" "127.0.0.5 customer.example helo=customer.example
2001:db8::abcd helo=v6.example
127.0.0.7
127.0.0.6" "DESIGN.md lines: true hosts only, marker once per message; the sender's domain (a@b has none worth the name)"
like "$err" "design.log:6: skipped: ambiguous HELO" "junk HELO: warned with file:line"
like "$err" "design.log:7: skipped: ambiguous HELO" "fake fields in HELO: warned"
is "$rc" 65 "skipped lines: the others read, exit 65 at the end"

printf 'hosts_from = arrivals\n' > "$TMP/arrivals.conf"
run $X "$TMP/design.log"
is "$out" "127.0.0.5 customer.example helo=customer.example
2001:db8::abcd helo=v6.example
127.0.0.7" "by default (hosts_from = arrivals) markers are ignored"
printf 'hosts_from = marker\n' > "$TMP/marker.conf"
run $X -c "$TMP/marker.conf" "$TMP/design.log"
is "$out" "127.0.0.7
127.0.0.6" "hosts_from = marker: only markers"
RELAYWATCH_CONF=$TMP/marker.conf run $X "$TMP/design.log"
is "$out" "127.0.0.7
127.0.0.6" "\$RELAYWATCH_CONF is read"

run $X -c "$TMP/both.conf" -v "$TMP/design.log"
like "$err" "^relaywatch-hosts: 14 lines, 8 arrivals, 2 markers, 4 addresses printed, 2 arrivals already named by a marker$" "-v: totals"
like "$err" "^relaywatch-hosts: skipped 2: local submission \(no H=\)$" "-v: local submissions counted"
like "$err" "^relaywatch-hosts: skipped 2: ambiguous HELO" "-v: junk HELOs counted"
case $err in *design.log:14*) ok 1 "no warning for a line the marker covered";;
*) ok 0 "no warning for a line the marker covered";; esac

# Files in order, stdin, and "-".
printf '%s\n' "2026-11-26 22:00:00 1xWhVY-0001L1-2j <= a@b H=[192.0.2.1]" > "$TMP/a.log"
printf '%s\n' "2026-11-26 22:00:00 1xWhVY-0001L1-2j <= a@b H=[192.0.2.2]" > "$TMP/b.log"
run $X "$TMP/a.log" "$TMP/b.log"
is "$out" "192.0.2.1
192.0.2.2" "files read in order"
out=$($X - "$TMP/a.log" < "$TMP/b.log")
is "$out" "192.0.2.2
192.0.2.1" "- is standard input"
out=$($X < "$TMP/a.log")
is "$out" "192.0.2.1" "standard input without arguments"
run $X "$TMP/a.log" "$TMP/missing.log" "$TMP/b.log"
is "$out" "192.0.2.1
192.0.2.2" "a missing file does not stop the others"
is "$rc" 66 "a missing file: exit 66"
like "$err" "relaywatch-hosts: .*/missing.log: No such file or directory" "a missing file: named"

run $X "$TMP"
is "$rc" 74 "a directory: exit 74"
like "$err" "relaywatch-hosts: $TMP: Is a directory" "a directory: named"
printf '%s\n' "2026-11-26 22:00:00 1xWhVY-0001L1-2j <= a@b H=[192.0.2.3]" > "$TMP/c.log"
chmod 000 "$TMP/c.log"
if [ "$(id -u)" != 0 ]; then
	run $X "$TMP/c.log"
	is "$rc" 77 "an unreadable file: exit 77"
fi
chmod 644 "$TMP/c.log"

# Usage and configuration errors.
run $X -h
is "$rc" 0 "-h: exit 0"
like "$out" "^usage: relaywatch-hosts" "-h: usage on standard output"
run $X -x
is "$rc" 64 "unknown option: exit 64"
printf 'hosts_from = everything\n' > "$TMP/bad.conf"
run $X -c "$TMP/bad.conf" "$TMP/a.log"
is "$rc" 78 "bad configuration: exit 78"
is "$err" "relaywatch-hosts: $TMP/bad.conf:1: hosts_from = \"everything\": must be arrivals, marker or both" "bad configuration: file:line and why"
is "$out" "" "bad configuration: nothing printed"
run $X -c "$TMP/none.conf" "$TMP/a.log"
is "$rc" 78 "missing -c file: exit 78"

# Bad input: binary junk, NULs, a megabyte line, a cut last line.
good="2026-11-26 22:00:00 1xWhVY-0001L1-2j <= a@b H=(x) [192.0.2.9]:1 P=esmtp"
{
	head -c 300000 /dev/urandom
	printf '\n%s\n' "$good"
	printf '2026-11-26 22:00:00 1xWhVY-0001L1-2j <= a@b H=(x\000) [6.6.6.6]:1 P=esmtp\n'
	printf '2026-11-26 22:00:00 1xWhVY-0001L1-2j <= a\000b H=[6.6.6.6] P=esmtp\n'
	printf '2026-11-26 22:00:00 1xWhVY-0001L1-2j <= a@b H=('
	head -c 3000000 /dev/zero | tr '\0' 'a'
	printf ') [6.6.6.6]\n%s\n' "$good"
	head -c 100000 /dev/zero | tr '\0' 'b'
	printf '\n'
	printf '2026-11-26 22:00:00 1xWhVY-0001L1-2j <= a@b H=('
	head -c 70000 /dev/zero | tr '\0' 'c'
	printf ') [6.6.6.6]\n%s\n' "$good"
	printf '2026-11-26 22:00:00 1xWhVY-0001L1-2j <= a@b H=(x) [6.6.6.6]'
} > "$TMP/junk.log"
run $X -v "$TMP/junk.log"
is "$(printf '%s\n' "$out" | sort -u)" "192.0.2.9" "junk input: only the real host"
is "$rc" 65 "junk input: warned, exit 65"
like "$err" "skipped: line longer than 64 KiB" "megabyte line: warned"
like "$err" "junk.log:[0-9]+: skipped: last line without newline" "cut last line: warned, not used"
like "$err" "skipped 1: NUL byte in sender" "NUL byte in a sender: counted"
like "$err" "skipped 1: NUL byte in line" "NUL byte after a HELO: counted"
like "$err" "skipped 2: line longer than 64 KiB" "over-long arrival lines: counted"
# The same through a pipe, where the reader, not a mapping, meets them.
cat "$TMP/junk.log" | $X -v > "$TMP/pipe.out" 2> "$TMP/pipe.err"
is "$(sort -u "$TMP/pipe.out")" "192.0.2.9" "junk through a pipe: only the real host"
like "$(cat "$TMP/pipe.err")" "skipped: last line without newline" "junk through a pipe: cut last line"
like "$(cat "$TMP/pipe.err")" "skipped [23]: line longer than 64 KiB" "junk through a pipe: over-long lines"
is "$(grep -c 'skipped' "$TMP/pipe.err")" "$(grep -c 'skipped' "$TMP/.err")" "pipe and file report the same skipped lines"

# A syslog file: any local user can write a line through /dev/log
# (logger -t anything); only Exim's tag names a host.
{
	echo "Nov 27 05:00:00 smarthost exim[5147]: 1xWhVY-0001L1-2j <= a@b.example H=(x) [192.0.2.9]:34831 P=esmtp S=458"
	echo "Nov 27 05:00:01 smarthost mallory: 1xWhVY-0001L2-2j <= a@b.example H=(x) [192.0.2.66]:34831 P=esmtp S=458"
	echo "Nov 27 05:00:02 smarthost mallory: RELAYWATCH ip=192.0.2.67"
} > "$TMP/syslog"
printf 'hosts_from = both\n' > "$TMP/both2.conf"
run $X -c "$TMP/both2.conf" -v "$TMP/syslog"
is "$out" "192.0.2.9 b.example" "syslog: only the line tagged exim names a host"
like "$err" "syslog:2: skipped: syslog line not tagged exim" "  a forged arrival: warned with file:line"
like "$err" "skipped 2: syslog line not tagged exim" "  forged arrival and marker counted"

# -d: the probes customers' hosts accepted, from our main log's delivery
# lines through relaywatch_smtp, for relaywatch-due; and a warning for
# each probe deferred for a fault of ours.
tok=cb7qaaacnmfmegx5m3nallmtvnrj5vi
{
	echo "2026-11-28 11:59:22 1xXH5O-0003l9-1w => relaytest+$tok@isp.example R=relaywatch_probe T=relaywatch_smtp H=192.0.2.2 [192.0.2.2] K C=\"250 OK\""
	echo "2026-11-28 11:59:22 1xXH5O-0003lB-27 => isp.example!relaytest+$tok@[2001:db8::2] R=relaywatch_literal T=relaywatch_smtp H=[2001:db8::2] [2001:db8::2]* K C=\"250 OK\""
	# (a client's recipient, as Exim 4.96 logs it: unquoted, lower-cased)
	echo "2026-11-28 11:59:22 1xXH5O-0003lC-27 => relaytest+$tok@isp.example r=relaywatch_probe t=relaywatch_smtp h=x [6.6.6.6] @remote.example <\"relaytest+$tok@isp.example R=relaywatch_probe T=relaywatch_smtp H=x [6.6.6.6] \"@Remote.Example> R=dnslookup T=remote_smtp H=mx [192.0.2.99]"
	echo "2026-11-28 11:59:22 1xXH5O-0003lD-27 => someone@isp.example R=relaywatch_probe T=relaywatch_smtp H=192.0.2.3 [192.0.2.3]"
	echo "2026-11-28 11:59:23 1xXH5O-0003lE-27 == relaytest+$tok@isp.example R=relaywatch_probe T=relaywatch_smtp defer (111): Connection refused"
	echo "2026-11-28 11:59:24 1xXH5O-0003lF-27 == relaytest+$tok@isp.example R=relaywatch_probe T=relaywatch_smtp defer (99): Cannot assign requested address"
	echo "2026-11-28 11:59:25 1xXH5O-0003lG-27 == relaytest+$tok@isp.example R=relaywatch_probe T=relaywatch_smtp defer (99): Cannot assign requested address"
	echo "Nov 27 05:00:01 smarthost mallory: 1xWhVY-0001L2-2j => relaytest+$tok@isp.example R=relaywatch_probe T=relaywatch_smtp H=192.0.2.4 [192.0.2.4]"
	echo "2026-11-28 11:59:22 1xXH5O-0003l9-1w <= a@b H=[192.0.2.5] P=esmtp"
} > "$TMP/probelog"
run $X "$TMP/probelog"
is "$out" "192.0.2.5" "without -d: arrivals only"
is "$err" "" "  and nothing said of the probes"
run $X -d -v "$TMP/probelog"
is "$out" "192.0.2.2 delivered $tok
2001:db8::2 delivered $tok
192.0.2.5" "-d: each delivered probe's host and token, in the order of the log; not another transport's, nor a recipient without a token"
like "$err" "probelog:6: a probe not sent, for a fault on this side: Cannot assign requested address \(relaytest\+$tok@isp.example; 1 such" \
    "-d: a probe deferred for a fault of ours: warned, with what to check"
is "$(printf '%s\n' "$err" | grep -c 'fault on this side:')" 1 "  once a minute, not once a probe; a refused connection (the customer's) not at all"
like "$err" "probelog:8: skipped: syslog line not tagged exim" "  a delivery line forged through syslog: warned"
like "$err" "0 probes submitted, 2 delivered, 2 deferred for a fault on this side" "  counted with -v"

# -d: a probe's local arrival (relaywatch-probe's submission): its
# token from the sender, or, for the null sender and a sender in the
# customer's domain, from its Message-ID (id=); not from a subject, nor
# from a line forged through syslog.
{
	echo "2026-11-28 11:59:30 1xXH5O-0003m1-27 <= relaytest+$tok@isp.example U=relaywatch P=local S=1234 id=relaywatch.$tok@isp.example"
	echo "2026-11-28 11:59:30 1xXH5O-0003m2-27 <= <> U=relaywatch P=local S=1234 id=relaywatch.$tok@isp.example"
	echo "2026-11-28 11:59:30 1xXH5O-0003m3-27 <= relaytest+$tok@shop.example U=relaywatch P=local S=1234 id=x@y"
	echo "2026-11-28 11:59:30 1xXH5O-0003m4-27 <= <> U=mallory P=local S=1234 id=other.$tok@isp.example T=\"id=relaywatch.$tok@x\""
	echo "2026-11-28 11:59:30 1xXH5O-0003m5-27 <= <> U=mallory P=local S=1234 T=\"id=relaywatch.$tok@x\""
	echo "Nov 28 11:59:30 smarthost mallory: 1xXH5O-0003m6-27 <= <> U=mallory P=local S=1234 id=relaywatch.$tok@isp.example"
	echo "2026-11-28 11:59:30 1xXH5O-0003m7-27 <= <> U=relaywatch P=local S=1234 id=relaywatch.$tok"
	echo "2026-11-28 11:59:30 1xXH5O-0003m8-27 <= <> U=relaywatch P=local S=1234 id="
	echo "2026-11-28 11:59:30 1xXH5O-0003m9-27 <= <> U=relaywatch P=local S=1234 id=relaywatch."
} > "$TMP/sublog"
run $X -d "$TMP/sublog"
is "$out" "submitted $tok
submitted $tok
submitted $tok
submitted $tok" "-d: a probe's local arrival, by its sender or its Message-ID; not by another id, a subject, or a line forged through syslog"

# -p/-s: where reading stopped, for the supervisor.
printf '%s\n' "$good" "$good" | $X -p "$TMP/pos" -s 7:100 > /dev/null
is "$(cat "$TMP/pos")" "$(printf '%-40s' "7 $((100 + 2 * (${#good} + 1)))")" "-p: the inode and the offset after the lines read (a line of 41 bytes, blank-padded)"
printf '%s\n%s' "$good" "cut short" | $X -p "$TMP/pos" -s 7:0 > /dev/null 2>&1
is "$(cat "$TMP/pos")" "$(printf '%-40s' "7 $((${#good} + 1))")" "  a last line without its newline is not counted"
# An over-long line (past 64 KiB) between two good ones, arriving in
# pieces so that it is dropped: its bytes count all the same.
{ printf '%s\n' "$good"; sleep 0.2; head -c 70000 /dev/zero | tr '\0' a
  sleep 0.2; head -c 70000 /dev/zero | tr '\0' a; printf '\n%s\n' "$good"; } |
    $X -p "$TMP/pos" -s 7:0 > /dev/null 2>&1
is "$(cat "$TMP/pos")" "$(printf '%-40s' "7 $((2 * (${#good} + 1) + 140001))")" "  an over-long line dropped is counted (the position stays at the log's)"
if [ "$(id -u)" = 0 ] && id nobody > /dev/null 2>&1; then
	mkdir "$TMP/nob" && chown nobody: "$TMP/nob" && chmod 755 "$TMP"
	printf '%s\n' "$good" | $X -p "$TMP/nob/pos" -s 7:0 > /dev/null
	is "$(stat -c %U "$TMP/nob/pos")" nobody "-p run by root: the position file is the directory owner's"
fi
run $X -p "$TMP/pos" -s 7 < /dev/null
is "$rc" 64 "-s without an offset: 64"
run $X -p "$TMP/pos" -s 7:99999999999999999999999 < /dev/null
is "$rc" 64 "-s with an offset out of range: 64"
run $X -p pos -s 1:1 < /dev/null
is "$rc" 64 "-p relative: 64"
run $X -p "$TMP/pos" -s 1:1 "$TMP/syslog"
is "$rc" 64 "-p with a file operand: 64"

# Memory stays bounded on a 200 MB line.
if command -v /usr/bin/time >/dev/null 2>&1; then
	kb=$( (head -c 200000000 /dev/zero | tr '\0' 'a'; echo) |
	    /usr/bin/time -f '%M' $X 2>&1 >/dev/null | tail -n 1)
	[ "$kb" -lt 120000 ]
	ok $? "200 MB line: peak memory ${kb} KB"
else
	skip_one "/usr/bin/time not installed"
fi

# In a live pipeline, a host reaches the next filter while the input is
# still open (no wait for a full buffer or the end).
( printf '%s\n' "$good"; sleep 5 ) | $X > "$TMP/live" &
wait_for '[ -s "$TMP/live" ]' 3
ok $? "output flushed when input pauses"
is "$(cat "$TMP/live")" "192.0.2.9" "live output"
wait

# The sender's domain, for the probe forms in the customer's own name:
# lower-cased; none for what is no customer's domain (the null sender, a
# quoted local part, an address literal, an unqualified or over-long name,
# a name that is not a host name).
long=$(printf 'a%.0s' $(seq 1 64)).example
{
	for snd in alice@Shop.EXAMPLE '<>' '"a b"@shop.example' 'a@[192.0.2.1]' \
	    a@localhost a@shop_x.example a@-shop.example a@shop.example. \
	    a@ @shop.example "a@$long" "a@$(printf '%s.' $long $long $long $long)example" \
	    'a\b@shop.example'; do
		printf '2026-11-26 22:00:00 1xWhVY-0001L1-2j <= %s H=(x) [192.0.2.9]:1 P=esmtp S=1\n' "$snd"
	done
} > "$TMP/senders.log"
run $X "$TMP/senders.log"
is "$(printf '%s\n' "$out" | tr '\n' '|')" "192.0.2.9 shop.example|192.0.2.9|192.0.2.9|192.0.2.9|192.0.2.9|192.0.2.9|192.0.2.9|192.0.2.9|192.0.2.9|192.0.2.9|192.0.2.9|192.0.2.9|" \
    "senders' domains: lower-cased; none for <>, a quoted local part, a literal, an unqualified, bad or over-long name; a backslash outside quotes skips the line" ||
    diag "$err"

done_testing

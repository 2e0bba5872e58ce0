#!/bin/sh
# run.sh SECONDS NAME...: make fuzz.  Each harness t/fuzz/NAME.c built
# with clang's libFuzzer and the address and undefined-behaviour
# sanitizers, run for SECONDS from its seeds (t/fuzz/seeds/NAME, and for
# classify fresh messages from seeds.sh and ../shared/corpus) and what
# earlier runs kept (t/fuzz/corpus/NAME).  An input that crashes it is
# kept in t/fuzz/crashes/NAME, which make check replays: commit it with
# the fix.  Prints, for each, executions, coverage and the rate; a rate
# below 100,000 executions a minute is marked "slow" (too slow to find
# much: look at what each execution does).
set -u
secs=$1
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 70
CLANG=${CLANG:-clang}
command -v "$CLANG" > /dev/null 2>&1 || {
	echo "make fuzz: $CLANG not installed (apt-get install clang)" >&2
	exit 69
}
flags="-g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -Ilib -It/fuzz
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
rc=0
for n; do
	mkdir -p "t/fuzz/corpus/$n" "t/fuzz/crashes/$n"
	# (a program's harness takes the program's own files too)
	progfiles=
	[ -d "bin/$n" ] && progfiles=$(ls bin/"$n"/*.c)
	# shellcheck disable=SC2086
	$CLANG $flags -o "t/fuzz/$n.fuzz" "t/fuzz/$n.c" t/fuzz/common.c \
	    $progfiles lib/*.c -lcdb -lcrypto || exit 70
	extra= maxlen=
	if [ "$n" = classify ]; then
		# Messages cut at 8 KiB: every path of the reader is reached
		# within that, at twice the executions of 16 KiB.  Make check
		# replays the seeds and the corpus whole.
		maxlen=-max_len=8192
		sh t/fuzz/seeds.sh "t/fuzz/corpus/classify.fresh" || exit 70
		extra=t/fuzz/corpus/classify.fresh
		c=${RELAYWATCH_CORPUS:-$top/../shared/corpus}
		[ -d "$c" ] && extra="$extra $c"
	elif [ "$n" = due ]; then
		sh t/fuzz/seeds.sh -d "t/fuzz/corpus/due.fresh" || exit 70
		extra=t/fuzz/corpus/due.fresh
	fi
	# shellcheck disable=SC2086
	"t/fuzz/$n.fuzz" -max_total_time="$secs" -print_final_stats=1 \
	    -timeout=10 -rss_limit_mb=2048 $maxlen \
	    -artifact_prefix="t/fuzz/crashes/$n/" "t/fuzz/corpus/$n" \
	    "t/fuzz/seeds/$n" $extra > "t/fuzz/$n.log" 2>&1
	r=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "t/fuzz/$n.log")
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "t/fuzz/$n.log" | tail -n 1)
	rate=$(( ${execs:-0} * 60 / secs ))
	slow=
	[ "$rate" -lt 100000 ] && slow=" (slow)"
	printf '%-9s %s executions in %ss, %s a minute%s, %s, corpus %s inputs\n' \
	    "$n" "${execs:-?}" "$secs" "$rate" "$slow" "${cov:-cov: ?}" \
	    "$(ls "t/fuzz/corpus/$n" | wc -l)"
	if [ "$r" != 0 ]; then
		echo "$n: FAILED (status $r): t/fuzz/$n.log; the input is in t/fuzz/crashes/$n" >&2
		grep -m 5 -E 'ERROR|property does not hold|SUMMARY' "t/fuzz/$n.log" >&2
		rc=1
	fi
done
exit $rc

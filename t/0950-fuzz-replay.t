#!/bin/sh
# The fuzzing harnesses (t/fuzz, make fuzz) replayed without libFuzzer:
# every seed, and every input a fuzzer ever crashed on (t/fuzz/crashes),
# must run clean (under make check SANITIZE=1, with the sanitizers).
. "$(dirname "$0")/lib.sh"

for n in lines eximlog files token ip classify state cdb stream due; do
	r=$T/fuzz/$n.replay
	if [ ! -x "$r" ]; then
		ok 1 "$n: $r built (make check builds it)"
		continue
	fi
	set -- "$T/fuzz/seeds/$n" "$T/fuzz/crashes/$n"
	[ "$n" = classify ] && [ -d "$CORPUS" ] && set -- "$@" "$CORPUS"
	"$r" "$@" > "$TMP/out" 2> "$TMP/err"
	ok $? "$n: $(cat "$TMP/out") replayed clean" ||
	    diag "$(tail -n 20 "$TMP/err")"
done
done_testing

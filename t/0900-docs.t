#!/bin/sh
# The manual pages are lint-clean, and each program has one.
. "$(dirname "$0")/lib.sh"
need mandoc

for m in "$TOP"/man/*.[1-8]; do
	out=$(mandoc -Tlint -W warning "$m" 2>&1)
	is "$out" "" "mandoc -Tlint $(basename "$m")"
done
for p in "$TOP"/bin/*.c "$TOP"/bin/*.sh; do
	[ -e "$p" ] || continue
	n=$(basename "$p"); n=${n%.c}; n=${n%.sh}
	ls "$TOP"/man/"$n".[1-8] >/dev/null 2>&1
	ok $? "$n has a manual page"
done
# The example configuration is valid.
out=$(relaywatch-hosts -c "$TOP/share/relaywatch.conf.example" </dev/null 2>&1)
is "$out" "" "the example configuration is accepted"
done_testing

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
# One usage policy: -h asked for is no error (stdout, 0); a bad option
# is (stderr, 64).
for p in hosts due probe classify notify db; do
	run "relaywatch-$p" -h
	is "$rc:$(printf '%s\n' "$out" | head -1 | cut -d' ' -f1-2)" "0:usage: relaywatch-$p" "relaywatch-$p -h: usage on standard output, exit 0"
	run "relaywatch-$p" -Z
	like "$rc:$(printf '%s\n' "$err" | grep -v 'invalid option' | head -1)" "^64:usage: relaywatch-$p" "relaywatch-$p -Z: usage on standard error, exit 64"
done
run relaywatch -h
is "$rc:$out" "0:usage: relaywatch [-h] [-c conf]" "relaywatch -h: usage on standard output, exit 0"
# The example configuration is valid.
out=$(relaywatch-hosts -c "$TOP/share/relaywatch.conf.example" </dev/null 2>&1)
is "$out" "" "the example configuration is accepted"
# ... but it sets nothing that must be chosen: domain and probe_source.
run relaywatch-db -c "$TOP/share/relaywatch.conf.example" check
like "$err" "domain is not set" "the example leaves domain to be set, and check says so"
run relaywatch-db -c "$TOP/share/relaywatch.conf.example" setting probe_source
is "$out" "" "the example leaves probe_source to be set"
grep -q 'umask 077; openssl rand' "$TOP/share/relaywatch.conf.example"
ok $? "the example's key command makes a private key"
# relaywatch(7) maps each file of the source to its job.
missing=
for f in "$TOP"/bin/*.c "$TOP"/bin/*/*.c "$TOP"/bin/*.in "$TOP"/lib/*.c; do
	f=${f#"$TOP"/}
	grep -q "^\.It Pa $f\$" "$TOP/man/relaywatch.7" || missing="$missing $f"
done
is "$missing" "" "relaywatch(7), Source layout: every file of bin/ and lib/ named"
done_testing

#!/bin/sh
# relaywatch-classify on mail written by others (../shared/corpus):
# bounces with a probe planted in the original they quote, and without;
# with our probe's address as the envelope recipient, and without;
# auto-replies, ordinary mail and feedback reports, which must never give
# a verdict.  t/corpus-not-failures lists the messages of bounces/ that
# report no failure (delay warnings, complaints, success notices).
. "$(dirname "$0")/lib.sh"
[ -d "$CORPUS/bounces" ] || skip_all "no corpus at $CORPUS"
need perl

(umask 077; openssl rand -hex 32 > "$TMP/key")
printf 'domain = isp.example\nkeyfile = %s\n' "$TMP/key" > "$TMP/conf"
export RELAYWATCH_CONF="$TMP/conf"
# A probe's token for an IPv4 customer (planted) and one for an IPv6
# customer (the envelope recipient).
tok4=$(echo 192.0.2.7 | relaywatch-probe -n | sed -n 's/^X-Relaywatch: .*variant=plain token=//p')
tok6=$(echo 2001:db8::25 | relaywatch-probe -n | sed -n 's/^X-Relaywatch: .*variant=percent token=//p')
is "${#tok4}:${#tok6}" "31:50" "tokens for the probes"

grep -v '^#' "$T/corpus-not-failures" | cut -f1 > "$TMP/not-failures"

# handed IP FILE: FILE as our Exim delivers it when IP handed it over
# (the tested host: a report counts only from there), after an mbox
# "From " line; a file whose header does not start at once has none.
handed() {
	awk -v ip="$1" 'NR == 1 && /^From / { print; next }
	    !done { done = 1; if ($0 ~ /^[!-9;-~]+:/)
		printf "Received: from [%s] (helo=mail.customer.example)\n\tby smarthost.isp.example with esmtp (Exim 4.96)\n", ip }
	    { print }' "$2"
}

# classify FILE [ARGS]: the verdict's "IP STATUS why=..." or "none".
classify() {
	f=$1
	shift
	v=$(relaywatch-classify "$@" < "$f")
	c=$?
	case $c:$v in
	0:?*) printf '%s\n' "$v" | awk '{ print $1, $2, $4 }' ;;
	1:) echo none ;;
	*) echo "error $c" ;;
	esac
}

: > "$TMP/wrong"
: > "$TMP/stats"
for f in "$CORPUS"/bounces/*/*; do
	rel=${f#"$CORPUS"/bounces/}
	src=${rel%%/*}
	if grep -qxF "$rel" "$TMP/not-failures"; then want=none; else want=ok; fi
	# Without a token: nothing.
	got=$(classify "$f")
	[ "$got" = none ] || echo "$rel, no token: $got" >> "$TMP/wrong"
	# With the envelope recipient.
	handed 2001:db8::25 "$f" > "$TMP/handed"
	got=$(classify "$TMP/handed" -r "relaytest+$tok6@isp.example")
	case $want:$got in
	ok:"2001:db8::25 OK why="*|none:none) ;;
	*) echo "$rel, envelope: $got (want $want)" >> "$TMP/wrong" ;;
	esac
	# Planted in the quoted original, no envelope.
	if "$T/plant" "$tok4" 192.0.2.7 "$f" > "$TMP/planted"; then
		handed 192.0.2.7 "$TMP/planted" > "$TMP/handed"
		got=$(classify "$TMP/handed")
		case $want:$got in
		ok:"192.0.2.7 OK why="*) echo "$src found" >> "$TMP/stats" ;;
		ok:*) echo "$src missed $rel: $got" >> "$TMP/stats" ;;
		none:none) ;;
		*) echo "$rel, planted: $got (want none)" >> "$TMP/wrong" ;;
		esac
	else
		echo "$src unquoted" >> "$TMP/stats"
	fi
done
is "$(cat "$TMP/wrong")" "" "bounces: no verdict without a token; with the envelope recipient, OK for every failure report and nothing for the others"

# The share found without the envelope, per source.
awk '{ n[$1]++; if ($2 == "found") f[$1]++; if ($2 == "unquoted") u[$1]++ }
END {
	for (s in n) {
		q = n[s] - u[s]
		printf "%-22s %4d of %4d quoting the original found (%5.1f%%); %d quote nothing\n",
		    s, f[s], q, q ? 100 * f[s] / q : 100, u[s]
		tf += f[s]; tq += q
	}
	printf "%-22s %4d of %4d (%5.1f%%)\n", "all", tf, tq, 100 * tf / tq
}' "$TMP/stats" | sort > "$TMP/share"
diag "$(cat "$TMP/share")"
diag "$(grep ' missed ' "$TMP/stats")"
share=$(awk '$1 == "all" { print $2 * 1000 / $4 }' "$TMP/share")
ok "$([ "${share%.*}" -ge 950 ]; echo $?)" "at least 95% of the failure reports that quote the original found without the envelope"

# Auto-replies, ordinary mail, feedback reports: never a verdict, with
# and without a token, planted in what they quote or as the envelope.
: > "$TMP/wrong"
for f in "$CORPUS"/autoreplies/*/* "$CORPUS"/normal/*/* "$CORPUS"/feedback-reports/*/*; do
	rel=${f#"$CORPUS"/}
	got=$(classify "$f")
	[ "$got" = none ] || echo "$rel: $got" >> "$TMP/wrong"
	handed 2001:db8::25 "$f" > "$TMP/handed"
	got=$(classify "$TMP/handed" -r "relaytest+$tok6@isp.example")
	[ "$got" = none ] || echo "$rel, envelope: $got" >> "$TMP/wrong"
	if "$T/plant" "$tok4" 192.0.2.7 "$f" > "$TMP/planted"; then
		handed 192.0.2.7 "$TMP/planted" > "$TMP/handed"
		got=$(classify "$TMP/handed")
		[ "$got" = none ] || echo "$rel, planted: $got" >> "$TMP/wrong"
		got=$(classify "$TMP/planted" -r "relaytest+$tok4@isp.example")
		[ "$got" = none ] || echo "$rel, planted and envelope: $got" >> "$TMP/wrong"
	fi
done
is "$(cat "$TMP/wrong")" "" "auto-replies, ordinary mail, feedback reports: no verdict"

done_testing

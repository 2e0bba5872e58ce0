#!/bin/sh
# No notice lost, none sent twice: apply keeps each new BLOCK's notice in
# the outbox before it records the BLOCK; relaywatch-notify takes it out
# once sendmail has it, keeps it when sendmail fails, and -q (cron) sends
# what is kept once sendmail works again.  A retried apply finishes what
# a run that died left undone (recent.cdb, blocked.nets).
. "$(dirname "$0")/lib.sh"
need cdb

mkdir -p "$TMP/sm" "$TMP/st"
cat > "$TMP/sendmail" <<'SH'
#!/bin/sh
[ -e "$SM_DIR/../fail" ] && { cat > /dev/null; exit 75; }
[ -e "$SM_DIR/../slow" ] && sleep 0.05
cat > "$SM_DIR/.msg.$$"
mv "$SM_DIR/.msg.$$" "$SM_DIR/msg.$$.$(date +%s%N)"
SH
chmod 755 "$TMP/sendmail"
export SM_DIR="$TMP/sm"
cat > "$TMP/conf" <<CONF
domain = isp.example
statedir = $TMP/st
sendmail = $TMP/sendmail
ptr_lookup = no
CONF
export RELAYWATCH_CONF="$TMP/conf"
now=$(date +%s)
sent() { ls "$TMP/sm" | grep -c '^msg'; }
outbox() { ls "$TMP/st/outbox" 2>/dev/null | tr '\n' ' '; }
age() { for f in "$TMP"/st/outbox/*; do [ -e "$f" ] && touch -d "$1" "$f"; done; }
printf 'Return-path: <relaytest+x@isp.example>\nSubject: the relayed probe\n\nbody\n' > "$TMP/evidence"

# sendmail works: the notice goes, the outbox is empty again.
echo "192.0.2.7 BLOCK $now why=relayed variant=plain" |
    RELAYWATCH_EVIDENCE="$TMP/evidence" relaywatch-db apply > "$TMP/changes"
is "$(outbox)" "192.0.2.7 " "apply keeps the new BLOCK's notice in the outbox"
like "$(cat "$TMP/st/outbox/192.0.2.7")" "^192\.0\.2\.7 - BLOCK $now why=relayed variant=plain
evidence $TMP/evidence$" "  the change line and the evidence"
run relaywatch-notify < "$TMP/changes"
is "$rc:$(sent)" "0:1" "notify sends it"
is "$(outbox)" "" "  and takes it out of the outbox"

# sendmail fails: kept, exit 0 (the MTA need not try the message again);
# -q sends it once sendmail works again, once.
touch "$TMP/fail"
echo "192.0.2.8 BLOCK $now why=relayed variant=plain" |
    RELAYWATCH_EVIDENCE="$TMP/evidence" relaywatch-db apply > "$TMP/changes"
run relaywatch-notify < "$TMP/changes"
is "$rc:$(sent)" "0:1" "sendmail failing: nothing sent, exit 0"
like "$err" "192\.0\.2\.8: notice kept in .*/outbox for relaywatch-notify -q" "  kept, and said"
is "$(outbox)" "192.0.2.8 " "  in the outbox"
run relaywatch-notify -q
is "$rc:$(sent)" "0:1" "-q leaves a notice younger than a minute to the notify running for it"
age '2 minutes ago'
run relaywatch-notify -q
is "$rc:$(outbox)" "75:192.0.2.8 " "-q while sendmail still fails: 75, kept"
rm "$TMP/fail"
run relaywatch-notify -q
is "$rc:$(sent):$(outbox)" "0:2:" "-q once sendmail works: sent, taken out"
grep -l '^Subject: Open relay at 192\.0\.2\.8' "$TMP"/sm/msg.* | xargs grep -q 'Subject: the relayed probe'
ok $? "  quoting the evidence"
run relaywatch-notify -q
is "$rc:$(sent)" "0:2" "-q again: nothing sent twice"

# apply fails after recording the BLOCK (here: blocked.nets cannot be
# written, its directory missing): 75, and the MTA's retry finishes the
# work once it can.
mkdir "$TMP/bn"
sed "s|^statedir = .*|&\nblocked_nets = $TMP/bn/sub/blocked.nets|" "$TMP/conf" > "$TMP/conf-bn"
echo "192.0.2.9 BLOCK $now why=relayed variant=plain" > "$TMP/v9"
run relaywatch-db -c "$TMP/conf-bn" apply < "$TMP/v9"
is "$rc" 75 "apply that cannot finish its work: 75 (the MTA tries again)"
[ -e "$TMP/st/enforce-pending" ]
ok $? "  the work left is marked"
mkdir "$TMP/bn/sub"
echo "192.0.2.9 BLOCK $((now + 1)) why=relayed variant=quoted" |
    relaywatch-db -c "$TMP/conf-bn" apply > "$TMP/changes"
is "$(cat "$TMP/changes")" "" "the retry: no change of status"
grep -q '^192\.0\.2\.9 ' "$TMP/bn/sub/blocked.nets"
ok $? "  but blocked.nets is written"
# Made by hand what a run killed after its append leaves: the BLOCK
# recorded, the CDB not rebuilt, the marker and the notice there.
echo "192.0.2.10 BLOCK $now why=relayed variant=plain" > "$TMP/v10"
relaywatch-db apply < "$TMP/v10" > /dev/null
relaywatch-db compile
printf '192.0.2.11 BLOCK %s why=relayed variant=plain\n' "$now" >> "$TMP/st/state"
: > "$TMP/st/enforce-pending"
echo "192.0.2.11 - BLOCK $now why=relayed variant=plain" > "$TMP/c11"
echo "192.0.2.11 BLOCK $((now + 1)) why=relayed variant=quoted" | relaywatch-db apply > "$TMP/changes"
is "$(cat "$TMP/changes")" "" "the retry: no change of status"
is "$(exim_finds "$TMP/st" 192.0.2.11 | cut -d' ' -f1)" BLOCK "  but Exim finds the BLOCK the killed run recorded"
grep -q '^192\.0\.2\.11 ' "$TMP/st/blocked.nets"
ok $? "  and blocked.nets"
[ ! -e "$TMP/st/enforce-pending" ]
ok $? "  the work done, the marker gone"

# A notice whose BLOCK never stood (its apply failed for good) or was
# lifted: kept a day, then dropped, never sent.
rm -f "$TMP"/st/outbox/*
echo "192.0.2.12 - BLOCK $now why=relayed" | RELAYWATCH_EVIDENCE= relaywatch-db apply > /dev/null 2>&1
mkdir -p "$TMP/st/outbox"
printf '192.0.2.13 - BLOCK %s why=relayed\n' "$now" > "$TMP/st/outbox/192.0.2.13"
age '2 hours ago'
run relaywatch-notify -q
is "$rc:$(sent):$(outbox)" "0:2:192.0.2.13 " "a notice whose BLOCK Exim does not find: kept for now"
age '2 days ago'
run relaywatch-notify -q
is "$rc:$(sent):$(outbox)" "0:2:" "  dropped after a day, not sent"
like "$err" "192\.0\.2\.13: the BLOCK it tells of does not stand; dropped" "  and said"

# Hostile outbox entries: named by no address, or not a BLOCK's notice.
printf 'junk\n' > "$TMP/st/outbox/not-an-address"
printf '192.0.2.7 BLOCK OK 1 why=x\n' > "$TMP/st/outbox/192.0.2.7"
age '2 days ago'
run relaywatch-notify -q
is "$rc:$(sent)" "0:2" "hostile entries: nothing sent"
like "$err" "not-an-address: not named by an address; left alone" "  one named by no address: said, left"
like "$err" "192\.0\.2\.7: not a notice of a BLOCK of its address; left alone" "  one that is no BLOCK's notice: said, left"

# relaywatch-notify killed at random points, 30 times, each a new BLOCK's
# notice, with a sendmail that takes 50 ms: what a killed run did not hand
# over stays in the outbox, and -q (cron) sends it; what sendmail took is
# taken out of the outbox by the process that waits for sendmail, which
# outlives the killed run.  Every notice is sent, once.
rm -f "$TMP"/sm/msg.* "$TMP"/st/outbox/* "$TMP/fail"
touch "$TMP/slow"
killed=0 i=0
while [ $i -lt 30 ]; do
	ip=198.51.100.$((i + 1))
	echo "$ip BLOCK $now why=relayed variant=plain" |
	    RELAYWATCH_EVIDENCE="$TMP/evidence" relaywatch-db apply > "$TMP/changes"
	relaywatch-notify < "$TMP/changes" > /dev/null 2>&1 &
	pid=$!
	# (the first ten at once: most die before sendmail is started)
	[ $i -lt 10 ] || sleep "0.$(awk -v s=$i 'BEGIN { srand(s + 700); printf "%03d", int(rand() * 120) }')"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	[ $? = 137 ] && killed=$((killed + 1))
	i=$((i + 1))
done
rm -f "$TMP/slow" "$TMP"/sm/.msg.*
left=$(ls "$TMP/st/outbox" | wc -l)
age '2 minutes ago'
run relaywatch-notify -q
is "$rc:$(outbox)" "0:" "30 notifies killed at random: -q sends what they left ($left), the outbox empty"
notices() { grep -h '^Subject: Open relay at 198\.51\.100\.' "$TMP"/sm/msg.* | sort | uniq -c; }
is "$(notices | wc -l)" 30 "  every BLOCK's notice sent"
twice=$(notices | awk '$1 > 1' | wc -l)
diag "$killed of 30 notifies killed on the way; $left notices left for -q; $twice sent twice"
is "$(notices | awk '$1 > 1' | wc -l)" 0 "  none twice"
# (sendmail reads the message from a file of its own: a notify killed
# while handing it over cannot cut it short)
cut=0
for f in "$TMP"/sm/msg.*; do
	tail -n 2 "$f" | grep -q 'your server refuses to relay\.$' || cut=$((cut + 1))
done
is "$cut" 0 "  every notice sent whole, to its last line"
ok $([ $killed -ge 10 ]; echo $?) "at least 10 kills landed inside a notify"

# No statedir to keep it in: 75, the MTA keeps the message.
touch "$TMP/fail"
sed "s|^statedir = .*|statedir = $TMP/nowhere|" "$TMP/conf" > "$TMP/conf2"
run relaywatch-notify -c "$TMP/conf2" < "$TMP/c11"
is "$rc" 75 "sendmail failing and no outbox: 75"
rm "$TMP/fail"
run relaywatch-notify -q -n
is "$rc" 64 "-q with -n: usage"

done_testing

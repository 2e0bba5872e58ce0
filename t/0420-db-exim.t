#!/bin/sh
# relaywatch-db's CDB in a real Exim, through the RCPT ACL that
# share/exim4 ships: a BLOCK refuses the host, even in the middle of an
# SMTP session; a missing or damaged CDB lets mail through and is logged.
. "$(dirname "$0")/lib.sh"
. "$T/exim.sh"
need_exim
need cdb perl

S=$TMP/state.d
mkdir -p "$S"
printf '%s\n' "statedir = $S" "blocked_nets = $TMP/blocked.nets" \
    "domain = smarthost.test" "abuse = abuse@isp.test" \
    "probe_source = 127.0.0.9 ::9" > "$TMP/rw.conf"
db() { relaywatch-db -c "$TMP/rw.conf" "$@"; }
db exim-macros > "$TMP/relaywatch.macros"
printf '%s\n' "# people's lines" "127.0.0.9   # by hand" > "$TMP/blocked.nets"
db compile

# smarthost NAME PORT [EXTRA-MACROS]: a smart host that relays for all of
# 127.0.0.0/8 and ::1, with relaywatch's RCPT ACL.
smarthost() {
	exim_rcpt_only "$1" "$2" "127.0.0.1 ; ::1" "${3:-}"
}

port=$(free_port 1)
smarthost smarthost "$port" || { ok 1 "exim started"; done_testing; }
log=$TMP/smarthost/log/mainlog
# rcpt SOURCE [TO]: the reply code to RCPT from SOURCE; the whole reply
# in $TMP/reply.
rcpt() {
	server=127.0.0.1
	case $1 in *:*) server=::1 ;; esac
	rcpt_reply "$server" "$port" "$@"
}

now=$(date +%s)
printf '%s\n' "127.0.0.5 BLOCK $now why=relayed variant=plain via=127.0.0.5" \
    "127.0.0.6 OK $now why=refused" "::1 UNKNOWN $now why=probe" | db apply > /dev/null
is "$(rcpt 127.0.0.5)" 550 "1. a BLOCKed host gets 550"
like "$(cat "$TMP/reply")" "^550 5.7.1 Your mail server 127.0.0.5 is an open relay .*abuse@isp.test" "1. with a reason naming the host and the abuse desk"
grep -q 'rejected RCPT <b@remote.test>: relaywatch: open relay (BLOCK ' "$log"
ok $? "1. and logged with the state's line" || diag "$(tail -n 3 "$log")"
is "$(rcpt 127.0.0.6)" 250 "1. an OK host is accepted"
is "$(rcpt 127.0.0.7)" 250 "1. an unknown host is accepted"
is "$(rcpt 127.0.0.5 relaytest+token@smarthost.test)" 250 "the special mailbox still takes mail from a blocked host"
is "$(rcpt 127.0.0.5 relaytest@smarthost.test)" 250 "the special mailbox without a token too"
is "$(rcpt 127.0.0.5 relaytestx@smarthost.test)" 550 "but not a look-alike local part"

# 2. The BLOCK arrives between two messages of one session.
out=$("$T/smtp-session" 127.0.0.1 "$port" 127.0.0.8 mail \
    "run:echo '127.0.0.8 BLOCK $now why=relayed' | relaywatch-db -c '$TMP/rw.conf' apply >/dev/null" \
    mail mail 2>&1)
is "$out" "MAIL 250
RCPT 250
DATA 250
MAIL 250
RCPT 550
MAIL 250
RCPT 550" "2. message 1 accepted, BLOCK applied, messages 2 and 3 of the same session refused"

# 2b. What a session has looked up it keeps while the mark of the serial
# it read (cdb.serial.d/mSERIAL) is there; relaywatch-db writes a new
# serial and mark after recent.cdb, then removes the old mark; without
# the serial, Exim looks up every message.
cp "$S/cdb.serial" "$TMP/serial.old"
old=m$(tr -d '\n' < "$S/cdb.serial")
is "$(ls "$S/cdb.serial.d")" "$old" "2b. one mark, named for the serial"
is "$(stat -c '%a %U' "$S/cdb.serial.d")" "755 $(stat -c %U "$S")" "2b. its directory: the state's owner's, searchable by Exim"
out=$("$T/smtp-session" 127.0.0.1 "$port" 127.0.0.9 mail \
    "run:echo '127.0.0.9 BLOCK $now why=relayed' | relaywatch-db -c '$TMP/rw.conf' apply >/dev/null && cp '$TMP/serial.old' '$S/cdb.serial' && : > '$S/cdb.serial.d/$old'" \
    mail "run:rm '$S/cdb.serial.d/$old'" mail 2>&1)
is "$out" "MAIL 250
RCPT 250
DATA 250
MAIL 250
RCPT 250
DATA 250
MAIL 250
RCPT 550" "2b. the serial's mark still there: the session's answer kept; gone: refused"
echo "127.0.0.31 BLOCK $now why=relayed" | relaywatch-db -c "$TMP/rw.conf" apply > /dev/null
ok "$( [ "$(cat "$S/cdb.serial")" != "$(cat "$TMP/serial.old")" ] && echo 0 || echo 1)" \
    "2b. apply writes a new serial"
is "$(ls "$S/cdb.serial.d")" "m$(tr -d '\n' < "$S/cdb.serial")" "2b. and its mark, the only one"
rm "$S/cdb.serial"
out=$("$T/smtp-session" 127.0.0.1 "$port" 127.0.0.10 mail \
    "run:echo '127.0.0.10 BLOCK $now why=relayed' | relaywatch-db -c '$TMP/rw.conf' apply >/dev/null && rm '$S/cdb.serial'" \
    mail 2>&1)
is "$out" "MAIL 250
RCPT 250
DATA 250
MAIL 250
RCPT 550" "2b. no serial: every message looked up"
grep -q 'serial' "$log"
ok $((1 - $?)) "2b. a missing serial is not an error in the log"

# 4. IPv6.
is "$(rcpt ::1)" 250 "4. ::1 while UNKNOWN: accepted"
echo "::1 BLOCK $now why=relayed" | db apply > /dev/null
is "$(rcpt ::1)" 550 "4. ::1 blocked the same way"

# 3. A missing, empty or garbage CDB: mail goes through, and it is logged.
# recent.cdb first (127.0.0.5's BLOCK is there only), then, once compile
# has put it in state.cdb, state.cdb.
mv "$S/recent.cdb" "$S/recent.cdb.saved"
is "$(rcpt 127.0.0.5)" 250 "3. recent.cdb missing: accepted"
grep -q 'relaywatch: .*recent.cdb missing or damaged; hosts blocked since the last compile are not refused' "$log"
ok $? "3. recent.cdb missing: logged"
head -c 5000 /dev/urandom > "$S/recent.cdb"
is "$(rcpt 127.0.0.5)" 250 "3. recent.cdb garbage: accepted"
mv "$S/recent.cdb.saved" "$S/recent.cdb"
is "$(rcpt 127.0.0.5)" 550 "3. recent.cdb back: refused again"
db compile
is "$(cdb -q "$S/recent.cdb" 127.0.0.5)" "" "3. compile: the BLOCK in state.cdb, recent.cdb empty"
mv "$S/state.cdb" "$S/state.cdb.saved"
is "$(rcpt 127.0.0.5)" 250 "3. CDB missing: accepted"
grep -q 'relaywatch: .*state.cdb missing or damaged' "$log"
ok $? "3. CDB missing: logged"
rcpts() {	# rcpts SOURCE: one message to three recipients, to RCPT
	swaks --server 127.0.0.1 --port "$port" --local-interface "$1" \
	    --from a@client.test --to b1@remote.test,b2@remote.test,b3@remote.test \
	    --quit-after RCPT --timeout 20 > /dev/null 2>&1
}
before=$(wc -l < "$log")
rcpts 127.0.0.5
is "$(tail -n +$((before + 1)) "$log" | grep -c 'relaywatch: .*state.cdb missing or damaged')" 1 \
    "3. the CDBs are looked at once until cdb.serial changes: three RCPTs, logged once"
: > "$S/state.cdb"
is "$(rcpt 127.0.0.5)" 250 "3. CDB empty: accepted"
head -c 5000 /dev/urandom > "$S/state.cdb"
is "$(rcpt 127.0.0.5)" 250 "3. CDB garbage: accepted"
grep -q 'condition test deferred: cdb: corrupt cdb file' "$log"
ok $? "3. CDB garbage: logged"
mv "$S/state.cdb.saved" "$S/state.cdb"
is "$(rcpt 127.0.0.5)" 550 "3. CDB back: refused again"
before=$(wc -l < "$log")
rcpts 127.0.0.5
is "$(tail -n +$((before + 1)) "$log" | grep -c 'rejected RCPT <b[123]@remote.test>: relaywatch: open relay')" 3 \
    "3. three RCPTs of a BLOCKed host's message, looked up once: each refused"

# 5. blocked.nets is an Exim host list, with people's and relaywatch's
# lines; unblock takes out relaywatch's only.
rcpt 127.0.0.9 > /dev/null
grep -q 'listed in blocked.nets: 127.0.0.9$' "$log"
ok $? "5. a person's line matches in Exim"
grep -q 'listed in blocked.nets: 127.0.0.5$' "$log"
ok $? "5. relaywatch's line matches in Exim"
grep -q 'listed in blocked.nets: ::1$' "$log"
ok $? "5. an IPv6 line matches in Exim"
grep -q 'listed in blocked.nets: 127.0.0.6$' "$log"
ok $((1 - $?)) "5. an OK host is not listed"
db unblock -w test 127.0.0.5 > /dev/null
before=$(wc -l < "$log")
is "$(rcpt 127.0.0.5)" 250 "5. unblocked: accepted again"
tail -n +$((before + 1)) "$log" | grep -q 'listed in blocked.nets: 127.0.0.5$'
ok $((1 - $?)) "5. and no longer in blocked.nets"
rcpt 127.0.0.9 > /dev/null
tail -n +$((before + 1)) "$log" | grep -q 'listed in blocked.nets: 127.0.0.9$'
ok $? "5. the person's line still matches"

# Warn-only mode for a trial: logged and marked, not refused.
port2=$(free_port 2)
smarthost trial "$port2" "RELAYWATCH_WARN_ONLY = yes" || ok 1 "trial exim started"
port=$port2
is "$(rcpt 127.0.0.8)" 250 "warn-only: a BLOCKed host is accepted"
grep -q 'relaywatch: would refuse open relay 127.0.0.8' "$TMP/trial/log/mainlog"
ok $? "warn-only: and logged"
swaks --server 127.0.0.1 --port "$port2" --local-interface 127.0.0.8 \
    --from a@client.test --to b@remote.test --timeout 20 --hide-all
sleep 1
grep -q ' <= a@client.test H=.*\[127.0.0.8\]' "$TMP/trial/log/mainlog"
ok $? "warn-only: its message arrives"
grep -q 'would refuse open relay 127.0.0.8 (BLOCK for [0-9dhms]*: why=relayed' "$TMP/trial/log/mainlog"
ok $? "the log line says how long, not the epoch time"

# warn_only in relaywatch.conf reaches Exim through the generated macros.
printf 'warn_only = yes\n' >> "$TMP/rw.conf"
db exim-macros > "$TMP/relaywatch.macros"
sed -i '/^warn_only/d' "$TMP/rw.conf"
port3=$(free_port 3)
smarthost trial2 "$port3" || ok 1 "trial2 exim started"
port=$port3
is "$(rcpt 127.0.0.8)" 250 "warn_only = yes in relaywatch.conf: accepted, as Exim's macro says"

# Without the generated macros Exim does not start, and says which.
d=$(exim_setup nomacros)
{
	exim_main_conf "$d" "$(free_port 4)" "127.0.0.1" smarthost.test
	printf '%s\n' "RELAYWATCH_SETTINGS = $TMP/nonexistent.macros" \
	    ".include $TOP/share/exim4/relaywatch-macros"
	exim_sink
} > "$d/exim.conf"
chmod 644 "$d/exim.conf"
out=$("$EXIM" -C "$d/exim.conf" -bV 2>&1)
like "$out" "RELAYWATCH_CDB_is_not_set:_run_relaywatch-db_exim-macros" "no generated macros: exim -bV fails, naming the macro and the command"
printf 'RELAYWATCH_CDB = /x\nRELAYWATCH_RECENT = /y\nRELAYWATCH_SERIAL = /z\nRELAYWATCH_MARKS = /z.d\nRELAYWATCH_DOMAINS = x\nRELAYWATCH_MAILBOX = x\nRELAYWATCH_ABUSE = a@x\n' > "$TMP/noprobe.macros"
sed -i "s|$TMP/nonexistent.macros|$TMP/noprobe.macros|" "$d/exim.conf"
out=$("$EXIM" -C "$d/exim.conf" -bV 2>&1)
like "$out" "RELAYWATCH_PROBE_SOURCE_is_not_set" "a forgotten probe source: exim -bV fails"
done_testing

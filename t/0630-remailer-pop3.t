#!/bin/sh
# The customer who collects its mail by POP3 and re-sends what is not
# addressed to it (the seed's case), with real parts: our smart host
# delivers relaywatch-probe -m's message into the customer's mailbox; a
# private Dovecot (pop3d, Debian's) serves it on loopback; on the
# customer's side fetchmail collects it and hands it to a procmail rule
# that re-sends anything not addressed to the customer's domain through
# the smart host from 127.0.0.7.  The special mailbox's recipe BLOCKs
# 127.0.0.7 (why=remailed), and its next message gets 550.  A careful
# customer, whose fetchmail delivers locally only, stays without a
# verdict.
. "$(dirname "$0")/lib.sh"
. "$T/exim.sh"
need_exim
need procmail formail swaks dovecot fetchmail

PS=$(free_port 77)	# the smart host
PC=$(free_port 78)	# (no customer listens: nothing is probed by IP)
PP=$(free_port 79)	# Dovecot's POP3

rw_setup
ST=$TMP/st
printf '%s\n' "127.0.0.7 shop@isp.example" "127.0.0.8 careful@isp.example" \
    > "$TMP/etc/mailboxes"
echo "mailboxes = $TMP/etc/mailboxes" >> "$RELAYWATCH_CONF"
chown -R "$EXIM_USER:" "$TMP/etc"
S=$(exim_setup smarthost)
exim_smarthost "$S" "$TMP/rc" "$ST/state.cdb" || exit 1
# Our local mail into one mbox a user, for Dovecot.
mkdir -p "$TMP/mail"
: > "$TMP/mail/shop"
: > "$TMP/mail/careful"
chown -R "$EXIM_USER:" "$TMP/mail"
sed -i "s|^  file = $TMP/box/other\$|  file = \${lookup{\$local_part}dsearch{$TMP/mail}{$TMP/mail/\$value}fail}|" "$S/exim.conf"
grep -q "^  file = .*dsearch{$TMP/mail}" "$S/exim.conf" || { diag "no local delivery to change"; exit 1; }
old=$(cat "$S/exim.pid")
kill -HUP "$old"	# Exim reads its configuration again
sleep 1
wait_for "ss -ltn | grep -q ':$PS '" 10

# Dovecot: POP3 on 127.0.0.1:$PP, plain passwords, the users' INBOX the
# mbox our Exim writes, run as the Exim user that owns them.
D=$TMP/dovecot
mkdir -p "$D/run" "$D/home"
chown "$EXIM_USER:" "$D/home"
uid=$(id -u "$EXIM_USER") gid=$(id -g "$EXIM_USER")
for u in shop careful; do
	echo "$u:{PLAIN}secret-$u:$uid:$gid::$D/home"
done > "$D/passwd"
cat > "$D/dovecot.conf" <<CONF
base_dir = $D/run
state_dir = $D/run
log_path = $D/log
protocols = pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = 1
first_valid_gid = 1
passdb {
  driver = passwd-file
  args = $D/passwd
}
userdb {
  driver = passwd-file
  args = $D/passwd
}
mail_location = mbox:$D/home/%u:INBOX=$TMP/mail/%u
pop3_uidl_format = %08Xu%08Xv
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $PP
  }
}
service imap-login {
  inet_listener imap {
    port = 0
  }
}
CONF
dovecot -c "$D/dovecot.conf"
ok $? "Dovecot started" || { diag "$(cat "$D/log" 2>/dev/null)"; exit 1; }
at_exit "kill \$(cat '$D/run/master.pid') 2>/dev/null"
wait_for "ss -ltn | grep -q '127.0.0.1:$PP '" 10

# The probes, into both mailboxes.
relaywatch-probe -m > "$TMP/sent"
is "$?:$(wc -l < "$TMP/sent")" "0:2" "relaywatch-probe -m: one probe a mailbox"
exim_settle "$S" 20
ok $? "  delivered by the smart host" || diag "$(tail -n 5 "$S/log/mainlog")"
is "$(grep -c '^X-Relaywatch: mailbox=shop@isp.example' "$TMP/mail/shop")" 1 "  into shop's mailbox"

# The customers' side: fetchmail, and a procmail rule each.
cat > "$TMP/remail" <<SH
#!/bin/sh
# A careless forwarding rule: sends the message on to the address in its To.
m=\$(mktemp "$TMP/remail.XXXXXX")
cat > "\$m"
to=\$(formail -zxTo: < "\$m")
swaks --server 127.0.0.1 --port $PS --local-interface 127.0.0.7 \\
    --from shop@shop.example --to "\$to" --data "\$m" --timeout 20 --hide-all
rc=\$?
rm -f "\$m"
exit \$rc
SH
chmod 755 "$TMP/remail"
cat > "$TMP/shop.rc" <<RC
SHELL=/bin/sh
:0
* ! ^TO_(.*@)?shop\.example
| $TMP/remail
:0
$TMP/shop.kept
RC
cat > "$TMP/careful.rc" <<RC
SHELL=/bin/sh
:0
$TMP/careful.kept
RC
fetch() {	# fetch USER: one fetchmail run for USER's mailbox
	cat > "$TMP/$1.fetchmailrc" <<RC
set no syslog
poll 127.0.0.1 service $PP protocol pop3 auth password:
    user "$1" password "secret-$1" is root here sslproto ''

    mda "procmail -m $TMP/$1.rc"
RC
	chmod 600 "$TMP/$1.fetchmailrc"
	FETCHMAILHOME=$TMP/$1.fm fetchmail -f "$TMP/$1.fetchmailrc" \
	    -i "$TMP/$1.fetchids" > "$TMP/$1.fetch" 2>&1
}
mkdir -p "$TMP/shop.fm" "$TMP/careful.fm"
chmod 700 "$TMP/shop.fm" "$TMP/careful.fm"
fetch careful
ok $? "the careful customer's fetchmail collects its mailbox" || diag "$(cat "$TMP/careful.fetch" "$D/log")"
is "$(grep -c '^X-Relaywatch: mailbox=careful@isp.example' "$TMP/careful.kept" 2>/dev/null)" 1 \
    "  and its procmail keeps the probe"
fetch shop
ok $? "the shop's fetchmail collects its mailbox" || diag "$(cat "$TMP/shop.fetch" "$D/log")"
last() { awk -v ip="$1" '$1 == ip { l = $0 } END { print l }' "$ST/state"; }
wait_for "[ -n \"\$(last 127.0.0.7)\" ]" 30
like "$(last 127.0.0.7)" \
    '^127\.0\.0\.7 BLOCK [0-9]+ why=remailed mailbox=shop@isp\.example token-time=[0-9]+ via=127\.0\.0\.7$' \
    "its procmail re-sent the probe from 127.0.0.7: BLOCK, remailed" ||
    diag "$(cat "$ST/state")" "$(tail -n 5 "$S/log/mainlog")"
wait_for "[ \"\$(rcpt_reply 127.0.0.1 \"$PS\" 127.0.0.7)\" = 550 ]" 10
ok $? "127.0.0.7's next message: 550"
exim_settle "$S" 20
is "$(last 127.0.0.8)" "" "the careful customer: no verdict"

done_testing

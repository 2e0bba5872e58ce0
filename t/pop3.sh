# Customers who collect their mail from our POP3 server (Dovecot's pop3d,
# Debian's) with fetchmail, for the tests and the demo.  Sourced after
# exim.sh, with $TMP, $PS and the smart host of exim_smarthost.

# pop3_mailboxes SMARTHOST-DIR USER...: the smart host delivers USER's
# mail into $TMP/mail/USER (the rest into $TMP/box/other as before), and
# reads its configuration again.
pop3_mailboxes() {
	s=$1
	shift
	mkdir -p "$TMP/mail"
	for u in "$@"; do
		: > "$TMP/mail/$u"
	done
	chown -R "$EXIM_USER:" "$TMP/mail"
	sed -i "s|^  file = $TMP/box/other\$|  file = \${lookup{\$local_part}dsearch{$TMP/mail}{$TMP/mail/\$value}{$TMP/box/other}}|" \
	    "$s/exim.conf"
	grep -q "dsearch{$TMP/mail}" "$s/exim.conf" ||
	    { diag "pop3_mailboxes: no local delivery to change in $s/exim.conf"; return 1; }
	kill -HUP "$(cat "$s/exim.pid")"	# Exim reads its configuration again
	sleep 1
	wait_for "ss -ltn | grep -q ':$PS '" 10
}

# dovecot_start PORT USER...: Dovecot's POP3 on 127.0.0.1:PORT, USER's
# password "secret-USER", its INBOX $TMP/mail/USER, run as the Exim user
# that owns those files; stopped at the end.
dovecot_start() {
	port=$1
	shift
	D=$TMP/dovecot
	mkdir -p "$D/run" "$D/home"
	chown "$EXIM_USER:" "$D/home"
	uid=$(id -u "$EXIM_USER") gid=$(id -g "$EXIM_USER")
	for u in "$@"; do
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
    port = $port
  }
}
service imap-login {
  inet_listener imap {
    port = 0
  }
}
CONF
	dovecot -c "$D/dovecot.conf" ||
	    { diag "dovecot did not start:" "$(cat "$D/log" 2>/dev/null)"; return 1; }
	at_exit "dovecot_stop '$D'"
	wait_for "ss -ltn | grep -q '127.0.0.1:$port '" 10
}

# dovecot_stop DIR: stop the Dovecot of DIR, and wait until it is gone.
dovecot_stop() {
	p=$(cat "$1/run/master.pid" 2>/dev/null) || return 0
	kill "$p" 2>/dev/null
	i=0
	while kill -0 "$p" 2>/dev/null && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# fetch USER PORT RECIPE: one fetchmail run on the customer's side for
# USER's mailbox at 127.0.0.1:PORT, each message handed to procmail with
# RECIPE; what fetchmail says in $TMP/USER.fetch.
fetch() {
	mkdir -p "$TMP/$1.fm"
	chmod 700 "$TMP/$1.fm"
	cat > "$TMP/$1.fetchmailrc" <<RC
set no syslog
poll 127.0.0.1 service $2 protocol pop3 auth password:
    user "$1" password "secret-$1" is root here sslproto ''
    mda "procmail -m $3"
RC
	chmod 600 "$TMP/$1.fetchmailrc"
	FETCHMAILHOME=$TMP/$1.fm fetchmail -f "$TMP/$1.fetchmailrc" \
	    -i "$TMP/$1.fetchids" > "$TMP/$1.fetch" 2>&1
}

# remailer FILE SOURCE FROM: write FILE, a careless forwarding rule's
# program: it sends the message on its standard input on to the address
# in its To, through the smart host, from the address SOURCE, with the
# envelope sender FROM.
remailer() {
	cat > "$1" <<SH
#!/bin/sh
m=\$(mktemp "$TMP/remail.XXXXXX")
cat > "\$m"
to=\$(formail -zxTo: < "\$m")
swaks --server 127.0.0.1 --port $PS --local-interface $2 \\
    --from $3 --to "\$to" --data "\$m" --timeout 20 --hide-all
rc=\$?
rm -f "\$m"
exit \$rc
SH
	chmod 755 "$1"
}

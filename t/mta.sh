# Customers whose mail servers are not Exim: Debian's Postfix and
# OpenSMTPD, unpacked into $TOP/t/mta by make deps (t/mta-root.sh), run
# from there as root with private configuration, queue and logs under
# $TMP, on loopback.  Sourced after exim.sh, with $PS (the smart host's
# port) and $PC (the customers' port) set.  Each customer is an open
# relay, a host that refuses to relay, or one that takes everything and
# bounces what it cannot pass on.

MTA_ROOT=${MTA_ROOT:-$TOP/t/mta}
POSTFIX_ROOT=$MTA_ROOT/postfix
OPENSMTPD_ROOT=$MTA_ROOT/opensmtpd

# need_mtas: skip the whole test (a failure in CI) unless both are
# unpacked and can run here; creates their users, as Debian's packages
# would: postfix (group postdrop), opensmtpd and opensmtpq.
need_mtas() {
	[ "$(id -u)" = 0 ] || skip_all "Postfix and OpenSMTPD customers need root"
	[ -x "$POSTFIX_ROOT/usr/lib/postfix/sbin/master" ] ||
	    skip_all "Postfix not unpacked in $POSTFIX_ROOT (make deps)"
	[ -x "$OPENSMTPD_ROOT/usr/sbin/smtpd" ] ||
	    skip_all "OpenSMTPD not unpacked in $OPENSMTPD_ROOT (make deps)"
	need useradd groupadd unshare
	getent group postdrop >/dev/null || groupadd --system postdrop ||
	    skip_all "cannot create the group postdrop"
	for u in postfix opensmtpd opensmtpq; do
		id "$u" >/dev/null 2>&1 ||
		    useradd --system --user-group --no-create-home \
		    --home-dir /nonexistent --shell /usr/sbin/nologin "$u" ||
		    skip_all "cannot create the user $u"
	done
}

# postfix_customer NAME ADDRESS KIND [INNER]: Postfix on ADDRESS port $PC,
# passing mail on from ADDRESS to the smart host (127.0.0.1 port $PS); its
# own domain NAME.customer.test.
# KIND relay: it relays for any client (mynetworks 0.0.0.0/0, the common
# mistake); refuse: for ADDRESS only; own: for ADDRESS and for any sender
# in its own domain (check_sender_access ... OK before
# reject_unauth_destination); null: for ADDRESS and for the null sender;
# rewrite: for anyone, every sender made its
# own (sender_canonical_maps); bounce: it takes mail for anywhere
# from anyone and passes it to its INNER host (port $PC), which refuses
# it, and sends the bounce to the smart host.  Its log is
# $TMP/NAME/maillog; stopped at the end.
postfix_customer() {
	d=$TMP/$1
	mkdir -p "$d/conf" "$d/queue" "$d/data"
	chown postfix: "$d/data"
	chmod 755 "$d"
	case $3 in
	relay)	nets=0.0.0.0/0 route="relayhost = [127.0.0.1]:$PS" ;;
	refuse)	nets=$2/32 route="relayhost = [127.0.0.1]:$PS" ;;
	# Trusts the senders of its own domain: "our users may relay".
	own)	nets=$2/32 route="relayhost = [127.0.0.1]:$PS
smtpd_relay_restrictions = permit_mynetworks,
    check_sender_access inline:{ $1.customer.test=OK },
    reject_unauth_destination" ;;
	# Lets the null sender relay, "so that bounces can leave".
	null)	nets=$2/32 route="relayhost = [127.0.0.1]:$PS
smtpd_relay_restrictions = permit_mynetworks,
    check_sender_access inline:{ <>=OK },
    reject_unauth_destination" ;;
	# Relays for anyone, and makes every sender its own (envelope and
	# From:), as a masquerading gateway does.
	rewrite) nets=0.0.0.0/0 route="relayhost = [127.0.0.1]:$PS
sender_canonical_maps = static:webmaster@$1.customer.test
local_header_rewrite_clients = static:all" ;;
	# (Its own bounces, from the null sender, go to the smart host: so
	# it takes no null sender from others, lest it relay theirs.)
	bounce)	nets=0.0.0.0/0
		route="default_transport = smtp:[$4]:$PC
sender_dependent_default_transport_maps = inline:{ <>=smtp:[127.0.0.1]:$PS }
smtpd_sender_restrictions = check_sender_access inline:{ <>=REJECT }" ;;
	esac
	cat > "$d/conf/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $d/queue
data_directory = $d/data
command_directory = $POSTFIX_ROOT/usr/sbin
daemon_directory = $POSTFIX_ROOT/usr/lib/postfix/sbin
shlib_directory = $POSTFIX_ROOT/usr/lib/postfix
meta_directory = $POSTFIX_ROOT/etc/postfix
manpage_directory = $POSTFIX_ROOT/usr/share/man
sendmail_path = $POSTFIX_ROOT/usr/sbin/sendmail
newaliases_path = $POSTFIX_ROOT/usr/bin/newaliases
mailq_path = $POSTFIX_ROOT/usr/bin/mailq
mail_owner = postfix
setgid_group = postdrop
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C LD_LIBRARY_PATH
maillog_file_prefixes = $d
maillog_file = $d/maillog
myhostname = $1.customer.test
mydomain = customer.test
myorigin = \$myhostname
mydestination = \$myhostname
inet_interfaces = loopback-only
inet_protocols = ipv4
proxy_interfaces = $2
mynetworks = $nets
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
smtp_bind_address = $2
alias_maps =
alias_database =
local_recipient_maps =
biff = no
$route
CONF
	cat > "$d/conf/master.cf" <<CONF
$2:$PC inet n - n - - smtpd
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
local unix - n n - - local
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
CONF
	pf="LD_LIBRARY_PATH=$POSTFIX_ROOT/usr/lib/postfix $POSTFIX_ROOT/usr/sbin/postfix -c $d/conf"
	sh -c "$pf start" > "$d/start.out" 2>&1 || {
		diag "postfix $1 did not start:" "$(cat "$d/start.out" "$d/maillog" 2>/dev/null)"
		return 1
	}
	at_exit "sh -c '$pf stop'"
	wait_for "ss -ltn | grep -q '$2:$PC '" 10 || {
		diag "postfix $1 not listening on $2:$PC:" "$(cat "$d/maillog")"
		return 1
	}
}

# opensmtpd_customer NAME ADDRESS KIND [INNER]: OpenSMTPD on ADDRESS port
# $PC, as postfix_customer (the KINDs relay, refuse, own and bounce), with
# smtpd.conf's words: KIND relay matches "from any", refuse only "from src
# ADDRESS" and local mail, own those and 'mail-from "@NAME.customer.test"'.  OpenSMTPD's spool, control socket and chroot are compiled
# in, so each runs in a mount namespace of its own, with tmpfs over
# /var/spool, /run and /var/lib there and $TMP/NAME/spool mounted as its
# queue.  Its log is $TMP/NAME/log; stopped at the end.
opensmtpd_customer() {
	d=$TMP/$1
	mkdir -p "$d/spool"
	chmod 755 "$d"
	chmod 711 "$d/spool"
	out="action \"out\" relay host smtp://127.0.0.1:$PS src $2 helo $1.customer.test"
	case $3 in
	relay)	rules="$out
match from any for any action \"out\"" ;;
	own)	rules="$out
match from local for any action \"out\"
match from src $2 for any action \"out\"
match from any mail-from \"@$1.customer.test\" for any action \"out\"" ;;
	refuse)	rules="$out
match from local for any action \"out\"
match from src $2 for any action \"out\"" ;;
	bounce)	rules="$out
action \"inner\" relay host smtp://$4:$PC src $2 helo $1.customer.test
match from local for any action \"out\"
match from any for any action \"inner\"" ;;
	esac
	cat > "$d/smtpd.conf" <<CONF
listen on $2 port $PC hostname $1.customer.test
$rules
CONF
	chmod 644 "$d/smtpd.conf"
	# Its resolver (asr) reads "lookup file": /etc/hosts, no DNS.
	printf 'lookup file\n' > "$d/resolv.conf"
	# Its queue, its control socket, its chroot: its own.
	unshare -m --propagation private sh -c "
		mount -t tmpfs -o mode=755 tmpfs /var/spool &&
		mkdir /var/spool/smtpd && mount --bind '$d/spool' /var/spool/smtpd &&
		mount -t tmpfs -o mode=755 tmpfs /run &&
		mount -t tmpfs -o mode=755 tmpfs /var/lib &&
		mkdir -p /var/lib/opensmtpd/empty &&
		mount --bind '$d/resolv.conf' /etc/resolv.conf &&
		exec '$OPENSMTPD_ROOT/usr/sbin/smtpd' -d -f '$d/smtpd.conf'" \
	    > "$d/log" 2>&1 &
	echo $! > "$d/pid"
	at_exit "kill $(cat "$d/pid")"
	wait_for "ss -ltn | grep -q '$2:$PC '" 10 || {
		diag "opensmtpd $1 not listening on $2:$PC:" "$(cat "$d/log")"
		return 1
	}
}

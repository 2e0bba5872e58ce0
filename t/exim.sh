# A harness for real Exim (Debian's exim4-daemon-light) in the tests:
# private instances as root on loopback, each with its own configuration,
# spool and log under $TMP, stopped when the test ends however it ends.
# Source it after lib.sh.

EXIM=${EXIM:-/usr/sbin/exim4}
EXIM_USER=${EXIM_USER:-Debian-exim}

# need_exim: skip the whole test (a failure in CI) unless a private Exim
# can run here.
need_exim() {
	[ -x "$EXIM" ] || skip_all "$EXIM not installed (apt-get install exim4-daemon-light)"
	[ "$(id -u)" = 0 ] || skip_all "a private Exim needs root"
	id "$EXIM_USER" >/dev/null 2>&1 || skip_all "no user $EXIM_USER"
	need swaks
}

# A free TCP port on 127.0.0.1.
free_port() {
	p=$(( (($$ + ${1:-0}) * 7919) % 30000 + 20000 ))
	while ss -ltn 2>/dev/null | grep -q "[:.]$p "; do
		p=$((p + 1))
	done
	echo "$p"
}

# exim_setup NAME: make $TMP/NAME/{spool,log} for an instance; prints the
# directory.  Its configuration is $TMP/NAME/exim.conf, written by the
# caller (exim_main_conf gives the settings every instance needs).
exim_setup() {
	d=$TMP/$1
	mkdir -p "$d/spool" "$d/log"
	chown "$EXIM_USER:" "$d/spool" "$d/log"
	chmod 755 "$TMP" "$d"
	echo "$d"
}

# exim_main_conf DIR PORT INTERFACES: the main section every instance needs.
exim_main_conf() {
	cat <<CONF
primary_hostname = ${4:-$(basename "$1").test}
spool_directory = $1/spool
log_file_path = $1/log/%slog
pid_file_path = $1/exim.pid
daemon_smtp_ports = $2
local_interfaces = <; $3
host_lookup =
rfc1413_hosts =
tls_advertise_hosts =
keep_environment =
queue_run_max = 1
CONF
}

# exim_sink: routers and transports that take every message and drop it,
# to end a smart host's configuration whose ACLs are under test.
exim_sink() {
	cat <<CONF
begin routers
all:
  driver = accept
  transport = null
begin transports
null:
  driver = appendfile
  file = /dev/null
  user = $EXIM_USER
CONF
}

# exim_start DIR PORT: start the daemon on DIR/exim.conf and wait until it
# listens.  Stopped at exit.
exim_start() {
	chmod 644 "$1/exim.conf"
	"$EXIM" -C "$1/exim.conf" -bd -q10s >"$1/daemon.out" 2>&1 || {
		diag "exim did not start:" "$(cat "$1/daemon.out")" \
		    "$(cat "$1"/log/paniclog 2>/dev/null)"
		return 1
	}
	at_exit "exim_stop '$1'"
	wait_for "[ -s '$1/exim.pid' ] && ss -ltn | grep -q '[:.]$2 '" 10 || {
		diag "exim not listening on $2:" "$(cat "$1"/log/paniclog 2>/dev/null)"
		return 1
	}
}

# exim_settle DIR [SECONDS]: wait (default 30 s) until the instance's
# queue is empty; fails if it is not by then.
exim_settle() {
	wait_for "[ \"\$(\"$EXIM\" -C '$1/exim.conf' -bpc 2>/dev/null)\" = 0 ]" "${2:-30}"
}

exim_stop() {
	[ -s "$1/exim.pid" ] && kill "$(cat "$1/exim.pid")" 2>/dev/null
	rm -f "$1/exim.pid"
}

# exim_rcpt_only NAME PORT INTERFACES [EXTRA-MACROS]: a smart host that
# takes mail from anyone, with relaywatch's RCPT ACL (macros from
# $TMP/relaywatch.macros) after a line that logs whether the sender is in
# $TMP/blocked.nets, delivering nothing.
exim_rcpt_only() {
	d=$(exim_setup "$1")
	{
		exim_main_conf "$d" "$2" "$3" smarthost.test
		cat <<CONF
domainlist local_domains = smarthost.test
RELAYWATCH_SETTINGS = $TMP/relaywatch.macros
${4:-}
.include $TOP/share/exim4/relaywatch-macros
acl_smtp_rcpt = acl_rcpt
begin acl
acl_rcpt:
  warn
    hosts = $TMP/blocked.nets
    logwrite = listed in blocked.nets: \$sender_host_address
.include $TOP/share/exim4/relaywatch-rcpt.acl
  accept
CONF
		exim_sink
	} > "$d/exim.conf"
	exim_start "$d" "$2"
}

# exim_customer NAME ADDRESS RCPT-ACL [ROUTERS [SECTIONS]]: a customer's
# mail server on ADDRESS port $PC, answering RCPT with the ACL statements
# RCPT-ACL, that passes on what it accepts, from ADDRESS if IPv4, to the
# smart host on $SMARTHOST (default 127.0.0.1) port $PS the way a
# careless relay does: a local part that is an address ("local@domain",
# local%domain, domain!local) is taken for that address.  ROUTERS come
# before that; SECTIONS (a retry section, say) after the transports.
exim_customer() {
	d=$(exim_setup "$1")
	case $2 in
	*:*) iface= ;;		# (the smart host listens on IPv4 only)
	*) iface="interface = $2" ;;
	esac
	{
		exim_main_conf "$d" "$PC" "$2" "$1.customer.test"
		cat <<CONF
acl_smtp_rcpt = rcpt
allow_domain_literals = true
begin acl
rcpt:
$3
begin routers
${4:-}
unquote:
  driver = redirect
  condition = \${if match{\$local_part}{[@!%]}}
  data = \${if match{\$local_part}{\N^([^!@%]+)!(.+)\$\N}{\$2@\$1}{\${sg{\$local_part}{%}{@}}}}
onward:
  driver = manualroute
  route_list = * ${SMARTHOST:-127.0.0.1}
  transport = out
  self = send
begin transports
out:
  driver = smtp
  port = $PS
  $iface
  allow_localhost
${5:-}
CONF
	} > "$d/exim.conf"
	exim_start "$d" "$PC"
}

# exim_site NAME ADDRESS ACL [ROUTERS]: a customer's Exim written as its
# postmaster writes it, on ADDRESS port $PC: its domain NAME.customer.test
# (local mail to postmaster and user only, else "Unrouteable address"),
# relaying for ADDRESS (its own users) and no one else, domain literals
# off (Debian's default), everything not local to the smart host (127.0.0.1
# port $PS) from ADDRESS.  ACL: statements of its RCPT ACL before the
# relay check (where a misconfiguration goes); ROUTERS: before its own.
exim_site() {
	d=$(exim_setup "$1")
	{
		exim_main_conf "$d" "$PC" "$2" "$1.customer.test"
		cat <<CONF
domainlist local_domains = $1.customer.test
hostlist relay_from_hosts = $2
acl_smtp_rcpt = acl_check_rcpt
begin acl
acl_check_rcpt:
  accept hosts = :
$3
  accept domains = +local_domains
         verify = recipient
  accept hosts = +relay_from_hosts
  deny message = relay not permitted
begin routers
${4:-}
local:
  driver = accept
  domains = +local_domains
  local_parts = postmaster : user
  transport = drop
out:
  driver = manualroute
  domains = !+local_domains
  route_list = * 127.0.0.1
  transport = out
  self = send
begin transports
drop:
  driver = appendfile
  file = /dev/null
  user = $EXIM_USER
out:
  driver = smtp
  port = $PS
  interface = $2
  allow_localhost
CONF
	} > "$d/exim.conf"
	exim_start "$d" "$PC"
}

# exim_smarthost DIR RECIPE CDB [MACROS]: our smart host on $SMARTHOST
# (default 127.0.0.1) port $PS, MACROS added to its main section,
# with share/exim4's pieces: the RCPT ACL on CDB, probes from 127.0.0.9 to
# the customers' port $PC, given up after 20 s, the special mailbox
# (relaytest@isp.example) delivered by procmail with RECIPE, as the Exim
# user; other mail for isp.example appended to $TMP/box/other.
exim_smarthost() {
	mkdir -p "$TMP/box"
	chmod 777 "$TMP/box"
	# The settings shared with relaywatch.conf, generated from one, as
	# INSTALL does it.
	printf '%s\n' "domain = isp.example" "statedir = ${3%/state.cdb}" \
	    "probe_source = 127.0.0.9" > "$1/rw-exim.conf"
	relaywatch-db -c "$1/rw-exim.conf" exim-macros > "$1/relaywatch.macros" ||
	    return 1
	{
		exim_main_conf "$1" "$PS" "${SMARTHOST:-127.0.0.1}" smarthost.isp.example
		cat <<CONF
domainlist local_domains = isp.example
RELAYWATCH_SETTINGS = $1/relaywatch.macros
${4:-}
RELAYWATCH_PROBE_PORT = $PC
RELAYWATCH_PROBE_RETRY = F,20s,5s
RELAYWATCH_USER = $EXIM_USER
RELAYWATCH_PROBE_USERS = root
RELAYWATCH_PROCMAILRC = $2
RELAYWATCH_PROBE_TO_SELF = yes
.include $TOP/share/exim4/relaywatch-macros
acl_smtp_rcpt = rcpt
begin acl
rcpt:
.include $TOP/share/exim4/relaywatch-rcpt.acl
  accept
begin routers
.include $TOP/share/exim4/relaywatch-routers
here:
  driver = accept
  transport = here
begin transports
.include $TOP/share/exim4/relaywatch-transports
here:
  driver = appendfile
  file = $TMP/box/other
  user = $EXIM_USER
  envelope_to_add
  return_path_add
begin retry
.include $TOP/share/exim4/relaywatch-retry
*  *  F,1h,10m
CONF
	} > "$1/exim.conf"
	exim_start "$1" "$PS"
}

# rw_setup: relaywatch's files for the smart host in $TMP/smarthost: a key,
# netblocks 127.0.0.0/8, contacts (127.0.0.2: postmaster@relay.customer.test),
# the state in $TMP/st (empty, compiled), $TMP/etc/rw.conf (exported as
# RELAYWATCH_CONF), all owned by the Exim user that runs the recipe; and
# $TMP/rc, the installed recipe with this test's paths, its maildirs in
# $TMP/box/people/ and $TMP/box/evidence/.
rw_setup() {
	mkdir -p "$TMP/st" "$TMP/etc"
	(umask 077; openssl rand -hex 32 > "$TMP/etc/key")
	echo 127.0.0.0/8 > "$TMP/etc/netblocks"
	echo "127.0.0.2/32 postmaster@relay.customer.test" > "$TMP/etc/contacts"
	cat > "$TMP/etc/rw.conf" <<CONF
domain = isp.example
keyfile = $TMP/etc/key
statedir = $TMP/st
netblocks = $TMP/etc/netblocks
blocked_nets = $TMP/st/blocked.nets
contacts = $TMP/etc/contacts
sendmail = $EXIM -C $TMP/smarthost/exim.conf
mainlog = $TMP/smarthost/log/mainlog
probe_rate = 0
probe_source = 127.0.0.9
ptr_lookup = no
domain_wait = 2s
CONF
	RELAYWATCH_CONF="$TMP/etc/rw.conf"
	export RELAYWATCH_CONF
	: > "$TMP/st/state"
	relaywatch-db compile
	chown -R "$EXIM_USER:" "$TMP/st" "$TMP/etc"
	sed -e "s|^PATH=.*|PATH=$TOP/bin:/usr/bin:/bin|" \
	    -e "s|^RELAYWATCH_CONF=.*|RELAYWATCH_CONF=$RELAYWATCH_CONF|" \
	    -e "s|^PEOPLE=.*|PEOPLE=$TMP/box/people/|" \
	    -e "s|^EVIDENCE=.*|EVIDENCE=$TMP/box/evidence/|" \
	    "$TOP/share/procmail/relaywatch.procmailrc" > "$TMP/rc"
	chmod 644 "$TMP/rc"
}

# status: the last line of each address in the state ($ST/state), sorted.
status() {
	awk '{ last[$1] = $0 } END { for (ip in last) print last[ip] }' "$ST/state" | sort
}

# send SERVER PORT FROM-IP [swaks options...]: one message to SERVER:PORT
# from the source address FROM-IP.
send() {
	server=$1 port=$2 src=$3
	shift 3
	swaks --server "$server" --port "$port" --local-interface "$src" \
	    --from a@customer.test --to b@remote.test --timeout 20 \
	    --hide-all "$@"
}

# rcpt_reply SERVER PORT SOURCE [TO]: the reply code to RCPT from the
# address SOURCE (the whole reply in $TMP/reply).
rcpt_reply() {
	swaks --server "$1" --port "$2" --local-interface "$3" \
	    --from a@client.test --to "${4:-b@remote.test}" --quit-after RCPT \
	    --timeout 20 2>&1 | awk '
		/^ *-> RCPT TO/ { r = 1; next }
		r && /^<[-~*]* +[0-9][0-9][0-9]-/ {
			sub(/^<[-~*]* +[0-9][0-9][0-9]-/, ""); text = text $0 " "; next }
		r && /^<[-~*]* +[0-9][0-9][0-9]/ {
			sub(/^<[-~*]* +/, ""); code = substr($0, 1, 4)
			sub(/^[0-9][0-9][0-9] /, ""); print code text $0; exit }
	    ' > "$TMP/reply"
	cut -c1-3 "$TMP/reply"
}

# The Debian configuration, as an installation makes it: a copy of
# /etc/exim4 in $TMP/etc, split or single-file.
#
# debian_copy SPLIT: copy /etc/exim4 with dc_use_split_config='SPLIT'.
debian_copy() {
	cp -R /etc/exim4 "$TMP/etc"
	sed -i "s/^dc_use_split_config=.*/dc_use_split_config='$1'/" \
	    "$TMP/etc/update-exim4.conf.conf"
}

# debian_fragment CONFD-FILE: relaywatch's conf.d file on stdout, made from
# its .in file with the paths of the installed files (here, the tree), as
# make does.
debian_fragment() {
	sed "s|@SHAREDIR@|$TOP/share|g" "$TOP/share/exim4/conf.d/$1.in"
}
RELAYWATCH_CONFD="acl/35_relaywatch router/05_relaywatch transport/30_relaywatch retry/20_relaywatch"

# debian_build DIR: update-exim4.conf into DIR/exim.conf, and exim -bV.
debian_build() {
	update-exim4.conf -d "$TMP/etc" -o "$1/exim.conf" > "$TMP/update.out" 2>&1
	ok $? "update-exim4.conf builds the configuration with relaywatch's pieces" ||
	    diag "$(cat "$TMP/update.out")"
	"$EXIM" -C "$1/exim.conf" -bV > "$TMP/bv.out" 2>&1
	ok $? "exim -bV accepts it" ||
	    diag "$(grep -v 'lost privilege' "$TMP/bv.out" | tail -n 5)"
}

# debian_routes DIR DOMAIN: the probes' routes as exim -bt sees them, for
# a message submitted as relaywatch-probe does (a local protocol).
debian_routes() {
	probe=relaytest+$(printf '%031d' 0 | tr 0 a)@$2
	like "$("$EXIM" -C "$1/exim.conf" -bP router_list 2>/dev/null | tr '\n' ' ')" \
	    "^relaywatch_probe relaywatch_guard relaywatch_mailbox " \
	    "the probes' routes before Debian's routers (relaywatch_probe takes [IP] too)"
	like "$("$EXIM" -C "$1/exim.conf" -oMr local -f "$probe" -bt "someone@$2" 2>/dev/null)" \
	    "a probe must go to a customer's host" "a probe that no route takes: failed by the guard"
	like "$("$EXIM" -C "$1/exim.conf" -oMr local -f a@client.test -bt "relaytest+abc@$2" 2>/dev/null)" \
	    "router = relaywatch_mailbox, transport = relaywatch_procmail" \
	    "the special mailbox, any suffix: procmail"
}

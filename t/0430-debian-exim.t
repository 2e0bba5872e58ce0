#!/bin/sh
# The Debian form of the Exim pieces: Debian's own split configuration
# (exim4-config's conf.d), with 35_relaywatch and the macros that
# INSTALL gives, built by update-exim4.conf, in a private Exim.
. "$(dirname "$0")/lib.sh"
. "$T/exim.sh"
need_exim
need cdb update-exim4.conf
[ -d /etc/exim4/conf.d ] || skip_all "no /etc/exim4/conf.d (exim4-config)"

S=$TMP/state.d
mkdir -p "$S"
printf '%s\n' "statedir = $S" "blocked_nets = $TMP/blocked.nets" \
    "domain = smarthost.test" "abuse = abuse@isp.test" \
    "probe_source = 127.0.0.9" > "$TMP/rw.conf"
relaywatch-db -c "$TMP/rw.conf" exim-macros > "$TMP/relaywatch.macros"
db() { relaywatch-db -c "$TMP/rw.conf" "$@"; }
db compile

port=$(free_port 7)
d=$(exim_setup debian)
debian_copy true
for f in $RELAYWATCH_CONFD; do
	debian_fragment "$f" > "$TMP/etc/conf.d/$f"
done
cat > "$TMP/etc/conf.d/main/00_local_macros" <<CONF
MAIN_ACL_CHECK_RCPT = acl_relaywatch_rcpt
CHECK_DATA_LOCAL_ACL_FILE = $TOP/share/exim4/relaywatch-data.acl
RELAYWATCH_SETTINGS = $TMP/relaywatch.macros
RELAYWATCH_USER = $EXIM_USER
.include $TOP/share/exim4/relaywatch-macros
SPOOLDIR = $d/spool
MAIN_LOCAL_INTERFACES = <; 127.0.0.1 ; ::1
MAIN_LOCAL_DOMAINS = smarthost.test
MAIN_RELAY_NETS = <; 127.0.0.0/8 ; ::1
log_file_path = $d/log/%slog
pid_file_path = $d/exim.pid
daemon_smtp_ports = $port
CONF
debian_build "$d"
debian_routes "$d" smarthost.test
bt() { "$EXIM" -C "$d/exim.conf" -oMr local -f "$1" -bt "$2" 2>/dev/null; }
like "$(bt a@client.test 'x%smarthost.test@[192.0.2.7]')" "router = (domain_literal|dnslookup)|is undeliverable|Unrouteable" \
    "someone else's mail to [IP]: not a probe route"
is "$(sed -n '/^begin retry/,/^begin/p' "$d/exim.conf" | grep -v '^#' | grep . | sed -n 2p)" \
    ".include $TOP/share/exim4/relaywatch-retry" "retry: the probes' rule comes first"
exim_start "$d" "$port" || { ok 1 "exim started"; done_testing; }
log=$d/log/mainlog

rcpt() {
	swaks --server 127.0.0.1 --port "$port" --local-interface "$1" \
	    --from a@client.test --to "${2:-b@remote.test}" --quit-after RCPT \
	    --timeout 20 2>&1 | awk '
		/^ *-> RCPT TO/ { r = 1; next }
		r && /^<[-~*]* +[0-9][0-9][0-9] / { sub(/^<[-~*]* +/, ""); print substr($0, 1, 3); exit }'
}
is "$(rcpt 127.0.0.5)" 250 "a customer relays through Debian's ACL"
echo "127.0.0.5 BLOCK $(date +%s) why=relayed" | db apply > /dev/null
is "$(rcpt 127.0.0.5)" 550 "blocked: refused, before Debian's relay_from_hosts accepts it"
is "$(rcpt 127.0.0.6)" 250 "another customer: still relays"
is "$(rcpt 127.0.0.5 relaytest+x@smarthost.test)" 250 "the special mailbox takes mail from the blocked host"
swaks --server 127.0.0.1 --port "$port" --local-interface 127.0.0.6 \
    --from a@client.test --to b@remote.test --timeout 20 --hide-all
wait_for "grep -q 'RELAYWATCH ip=127.0.0.6' '$log'" 10
ok $? "Debian's DATA ACL writes the marker"
done_testing

#!/bin/sh
# The Debian single-file form: exim4.conf.template with relaywatch's files
# included after each "begin", as INSTALL says, built by update-exim4.conf.
. "$(dirname "$0")/lib.sh"
. "$T/exim.sh"
need_exim
need cdb update-exim4.conf
[ -f /etc/exim4/exim4.conf.template ] || skip_all "no exim4.conf.template (exim4-config)"

S=$TMP/state.d
mkdir -p "$S"
printf '%s\n' "statedir = $S" "blocked_nets = $TMP/blocked.nets" \
    "domain = smarthost.test" "abuse = abuse@isp.test" \
    "probe_source = 127.0.0.9" > "$TMP/rw.conf"
relaywatch-db -c "$TMP/rw.conf" exim-macros > "$TMP/relaywatch.macros"
relaywatch-db -c "$TMP/rw.conf" compile

port=$(free_port 8)
d=$(exim_setup single)
debian_copy false
# As make install puts them: flat.
for f in $RELAYWATCH_CONFD; do
	debian_fragment "$f" > "$TMP/${f#*/}"
done
awk -v d="$TMP" '
	{ print }
	$0 == "begin acl" { print ".include " d "/35_relaywatch" }
	$0 == "begin routers" { print ".include " d "/05_relaywatch" }
	$0 == "begin transports" { print ".include " d "/30_relaywatch" }
	$0 == "begin retry" { print ".include " d "/20_relaywatch" }
' /etc/exim4/exim4.conf.template > "$TMP/etc/exim4.conf.template"
is "$(grep -c "^.include $TMP/" "$TMP/etc/exim4.conf.template")" 4 "the four includes are in the template"
# exim4.conf.localmacros, as INSTALL says.  (update-exim4.conf -d reads
# it only when /etc/exim4 has one, so here it goes first in the template.)
cat > "$TMP/localmacros" <<CONF
MAIN_ACL_CHECK_RCPT = acl_relaywatch_rcpt
CHECK_DATA_LOCAL_ACL_FILE = $TOP/share/exim4/relaywatch-data.acl
MAIN_TRUSTED_USERS = $EXIM_USER
RELAYWATCH_SETTINGS = $TMP/relaywatch.macros
RELAYWATCH_USER = $EXIM_USER
.include $TOP/share/exim4/relaywatch-macros
SPOOLDIR = $d/spool
MAIN_LOCAL_INTERFACES = <; 127.0.0.1
MAIN_LOCAL_DOMAINS = smarthost.test
MAIN_RELAY_NETS = <; 127.0.0.0/8
log_file_path = $d/log/%slog
pid_file_path = $d/exim.pid
daemon_smtp_ports = $port
CONF
cat "$TMP/localmacros" "$TMP/etc/exim4.conf.template" > "$TMP/t" &&
    mv "$TMP/t" "$TMP/etc/exim4.conf.template"
debian_build "$d"
debian_routes "$d" smarthost.test
exim_start "$d" "$port" || { ok 1 "exim started"; done_testing; }
echo "127.0.0.5 BLOCK $(date +%s) why=relayed" | relaywatch-db -c "$TMP/rw.conf" apply > /dev/null
out=$(swaks --server 127.0.0.1 --port "$port" --local-interface 127.0.0.5 \
    --from a@client.test --to b@remote.test --quit-after RCPT --timeout 20 2>&1)
like "$out" "<\*\* 550" "a blocked customer: 550 at RCPT, before Debian's relay_from_hosts"
done_testing

#!/bin/sh
# An IPv6 customer is its network (ipv6_prefix, 64 bits by default): a
# BLOCK of one address refuses the customer from any address of its /64,
# through the RCPT ACL that share/exim4 ships, in a real Exim; another
# network is not touched; an unblock lifts it whole; blocked.nets names
# the network.  In a network namespace of its own, with addresses of
# 2001:db8::/32 on its loopback.
. "$(dirname "$0")/lib.sh"
own_namespace -n
. "$T/exim.sh"
need_exim
need cdb

A=2001:db8:1:2::5	# blocked
B=2001:db8:1:2:a:b:c:d	# the same /64
C=2001:db8:1:3::7	# another /64
for a in $A $B $C 2001:db8:ffff::1; do
	ip -6 addr add "$a/128" dev lo nodad 2>/dev/null ||
	    skip_all "cannot add IPv6 addresses to the loopback here"
done

S=$TMP/state.d
mkdir -p "$S"
printf '%s\n' "statedir = $S" "blocked_nets = $TMP/blocked.nets" \
    "domain = smarthost.test" "abuse = abuse@isp.test" \
    "probe_source = 127.0.0.9 2001:db8:ffff::9" > "$TMP/rw.conf"
db() { relaywatch-db -c "$TMP/rw.conf" "$@"; }
db exim-macros > "$TMP/relaywatch.macros"
like "$(grep IPV6 "$TMP/relaywatch.macros")" "^RELAYWATCH_IPV6_PREFIX = 64$" "exim-macros: ipv6_prefix, 64 by default"
db compile

port=$(free_port 25)
exim_rcpt_only smarthost "$port" "2001:db8:ffff::1" || { ok 1 "exim started"; done_testing; }
d=$TMP/smarthost
log=$d/log/mainlog
rcpt() {
	swaks --server 2001:db8:ffff::1 --port "$port" --local-interface "$1" \
	    --from a@client.test --to b@remote.test --quit-after RCPT \
	    --timeout 20 2>&1 | awk '/^ *-> RCPT TO/ { r = 1; next }
		r && /^<[-~*]* +[0-9][0-9][0-9] / { sub(/^<[-~*]* +/, "");
		print substr($0, 1, 3); exit }'
}

now=$(date +%s)
is "$(rcpt $A) $(rcpt $B) $(rcpt $C)" "250 250 250" "before: all accepted"
echo "$A BLOCK $now why=relayed" | db apply > /dev/null
net=2001.0db8.0001.0002.0000.0000.0000.0000/64
is "$(cdb -q "$S/recent.cdb" $net)" "BLOCK $now why=relayed address=$A" \
    "recent.cdb: the BLOCK under its network too, keyed as Exim's \${mask} writes it, naming the address"
db compile
is "$(cdb -q "$S/state.cdb" $net) | $(cdb -q "$S/recent.cdb" $net)" \
    "BLOCK $now why=relayed address=$A | " "  compiled: in state.cdb, recent.cdb empty"
is "$(rcpt $A)" 550 "the blocked address: 550"
is "$(rcpt $B)" 550 "another address of its /64: 550 too"
is "$(rcpt $C)" 250 "an address of another /64: accepted"
grep -q "rejected RCPT <b@remote.test>: relaywatch: open relay (BLOCK " "$log"
ok $? "logged with the state's line"
like "$(grep 'relaywatch' "$TMP/blocked.nets")" "^2001:db8:1:2::/64  # relaywatch [0-9-]+ why=relayed address=$A$" \
    "blocked.nets names the network, and the address"
grep -q "listed in blocked.nets: $B\$" "$log"
ok $? "  and Exim matches another address of it there"

# Two BLOCKs in one network: either refuses it; an unblock of one leaves
# the other's.
echo "$B BLOCK $now why=relayed" | db apply > /dev/null
# (both in state.cdb now: the lifts below hide its network records)
db compile
db unblock -w "fixed" $A > /dev/null
is "$(rcpt $A)" 550 "two BLOCKs in a /64, one lifted: the other still refuses the network"
db unblock -w "fixed" $B > /dev/null
is "$(rcpt $A) $(rcpt $B)" "250 250" "both lifted: the network accepted again"
like "$(cdb -q "$S/recent.cdb" $net)" "^OK [0-9]+ why=unblocked .* address=" \
    "  recent.cdb: a record of the network that is not a BLOCK hides state.cdb's"
is "$(grep -c relaywatch "$TMP/blocked.nets")" 0 "  and out of blocked.nets"

# ipv6_prefix = 128: each address alone.
echo "ipv6_prefix = 128" >> "$TMP/rw.conf"
db exim-macros > "$TMP/relaywatch.macros"
# (state.cdb's network records change at the next compile)
db compile
echo "$A BLOCK $now why=relayed" | db apply > /dev/null
is "$(rcpt $A) $(rcpt $B)" "550 250" "ipv6_prefix = 128: only the address itself"
like "$(grep relaywatch "$TMP/blocked.nets")" "^2001:db8:1:2::5  # relaywatch" "  and blocked.nets names it alone"

# Bad prefixes are refused, naming the line.
for v in 0 15 129 64x -1 ""; do
	printf 'ipv6_prefix = %s\n' "$v" > "$TMP/bad.conf"
	run relaywatch-db -c "$TMP/bad.conf" setting statedir
	is "$rc" 78 "ipv6_prefix = '$v': 78"
done
like "$err" "bad.conf:1: .*ipv6_prefix.*16 to 128" "  naming the line and the range"
done_testing

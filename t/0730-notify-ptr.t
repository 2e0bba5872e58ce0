#!/bin/sh
# relaywatch-notify's PTR lookup, hermetic: in namespaces of the test's
# own (mount and network), with /etc/hosts, /etc/nsswitch.conf and
# /etc/resolv.conf of its own and a resolver on its own loopback
# (t/dns-answer).  The
# customer writes its PTR, so a name is used only when it resolves back
# to the address; a slow resolver holds no notice longer than
# ptr_timeout.
. "$(dirname "$0")/lib.sh"
need unshare ip perl
own_namespace -n

echo '127.0.0.1	localhost' > "$TMP/hosts"
echo 'hosts: files dns' > "$TMP/nsswitch.conf"
printf 'nameserver 127.0.0.53\noptions timeout:30 attempts:1\n' > "$TMP/resolv.conf"
for f in hosts nsswitch.conf resolv.conf; do
	mount --bind "$TMP/$f" "/etc/$f" || skip_all "cannot bind-mount /etc/$f"
done
v6=$(perl -e 'print join(".", reverse split //, unpack("H*", pack("n8", map { hex } split /:/, "2001:db8:0:0:0:0:0:25"))), ".ip6.arpa"')
"$T/dns-answer" 127.0.0.53 "$TMP/listening" \
    7.2.0.192.in-addr.arpa PTR mail.shop.example \
    mail.shop.example A 192.0.2.7 \
    "$v6" PTR mail6.shop.example \
    mail6.shop.example AAAA 2001:db8::25 \
    8.2.0.192.in-addr.arpa PTR mail.victim.example \
    mail.victim.example A 192.0.2.50 \
    11.2.0.192.in-addr.arpa PTR mx.isp.example \
    mx.isp.example A 192.0.2.11 \
    10.2.0.192.in-addr.arpa silent - &
dns=$!
at_exit "kill $dns"
wait_for "[ -e '$TMP/listening' ]" 5 || skip_all "the test's resolver did not start"

: > "$TMP/contacts"
cat > "$TMP/conf" <<CONF
domain = isp.example
contacts = $TMP/contacts
ptr_timeout = 2s
CONF
export RELAYWATCH_CONF="$TMP/conf"
change() {	# change IP: a new BLOCK of IP, as apply prints it
	echo "$1 UNKNOWN BLOCK 1795755000 why=relayed variant=plain token-time=1795754990 via=$1"
}
to() {	# to IP: whom the notice for IP goes to (-n -r: printed, looked up)
	change "$1" | relaywatch-notify -n -r 2>"$TMP/err" | sed -n 's/^To: //p'
}

is "$(to 192.0.2.7)" "postmaster@shop.example" "a PTR name that resolves back: postmaster of its domain"
is "$(to 2001:db8::25)" "postmaster@shop.example" "  IPv6 too"
is "$(to 192.0.2.8)" "postmaster@[192.0.2.8]" "a PTR name that resolves to other addresses (the customer's choice): postmaster@[IP]"
like "$(cat "$TMP/err")" "192\.0\.2\.8: PTR name mail\.victim\.example does not resolve back to it" "  and says why"
is "$(to 192.0.2.9)" "postmaster@[192.0.2.9]" "no PTR name: postmaster@[IP]"
is "$(to 192.0.2.11)" "postmaster@[192.0.2.11]" "a name in our own domain: postmaster@[IP]"
start=$(date +%s)
is "$(to 192.0.2.10)" "postmaster@[192.0.2.10]" "a resolver that never answers: postmaster@[IP]"
took=$(( $(date +%s) - start ))
[ "$took" -le 4 ]
ok $? "  after ptr_timeout (2 s), not the resolver's 30 s (took $took s)"
like "$(cat "$TMP/err")" "192\.0\.2\.10: no PTR answer within 2s" "  and says so"

# Without -r, -n looks nothing up; ptr_lookup = no turns it off.
is "$(change 192.0.2.7 | relaywatch-notify -n 2>/dev/null | sed -n 's/^To: //p')" \
    "postmaster@[192.0.2.7]" "-n without -r: no lookup"
printf 'ptr_lookup = no\n' >> "$TMP/conf"
is "$(to 192.0.2.7)" "postmaster@[192.0.2.7]" "ptr_lookup = no: no lookup"

done_testing

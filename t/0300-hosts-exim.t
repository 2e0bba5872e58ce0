#!/bin/sh
# relaywatch-hosts on the main log of a real Exim, with hostile HELOs and
# senders, under several log_selector settings, with and without the
# marker ACL that share/exim4 ships.
. "$(dirname "$0")/lib.sh"
. "$T/exim.sh"
need_exim

# Messages sent to each instance, and what relaywatch-hosts must print for
# each with hosts_from = arrivals, and = marker.
long_helo=$(head -c 9000 /dev/zero | tr '\0' h)
send_all() {
	port=$1
	send 127.0.0.1 "$port" 127.0.0.5 --helo mail.customer.example
	send 127.0.0.1 "$port" 127.0.0.6 --helo 'x) [6.6.6.6] (y'
	send 127.0.0.1 "$port" 127.0.0.6 \
	    --helo 'x) [6.6.6.6]:1 I=[1.1.1.1]:25 P=esmtp S=1 (y'
	send 127.0.0.1 "$port" 127.0.0.7 --helo '[6.6.6.6]'
	send 127.0.0.1 "$port" 127.0.0.8 --helo ok.example \
	    --from '"a H=[6.6.6.6] P=esmtp b"@customer.test'
	send 127.0.0.1 "$port" 127.0.0.9 --helo "$long_helo"
	send ::1 "$port" ::1 --helo v6.example
	send 127.0.0.1 "$port" 127.0.0.10 --helo 'RELAYWATCH ip=6.6.6.6' \
	    --header 'Subject: ) [6.6.6.6] H=[6.6.6.6]'
	printf 'Subject: local\n\nhi\n' | "$EXIM" -C "$d/exim.conf" -odq \
	    local@remote.test 2>/dev/null
}
want_arrivals="127.0.0.5 customer.test helo=customer.example
127.0.0.7 customer.test
127.0.0.8 helo=ok.example
::1 customer.test helo=v6.example
127.0.0.10 customer.test"
want_markers="127.0.0.5
127.0.0.6
127.0.0.6
127.0.0.7
127.0.0.8
127.0.0.9
::1
127.0.0.10"

printf 'hosts_from = arrivals\n' > "$TMP/arrivals.conf"
printf 'hosts_from = marker\n' > "$TMP/marker.conf"
printf 'hosts_from = both\n' > "$TMP/both.conf"
n=0
for selector in "" "+pid +incoming_interface +incoming_port +millisec" \
    "+pid +incoming_port +subject +received_recipients +sender_on_delivery"; do
	n=$((n + 1))
	port=$(free_port $n)
	d=$(exim_setup "smarthost$n")
	{
		exim_main_conf "$d" "$port" "127.0.0.1 ; ::1" smarthost.test
		cat <<CONF
log_selector = $selector
helo_accept_junk_hosts = *
$( [ $n = 3 ] && echo "log_timezone = true" )
acl_smtp_rcpt = acl_rcpt
acl_smtp_data = acl_data
begin acl
acl_rcpt:
  accept
acl_data:
.include $TOP/share/exim4/relaywatch-data.acl
  accept
CONF
		exim_sink
	} > "$d/exim.conf"
	if ! exim_start "$d" "$port"; then
		ok 1 "exim instance $n started"
		continue
	fi
	send_all "$port"
	log=$d/log/mainlog
	exim_settle "$d"
	ok $? "log_selector '$selector': the queue settles"
	wait_for "[ \$(grep -c 'RELAYWATCH ip=' '$log') -ge 8 ]" 20
	want=$want_arrivals
	# With +subject, client text after the address imitates a HELO's
	# end: the line is refused (the marker still names the host).
	[ $n = 3 ] && want=$(printf '%s\n' "$want" | grep -vx '127.0.0.10 customer.test')
	run relaywatch-hosts -c "$TMP/arrivals.conf" "$log"
	is "$out" "$want" "log_selector '$selector': arrivals give the true hosts only"
	run relaywatch-hosts -c "$TMP/marker.conf" "$log"
	is "$out" "$want_markers" "log_selector '$selector': markers give every host"
	run relaywatch-hosts -c "$TMP/both.conf" "$log"
	is "$out" "$want_markers" "log_selector '$selector': both, each message once"
	case $(relaywatch-hosts -c "$TMP/arrivals.conf" "$log" 2>/dev/null) in
	*6.6.6.6*|*1.1.1.1*) ok 1 "no address a client wrote" ;;
	*) ok 0 "no address a client wrote" ;;
	esac
	grep -q 'log string overflowed' "$log"
	ok $? "a 9000-character HELO overflows Exim's log line"
	if [ "$n" = 1 ]; then
		diag "$(grep -E ' <= | RELAYWATCH ' "$log" | cut -c1-200)"
	fi
done

done_testing

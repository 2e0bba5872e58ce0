#!/bin/sh
# make demo ZOO=yes: the demo with customers that run Postfix and
# OpenSMTPD too (t/mta.sh), and relays open only to some senders, each
# ending with its status (the forms that caught them in the timeline); a ZOO that is
# neither yes nor no is refused.
. "$(dirname "$0")/lib.sh"
. "$T/exim.sh"
. "$T/mta.sh"
need_exim
need procmail
need faketime
need swaks dovecot fetchmail
need_mtas

run env ZOO=maybe sh "$T/demo.sh"
is "$rc" 64 "ZOO=maybe: exit 64"
like "$err" "ZOO=maybe: say yes or no" "  and says what it takes"

run env ZOO=yes sh "$T/demo.sh"
is "$rc" 0 "make demo ZOO=yes: exit 0" || diag "$out" "$err"
like "$out" "^The zoo: Postfix [0-9]" "it names the zoo's MTAs and their versions"
for want in "arrival   127.0.0.10 sends a message" "BLOCK     127.0.0.10: why=relayed" \
    "refused   127.0.0.11 refuses a probe: 554 5.7.1 <" \
    "OK        127.0.0.11: why=refused" \
    "arrival   127.0.0.12 sends a message" "BLOCK     127.0.0.12: why=relayed variant=" \
    "OK        127.0.0.13: why=" \
    "BLOCK     127.0.0.14: why=relayed variant=own-sender" \
    "BLOCK     127.0.0.15: why=relayed variant=null-sender"; do
	printf '%s\n' "$out" | grep -qF -- "$want"
	ok $? "the timeline: $want"
done
end=$(printf '%s\n' "$out" | sed -n '/^Status at the end:/,/^$/p')
like "$(printf '%s\n' "$end" | grep '127.0.0.10 ')" "BLOCK +relayed" "at the end: the Postfix open relay BLOCK"
like "$(printf '%s\n' "$end" | grep '127.0.0.11 ')" "OK +refused +diag=\"554 5\.7\.1 .*Relay access denied\"" "  the refusing Postfix OK, with its words"
like "$(printf '%s\n' "$end" | grep '127.0.0.12 ')" "BLOCK +relayed" "  the OpenSMTPD open relay BLOCK"
like "$(printf '%s\n' "$end" | grep '127.0.0.13 ')" "OK +bounced-after-accept +diag=\"554 5\.7\.1 .*Relay access denied\"" \
    "  the bouncing OpenSMTPD OK, with what its inner host, the refusing Postfix, said"
like "$(printf '%s\n' "$end" | grep '127.0.0.14 ')" "BLOCK +relayed" "  the Postfix that trusts its own domain's senders BLOCK"
like "$(printf '%s\n' "$end" | grep '127.0.0.15 ')" "BLOCK +relayed" "  the Exim that lets the null sender relay BLOCK"
like "$(printf '%s\n' "$end" | grep '127.0.0.2 ')" "BLOCK +relayed" "  and the Exim open relay BLOCK, as without the zoo"
dir=$(printf '%s\n' "$out" | sed -n 's/.*; all in \(\/[^ ]*\)$/\1/p')
[ -n "$dir" ] && [ ! -e "$dir" ]
ok $? "its directory removed ($dir)"
sleep 1
is "$(ps -eo stat=,args= | awk '$1 !~ /^Z/' | grep -F "$dir" | grep -v grep)" "" "no process of it left"
done_testing

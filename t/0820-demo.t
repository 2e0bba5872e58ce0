#!/bin/sh
# make demo (t/demo.sh) does what README says: the timeline, the open
# relay refused in its first session, every customer's status, and
# nothing left behind.
. "$(dirname "$0")/lib.sh"
. "$T/exim.sh"
need_exim
need procmail
need faketime
need swaks dovecot fetchmail

run sh "$T/demo.sh"
is "$rc" 0 "make demo: exit 0" || diag "$out" "$err"
for want in "arrival   127.0.0.2 sends a message" "probe     delivered to 127.0.0.2" \
    "refused   127.0.0.3 refuses a probe: 550 relay not permitted" \
    "bounce    a bounce of a probe reaches the special mailbox" \
    "RELAYED   a probe comes back to the special mailbox from 127.0.0.2" \
    "BLOCK     127.0.0.2: why=relayed" "notice    delivered to postmaster@relay.customer.test" \
    "notice    delivered to abuse@isp.example" \
    "mailbox   a probe is put in the mailbox shop@isp.example" \
    "REMAILED  the mailbox probe comes back to the special mailbox from 127.0.0.5" \
    "BLOCK     127.0.0.5: why=remailed mailbox=shop@isp.example"; do
	printf '%s\n' "$out" | grep -qF -- "$want"
	ok $? "the timeline: $want"
done
# The timeline is in the order things happened.
tl=$(printf '%s\n' "$out" | grep '^\[ *[0-9.]*s\] ')
first() { printf '%s\n' "$tl" | grep -nF -- "$1" | head -1 | cut -d: -f1; }
due=$(first "due       127.0.0.2") probe=$(first "probe     delivered to 127.0.0.2")
back=$(first "RELAYED   a probe comes back to the special mailbox from 127.0.0.2")
[ -n "$due" ] && [ -n "$probe" ] && [ -n "$back" ] && [ "$due" -lt "$probe" ] && [ "$probe" -lt "$back" ]
ok $? "the timeline: due, then the probe delivered, then the relayed probe back" || diag "$tl"
printf '%s\n' "$tl" | sed 's/^\[ *\([0-9.]*\)s\].*/\1/' | sort -c -n 2>/dev/null
ok $? "the timeline's times never go back"
is "$(printf '%s\n' "$tl" | grep -c 'arrival   127.0.0.2 ')" 1 "one arrival line for the open relay's one accepted message"
like "$(printf '%s\n' "$out" | sed -n '/SMTP session/,/^$/p' | tr -d ' ' | tr '\n' ' ')" \
    "MAIL250 RCPT250 DATA250 MAIL250 RCPT550" "the open relay's second message refused in the same session"
end=$(printf '%s\n' "$out" | sed -n '/^Status at the end:/,/^$/p')
like "$(printf '%s\n' "$end" | grep 127.0.0.2)" "BLOCK +relayed" "at the end: the open relay BLOCK"
like "$(printf '%s\n' "$end" | grep 127.0.0.3)" "OK +refused" "  the refusing host OK"
like "$(printf '%s\n' "$end" | grep 127.0.0.4)" "OK +no-answer" "  the silent host OK (no answer) after the pending timeout"
like "$(printf '%s\n' "$end" | grep 127.0.0.5)" "BLOCK +remailed +mailbox=shop@isp.example" "  the shop that re-sends its mail BLOCK"
dir=$(printf '%s\n' "$out" | sed -n 's/.*; all in \(\/[^ ]*\)$/\1/p')
[ -n "$dir" ] && [ ! -e "$dir" ]
ok $? "its directory removed ($dir)"
is "$(ps -eo stat=,args= | awk '$1 !~ /^Z/' | grep -F "$dir" | grep -v grep)" "" "no process of it left"
done_testing

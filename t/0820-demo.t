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
for want in "arrival   127.0.0.2 sends a message" "probe     127.0.0.2: a probe delivered to it" \
    "refused   127.0.0.3 refuses a probe: 550 relay not permitted" \
    "bounce    127.0.0.3: the bounce of its probe reaches the special mailbox" \
    "RELAYED   127.0.0.2: a probe comes back to the special mailbox from it" \
    "BLOCK     127.0.0.2: why=relayed" "notice    127.0.0.2: the notice delivered to postmaster@relay.customer.test" \
    "notice    127.0.0.2: the notice delivered to abuse@isp.example" \
    "mailbox   127.0.0.5: a probe is put in its mailbox shop@isp.example" \
    "REMAILED  127.0.0.5: the mailbox probe comes back to the special mailbox from it" \
    "BLOCK     127.0.0.5: why=remailed mailbox=shop@isp.example"; do
	printf '%s\n' "$out" | grep -qF -- "$want"
	ok $? "the timeline: $want"
done
# The timeline is in the order things happened, in local time, the host
# on every line, each host's pending test once.
tl=$(printf '%s\n' "$out" | grep '^\[[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]\] ')
first() { printf '%s\n' "$tl" | grep -nF -- "$1" | head -1 | cut -d: -f1; }
due=$(first "due       127.0.0.2") probe=$(first "probe     127.0.0.2: a probe delivered")
back=$(first "RELAYED   127.0.0.2: a probe comes back")
[ -n "$due" ] && [ -n "$probe" ] && [ -n "$back" ] && [ "$due" -lt "$probe" ] && [ "$probe" -lt "$back" ]
ok $? "the timeline: due, then the probe delivered, then the relayed probe back" || diag "$tl"
printf '%s\n' "$tl" | cut -c2-11 | sort -c 2>/dev/null
ok $? "the timeline's times (local, HH:MM:SS.s) never go back"
is "$(printf '%s\n' "$tl" | awk '$3 !~ /^127\.0\.0\.[0-9]+:?$/')" "" "every line names its host first" 
is "$(printf '%s\n' "$tl" | grep '^[^ ]* due ' | awk '{ print $3 }' | sort | uniq -d)" "" "each host's pending test said once"
like "$(printf '%s\n' "$out" | sed -n '/cron.s relaywatch-db sweep:/,/^$/p')" \
    "127\.0\.0\.4: UNKNOWN -> OK, why=no-answer: tested at [0-9:]+, and nothing came back for 48 h" \
    "the sweep's change said in words, the time of the test in local time"
like "$out" 'BLOCK for 0s. in the log' "the 550's BLOCK for 0s explained"
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

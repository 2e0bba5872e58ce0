#!/bin/sh
# relaywatch-classify on reports to a probe's own address (its token in
# the envelope recipient, VERP) in forms that no rule of words knows:
# short reports in other languages, gateways' own notices, delivery
# status parts with an Action RFC 3464 does not have or with none,
# free text from a postmaster.  From a mail system (the null sender, a
# mailer-daemon or postmaster) they are failure reports of the probe:
# OK.  What else reaches that address stays without a verdict:
# auto-replies, replies, challenges to prove the sender, delay warnings
# in other languages, spam and forwarded mail.
. "$(dirname "$0")/lib.sh"

(umask 077; openssl rand -hex 32 > "$TMP/key")
printf 'domain = isp.example\nkeyfile = %s\n' "$TMP/key" > "$TMP/conf"
export RELAYWATCH_CONF="$TMP/conf"
tok=$(echo 192.0.2.7 | relaywatch-probe -n | sed -n 's/^X-Relaywatch: .*variant=plain token=//p')
rcpt=relaytest+$tok@isp.example
is "${#tok}" 31 "a probe's token"

# msg FILE RETURN-PATH FROM SUBJECT [HEADER...]: a message to the
# probe's address, its body on standard input.
msg() {
	f=$1 rp=$2 from=$3 subj=$4
	shift 4
	{
		printf 'Return-path: <%s>\n' "$rp"
		printf 'Received: from [192.0.2.7] (helo=mail.customer.example)\n\tby smarthost.isp.example with esmtp (Exim 4.96)\n\tid 1xWhVY-0001L3-2j; Fri, 27 Nov 2026 04:00:00 +0000\n'
		printf 'From: %s\nTo: %s\nSubject: %s\nDate: Fri, 27 Nov 2026 04:00:00 +0000\nMessage-ID: <n%s@mx.remote.example>\n' \
		    "$from" "$rcpt" "$subj" "$$"
		for h in "$@"; do printf '%s\n' "$h"; done
		printf 'MIME-Version: 1.0\n'
		case " $* " in
		*Content-Type:*) ;;
		*) printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n' ;;
		esac
		printf '\n'
		cat
	} > "$TMP/$f"
}
# verdict FILE: the verdict's "IP STATUS" with the envelope recipient,
# then "/" and what it gives with no token anywhere: "none" for no
# verdict.
verdict() {
	a=$(relaywatch-classify -r "$rcpt" < "$TMP/$1" | awk '{ print $1, $2 }')
	b=$(sed "s/+$tok//" "$TMP/$1" | relaywatch-classify -r relaytest@isp.example |
	    awk '{ print $1, $2 }')
	echo "${a:-none}/${b:-none}"
}

# Failure reports in forms no phrase names.
msg pl '' 'MAILER-DAEMON@poczta.example' 'Zwrot' <<'EOF'
Nie można doręczyć wiadomości do b@remote.example.
Adresat nie istnieje.
EOF
is "$(verdict pl)" "192.0.2.7 OK/none" "a short report in Polish, from the null sender: OK (no token: none)"

msg ja '' 'MAILER-DAEMON@mx.example.jp' '配送不能' <<'EOF'
宛先のアドレスが見つかりません。
b@remote.example
EOF
is "$(verdict ja)" "192.0.2.7 OK/none" "a short report in Japanese: OK"

msg gw '' 'Gateway Notification <postmaster@gw.remote.example>' \
    'Message held [ref 77812]' <<'EOF'
Policy 4402 (Outbound-Attach-Strict) matched.
Disposition: REJECT-REL
Contact your administrator and quote ref 77812.
EOF
is "$(verdict gw)" "192.0.2.7 OK/none" "a content filter's own notice: OK"

msg odd '' 'Mail System <MAILER-DAEMON@remote.example>' 'Report' \
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"' <<'EOF'
--b1
Content-Type: text/plain

See the report.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.remote.example

Final-Recipient: rfc822; b@remote.example
Action: bounced

--b1--
EOF
is "$(verdict odd)" "192.0.2.7 OK/none" "a delivery status part with a non-standard Action (bounced): OK"

msg noaction '' 'MAILER-DAEMON@remote.example' 'Notice' \
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"' <<'EOF'
--b1
Content-Type: text/plain

Notice.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.remote.example

Final-Recipient: rfc822; b@remote.example
Remote-MTA: dns; mx2.remote.example

--b1--
EOF
is "$(verdict noaction)" "192.0.2.7 OK/none" "a delivery status part with no Action and no Status: OK"

msg free 'postmaster@remote.example' 'postmaster@remote.example' 'Your message' <<'EOF'
Hello,

we got a message from your address that our system could not take.
Please check the address.

Regards, IT
EOF
is "$(verdict free)" "192.0.2.7 OK/none" "free text from a postmaster address: OK"

# What must stay without a verdict at the same address.
msg auto '' 'MAILER-DAEMON@remote.example' 'Re: test' 'Auto-Submitted: auto-replied' <<'EOF'
Dziękuję za wiadomość.
EOF
is "$(verdict auto)" "none/none" "an auto-reply (Auto-Submitted), from the null sender: none"

msg vacation '' 'Jan Kowalski <postmaster@remote.example>' 'Re: test' \
    'In-Reply-To: <x@isp.example>' <<'EOF'
Jestem na urlopie do poniedziałku.
EOF
is "$(verdict vacation)" "none/none" "a reply with In-Reply-To and no other mark, from the null sender: none"

msg challenge '' 'MAILER-DAEMON@remote.example' 'Please confirm your message' <<'EOF'
The person you wrote to protects their mailbox from spam.
Click the link below to prove you are a real person:
https://confirm.remote.example/c/8812
EOF
is "$(verdict challenge)" "none/none" "a challenge-response request from the null sender: none"

msg challenge2 'bounce@remote.example' 'postmaster@remote.example' 'Wiadomość' <<'EOF'
Your email requires verification: verify you are human at
https://verify.remote.example/
EOF
is "$(verdict challenge2)" "none/none" "a challenge in the text only: none"

msg delay_de '' 'MAILER-DAEMON@remote.example' 'Information' <<'EOF'
Ihre Nachricht an b@remote.example wurde noch nicht zugestellt.
Es wird weiter versucht.
EOF
is "$(verdict delay_de)" "none/none" "a delay warning in German free text: none"

msg delay_fr '' 'MAILER-DAEMON@remote.example' 'Information' <<'EOF'
Votre message n'a pas encore été distribué. Nouvel essai plus tard.
EOF
is "$(verdict delay_fr)" "none/none" "a delay warning in French free text: none"

msg delivered '' 'MAILER-DAEMON@remote.example' 'Delivery report' \
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"' <<'EOF'
--b1
Content-Type: text/plain

Delivered.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.remote.example

Final-Recipient: rfc822; b@remote.example
Action: delivered
Status: 2.0.0

--b1--
EOF
is "$(verdict delivered)" "none/none" "a success notice (Action: delivered): none"

msg verified '' 'MAILER-DAEMON@remote.example' 'Status report' \
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"' <<'EOF'
--b1
Content-Type: text/plain

Report.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.remote.example

Final-Recipient: rfc822; b@remote.example
Action: verified
Status: 2.1.5

--b1--
EOF
is "$(verdict verified)" "none/none" "a non-standard Action with a 2.x.x Status (success): none"

msg spam 'offers@deals.example' 'Best Deals <offers@deals.example>' 'You won!' <<'EOF'
Claim your prize today. Undeliverable offers are void.
EOF
is "$(verdict spam)" "none/none" "spam from an ordinary sender: none"

msg fwd 'jan@remote.example' 'Jan <jan@remote.example>' 'Fwd: test' \
    'Resent-From: jan@remote.example' <<'EOF'
---------- Forwarded message ---------
From: MAILER-DAEMON@remote.example
Subject: Undelivered Mail Returned to Sender
EOF
is "$(verdict fwd)" "none/none" "forwarded mail from a person: none"

msg noreply 'notify@tickets.example' 'Helpdesk <noreply@tickets.example>' 'Ticket 4411 opened' <<'EOF'
We have opened ticket 4411 for your message.
EOF
is "$(verdict noreply)" "none/none" "a no-reply address's notice, with its own sender: none"

done_testing

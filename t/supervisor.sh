# For the tests of relaywatch(8) on its own (sourced after lib.sh): a
# state in $TMP/st, a main log $TMP/log/mainlog written by the test, a
# sendmail that keeps nothing and a logger(1) that writes $TMP/syslog
# (both in $TMP/fake, to put first in PATH), and the configuration
# $TMP/conf; RELAYWATCH_CONF names it.
mkdir -p "$TMP/st" "$TMP/fake" "$TMP/log"
(umask 077; openssl rand -hex 32 > "$TMP/key")
printf '#!/bin/sh\ncat > /dev/null\n' > "$TMP/fake/sendmail"
# logger(1), as relaywatch calls it, into a file
printf '#!/bin/sh\nprintf "%%s\\n" "$*" >> %s/syslog\n' "$TMP" > "$TMP/fake/logger"
chmod 755 "$TMP/fake/sendmail" "$TMP/fake/logger"
echo 192.0.2.0/24 > "$TMP/netblocks"
cat > "$TMP/conf" <<CONF
domain = isp.example
keyfile = $TMP/key
statedir = $TMP/st
netblocks = $TMP/netblocks
blocked_nets = $TMP/st/blocked.nets
mainlog=$TMP/log/mainlog
sendmail = $TMP/fake/sendmail
probe_rate = 0
probe_source = 127.0.0.9
domain_wait = 0
CONF
export RELAYWATCH_CONF="$TMP/conf"
: > "$TMP/st/state"
relaywatch-db compile

arrival() {	# arrival IP: an Exim arrival line from IP in the main log
	echo "2026-11-27 05:00:00 1xWhVY-0001L1-2j <= a@b.example H=(x) [$1]:34831 P=esmtp S=458 id=x@y for c@d.example" >> "$TMP/log/mainlog"
}
probed() {	# probed IP: how many probes went to IP
	grep -c "^$1 " "$TMP/st/probes" 2>/dev/null
}

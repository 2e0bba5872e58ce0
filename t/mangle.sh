# What careless relays and mail programs do to a message on its way (for
# the classify tests): each reads a message (a file, or the standard
# input) and writes it changed.
head_of() { sed '/^$/q' "$1" | sed '$d'; }
body_of() { sed '1,/^$/d' "$1"; }
drop_xrw() { grep -v '^X-Relaywatch:'; }
own_msgid() { sed 's/^Message-ID: .*/Message-ID: <20261127040000.ABC@mail.customer.example>/'; }
subject_tag() { sed 's/^Subject: /Subject: [EXTERNAL] /'; }
as_base64() {	# the body re-encoded: base64
	head_of "$1" | sed 's/^Content-Transfer-Encoding: .*/Content-Transfer-Encoding: base64/'
	echo
	body_of "$1" | base64
}
as_qp() {	# 8bit to 7bit: quoted-printable, lines cut at 40
	head_of "$1" | sed 's/^Content-Transfer-Encoding: .*/Content-Transfer-Encoding: quoted-printable/'
	echo
	body_of "$1" | perl -pe 's/([=\x00-\x1f\x7f-\xff])/sprintf("=%02X", ord $1)/ge unless /^$/; s/(.{40})/$1=\n/g'
}
footer() { cat "$1"; printf '\n-- \nThis e-mail was scanned for viruses by MailGuard.\n'; }

#!/bin/sh
# make lint: each file of lib/ is named for the functions it defines
# (OpenSMTPD's rule): every function of lib/NAME.c that is not static is
# NAME or NAME_*, and lib/NAME.h declares them.  Says each one that is
# not, as FILE: FUNCTION, and exits 1.
cd "$(dirname "$0")/.." || exit 70
rc=0
for f in lib/*.c; do
	n=$(basename "$f" .c)
	[ -f "lib/$n.h" ] || { echo "$f: no lib/$n.h"; rc=1; }
	awk -v n="$n" -v f="$f" '
		# a definition: the name at the start of a line, after a line
		# with its type (not static, not a declaration of its own)
		/^[a-z_][a-z_0-9]*\(/ && prev != "" && prev !~ /^static/ &&
		    prev !~ /^[ \t#\/*}]/ && prev !~ /;$/ {
			name = $0
			sub(/\(.*/, "", name)
			if (name != n && index(name, n "_") != 1) {
				printf "%s: %s (not %s_*)\n", f, name, n
				bad = 1
			}
		}
		{ prev = $0 }
		END { exit bad }' "$f" || rc=1
done
exit $rc

# relaywatch: find and block open relays among the customers of an Exim
# smart host.  See README and INSTALL.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SHAREDIR ?= $(PREFIX)/share/relaywatch
SYSCONFDIR ?= /etc
DESTDIR ?=

CC ?= cc
CFLAGS ?= -O2 -g
LDFLAGS ?=
INSTALL ?= install

RW_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -Ilib \
	-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wformat=2
ifeq ($(SANITIZE),1)
RW_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif
ALL_CFLAGS = $(RW_CFLAGS) $(CFLAGS)

# Debian 12 packages for the build, the tests, the benchmarks and the demo.
DEPS = gcc make libc6-dev libssl-dev libcdb-dev tinycdb exim4-daemon-light \
	procmail mandoc faketime swaks libio-socket-inet6-perl perl mawk time \
	openssl iproute2 procps adduser sysvinit-utils clang rsyslog

LIB_OBJS = lib/ip.o lib/netset.o lib/conf.o lib/textfile.o lib/stream.o lib/atomic.o \
	lib/preflight.o lib/usage.o lib/owner.o lib/outbox.o lib/contacts.o \
	lib/eximlog.o lib/stateline.o lib/statemap.o lib/statefile.o lib/statecdb.o \
	lib/blocked_nets.o lib/bigmem.o lib/iptable.o lib/stamp.o \
	lib/state_follow.o lib/token.o lib/token_find.o lib/ascii.o lib/mime.o \
	lib/mime_decode.o lib/dsn.o lib/report_text.o lib/mailer.o
LIB = lib/librelaywatch.a

PROGS = bin/relaywatch-hosts bin/relaywatch-db bin/relaywatch-due \
	bin/relaywatch-probe bin/relaywatch-classify bin/relaywatch-notify
MAN1 = man/relaywatch-hosts.1 man/relaywatch-db.1 man/relaywatch-due.1 \
	man/relaywatch-probe.1 man/relaywatch-classify.1 man/relaywatch-notify.1
MAN5 = man/relaywatch.conf.5 man/relaywatch-state.5
MAN7 = man/relaywatch.7
MAN8 = man/relaywatch.8
MANS = $(MAN1) $(MAN5) $(MAN7) $(MAN8)

EXIM_FILES = share/exim4/relaywatch-data.acl share/exim4/relaywatch-rcpt.acl \
	share/exim4/relaywatch-macros share/exim4/relaywatch-routers \
	share/exim4/relaywatch-transports share/exim4/relaywatch-retry
# Debian's conf.d files, which include the above where they are installed.
EXIM_CONFD = share/exim4/conf.d/acl/35_relaywatch \
	share/exim4/conf.d/router/05_relaywatch \
	share/exim4/conf.d/transport/30_relaywatch \
	share/exim4/conf.d/retry/20_relaywatch

# Fuzzing harnesses (t/fuzz): replayed over their seeds and past crashes
# by make check, run under libFuzzer by make fuzz.
FUZZ = lines eximlog files token ip classify
FUZZ_REPLAY = $(FUZZ:%=t/fuzz/%.replay)
FUZZ_SECONDS ?= 60

UNIT = t/unit/ip t/unit/netset t/unit/conf t/unit/eximlog t/unit/stream \
	t/unit/state t/unit/token
BENCH_PROGS = t/bench/genlog t/bench/genips

all: $(PROGS)

# Rebuild everything when the flags change (SANITIZE=1 and back).
.flags: FORCE
	@echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS)' | cmp -s - $@ || \
		echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS)' > $@
FORCE:

lib/%.o: lib/%.c lib/*.h .flags
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $(LIB_OBJS)

bin/%: bin/%.c $(LIB) lib/*.h .flags
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS_$(@F))

# Only what each program needs: libcdb for the state, libcrypto for tokens.
LDLIBS_relaywatch-db = -lcdb -lcrypto
LDLIBS_relaywatch-due = -lcdb -lcrypto
LDLIBS_relaywatch-probe = -lcrypto
LDLIBS_relaywatch-classify = -lcdb -lcrypto
LDLIBS_relaywatch-notify = -lcdb

t/unit/%: t/unit/%.c t/unit/tap.h $(LIB) lib/*.h .flags
	$(CC) $(ALL_CFLAGS) -It/unit $(LDFLAGS) -o $@ $< $(LIB) -lcdb -lcrypto

t/fuzz/%.replay: t/fuzz/%.c t/fuzz/common.c t/fuzz/replay.c t/fuzz/fuzz.h \
		$(LIB) lib/*.h .flags
	$(CC) $(ALL_CFLAGS) -It/fuzz $(LDFLAGS) -o $@ $< t/fuzz/common.c \
		t/fuzz/replay.c $(LIB) -lcdb -lcrypto

t/bench/%: t/bench/%.c .flags
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

deps:
	@sh t/deps.sh $(DEPS)

check: deps all $(UNIT) $(FUZZ_REPLAY)
	prove t/

# Each harness under libFuzzer for FUZZ_SECONDS, from its seeds and what
# earlier runs found (t/fuzz/corpus); a crash is kept in t/fuzz/crashes,
# which make check replays.
fuzz: deps
	sh t/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ)

demo: deps all
	sh t/demo.sh

bench: deps all $(BENCH_PROGS)
	sh t/bench/run.sh

lint:
	mandoc -Tlint -W warning $(MANS)

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(SHAREDIR)/exim4 $(DESTDIR)$(SYSCONFDIR)/relaywatch
	$(INSTALL) -m 755 $(PROGS) $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	$(INSTALL) -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7
	$(INSTALL) -m 644 $(MAN8) $(DESTDIR)$(MANDIR)/man8
	sed 's|@BINDIR@|$(BINDIR)|' bin/relaywatch.sh \
		> $(DESTDIR)$(SBINDIR)/relaywatch
	chmod 755 $(DESTDIR)$(SBINDIR)/relaywatch
	$(INSTALL) -d $(DESTDIR)$(SHAREDIR)/systemd $(DESTDIR)$(SHAREDIR)/cron
	sed 's|/usr/local/sbin/|$(SBINDIR)/|' share/systemd/relaywatch.service \
		> $(DESTDIR)$(SHAREDIR)/systemd/relaywatch.service
	sed 's|^PATH=/usr/local/bin:|PATH=$(BINDIR):|' share/cron/relaywatch \
		> $(DESTDIR)$(SHAREDIR)/cron/relaywatch
	chmod 644 $(DESTDIR)$(SHAREDIR)/systemd/relaywatch.service \
		$(DESTDIR)$(SHAREDIR)/cron/relaywatch
	$(INSTALL) -d $(DESTDIR)$(SHAREDIR)/init.d
	sed -e 's|^DAEMON=/usr/local/sbin/|DAEMON=$(SBINDIR)/|' \
		-e 's|^BINDIR=/usr/local/bin$$|BINDIR=$(BINDIR)|' \
		share/init.d/relaywatch > $(DESTDIR)$(SHAREDIR)/init.d/relaywatch
	chmod 755 $(DESTDIR)$(SHAREDIR)/init.d/relaywatch
	$(INSTALL) -m 644 $(EXIM_FILES) $(DESTDIR)$(SHAREDIR)/exim4
	for f in $(EXIM_CONFD); do \
		sed 's|/usr/local/share/relaywatch|$(SHAREDIR)|g' $$f \
			> $(DESTDIR)$(SHAREDIR)/exim4/$${f##*/} && \
		chmod 644 $(DESTDIR)$(SHAREDIR)/exim4/$${f##*/} || exit 1; \
	done
	sed 's|/usr/local/share/relaywatch|$(SHAREDIR)|g' \
		share/exim4/relaywatch-macros \
		> $(DESTDIR)$(SHAREDIR)/exim4/relaywatch-macros
	chmod 644 $(DESTDIR)$(SHAREDIR)/exim4/relaywatch-macros
	$(INSTALL) -d $(DESTDIR)$(SHAREDIR)/procmail
	sed -e 's|^PATH=/usr/local/bin:|PATH=$(BINDIR):|' \
		-e 's|^RELAYWATCH_CONF=/etc/|RELAYWATCH_CONF=$(SYSCONFDIR)/|' \
		share/procmail/relaywatch.procmailrc \
		> $(DESTDIR)$(SHAREDIR)/procmail/relaywatch.procmailrc
	chmod 644 $(DESTDIR)$(SHAREDIR)/procmail/relaywatch.procmailrc
	$(INSTALL) -d $(DESTDIR)$(SHAREDIR)/rsyslog
	$(INSTALL) -m 644 share/rsyslog/relaywatch.conf \
		$(DESTDIR)$(SHAREDIR)/rsyslog/relaywatch.conf
	$(INSTALL) -m 644 share/relaywatch.conf.example $(DESTDIR)$(SHAREDIR)
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/relaywatch/relaywatch.conf ]; then \
		echo "keeping $(DESTDIR)$(SYSCONFDIR)/relaywatch/relaywatch.conf"; \
	else \
		$(INSTALL) -m 644 share/relaywatch.conf.example \
			$(DESTDIR)$(SYSCONFDIR)/relaywatch/relaywatch.conf; \
	fi

clean:
	rm -f $(PROGS) $(LIB) $(LIB_OBJS) $(UNIT) $(BENCH_PROGS) .flags \
		$(FUZZ_REPLAY) t/fuzz/*.fuzz
	rm -rf t/tmp

.PHONY: all deps check demo bench fuzz lint install clean FORCE

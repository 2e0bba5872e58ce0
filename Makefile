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

# Debian 12 packages: DEPS builds and runs relaywatch (INSTALL's
# Requirements); DEPS_TEST is what only the tests, the benchmarks and the
# demo need, installed so that it starts nothing and enables nothing at
# boot (t/deps.sh -i): the tests start what they need, on loopback.
DEPS = gcc make libc6-dev libssl-dev libcdb-dev tinycdb exim4-daemon-light \
	procmail openssl procps adduser logrotate
DEPS_TEST = mandoc faketime swaks libio-socket-inet6-perl perl mawk time \
	iproute2 sysvinit-utils clang rsyslog rsyslog-relp rbldnsd rsync \
	dovecot-pop3d fetchmail \
	libdb5.3 libicu72 libnsl2 libsasl2-2 libevent-2.1-7 libpam0g passwd
# Other MTAs for the tests' customers, unpacked into MTA_ROOT, not
# installed (they conflict with exim4): their libraries are in DEPS.
MTAS = postfix opensmtpd
MTA_ROOT = t/mta

# What each program is made of: its main file (bin/NAME.c, its policy),
# its commands in files of their own (bin/db/COMMAND.c, as git's
# builtins), the jobs of lib/ it calls (relaywatch(7), "Source layout"),
# taken from lib/'s archive; and the libraries it calls, no others.
CMDS_relaywatch-db = bin/db/apply.o bin/db/compile.o bin/db/operator.o \
	bin/db/publish.o bin/db/settings.o bin/db/show.o bin/db/status.o \
	bin/db/sweep.o
CMDS_relaywatch-due = bin/due/clock.o bin/due/deliveries.o bin/due/hosts.o \
	bin/due/queue.o
CMDS_relaywatch-classify = bin/classify/message.o bin/classify/nets.o \
	bin/classify/verdict.o
LDLIBS_relaywatch-hosts =
LDLIBS_relaywatch-due = -lcdb -lcrypto
LDLIBS_relaywatch-probe = -lcrypto
LDLIBS_relaywatch-classify = -lcrypto
LDLIBS_relaywatch-db = -lcdb -lcrypto
LDLIBS_relaywatch-notify = -lcdb

PROGS = bin/relaywatch-hosts bin/relaywatch-db bin/relaywatch-due \
	bin/relaywatch-probe bin/relaywatch-classify bin/relaywatch-notify
# lib/ as one archive: each program, test and harness is linked against
# it and takes only the objects it calls.
LIB_OBJS = $(patsubst %.c,%.o,$(wildcard lib/*.c))
LIB = lib/librelaywatch.a

# Files that name where things are installed, in what runs: each made
# from FILE.in by one rule, SUBST, with the paths of this build (PREFIX
# and the rest).
IN_FILES = $(patsubst %.in,%,$(wildcard bin/*.in share/*/*.in \
	share/exim4/conf.d/*/*.in))
SUBST = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
	-e 's|@SHAREDIR@|$(SHAREDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'

MAN1 = man/relaywatch-hosts.1 man/relaywatch-db.1 man/relaywatch-due.1 \
	man/relaywatch-probe.1 man/relaywatch-classify.1 man/relaywatch-notify.1
MAN5 = man/relaywatch.conf.5 man/relaywatch-state.5
MAN7 = man/relaywatch.7
MAN8 = man/relaywatch.8
MANS = $(MAN1) $(MAN5) $(MAN7) $(MAN8)

# Exim's pieces (share/exim4/relaywatch-*), and Debian's conf.d files,
# which include them where they are installed.
EXIM_FILES = $(sort $(patsubst %.in,%,$(filter-out %.tmp,$(wildcard \
	share/exim4/relaywatch-*))))
EXIM_CONFD = $(patsubst %.in,%,$(wildcard share/exim4/conf.d/*/*.in))

# Fuzzing harnesses (t/fuzz): replayed over their seeds and past crashes
# by make check, run under libFuzzer by make fuzz.
FUZZ = lines eximlog files token ip classify state cdb stream due
FUZZ_REPLAY = $(FUZZ:%=t/fuzz/%.replay)
FUZZ_SECONDS ?= 60

UNIT = t/unit/ip t/unit/netset t/unit/conf t/unit/eximlog t/unit/stream \
	t/unit/state t/unit/token
BENCH_PROGS = t/bench/genlog t/bench/genips t/bench/smtpload

all: $(PROGS) $(IN_FILES)

# Rebuild everything when the flags change (SANITIZE=1 and back), and the
# .in files when the paths do.
.flags: FORCE
	@echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS)' | cmp -s - $@ || \
		echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS)' > $@
.paths: FORCE
	@echo '$(BINDIR) $(SBINDIR) $(SHAREDIR) $(SYSCONFDIR)' | cmp -s - $@ || \
		echo '$(BINDIR) $(SBINDIR) $(SHAREDIR) $(SYSCONFDIR)' > $@
FORCE:

lib/%.o: lib/%.c lib/*.h .flags
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $(LIB_OBJS)

bin/db/%.o: bin/db/%.c bin/db/*.h lib/*.h .flags
	$(CC) $(ALL_CFLAGS) -c -o $@ $<
bin/due/%.o: bin/due/%.c bin/due/*.h lib/*.h .flags
	$(CC) $(ALL_CFLAGS) -c -o $@ $<
bin/classify/%.o: bin/classify/%.c bin/classify/*.h lib/*.h .flags
	$(CC) $(ALL_CFLAGS) -c -o $@ $<
# (kept: not intermediate files to remove after the link)
.SECONDARY: $(CMDS_relaywatch-db) $(CMDS_relaywatch-due) \
	$(CMDS_relaywatch-classify)

.SECONDEXPANSION:
bin/relaywatch-%: bin/relaywatch-%.c $$(CMDS_relaywatch-%) $(LIB) \
		lib/*.h .flags
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(CMDS_$(@F)) $(LIB) \
		$(LDLIBS_$(@F))

# (the mode of FILE.in is kept: > writes into FILE made by cp -p)
%: %.in .paths
	rm -f $@.tmp
	cp -p $< $@.tmp
	$(SUBST) $< > $@.tmp
	mv $@.tmp $@


t/unit/%: t/unit/%.c t/unit/tap.h $(LIB) lib/*.h .flags
	$(CC) $(ALL_CFLAGS) -It/unit $(LDFLAGS) -o $@ $< $(LIB) -lcdb -lcrypto

# (a harness of a program, NAME.c including bin/relaywatch-NAME.c, links
# the program's files too)
t/fuzz/%.replay: t/fuzz/%.c t/fuzz/common.c t/fuzz/replay.c t/fuzz/fuzz.h \
		$$(CMDS_relaywatch-%) $(LIB) lib/*.h .flags
	$(CC) $(ALL_CFLAGS) -It/fuzz $(LDFLAGS) -o $@ $< t/fuzz/common.c \
		t/fuzz/replay.c $(CMDS_relaywatch-$*) $(LIB) -lcdb -lcrypto

t/bench/%: t/bench/%.c .flags
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

deps:
	@sh t/deps.sh $(DEPS)
	@sh t/deps.sh -i $(DEPS_TEST)
	@sh t/mta-root.sh $(MTA_ROOT) $(MTAS)

check: deps all $(UNIT) $(FUZZ_REPLAY)
	sh t/reachable.sh prove t/

# Each harness under libFuzzer for FUZZ_SECONDS, from its seeds and what
# earlier runs found (t/fuzz/corpus); a crash is kept in t/fuzz/crashes,
# which make check replays.
fuzz: deps
	sh t/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ)

demo: deps all
	ZOO='$(ZOO)' sh t/reachable.sh sh t/demo.sh

bench: deps all $(BENCH_PROGS)
	sh t/bench/run.sh

# The stress loops, longer than make check runs them.
stress: deps all
	RW_STRESS_KILLS=100 prove t/0410-db-concurrency.t

lint:
	mandoc -Tlint -W warning $(MANS)
	sh t/lint-names.sh

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(SHAREDIR)/exim4 $(DESTDIR)$(SYSCONFDIR)/relaywatch
	$(INSTALL) -m 755 $(PROGS) $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 755 bin/relaywatch $(DESTDIR)$(SBINDIR)
	$(INSTALL) -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	$(INSTALL) -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7
	$(INSTALL) -m 644 $(MAN8) $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -d $(DESTDIR)$(SHAREDIR)/systemd $(DESTDIR)$(SHAREDIR)/cron \
		$(DESTDIR)$(SHAREDIR)/init.d $(DESTDIR)$(SHAREDIR)/procmail \
		$(DESTDIR)$(SHAREDIR)/rsyslog $(DESTDIR)$(SHAREDIR)/logrotate
	$(INSTALL) -m 644 share/systemd/relaywatch.service \
		$(DESTDIR)$(SHAREDIR)/systemd
	$(INSTALL) -m 644 share/cron/relaywatch $(DESTDIR)$(SHAREDIR)/cron
	$(INSTALL) -m 644 share/logrotate/relaywatch $(DESTDIR)$(SHAREDIR)/logrotate
	$(INSTALL) -m 755 share/init.d/relaywatch $(DESTDIR)$(SHAREDIR)/init.d
	$(INSTALL) -m 644 share/procmail/relaywatch.procmailrc \
		$(DESTDIR)$(SHAREDIR)/procmail
	$(INSTALL) -m 644 share/rsyslog/relaywatch.conf \
		share/rsyslog/relaywatch-smarthost.conf \
		share/rsyslog/relaywatch-tester.conf $(DESTDIR)$(SHAREDIR)/rsyslog
	$(INSTALL) -m 644 $(EXIM_FILES) $(EXIM_CONFD) $(DESTDIR)$(SHAREDIR)/exim4
	$(INSTALL) -m 644 share/relaywatch.conf.example $(DESTDIR)$(SHAREDIR)
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/relaywatch/relaywatch.conf ]; then \
		echo "keeping $(DESTDIR)$(SYSCONFDIR)/relaywatch/relaywatch.conf"; \
	else \
		$(INSTALL) -m 644 share/relaywatch.conf.example \
			$(DESTDIR)$(SYSCONFDIR)/relaywatch/relaywatch.conf; \
	fi

# What install put there, and nothing else: the configuration in
# $(SYSCONFDIR)/relaywatch (the key among it), the state, and what
# INSTALL had you copy into /etc stay.
SHARE_FILES = systemd/relaywatch.service cron/relaywatch \
	logrotate/relaywatch init.d/relaywatch procmail/relaywatch.procmailrc \
	rsyslog/relaywatch.conf rsyslog/relaywatch-smarthost.conf \
	rsyslog/relaywatch-tester.conf relaywatch.conf.example \
	$(addprefix exim4/,$(notdir $(EXIM_FILES) $(EXIM_CONFD)))
uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(PROGS))) \
		$(DESTDIR)$(SBINDIR)/relaywatch \
		$(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(MAN7))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(MAN8))) \
		$(addprefix $(DESTDIR)$(SHAREDIR)/,$(SHARE_FILES))
	-rmdir $(addprefix $(DESTDIR)$(SHAREDIR)/,systemd cron logrotate init.d \
		procmail rsyslog exim4) $(DESTDIR)$(SHAREDIR)
	@echo "kept: $(DESTDIR)$(SYSCONFDIR)/relaywatch (the configuration and the key),"
	@echo "the state directory, and what INSTALL had you copy into /etc (cron.d,"
	@echo "logrotate.d, init.d or systemd, exim4/conf.d, rsyslog.d): INSTALL, Removing."

clean:
	rm -f $(PROGS) $(LIB) $(LIB_OBJS) $(CMDS_relaywatch-db) $(CMDS_relaywatch-due) \
		$(CMDS_relaywatch-classify) $(UNIT) $(BENCH_PROGS) .flags \
		$(IN_FILES) .paths \
		$(FUZZ_REPLAY) t/fuzz/*.fuzz
	rm -rf t/tmp

.PHONY: uninstall all deps check demo bench fuzz lint stress install clean \
	FORCE

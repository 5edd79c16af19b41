# rewind: build, install, test.
#   make            build build/rewind
#   make check      unit tests + VM smoke set (the README's test command)
#   make vm-check   the full VM suite
#   make demo       the seed story end to end in a VM
#   make install    PREFIX=/usr DESTDIR=...  (PRESET=no: no systemctl preset, as for a package)
#   make deb        the Debian package, built out of tree in build/deb, and lintian

PREFIX     ?= /usr
SBINDIR    ?= $(PREFIX)/sbin
LIBDIR     ?= $(PREFIX)/lib
DRACUTDIR  ?= $(LIBDIR)/dracut/modules.d
UNITDIR    ?= $(LIBDIR)/systemd/system
PRESETDIR  ?= $(LIBDIR)/systemd/system-preset
MANDIR     ?= $(PREFIX)/share/man
# bash-completion's own directory when its .pc says, else the usual one.
COMPLETIONDIR ?= $(or $(shell pkg-config --variable=completionsdir bash-completion 2>/dev/null),$(PREFIX)/share/bash-completion/completions)
SYSCONFDIR ?= /etc
DESTDIR    ?=
# make install enables the units as units/90-rewind.preset says; a package's own tools do it
# instead (debian/rules: PRESET=no).
PRESET     ?= yes

CC      ?= gcc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wshadow -Wformat=2 \
	   -Wmissing-prototypes -fno-strict-aliasing -D_GNU_SOURCE \
	   -Isrc -Isrc/lib -Isrc/shared
# Set by make unit-asan: the same build under the sanitizers.
SANITIZE ?=
CFLAGS  += $(SANITIZE)
LIBS    := -llvm2cmd -ldevmapper $(shell pkg-config --libs libkmod json-c mount libcrypto 2>/dev/null || echo -lkmod -ljson-c -lmount -lcrypto)

B := build

LIB_SRC    := $(wildcard src/lib/*.c) $(wildcard src/shared/*.c)
CLI_SRC    := $(wildcard src/cli/*.c)
# The foreign boundaries that unit tests replace with fakes of liblvm2cmd and libdevmapper.
LIB_OBJ    := $(LIB_SRC:%.c=$(B)/%.o)
CLI_OBJ    := $(CLI_SRC:%.c=$(B)/%.o)
FAKE_SRC   := $(wildcard tests/unit/fake-*.c)
FAKE_OBJ   := $(FAKE_SRC:%.c=$(B)/%.o)
HARNESS_OBJ := $(B)/tests/unit/harness.o
TEST_SRC   := $(wildcard tests/unit/test-*.c)
TEST_BIN   := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all deps install deb check unit unit-asan fuzz fuzz-build fuzz-check vm-smoke vm-check demo bench format format-check clean bench-diff

all: $(B)/rewind

deps:
	@tools/deps.sh

$(B)/%.o: %.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/librewind.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

# The test build: the same library with the REWIND_* path overrides of paths.c compiled in.
$(B)/test-hooks/%.o: %.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -DREWIND_TEST_HOOKS -c -o $@ $<

$(B)/librewind-test.a: $(filter-out $(B)/src/lib/paths.o,$(LIB_OBJ)) $(B)/test-hooks/src/lib/paths.o
	rm -f $@ && ar rcs $@ $^

$(B)/rewind: $(CLI_OBJ) $(B)/librewind.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(B)/librewind.a $(LIBS)

# Unit tests: the library and CLI with liblvm2cmd and libdevmapper replaced by fakes
# (tests/unit/fake-*.c, libkmod too: no module is ever loaded); json-c and libmount are real.
$(B)/tests/test-%: tests/unit/test-%.c tests/unit/*.h $(FAKE_OBJ) $(HARNESS_OBJ) $(B)/librewind-test.a $(filter-out $(B)/src/cli/rewind.o,$(CLI_OBJ))
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(FAKE_OBJ) $(HARNESS_OBJ) $(filter-out $(B)/src/cli/rewind.o,$(CLI_OBJ)) \
		$(B)/librewind-test.a $(shell pkg-config --libs libkmod json-c mount libcrypto)

# rewind with the test build's REWIND_* overrides, for the shell tests (test-apt-hook.sh).
$(B)/rewind-test-hooks: $(CLI_OBJ) $(B)/librewind-test.a
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(B)/librewind-test.a $(LIBS)

unit: deps $(B)/rewind $(B)/rewind-test-hooks $(TEST_BIN)
	@B=$(B) tests/unit/run $(TEST_BIN) tests/unit/test-kernel-install.sh tests/unit/test-apt-hook.sh \
		tests/unit/test-completion.sh

# The unit tests again under ASan (leaks included) and UBSan, built in $(B)/asan; any finding
# aborts the binary (no recovery), which counts as a failure.
ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
unit-asan:
	@ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$(MAKE) --no-print-directory B=$(B)/asan SANITIZE="$(ASAN_FLAGS)" unit

# libFuzzer targets (clang), one per parser of what comes from disk, EFI variables or the kernel
# command line: tests/fuzz/fuzz-NAME.c, seeded from tests/fuzz/corpus-NAME/. The library is built
# again in $(B)/fuzz with coverage and ASan+UBSan; liblvm2cmd, libdevmapper and libkmod are the
# real ones (nothing calls them; fuzz-lvm replaces liblvm2cmd: its own lvm2_run(), and the other
# entry points from the unit tests' tests/unit/fake-lvm2cmd-base.c).
#   make fuzz        every target for FUZZ_SECONDS (the corpus grows in $(B)/fuzz/corpus-NAME)
#   make fuzz-check  every target for FUZZ_CHECK_SECONDS, as make check runs them
FUZZ_SECONDS       ?= 60
FUZZ_CHECK_SECONDS ?= 10
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
	       -DREWIND_TEST_HOOKS -std=gnu11 -Wall -Wno-unused-parameter -D_GNU_SOURCE -Isrc -Isrc/lib -Isrc/shared
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz-%.c,%,$(wildcard tests/fuzz/fuzz-*.c))
FUZZ_BIN   := $(FUZZ_NAMES:%=$(B)/fuzz/fuzz-%)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(B)/fuzz/%.o)

$(B)/fuzz/src/%.o: src/%.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(B)/fuzz/librewind.a: $(FUZZ_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

# A target's other sources (tests/unit/*.c) are prerequisites of its own, compiled in with it.
$(B)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/fuzz.h $(B)/fuzz/librewind.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -Itests/fuzz -o $@ $< $(filter tests/unit/%.c,$^) \
		$(B)/fuzz/librewind.a $(LIBS)
$(B)/fuzz/fuzz-lvm: tests/unit/fake-lvm2cmd-base.c tests/unit/fake-lvm2cmd-base.h

fuzz-build: deps $(FUZZ_BIN)

fuzz: fuzz-build
	@tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_BIN)

fuzz-check: fuzz-build
	@tests/fuzz/run $(FUZZ_CHECK_SECONDS) $(FUZZ_BIN)

install: $(B)/rewind
	install -Dm755 $(B)/rewind $(DESTDIR)$(SBINDIR)/rewind
	install -d $(DESTDIR)$(DRACUTDIR)/90rewind
	install -m755 dracut/90rewind/*.sh $(DESTDIR)$(DRACUTDIR)/90rewind/
	install -m644 $(filter-out %.sh,$(wildcard dracut/90rewind/*)) $(DESTDIR)$(DRACUTDIR)/90rewind/
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PRESETDIR)
	for f in units/*.service units/*.timer; do [ -e "$$f" ] && install -m644 "$$f" $(DESTDIR)$(UNITDIR)/; done; true
	install -Dm755 kernel/91-rewind.install $(DESTDIR)$(LIBDIR)/kernel/install.d/91-rewind.install
	rm -f $(DESTDIR)$(LIBDIR)/kernel/install.d/91-rewind-cmdline.install # its old name
	install -m644 units/90-rewind.preset $(DESTDIR)$(PRESETDIR)/
	[ "$(PRESET)" = no ] || systemctl --root=$(or $(DESTDIR),/) preset $(notdir $(wildcard units/*.service units/*.timer)) || true
	for f in man/*.[0-9]; do [ -e "$$f" ] && install -Dm644 "$$f" $(DESTDIR)$(MANDIR)/man$${f##*.}/$${f##*/}; done; true
	install -d $(DESTDIR)$(SYSCONFDIR)/apt/apt.conf.d
	sed 's|/usr/sbin/rewind|$(SBINDIR)/rewind|g' apt/80rewind >$(DESTDIR)$(SYSCONFDIR)/apt/apt.conf.d/80rewind
	chmod 644 $(DESTDIR)$(SYSCONFDIR)/apt/apt.conf.d/80rewind
	[ ! -e rewind.conf ] || [ -e $(DESTDIR)$(SYSCONFDIR)/rewind/rewind.conf ] || install -Dm644 rewind.conf $(DESTDIR)$(SYSCONFDIR)/rewind/rewind.conf
	[ ! -e completion/rewind ] || install -Dm644 completion/rewind $(DESTDIR)$(COMPLETIONDIR)/rewind

# The Debian package (debian/), built from a copy of the tree in $(B)/deb, then lintian and the
# maintainer scripts' tests (tests/deb). Ends with "N passed, N failed".
deb: deps
	@B=$(B) tools/deb

# The VM smoke set that CI runs; the full suite is vm-check.
VM_SMOKE ?= $(shell cat tests/vm/smoke.list 2>/dev/null)
vm-smoke: deps $(B)/rewind
	tests/vm/run $(addprefix tests/vm/scenarios/,$(VM_SMOKE))

vm-check: deps $(B)/rewind
	tests/vm/run tests/vm/scenarios/*/

check: deps $(B)/rewind $(TEST_BIN)
	@B=$(B) tools/check

demo: deps $(B)/rewind
	tests/vm/run --show demo/story

bench: deps $(B)/rewind
	bench/run

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	@bad=$$(for f in $$(git ls-files '*.c' '*.h'); do \
		clang-format --dry-run --Werror "$$f" >/dev/null 2>&1 || echo "$$f"; done); \
	if [ -n "$$bad" ]; then echo "Not clang-formatted (run make format): $$bad"; exit 1; fi

clean:
	rm -rf $(B)

# rewind diff's comparison engine on two 100k-file trees on the host (bench/diff-tree.sh); not
# part of make check or make bench (those are VM benchmarks).
$(B)/bench/diff-tree: bench/diff-tree.c $(B)/librewind.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(B)/librewind.a $(LIBS)

bench-diff: $(B)/bench/diff-tree
	bench/diff-tree.sh $(B)/bench/diff-tree

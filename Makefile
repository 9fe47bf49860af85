# Builds libtls (Rust), its C header, the CLIs and the C test programs, and runs every test.
# `make test-openssl` builds the same C sources against the system OpenSSL and runs the same
# suite: that is the differential reference for libtls.

CARGO ?= cargo
PYTHON ?= python3
CC ?= cc
INSTALL ?= install
PROFILE = release
CARGO_OUT = target/release
BUILD = build

# One version, Cargo.toml's; its major is the ABI major (soname libtls.so.MAJOR).
VERSION := $(shell sed -n 's/^version = "\([^"]*\)"/\1/p' Cargo.toml | head -n 1)
MAJOR := $(firstword $(subst ., ,$(VERSION)))

# Installation, GNU style: `make install PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu DESTDIR=...`
PREFIX ?= /usr/local
EXEC_PREFIX ?= $(PREFIX)
LIBDIR ?= $(EXEC_PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR ?=

# The shared object is linked here, not by rustc: rustc hands ld its own version script for a
# cdylib and ld takes only one, while ours (abi/) puts every export under libtls's version
# node. NATIVE_LIBS is what the staticlib needs from the system, as printed by
# `cargo rustc --release --lib --crate-type staticlib -- --print native-static-libs`;
# -z defs makes a missing one a link error.
LIB_BUILD = $(BUILD)/lib
SONAME = libtls.so.$(MAJOR)
SHLIB = $(LIB_BUILD)/libtls.so.$(VERSION)
ABI_MAP = abi/libtls.so.$(MAJOR).map
NATIVE_LIBS = -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
# aws-lc (built into the staticlib with prefixed names) is exported as OpenSSL's libcrypto:
# tools/awslc-exports.py writes an ld script aliasing each public name to its prefixed
# definition and the version script that ld gets (the committed map plus those names).
AWSLC_EXPORTS = $(PYTHON) tools/awslc-exports.py
LINK_MAP = $(LIB_BUILD)/libtls.map
AWSLC_ALIASES = $(LIB_BUILD)/awslc-alias.ld
SHLIB_LDFLAGS = -shared -Wl,-soname,$(SONAME) -Wl,--version-script=$(LINK_MAP) -Wl,--gc-sections \
	-Wl,-z,defs -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack
PKGCONFIG_BUILD = $(BUILD)/pkgconfig
# The OpenSSL-named headers: aws-lc's <openssl/*.h> (libcrypto) with libtls's own
# (include/libtls/openssl/: libssl and what libtls still implements itself) laid over them.
# Generated at build time from the aws-lc-sys source; never committed.
COMPAT_BUILD = $(BUILD)/include/libtls
COMPAT_OVERLAY = $(wildcard include/libtls/openssl/*.h)
COMPAT_STAMP = $(COMPAT_BUILD)/openssl/.stamp

CFLAGS ?= -O2 -g
WARNINGS = -Wall -Wextra -Werror
C_INCLUDES = -Icapi-tests

LIBTLS_CFLAGS = $(WARNINGS) $(C_INCLUDES) -I$(COMPAT_BUILD) -Iinclude
LIBTLS_LDFLAGS = -L$(LIB_BUILD) -Wl,-rpath,$(abspath $(LIB_BUILD))
LIBTLS_LIBS = -ltls -lpthread

OPENSSL_CFLAGS = $(WARNINGS) $(C_INCLUDES) -DLIBTLS_TEST_OPENSSL
OPENSSL_LIBS = -lssl -lcrypto -lpthread

PROGRAMS = tlsclient tlsserver test_api test_bio test_x509 test_diag epoll_echo test_config test_verify test_session test_threads test_lifecycle test_reentry test_apps test_ocsp test_apps_misc test_export test_client_hello test_psk test_server_cb test_cert_comp test_cert_comp_custom test_conf_cmd test_ticket_cb test_stack
SOURCES_tlsclient = cli/tlsclient.c
SOURCES_tlsserver = cli/tlsserver.c
SOURCES_test_api = capi-tests/c/test_api.c
SOURCES_test_bio = capi-tests/c/test_bio.c
SOURCES_test_x509 = capi-tests/c/test_x509.c
SOURCES_test_diag = capi-tests/c/test_diag.c
SOURCES_epoll_echo = examples/epoll_echo.c
SOURCES_test_threads = capi-tests/c/test_threads.c
SOURCES_test_config = capi-tests/c/test_config.c
SOURCES_test_verify = capi-tests/c/test_verify.c
SOURCES_test_session = capi-tests/c/test_session.c
SOURCES_test_lifecycle = capi-tests/c/test_lifecycle.c
SOURCES_test_reentry = capi-tests/c/test_reentry.c
SOURCES_test_apps = capi-tests/c/test_apps.c
SOURCES_test_ocsp = capi-tests/c/test_ocsp.c
SOURCES_test_apps_misc = capi-tests/c/test_apps_misc.c
SOURCES_test_export = capi-tests/c/test_export.c
SOURCES_test_client_hello = capi-tests/c/test_client_hello.c
SOURCES_test_cert_comp_custom = capi-tests/c/test_cert_comp_custom.c
SOURCES_test_psk = capi-tests/c/test_psk.c
SOURCES_test_server_cb = capi-tests/c/test_server_cb.c
SOURCES_test_cert_comp = capi-tests/c/test_cert_comp.c
SOURCES_test_conf_cmd = capi-tests/c/test_conf_cmd.c
SOURCES_test_ticket_cb = capi-tests/c/test_ticket_cb.c
SOURCES_test_stack = capi-tests/c/test_stack.c
HEADERS = capi-tests/compat.h capi-tests/c/runner.h capi-tests/c/common.h cli/common.h

LIBTLS_BINS = $(addprefix $(BUILD)/bin/,$(PROGRAMS))
ASAN_BINS = $(addprefix $(BUILD)/asan/bin/,$(PROGRAMS))
ASAN_CFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPENSSL_BINS = $(addprefix $(BUILD)/openssl/bin/,$(PROGRAMS))

# pytest runs from the project's virtualenv (make venv; see the setup block below).
PYTEST = $(PYTEST_CMD) capi-tests

.PHONY: compat-headers
.PHONY: all lib shlib pkgconfig header check-header check-abi abi-update api-doc check-api-doc check-architecture check-layers cli \
	cli-openssl test test-rust test-c test-python test-openssl check-asan check-tsan demo demo-openssl install \
	install-strip uninstall clean distclean fuzz fuzz-smoke fuzz-build fuzz-seeds tools-venv

# The CLIs link against the library and include the header, so those come first even under -j.
all: header
	$(MAKE) --no-print-directory cli

lib:
	$(CARGO) build --release
	@$(MAKE) --no-print-directory shlib pkgconfig compat-headers

compat-headers: $(COMPAT_STAMP)

$(COMPAT_STAMP): $(COMPAT_OVERLAY) tools/awslc-exports.py Cargo.lock
	$(AWSLC_EXPORTS) headers --out $(COMPAT_BUILD)
	touch $@

shlib: $(SHLIB)

$(CARGO_OUT)/libtls.a:
	$(CARGO) build --release

$(LINK_MAP) $(AWSLC_ALIASES) &: $(CARGO_OUT)/libtls.a $(ABI_MAP) tools/awslc-exports.py | $(LIB_BUILD)
	$(AWSLC_EXPORTS) link --archive $(CARGO_OUT)/libtls.a --map $(ABI_MAP) --out $(LIB_BUILD)

$(SHLIB): $(CARGO_OUT)/libtls.a $(LINK_MAP) $(AWSLC_ALIASES) | $(LIB_BUILD)
	$(CC) $(SHLIB_LDFLAGS) -o $@ -Wl,--whole-archive $(CARGO_OUT)/libtls.a -Wl,--no-whole-archive \
		$(AWSLC_ALIASES) $(NATIVE_LIBS)
	ln -sfn libtls.so.$(VERSION) $(LIB_BUILD)/$(SONAME)
	ln -sfn $(SONAME) $(LIB_BUILD)/libtls.so

# pkg-config files for the build tree: pkg-config prefers NAME-uninstalled.pc, so
# `PKG_CONFIG_PATH=build/pkgconfig pkg-config --cflags --libs libtls` builds against this tree.
pkgconfig: $(PKGCONFIG_BUILD)/libtls-uninstalled.pc $(PKGCONFIG_BUILD)/libtls-openssl-uninstalled.pc

$(PKGCONFIG_BUILD)/%-uninstalled.pc: %.pc.in Cargo.toml Makefile | $(PKGCONFIG_BUILD)
	sed -e 's|@PREFIX@|$(CURDIR)|g' -e 's|@EXEC_PREFIX@|$(CURDIR)|g' \
		-e 's|@LIBDIR@|$(abspath $(LIB_BUILD))|g' -e 's|@INCLUDEDIR@|$(CURDIR)/include|g' \
		-e 's|@COMPAT_INCLUDEDIR@|$(abspath $(COMPAT_BUILD))|g' \
		-e 's|@VERSION@|$(VERSION)|g' -e 's|@NATIVE_LIBS@|$(NATIVE_LIBS)|g' $< > $@

$(LIB_BUILD) $(PKGCONFIG_BUILD):
	mkdir -p $@

# The export list must match the header; with a built library, the library's exports too.
check-abi:
	$(PYTHON) tools/abi.py check --major $(MAJOR) $(if $(wildcard $(SHLIB)),--so $(SHLIB))

# After adding functions to src/ffi (and `make header`): add them to the export list.
abi-update:
	$(PYTHON) tools/abi.py update --major $(MAJOR)

# docs/api.md is generated from the header's doc comments, like the header from src/ffi.
api-doc:
	$(PYTHON) tools/gen-api-doc.py include/libtls.h docs/api.md

check-api-doc:
	@tmp=$$(mktemp); trap 'rm -f "$$tmp"' EXIT; \
	$(PYTHON) tools/gen-api-doc.py include/libtls.h "$$tmp" || exit 1; \
	if ! cmp -s "$$tmp" docs/api.md; then \
		echo "check-api-doc: docs/api.md is out of date with include/libtls.h; run 'make api-doc'" >&2; \
		diff -u docs/api.md "$$tmp" | head -40 >&2; exit 1; \
	fi; \
	echo "check-api-doc: docs/api.md is up to date"

# docs/ARCHITECTURE.md must name every exported SSL_CTX_set*/SSL_set* and every handshake state.
check-architecture:
	$(PYTHON) tools/check-architecture.py

header: lib
	$(CARGO) run --release -q -p gen-header -- include/libtls.h

check-header:
	@tmp=$$(mktemp); trap 'rm -f "$$tmp"' EXIT; \
	$(CARGO) run --release -q -p gen-header -- "$$tmp" || exit 1; \
	if [ ! -f include/libtls.h ]; then \
		echo "check-header: include/libtls.h is missing; run 'make header' and commit it" >&2; exit 1; \
	fi; \
	if ! cmp -s "$$tmp" include/libtls.h; then \
		echo "check-header: include/libtls.h is out of date with src/ffi;" \
		     "run 'make header' and commit the result. Difference:" >&2; \
		diff -u include/libtls.h "$$tmp" | head -40 >&2; exit 1; \
	fi; \
	echo "check-header: include/libtls.h is up to date"

cli: $(LIBTLS_BINS)

cli-openssl: $(OPENSSL_BINS)

.SECONDEXPANSION:
$(BUILD)/bin/%: $$(SOURCES_%) $(HEADERS) $(SHLIB) include/libtls.h $(COMPAT_STAMP) | $(BUILD)/bin
	$(CC) $(CFLAGS) $(LIBTLS_CFLAGS) $(COMPAT_CFLAGS_$*) -o $@ $(SOURCES_$*) $(LIBTLS_LDFLAGS) $(LIBTLS_LIBS)

$(BUILD)/asan/bin/%: $$(SOURCES_%) $(HEADERS) $(SHLIB) include/libtls.h $(COMPAT_STAMP) | $(BUILD)/asan/bin
	$(CC) $(ASAN_CFLAGS) $(LIBTLS_CFLAGS) $(COMPAT_CFLAGS_$*) -o $@ $(SOURCES_$*) $(LIBTLS_LDFLAGS) $(LIBTLS_LIBS)

$(BUILD)/openssl/bin/%: $$(SOURCES_%) $(HEADERS) | $(BUILD)/openssl/bin
	$(CC) $(CFLAGS) $(OPENSSL_CFLAGS) -o $@ $(SOURCES_$*) $(OPENSSL_LIBS)

$(BUILD)/bin $(BUILD)/openssl/bin $(BUILD)/asan/bin:
	mkdir -p $@

test-rust:
	$(CARGO) test --release

# The core's import graph (tools/layers.py documents the layer order): fails on a loop among
# core files or on more than two imports that run up the layers.
check-layers:
	$(PYTHON) tools/layers.py --check

test-c: all
	@$(MAKE) --no-print-directory check-abi
	LIBTLS_BIN_DIR=$(BUILD)/bin LIBTLS_IMPL=libtls $(PYTEST)

# The same C tests with the programs built under AddressSanitizer and UBSan (leak checking
# on): any report fails the test that ran the program.
check-asan: header
	$(MAKE) --no-print-directory $(ASAN_BINS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		LIBTLS_BIN_DIR=$(BUILD)/asan/bin LIBTLS_IMPL=libtls $(PYTEST)

# The threads test (8 threads x 500 connections sharing two SSL_CTXs) under ThreadSanitizer,
# with the library and Rust's std instrumented (tools/tsan/run.sh says how; needs rust-src).
check-tsan: header
	tools/tsan/run.sh $(BUILD)/tsan 8 500

# The Python package (bindings/python) against the library just built, and its example
# against the tlsserver CLI.
test-python: all
	cd bindings/python && LIBTLS_PATH=$(abspath $(LIB_BUILD))/$(SONAME) LIBTLS_BIN_DIR=$(abspath $(BUILD)/bin) \
		$(PYTEST_CMD) tests

# Each stage must pass. `setup` first installs what is missing (or stops at once, naming the
# command); the closing lines add up every pytest run and name tests skipped for a missing tool.
test: test-start check-header check-api-doc check-architecture check-layers test-rust test-c test-python check-asan check-tsan
	@echo "make test: header, Rust tests, C, interop and Python tests all passed"
	@$(PYTHON) tools/test-summary.py $(TEST_TALLY)

# Fuzzing (fuzz/run.sh; libFuzzer on the stable toolchain). fuzz-smoke replays the committed
# corpora and regressions and fuzzes each target briefly (about a minute; CI runs it);
# `make fuzz FUZZ_SECONDS=3600` is a deliberate long run. The first build compiles aws-lc
# again for the fuzzing flags (a few minutes).
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 6

fuzz-build:
	fuzz/run.sh build

fuzz-smoke:
	fuzz/run.sh smoke $(FUZZ_SMOKE_SECONDS)

fuzz:
	fuzz/run.sh all $(FUZZ_SECONDS)

# Re-records fuzz/corpus/{client,server,...} from deterministic libtls sessions and from
# openssl s_client / s_server talking to libtls.
fuzz-seeds:
	$(CARGO) test --release --lib write_seed_corpora -- --ignored

# ---- setup: what `make test` needs, installed by `make test` itself (issue 17) -----------------
# tools/setup.sh holds the one list of system packages (apt-get as root on Debian/Ubuntu, else
# one line naming the command); the Python tools are pinned in tools/requirements-test.txt and
# go into the project's virtualenv, never into the system's Python. `make test NO_SETUP=1`
# skips the system check (tests of a missing tool then skip, and the summary counts them).
TOOLS_VENV = $(BUILD)/tools-venv
VENV_PYTHON = $(abspath $(TOOLS_VENV))/bin/python
# Only `make test` keeps a tally (target-specific, so its prerequisites see it too): a pytest
# run started on its own, even while `make test` runs, does not count in its summary.
TEST_TALLY =
test: TEST_TALLY = $(abspath $(BUILD))/test-tally.jsonl
PYTEST_CMD = LIBTLS_TALLY=$(TEST_TALLY) PYTHONPATH=$(CURDIR)/tools/pytest-plugins$${PYTHONPATH:+:$$PYTHONPATH} \
	$(VENV_PYTHON) -m pytest -p libtls_tally -q -p no:cacheprovider

.PHONY: setup setup-deb venv test-start
setup:
	$(if $(NO_SETUP),@echo "setup: skipped (NO_SETUP)",tools/setup.sh test)
	@$(MAKE) --no-print-directory venv

setup-deb:
	tools/setup.sh deb

venv tools-venv: $(TOOLS_VENV)/.installed

$(TOOLS_VENV)/.installed: tools/requirements-test.txt
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/pip install -q --disable-pip-version-check -r tools/requirements-test.txt
	touch $@

test-start: setup
	@mkdir -p $(BUILD) && rm -f $(abspath $(BUILD))/test-tally.jsonl

test-c check-asan test-python test-openssl: | $(TOOLS_VENV)/.installed
# ---- end of setup ------------------------------------------------------------------------------

test-openssl: cli-openssl
	LIBTLS_BIN_DIR=$(BUILD)/openssl/bin LIBTLS_IMPL=openssl $(PYTEST)

demo: all
	@capi-tests/demo.sh $(BUILD)/bin

demo-openssl: cli-openssl
	@capi-tests/demo.sh $(BUILD)/openssl/bin

# Everything a C program needs to build against libtls: the shared and static libraries, the
# header, the OpenSSL-compatible header directory and the pkg-config files. It installs what
# `make` built (it builds only what is missing), so `make && sudo make install` works.
install: $(SHLIB) include/libtls.h compat-headers
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/libtls/openssl $(DESTDIR)$(PKGCONFIGDIR)
	$(INSTALL) -m 755 $(INSTALL_STRIP_FLAG) $(SHLIB) $(DESTDIR)$(LIBDIR)/libtls.so.$(VERSION)
	ln -sfn libtls.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sfn $(SONAME) $(DESTDIR)$(LIBDIR)/libtls.so
	$(INSTALL) -m 644 $(CARGO_OUT)/libtls.a $(DESTDIR)$(LIBDIR)/libtls.a
	$(INSTALL) -m 644 include/libtls.h $(DESTDIR)$(INCLUDEDIR)/libtls.h
	$(INSTALL) -m 644 $(COMPAT_BUILD)/openssl/*.h $(DESTDIR)$(INCLUDEDIR)/libtls/openssl/
	for pc in libtls libtls-openssl; do \
		sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@EXEC_PREFIX@|$(EXEC_PREFIX)|g' \
			-e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
			-e 's|@COMPAT_INCLUDEDIR@|$${includedir}/libtls|g' \
			-e 's|@VERSION@|$(VERSION)|g' -e 's|@NATIVE_LIBS@|$(NATIVE_LIBS)|g' \
			$$pc.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/$$pc.pc || exit 1; \
		chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/$$pc.pc; \
	done

install-strip:
	$(MAKE) --no-print-directory install INSTALL_STRIP_FLAG=-s

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libtls.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME) \
		$(DESTDIR)$(LIBDIR)/libtls.so $(DESTDIR)$(LIBDIR)/libtls.a \
		$(DESTDIR)$(INCLUDEDIR)/libtls.h $(DESTDIR)$(PKGCONFIGDIR)/libtls.pc \
		$(DESTDIR)$(PKGCONFIGDIR)/libtls-openssl.pc \
		$(DESTDIR)$(INCLUDEDIR)/libtls/openssl/*.h
	-rmdir $(DESTDIR)$(INCLUDEDIR)/libtls/openssl $(DESTDIR)$(INCLUDEDIR)/libtls 2>/dev/null

clean:
	rm -rf $(BUILD)
	$(CARGO) clean --release -p libtls

distclean: clean
	$(CARGO) clean

# ---- BoGo: BoringSSL's TLS test suite against libtls (not part of make test; see bogo/README.md) --
BOGO_BUILD = $(BUILD)/bogo
BOGO_RUN = $(PYTHON) bogo/run.py --runner $(BOGO_BUILD)/runner.test \
	--resources $(BOGO_BUILD)/runner-src --config bogo/config.json
BOGO_JOBS ?= 4

$(BOGO_BUILD)/shim-libtls: bogo/shim.c $(HEADERS) $(SHLIB) include/libtls.h $(COMPAT_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LIBTLS_CFLAGS) -o $@ bogo/shim.c $(LIBTLS_LDFLAGS) $(LIBTLS_LIBS)

$(BOGO_BUILD)/shim-openssl: bogo/shim.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(OPENSSL_CFLAGS) -o $@ bogo/shim.c $(OPENSSL_LIBS)

.PHONY: bogo bogo-setup bogo-openssl
bogo-setup:
	bogo/setup.sh $(BOGO_BUILD)

# Every test, both roles, TLS 1.2 and 1.3; writes bogo/results/libtls.md. Fails on a failing test
# that bogo/known-failures.txt does not list (and names listed ones that now pass).
bogo: header bogo-setup
	$(MAKE) --no-print-directory $(BOGO_BUILD)/shim-libtls
	$(BOGO_RUN) --shim $(BOGO_BUILD)/shim-libtls --jobs $(BOGO_JOBS) \
		--known-failures bogo/known-failures.txt --summary bogo/results/libtls.md \
		--log $(BOGO_BUILD)/libtls.log

# The same shim over the system OpenSSL: tells shim or config problems from library ones. The
# config's error map speaks libtls's names, so failures here are for comparison, not a verdict.
bogo-openssl: bogo-setup $(BOGO_BUILD)/shim-openssl
	-$(BOGO_RUN) --shim $(BOGO_BUILD)/shim-openssl --jobs $(BOGO_JOBS) --label openssl \
		--summary $(BOGO_BUILD)/openssl.md --log $(BOGO_BUILD)/openssl.log

# ---- real OpenSSL programs against libtls (docs/test-apps.md; not part of make test) -----------
# Debian's source packages of hiredis/redis, curl, nginx, socat, stunnel and mosquitto, built
# unchanged against `make install`ed libtls; a failure prints the missing headers and names.
# The programs that build are run against real peers on 127.0.0.1. Fails only on a regression
# against capi-tests/apps/expected.txt. `make test-apps-openssl` builds and checks the same
# programs against the system OpenSSL, to validate the checks themselves.
.PHONY: test-apps test-apps-openssl
test-apps: all
	$(PYTHON) tools/apps/run.py

test-apps-openssl: all
	$(PYTHON) tools/apps/run.py --reference openssl

# ---- a fleet of servers sharing sessions through Redis (docs/fleet.md; CI runs it) ------------
# examples/fleet/: fleet_server (epoll, hiredis; sessions and the TLS 1.3 anti-replay set in a real
# redis-server, ticket keys from a shared file) and fleet_client (the driver), built against libtls
# and, from the same source, against the system OpenSSL. test_fleet.py runs redis-server, three
# members and 1,300 clients through two key rotations, a member restart and a Redis outage, with
# libtls on both sides, then with the OpenSSL-built members (the reference for the test itself).
FLEET_BUILD = $(BUILD)/fleet
HIREDIS_CFLAGS = $(shell pkg-config --cflags hiredis 2>/dev/null)
HIREDIS_LIBS = $(or $(shell pkg-config --libs hiredis 2>/dev/null),-lhiredis)
FLEET_BINS = $(FLEET_BUILD)/fleet_server $(FLEET_BUILD)/fleet_client \
	$(FLEET_BUILD)/openssl/fleet_server $(FLEET_BUILD)/openssl/fleet_client
FLEET_TEST = $(PYTHON) examples/fleet/test_fleet.py --client $(FLEET_BUILD)/fleet_client

$(FLEET_BUILD)/fleet_server: examples/fleet/fleet_server.c $(SHLIB) include/libtls.h $(COMPAT_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNINGS) -I$(COMPAT_BUILD) -Iinclude $(HIREDIS_CFLAGS) -o $@ $< \
		$(LIBTLS_LDFLAGS) $(LIBTLS_LIBS) $(HIREDIS_LIBS)

$(FLEET_BUILD)/fleet_client: examples/fleet/fleet_client.c $(SHLIB) include/libtls.h $(COMPAT_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNINGS) -I$(COMPAT_BUILD) -Iinclude -o $@ $< $(LIBTLS_LDFLAGS) $(LIBTLS_LIBS)

$(FLEET_BUILD)/openssl/fleet_server: examples/fleet/fleet_server.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNINGS) $(HIREDIS_CFLAGS) -o $@ $< $(OPENSSL_LIBS) $(HIREDIS_LIBS)

$(FLEET_BUILD)/openssl/fleet_client: examples/fleet/fleet_client.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNINGS) -o $@ $< $(OPENSSL_LIBS)

.PHONY: test-fleet
test-fleet: header
	$(if $(NO_SETUP),@echo "setup: skipped (NO_SETUP)",tools/setup.sh fleet)
	$(MAKE) --no-print-directory $(FLEET_BINS)
	$(FLEET_TEST) --label libtls --server $(FLEET_BUILD)/fleet_server
	$(FLEET_TEST) --label openssl --server $(FLEET_BUILD)/openssl/fleet_server

# ---- benchmarks (not part of make test) -------------------------------------------------------
BENCH_SRC = bench/tlsbench.c

$(BUILD)/bench/tlsbench-libtls: $(BENCH_SRC) $(HEADERS) $(SHLIB) include/libtls.h $(COMPAT_STAMP)
	@mkdir -p $(dir $@)
	$(CC) -O2 -g $(LIBTLS_CFLAGS) -o $@ $(BENCH_SRC) $(LIBTLS_LDFLAGS) $(LIBTLS_LIBS)

$(BUILD)/bench/tlsbench-openssl: $(BENCH_SRC) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) -O2 -g $(OPENSSL_CFLAGS) -o $@ $(BENCH_SRC) $(OPENSSL_LIBS)

.PHONY: bench bench-quick
bench: all $(BUILD)/bench/tlsbench-libtls $(BUILD)/bench/tlsbench-openssl
	$(PYTHON) bench/run.py --runs 5 --seconds 2 --core

bench-quick: all $(BUILD)/bench/tlsbench-libtls $(BUILD)/bench/tlsbench-openssl
	$(PYTHON) bench/run.py --runs 1 --seconds 0.3

# ---- man pages, and the CLIs in `make install` (issue 17) ---------------------------------------
# tools/gen-man.py writes tlsclient(1), tlsserver(1) and libtls(3) from the programs' -help and
# README.md / docs/api.md, so they cannot drift from them. The installed CLIs are linked again
# without the build tree's rpath (and with the caller's CPPFLAGS/LDFLAGS, e.g. dpkg-buildflags).
BINDIR ?= $(EXEC_PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
MAN_BUILD = $(BUILD)/man
MAN_PAGES = $(MAN_BUILD)/tlsclient.1 $(MAN_BUILD)/tlsserver.1 $(MAN_BUILD)/libtls.3
INSTALL_CLIS = tlsclient tlsserver
DIST_BINS = $(addprefix $(BUILD)/dist/bin/,$(INSTALL_CLIS))

.PHONY: man install-tools uninstall-tools
man: $(MAN_PAGES)

$(MAN_PAGES) &: tools/gen-man.py README.md docs/api.md $(BUILD)/bin/tlsclient $(BUILD)/bin/tlsserver
	$(PYTHON) tools/gen-man.py --version $(VERSION) --bin-dir $(BUILD)/bin $(MAN_BUILD)

$(BUILD)/dist/bin/%: $$(SOURCES_%) $(HEADERS) $(SHLIB) include/libtls.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LIBTLS_CFLAGS) -o $@ $(SOURCES_$*) -L$(LIB_BUILD) $(LDFLAGS) $(LIBTLS_LIBS)

install: install-tools

install-tools: $(DIST_BINS) $(MAN_PAGES)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3
	$(INSTALL) -m 755 $(INSTALL_STRIP_FLAG) $(DIST_BINS) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 644 $(MAN_BUILD)/tlsclient.1 $(MAN_BUILD)/tlsserver.1 $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 644 $(MAN_BUILD)/libtls.3 $(DESTDIR)$(MANDIR)/man3/

uninstall: uninstall-tools

uninstall-tools:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(INSTALL_CLIS)) $(DESTDIR)$(MANDIR)/man1/tlsclient.1 \
		$(DESTDIR)$(MANDIR)/man1/tlsserver.1 $(DESTDIR)$(MANDIR)/man3/libtls.3
# ---- end of man pages ---------------------------------------------------------------------------

# ---- Debian packages (issue 17; debian/, tools/deb.sh) ------------------------------------------
# `make deb`: source tree with vendored crates under build/deb/, dpkg-buildpackage -us -uc -b
# (offline), lintian, then install / check / apt remove (as root). tools/deb.sh says more.
.PHONY: deb deb-build deb-lint deb-check
deb: setup-deb
	tools/deb.sh all

deb-build: setup-deb
	tools/deb.sh source
	tools/deb.sh build

deb-lint:
	tools/deb.sh lint

deb-check:
	tools/deb.sh check
# ---- end of Debian packages ---------------------------------------------------------------------

# ---- Python wheel carrying libtls.so.0 (issue 17; tools/wheel.sh, bindings/python/setup.py) ----
WHEEL_VENV = $(BUILD)/wheel-venv
.PHONY: wheel wheel-test
$(WHEEL_VENV)/.installed: tools/requirements-wheel.txt
	$(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/pip install -q --disable-pip-version-check -r tools/requirements-wheel.txt
	touch $@

wheel: all $(WHEEL_VENV)/.installed
	tools/wheel.sh build

# The wheel in a new virtualenv, its tests run there (the example needs build/bin's tlsserver).
wheel-test: wheel
	tools/wheel.sh test
# ---- end of Python wheel ------------------------------------------------------------------------

# Builds libtls (Rust), its C header, the CLIs and the C test programs, and runs every test.
# `make test-openssl` builds the same C sources against the system OpenSSL and runs the same
# suite: that is the differential reference for libtls.

CARGO ?= cargo
PYTHON ?= python3
CC ?= cc
PROFILE = release
LIBDIR = target/release
BUILD = build

CFLAGS ?= -O2 -g
WARNINGS = -Wall -Wextra -Werror
C_INCLUDES = -Icapi-tests

LIBTLS_CFLAGS = $(WARNINGS) $(C_INCLUDES) -Iinclude
LIBTLS_LDFLAGS = -L$(LIBDIR) -Wl,-rpath,$(abspath $(LIBDIR))
LIBTLS_LIBS = -ltls -lpthread

OPENSSL_CFLAGS = $(WARNINGS) $(C_INCLUDES) -DLIBTLS_TEST_OPENSSL
OPENSSL_LIBS = -lssl -lcrypto -lpthread

PROGRAMS = tlsclient tlsserver test_api test_bio test_x509
SOURCES_tlsclient = cli/tlsclient.c
SOURCES_tlsserver = cli/tlsserver.c
SOURCES_test_api = capi-tests/c/test_api.c
SOURCES_test_bio = capi-tests/c/test_bio.c
SOURCES_test_x509 = capi-tests/c/test_x509.c
HEADERS = capi-tests/compat.h

LIBTLS_BINS = $(addprefix $(BUILD)/bin/,$(PROGRAMS))
ASAN_BINS = $(addprefix $(BUILD)/asan/bin/,$(PROGRAMS))
ASAN_CFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPENSSL_BINS = $(addprefix $(BUILD)/openssl/bin/,$(PROGRAMS))

PYTEST = $(PYTHON) -m pytest -q -p no:cacheprovider capi-tests

.PHONY: all lib header check-header cli cli-openssl test test-rust test-c test-openssl check-asan \
	demo demo-openssl clean distclean

# The CLIs link against the library and include the header, so those come first even under -j.
all: header
	$(MAKE) --no-print-directory cli

lib:
	$(CARGO) build --release

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
$(BUILD)/bin/%: $$(SOURCES_%) $(HEADERS) $(LIBDIR)/libtls.so include/libtls.h | $(BUILD)/bin
	$(CC) $(CFLAGS) $(LIBTLS_CFLAGS) -o $@ $(SOURCES_$*) $(LIBTLS_LDFLAGS) $(LIBTLS_LIBS)

$(BUILD)/asan/bin/%: $$(SOURCES_%) $(HEADERS) $(LIBDIR)/libtls.so include/libtls.h | $(BUILD)/asan/bin
	$(CC) $(ASAN_CFLAGS) $(LIBTLS_CFLAGS) -o $@ $(SOURCES_$*) $(LIBTLS_LDFLAGS) $(LIBTLS_LIBS)

$(BUILD)/openssl/bin/%: $$(SOURCES_%) $(HEADERS) | $(BUILD)/openssl/bin
	$(CC) $(CFLAGS) $(OPENSSL_CFLAGS) -o $@ $(SOURCES_$*) $(OPENSSL_LIBS)

$(BUILD)/bin $(BUILD)/openssl/bin $(BUILD)/asan/bin:
	mkdir -p $@

test-rust:
	$(CARGO) test --release

test-c: all
	LIBTLS_BIN_DIR=$(BUILD)/bin LIBTLS_IMPL=libtls $(PYTEST)

# The same C tests with the programs built under AddressSanitizer and UBSan (leak checking
# on): any report fails the test that ran the program.
check-asan: header
	$(MAKE) --no-print-directory $(ASAN_BINS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		LIBTLS_BIN_DIR=$(BUILD)/asan/bin LIBTLS_IMPL=libtls $(PYTEST)

# Each stage must pass; the pytest run prints the closing "N passed, N failed" line.
test: check-header test-rust test-c check-asan
	@echo "make test: header, Rust tests, C and interop tests all passed"

test-openssl: cli-openssl
	LIBTLS_BIN_DIR=$(BUILD)/openssl/bin LIBTLS_IMPL=openssl $(PYTEST)

demo: all
	@capi-tests/demo.sh $(BUILD)/bin

demo-openssl: cli-openssl
	@capi-tests/demo.sh $(BUILD)/openssl/bin

clean:
	rm -rf $(BUILD)
	$(CARGO) clean --release -p libtls

distclean: clean
	$(CARGO) clean

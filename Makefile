# Build, run and test the idempotent todo service.
#   make run    install missing Debian packages (as root), build, serve on 127.0.0.1:$(PORT)
#               (and /metrics on 127.0.0.1:$(METRICS_PORT))
#   make test   the same set-up, then build and run the ctest suite
#   make stop   stop what `make run` started

PORT    ?= 8080
DB      ?= $(CURDIR)/var/todo.db
KEY_TTL ?= 86400
KEY_HORIZON ?=
WORKERS ?=
METRICS_PORT ?= 9113

BIN      = cgi-bin/todo.fcgi
BUILD    = build
OBJDIR   = $(BUILD)/obj
UNITDIR  = $(BUILD)/unit

# Debian packages: RUN_PKGS to build and serve (`make run`); TEST_PKGS
# besides, for the test suite and the benchmark (`make test`, `make bench`).
RUN_PKGS  = gcc make pkg-config libc6-dev libfcgi-dev libsqlite3-dev libjson-c-dev \
            uuid-dev libpq-dev nginx curl
TEST_PKGS = libfcgi-bin sqlite3 postgresql-15 postgresql-client-15 apache2 cmake chromium systemd \
            clang libclang-rt-14-dev valgrind wrk strace prometheus \
            python3-fastapi python3-uvicorn python3-sqlalchemy

# json-c is included as <json-c/json.h>: its own include dir would shadow src/app/json.h.
# libpq is loaded at run time, only by the PostgreSQL engine (src/store/pg/pq.c).
PKG_CFLAGS := $(shell pkg-config --cflags sqlite3 uuid libpq 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs sqlite3 json-c uuid 2>/dev/null)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
           -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Isrc $(PKG_CFLAGS) -DTEMPLATE_DIR='"$(CURDIR)/templates"'
LDLIBS  += $(PKG_LIBS) -lfcgi

# Fuzzer builds: libFuzzer instrumentation plus ASan and UBSan (clang).
ifeq ($(FUZZ),1)
CFLAGS  += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

# Objects are rebuilt when the compiler or its flags change (SAN=1, CC=clang).
FLAGS    := $(CC) $(CFLAGS) $(LDFLAGS)
ifneq ($(FLAGS),$(file < $(BUILD)/flags))
$(shell mkdir -p $(BUILD))
$(file > $(BUILD)/flags,$(FLAGS))
endif

# src/ in layers, each a folder: lib, http, store (one folder per engine),
# idem, app, proc; headers are included by their path under src/.
SRCS     = $(shell find src -name '*.c' | sort)
HDRS     = $(shell find src -name '*.h')
OBJS     = $(SRCS:src/%.c=$(OBJDIR)/%.o)
LIBOBJS  = $(filter-out $(OBJDIR)/proc/main.o,$(OBJS))
UNITSRCS = $(wildcard tests/unit/test_*.c)
UNITS    = $(UNITSRCS:tests/unit/%.c=$(UNITDIR)/%)
TOOLS    = $(BUILD)/freeport $(BUILD)/halfclose $(BUILD)/idlesock $(BUILD)/fcgi_bare $(BUILD)/clockshift.so

.PHONY: all deps test-deps run stop test check clean soak fuzz fuzzers bench docs

all: $(BIN)

$(BIN): $(OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(OBJDIR)/%.o: src/%.c $(HDRS) $(BUILD)/flags
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(UNITDIR)/%: tests/unit/%.c $(LIBOBJS) $(wildcard tests/unit/*.h) $(BUILD)/flags
	@mkdir -p $(UNITDIR)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS)

# The PostgreSQL engine's test opens a connection of its own, too.
$(UNITDIR)/test_pg: LDLIBS += $(shell pkg-config --libs libpq 2>/dev/null)

$(BUILD)/%: tests/tools/%.c $(BUILD)/flags
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

# The tests' wall-clock shifter, preloaded into the program only: built
# without the sanitizers, whose runtime must come first in a process.
$(BUILD)/clockshift.so: tests/tools/clockshift.c
	@mkdir -p $(BUILD)
	$(CC) -O2 -g -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl

$(BUILD)/fcgi_bare: tests/bench/fcgi_bare.c $(BUILD)/flags
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -lfcgi

# Installs the missing packages of $(1) (and Node.js with npm when $(2) is
# set) when root; otherwise prints the apt-get line and stops. `deps` is what
# running needs; `test-deps` adds the test and benchmark toolchain.
define install_missing
	@missing=""; \
	for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$(2)" ]; then command -v npm >/dev/null || missing="$$missing nodejs npm"; fi; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	  else \
	    echo "missing Debian packages; as root run:"; \
	    echo "  apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi
endef

deps:
	$(call install_missing,$(RUN_PKGS),)

test-deps:
	$(call install_missing,$(RUN_PKGS) $(TEST_PKGS),npm)

run: deps
	@$(MAKE) --no-print-directory all
	PORT=$(PORT) DB=$(DB) KEY_TTL=$(KEY_TTL) KEY_HORIZON=$(KEY_HORIZON) WORKERS=$(WORKERS) \
	    METRICS_PORT=$(METRICS_PORT) \
	    nginx/run.sh

stop:
	@nginx/run.sh stop

# playwright-core for the browser tests, from npm (it drives Debian's Chromium).
tests/browser/node_modules/.package-lock.json: tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund

# The API test's OpenAPI validator, ajv and ajv-formats, from npm (tests/api).
tests/api/node_modules/.package-lock.json: tests/api/package.json tests/api/package-lock.json
	cd tests/api && npm ci --no-audit --no-fund

# The /docs page, made from the API's description (checked by tests/api).
docs: templates/docs.html

templates/docs.html: templates/openapi.json templates/docs_html.mjs
	node templates/docs_html.mjs > $@.tmp && mv $@.tmp $@

test: test-deps
	@$(MAKE) --no-print-directory all units tests/browser/node_modules/.package-lock.json \
	    tests/api/node_modules/.package-lock.json
	cmake -S tests -B $(BUILD)/ctest -DROOT=$(CURDIR) >/dev/null
	ctest --test-dir $(BUILD)/ctest --output-on-failure $(CTEST_ARGS)

check: test

# libFuzzer targets (tests/fuzz), each run for FUZZ_SECONDS from the seed
# corpus; new inputs collect in build/fuzz/corpus, crashes in build/fuzz.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = request form json key

fuzz: test-deps
	@$(MAKE) --no-print-directory FUZZ=1 CC=clang BUILD=build/fuzz BIN=build/fuzz/todo.fcgi fuzzers
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus/$$t; \
	  echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
	  build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/crash-$$t- build/fuzz/corpus/$$t tests/fuzz/corpus/$$t \
	    2>build/fuzz/fuzz_$$t.log || { tail -40 build/fuzz/fuzz_$$t.log; exit 1; }; \
	  grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' build/fuzz/fuzz_$$t.log; \
	done

fuzzers: $(FUZZ_TARGETS:%=$(BUILD)/fuzz_%)

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(LIBOBJS) $(BUILD)/flags
	$(CC) $(CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS)

# The benchmark (tests/bench/bench.sh): the product against nginx alone and a
# bare FastCGI responder, interleaved; QUICK=1 for a few-second smoke run.
bench: test-deps
	@$(MAKE) --no-print-directory all $(TOOLS)
	QUICK=$(QUICK) bash tests/bench/bench.sh

# The long soak: 60 s of mixed traffic (make test runs 10 s of it).
soak: test-deps
	@$(MAKE) --no-print-directory all $(TOOLS)
	SOAK_SECONDS=$${SOAK_SECONDS:-60} bash tests/integration/soak.sh

.PHONY: units
units: $(UNITS) $(TOOLS)

clean:
	rm -rf $(BUILD) $(BIN)

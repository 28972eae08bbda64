# lockhound - one non-recursive Makefile.
#
#   make            build everything under build/
#   make check      run every test; ends with "N passed, N failed"
#   make demo       run the detector on the bank example, write the HTML report
#   make bench      run the benchmarks (figures go to bench/RESULTS.md by hand)
#   make lint       cppcheck + clang-tidy
#   make deps       install the Debian packages the build and the tests need
#   make install    PREFIX=/usr/local DESTDIR=...
#
# Switches: V=1 (show commands), CC=clang, SANITIZE=address (ASan+UBSan on the
# analyzer, the STM and the unit tests; never on the preloaded shim).

SHELL      := bash
VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
BUILD      ?= build
CC         ?= cc
CXX        ?= c++

ifeq ($(V),1)
Q :=
else
Q := @
endif

WARN       := -Wall -Wextra -Werror
CPPFLAGS   += -Iinclude -Icommon -D_GNU_SOURCE -DLH_VERSION='"$(VERSION)"'
CFLAGS     ?= -O2 -g
CFLAGS     += -std=gnu11 $(WARN) -fPIC -MMD -MP
CXXFLAGS   ?= -O1 -g
CXXFLAGS   += -std=c++17 $(WARN) -MMD -MP

ifeq ($(SANITIZE),address)
SANFLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer
endif

# ---- sources ---------------------------------------------------------------
COMMON_SRC   := $(wildcard common/*.c)
PRELOAD_SRC  := $(wildcard preload/*.c)
ANALYZER_SRC := $(filter-out analyzer/main.c,$(wildcard analyzer/*.c)) $(wildcard report/*.c)
STM_SRC      := $(wildcard stm/*.c)
UNIT_SRC     := $(wildcard tests/unit/test_*.c)
PROG_C       := $(filter-out tests/progs/lib%.c,$(wildcard tests/progs/*.c))
PROG_LIB     := $(wildcard tests/progs/lib*.c)
PROG_CXX     := $(wildcard tests/progs/*.cpp)
EXAMPLE_SRC  := $(wildcard examples/*.c)
BENCH_SRC    := $(wildcard bench/*/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/$(1)/%.o,$(2))

PRELOAD_OBJ  := $(call obj,shim,$(COMMON_SRC) $(PRELOAD_SRC))
CORE_OBJ     := $(call obj,host,$(COMMON_SRC) $(ANALYZER_SRC))
STM_OBJ      := $(call obj,host,$(STM_SRC))

SHIM         := $(BUILD)/lib/liblockhound.so
CORELIB      := $(BUILD)/lib/liblhcore.a
STM_SO       := $(BUILD)/lib/liblockhound-stm.so
STM_A        := $(BUILD)/lib/liblockhound-stm.a
CLI          := $(BUILD)/bin/lockhound
UNIT_BIN     := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
PROG_BIN     := $(patsubst tests/progs/%.c,$(BUILD)/tests/progs/%,$(PROG_C)) \
                $(patsubst tests/progs/%.cpp,$(BUILD)/tests/progs/%,$(PROG_CXX)) \
                $(patsubst tests/progs/%.c,$(BUILD)/tests/progs/%.so,$(PROG_LIB))
EXAMPLE_BIN  := $(patsubst examples/%.c,$(BUILD)/examples/%,$(EXAMPLE_SRC))
BENCH_BIN    := $(foreach f,$(BENCH_SRC),$(BUILD)/bench/$(basename $(notdir $(f))))

SHIM_LIBS    := -ldl -lpthread -lunwind
HOST_LIBS    := -ldw -lelf -lgvc -lcgraph -lpthread -lm -ldl

.PHONY: all check check-pku demo bench lint deps setup install clean
all: $(SHIM) $(CORELIB) $(CLI) $(STM_SO) $(STM_A) $(UNIT_BIN) $(PROG_BIN) $(EXAMPLE_BIN) $(BENCH_BIN)

# ---- objects ---------------------------------------------------------------
$(BUILD)/obj/shim/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC [shim] $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fvisibility=hidden -ftls-model=initial-exec -c $< -o $@

$(BUILD)/obj/host/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC        $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -c $< -o $@

# ---- libraries and the command ----------------------------------------------
$(SHIM): $(PRELOAD_OBJ) preload/liblockhound.map
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD        $@")
	$(Q)$(CC) -shared -Wl,--version-script=preload/liblockhound.map -Wl,-z,now \
		-o $@ $(PRELOAD_OBJ) $(SHIM_LIBS)

$(CORELIB): $(CORE_OBJ)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  AR        $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(CLI): $(BUILD)/obj/host/analyzer/main.o $(CORELIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD        $@")
	$(Q)$(CC) $(SANFLAGS) -o $@ $< $(CORELIB) $(HOST_LIBS)

$(STM_A): $(STM_OBJ)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  AR        $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(STM_SO): $(STM_OBJ)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD        $@")
	$(Q)$(CC) $(SANFLAGS) -shared -Wl,-soname,liblockhound-stm.so.0 -o $@ $^ -lpthread
	$(Q)ln -sf liblockhound-stm.so $(@D)/liblockhound-stm.so.0

# ---- tests, examples, benchmarks ----------------------------------------------
$(BUILD)/tests/%: tests/unit/%.c $(CORELIB) $(STM_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC        $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -Itests/unit -Ianalyzer -Ireport -o $@ $< $(CORELIB) $(STM_A) $(HOST_LIBS)

# Scenario programs: built without optimisation so every lock call and frame
# is where the source says; -rdynamic so global lock symbols are visible.
PROG_CFLAGS := -std=gnu11 -O0 -g -pthread $(WARN) -Wno-unused-result -MMD -MP -rdynamic
$(BUILD)/tests/progs/%: tests/progs/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC [prog] $<")
	$(Q)$(CC) -Iinclude $(PROG_CFLAGS) -o $@ $< -ldl

$(BUILD)/tests/progs/%.so: tests/progs/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC [lib]  $<")
	$(Q)$(CC) -Iinclude $(PROG_CFLAGS) -fPIC -shared -o $@ $<

$(BUILD)/tests/progs/%: tests/progs/%.cpp
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CXX[prog] $<")
	$(Q)$(CXX) -Iinclude $(CXXFLAGS) -O0 -pthread -o $@ $<

# Examples and benchmarks: optimised programs linked with the STM.
APP_CFLAGS := -Iinclude -std=gnu11 -O2 -g -pthread $(WARN) -MMD -MP -rdynamic
$(BUILD)/examples/%: examples/%.c $(STM_A)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC [ex]   $<")
	$(Q)$(CC) $(APP_CFLAGS) $(SANFLAGS) -o $@ $< $(STM_A) -lpthread

define bench_rule
$(BUILD)/bench/$(basename $(notdir $(1))): $(1) $(STM_A)
	@mkdir -p $$(@D)
	@$$(if $$(Q),echo "  CC [bench] $$<")
	$$(Q)$$(CC) $$(APP_CFLAGS) -Icommon $$(SANFLAGS) -o $$@ $$< $$(STM_A) -lpthread -lm
endef
$(foreach f,$(BENCH_SRC),$(eval $(call bench_rule,$(f))))

# ---- the user-facing targets ------------------------------------------------
# `make demo` and `make check` work on a fresh machine: `setup` probes for the
# headers and tools the build and the tests need and runs `make deps` only when
# something is missing (a quick no-op otherwise).
SETUP_PROBE := printf '\#include <uthash.h>\n\#include <libunwind.h>\n\#include <elfutils/libdwfl.h>\n\#include <graphviz/gvc.h>\n' \
	| $(CC) -E -x c - >/dev/null 2>&1 && command -v bats >/dev/null && command -v jq >/dev/null \
	&& [ -d /usr/lib/bats/bats-assert ] \
	&& { python3 -c 'import jsonschema' || /usr/bin/python3 -c 'import jsonschema'; } 2>/dev/null
setup:
	$(Q)if ! { $(SETUP_PROBE); }; then \
		echo "setup: build or test dependencies are missing; running 'make deps'"; \
		$(MAKE) --no-print-directory deps || exit 1; fi

check: setup
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) bash tests/run

# The pku race sensor under QEMU's emulated CPU (not in `check`: needs
# qemu-system-x86, linux-image-amd64, busybox-static; exits 77 without them).
check-pku: all
	$(Q)BUILD=$(BUILD) bash tests/pku/run.sh

DEMO_DIR := $(BUILD)/demo
demo: setup
	$(Q)$(MAKE) --no-print-directory all
	$(Q)rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	$(Q)status=0; $(CLI) run --out $(DEMO_DIR)/traces --html $(DEMO_DIR)/report.html \
		--json $(DEMO_DIR)/report.json -- $(BUILD)/examples/bank || status=$$?; \
	if [ $$status -ne 66 ] && [ $$status -ne 0 ]; then echo "demo: lockhound exited $$status" >&2; exit 1; fi
	$(Q)if [ -x $(BUILD)/examples/bank_stm ]; then echo; echo "The same program written with the STM:"; \
		$(CLI) run -- $(BUILD)/examples/bank_stm; fi
	@echo
	@echo "HTML report: $(abspath $(DEMO_DIR)/report.html)"

bench: all
	$(Q)for s in bench/*/run.sh; do echo "== $$s"; BUILD=$(BUILD) CC=$(CC) bash $$s || exit 1; done

LINT_SRC ?= $(COMMON_SRC) $(PRELOAD_SRC) $(ANALYZER_SRC) analyzer/main.c $(STM_SRC)
TIDY_CHECKS := -*,clang-analyzer-*,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,-bugprone-narrowing-conversions,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,-clang-analyzer-valist.Uninitialized
lint:
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --suppress=missingIncludeSystem -Iinclude -Icommon -D_GNU_SOURCE $(LINT_SRC)
	$(Q)clang-tidy --quiet --warnings-as-errors='*' --checks='$(TIDY_CHECKS)' $(LINT_SRC) -- \
		$(CPPFLAGS) -std=gnu11 2>&1 | grep -v 'warnings generated' ; exit $${PIPESTATUS[0]}

# Debian packages for building, testing and the demo (run as root or via sudo).
DEPS := build-essential clang libunwind-dev uthash-dev libdw-dev libelf-dev \
        graphviz libgraphviz-dev bats bats-assert bats-support jq \
        python3 python3-jsonschema cppcheck clang-tidy valgrind file chromium
deps:
	$(Q)SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q --no-install-recommends $(DEPS) >/dev/null && \
	echo "deps: installed $(DEPS)"

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/include/lockhound $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man3 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 0755 $(CLI) $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 $(SHIM) $(DESTDIR)$(PREFIX)/lib/
	install -m 0755 $(STM_SO) $(DESTDIR)$(PREFIX)/lib/liblockhound-stm.so.0
	ln -sf liblockhound-stm.so.0 $(DESTDIR)$(PREFIX)/lib/liblockhound-stm.so
	install -m 0644 $(STM_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 0644 include/lockhound/*.h $(DESTDIR)$(PREFIX)/include/lockhound/
	for pc in preload/lockhound stm/lockhound-stm; do \
		sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' $$pc.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/$$(basename $$pc).pc; done
	-install -m 0644 man/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/ 2>/dev/null
	-install -m 0644 man/man3/*.3 $(DESTDIR)$(PREFIX)/share/man/man3/ 2>/dev/null
	-install -m 0644 man/man7/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/ 2>/dev/null

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

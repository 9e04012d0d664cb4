# Makefile: builds libhookprof.so, hookprof-analyze and the launcher; runs tests, the demo and benchmarks.

PREFIX ?= /usr/local
BUILD ?= build
CC ?= cc
CXX ?= c++
PYTHON ?= python3

WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wvla
ifeq ($(CI),true)
WARN += -Werror
endif
COMMON := -O2 -g -std=gnu11 -D_GNU_SOURCE -I. -Iinclude $(WARN) -MMD -MP

# Sanitizers apply to the analyzer and the unit tests, never to the preloaded library.
SAN :=
ifeq ($(ASAN),1)
SAN += -fsanitize=address -fno-omit-frame-pointer
endif
ifeq ($(UBSAN),1)
SAN += -fsanitize=undefined,float-cast-overflow -fno-sanitize-recover=undefined,float-cast-overflow
endif

# -fno-builtin: the compiler must not assume what malloc and friends do (the recorder defines them,
# and moves its re-entrancy guard around calls to them). Frame pointers: HOOKPROF_UNWIND=fp walks them
# from the recorder's own frames.
PRELOAD_CFLAGS := $(COMMON) -fPIC -fvisibility=hidden -ftls-model=initial-exec -fno-strict-aliasing -fno-builtin \
	-fno-omit-frame-pointer
PRELOAD_LIBS := -lunwind -lzstd -lpthread -ldl
ANALYZER_CFLAGS := $(COMMON) $(SAN) -Ianalyzer $(shell pkg-config --cflags libdw libzstd zlib sqlite3 2>/dev/null)
ANALYZER_LIBS := $(shell pkg-config --libs libdw libzstd zlib sqlite3 2>/dev/null || echo -ldw -lelf -lzstd -lz -lsqlite3) -lelf -liberty -lm -lpthread
TEST_CFLAGS := $(ANALYZER_CFLAGS) -Ipreload -Wno-missing-prototypes
TEST_LIBS := -lcmocka $(ANALYZER_LIBS) -lunwind -lpthread -ldl
# Target programs of the integration tests: debug info and frame pointers, never our own sanitizers.
PROG_CFLAGS := -O1 -g -fno-omit-frame-pointer -D_GNU_SOURCE -Iinclude -Wall -Wno-unused-result

# common/: what the recorder, the analyzer and the launcher share (names, version, command list).
COMMON_SRC := $(wildcard common/*.c)
PRELOAD_SRC := $(wildcard preload/*.c) common/trace_names.c
PRELOAD_CORE_SRC := $(filter-out preload/hook_%.c,$(PRELOAD_SRC))
ANALYZER_SRC := $(wildcard analyzer/*/*.c) $(COMMON_SRC) $(BUILD)/gen/html_assets.c
LAUNCHER_SRC := $(wildcard launcher/*.c) $(COMMON_SRC)
ANALYZER_CORE_SRC := $(filter-out analyzer/cmd/hookprof_analyze.c,$(ANALYZER_SRC))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
PROG_LIB_C := $(wildcard tests/programs/lib*.c)
PROG_C := $(filter-out $(PROG_LIB_C),$(wildcard tests/programs/*.c))
PROG_LIB_CXX := $(wildcard tests/programs/lib*.cc)
PROG_CXX := $(filter-out $(PROG_LIB_CXX),$(wildcard tests/programs/*.cc))

PRELOAD_OBJ := $(PRELOAD_SRC:%.c=$(BUILD)/pic/%.o)
PRELOAD_CORE_OBJ := $(PRELOAD_CORE_SRC:%.c=$(BUILD)/pic/%.o)
ANALYZER_OBJ := $(ANALYZER_SRC:%.c=$(BUILD)/obj/%.o)
ANALYZER_CORE_OBJ := $(ANALYZER_CORE_SRC:%.c=$(BUILD)/obj/%.o)
LAUNCHER_OBJ := $(LAUNCHER_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
PROG_BIN := $(PROG_C:tests/programs/%.c=$(BUILD)/tests/programs/%) \
	    $(PROG_LIB_C:tests/programs/%.c=$(BUILD)/tests/programs/%.so) \
	    $(PROG_LIB_CXX:tests/programs/%.cc=$(BUILD)/tests/programs/%.so) \
	    $(PROG_CXX:tests/programs/%.cc=$(BUILD)/tests/programs/%)

LIB := $(BUILD)/libhookprof.so
ANALYZE := $(BUILD)/hookprof-analyze
LAUNCHER := $(BUILD)/hookprof
DEPS_OK := $(BUILD)/.deps-ok

.PHONY: all test unit integration demo bench fuzz install install-files clean test-asan programs
all: $(LIB) $(ANALYZE) $(LAUNCHER)

# The distribution's -dev packages: installed by scripts/install-deps when a header is missing.
$(DEPS_OK): scripts/install-deps
	@scripts/install-deps
	@mkdir -p $(@D) && touch $@

$(BUILD)/pic/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(PRELOAD_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ANALYZER_CFLAGS) -c $< -o $@

# The pages' templates with the parts every page shares put in: a line @@HP_HEAD@@ (up to the shared style
# sheet; the page's own rules follow), @@HP_BODY@@ (the end of the head, the start of the body: the error
# box), @@HP_ERRORS@@ (the error handler) or @@HP_END@@ (the data and the script) becomes the whole of
# page_head.html, page_body.html, page_errors.js or page_end.html; then @@HP_PAGE@@ becomes the page's
# name (its template's: report, history).
HTML_PARTS := $(addprefix analyzer/report/html/,page_head.html page_body.html page_errors.js page_end.html)
$(BUILD)/gen/html/%.html: analyzer/report/html/%.html $(HTML_PARTS)
	@mkdir -p $(@D)
	sed -e '/^@@HP_HEAD@@$$/{r analyzer/report/html/page_head.html' -e 'd;}' \
	    -e '/^@@HP_BODY@@$$/{r analyzer/report/html/page_body.html' -e 'd;}' \
	    -e '/^@@HP_ERRORS@@$$/{r analyzer/report/html/page_errors.js' -e 'd;}' \
	    -e '/^@@HP_END@@$$/{r analyzer/report/html/page_end.html' -e 'd;}' $< >$@.parts
	sed -e 's/@@HP_PAGE@@/$*/g' $@.parts >$@.tmp
	rm -f $@.parts
	mv $@.tmp $@

# The HTML report's page (analyzer/report/html/), compiled into the analyzer as byte arrays.
HTML_ASSETS := $(BUILD)/gen/html/report.html analyzer/report/html/report.css analyzer/report/html/report.js \
	       $(BUILD)/gen/html/history.html analyzer/report/html/history.js
$(BUILD)/gen/html_assets.c: $(HTML_ASSETS) scripts/embed-files
	@mkdir -p $(@D)
	scripts/embed-files $@ hp_html_ $(HTML_ASSETS)

$(LIB): $(PRELOAD_OBJ)
	$(CC) -shared -Wl,--no-undefined -Wl,-z,nodelete -o $@ $^ $(PRELOAD_LIBS)

$(ANALYZE): $(ANALYZER_OBJ)
	$(CC) $(SAN) -o $@ $^ $(ANALYZER_LIBS)

# The launcher (launcher/): finds the library and the analyzer relative to its own path.
$(LAUNCHER): $(LAUNCHER_OBJ)
	$(CC) $(SAN) -o $@ $^

$(BUILD)/libhp_preload_core.a: $(PRELOAD_CORE_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libhp_analyzer.a: $(ANALYZER_CORE_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libhp_analyzer.a $(BUILD)/libhp_preload_core.a | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(BUILD)/libhp_analyzer.a $(BUILD)/libhp_preload_core.a \
		-lzstd $(TEST_LIBS)

# Test programs: lib*.c and lib*.cc become shared objects, *_instr.c are built with -finstrument-functions,
# *_asan.c with AddressSanitizer, *_static.c statically linked.
$(BUILD)/tests/programs/lib%.so: tests/programs/lib%.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -fPIC -shared -o $@ $<

$(BUILD)/tests/programs/lib%.so: tests/programs/lib%.cc | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CXX) $(PROG_CFLAGS) -fPIC -shared -o $@ $<

# A program linked with a library of its own (found next to it at run time).
$(BUILD)/tests/programs/real_cxx_plugins: tests/programs/real_cxx_plugins.cc \
		$(BUILD)/tests/programs/libreal_cxx_registry.so | $(DEPS_OK)
	$(CXX) $(PROG_CFLAGS) -o $@ $< -L$(@D) -lreal_cxx_registry -Wl,-rpath,'$$ORIGIN'

$(BUILD)/tests/programs/%_asan: tests/programs/%_asan.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -fsanitize=address -o $@ $< -lpthread -ldl

$(BUILD)/tests/programs/%_static: tests/programs/%_static.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -static -o $@ $<

$(BUILD)/tests/programs/%_instr: tests/programs/%_instr.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -finstrument-functions -o $@ $< -lpthread -ldl

$(BUILD)/tests/programs/%: tests/programs/%.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -o $@ $< -lpthread -ldl -lm

# leak_ctor needs libleak_ctor.so, whose constructor allocates before main.
$(BUILD)/tests/programs/leak_ctor: tests/programs/leak_ctor.c $(BUILD)/tests/programs/libleak_ctor.so | $(DEPS_OK)
	$(CC) $(PROG_CFLAGS) -o $@ $< -L$(@D) -lleak_ctor -Wl,-rpath,'$$ORIGIN'

# rec_early needs librec_early.so (found beside it), whose constructor runs before the recorder's.
$(BUILD)/tests/programs/rec_early: tests/programs/rec_early.c $(BUILD)/tests/programs/librec_early.so | $(DEPS_OK)
	$(CC) $(PROG_CFLAGS) -o $@ $< -L$(@D) -lrec_early -Wl,-rpath,'$$ORIGIN'

$(BUILD)/tests/programs/%: tests/programs/%.cc | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CXX) $(filter-out -std=gnu11,$(PROG_CFLAGS)) -o $@ $< -lpthread

programs: $(PROG_BIN)

unit: $(UNIT_BIN) $(FUZZ_REPLAY_BIN)
	@fail=0; pass=0; for t in $(UNIT_BIN); do \
		if $$t; then pass=$$((pass+1)); else fail=$$((fail+1)); echo "FAILED: $$t"; fi; \
	done; echo "unit: $$pass passed, $$fail failed"; test $$fail = 0
	@$(MAKE) --no-print-directory fuzz-replay

# Every fuzz target, built without libFuzzer by the normal compiler (with ASan in build-asan), runs once
# over its seeds and over every input that ever crashed or hung it (tests/fuzz/regressions/NAME/).
FUZZ_NAMES := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))
FUZZ_REPLAY_BIN := $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/%)

$(BUILD)/tests/fuzz/%: tests/fuzz/%.c tests/fuzz/replay/replay_main.c $(BUILD)/libhp_analyzer.a | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -Itests/unit -o $@ $< tests/fuzz/replay/replay_main.c $(BUILD)/libhp_analyzer.a \
		$(ANALYZER_LIBS)

.PHONY: fuzz-replay
fuzz-replay: $(FUZZ_REPLAY_BIN)
	@for n in $(FUZZ_NAMES); do \
		files=$$(find tests/fuzz/corpus/$$n tests/fuzz/regressions/$$n -type f 2>/dev/null | sort); \
		[ -z "$$files" ] && continue; \
		timeout 300 $(BUILD)/tests/fuzz/$$n $$files 2>$(BUILD)/tests/fuzz/$$n.log || \
			{ echo "FAILED: fuzz replay of $$n (log: $(BUILD)/tests/fuzz/$$n.log)"; tail -n 30 $(BUILD)/tests/fuzz/$$n.log; exit 1; }; \
		echo "fuzz replay: $$n: $$(echo "$$files" | wc -l) inputs"; \
	done

# The tools the integration tests run against: installed by scripts/install-test-deps when missing.
integration: all programs
	@scripts/install-test-deps
	$(PYTHON) tests/integration/run.py --build $(BUILD)

test: all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory integration

test-asan:
	$(MAKE) BUILD=build-asan ASAN=1 UBSAN=1 test

demo: all $(BUILD)/tests/programs/demo
	$(LAUNCHER) -o $(BUILD)/demo.hpt -- $(BUILD)/tests/programs/demo

bench: all programs
	scripts/bench --build $(BUILD)

# install-files copies what is built, building nothing: the integration tests run it beside other tests
# that use the same binaries.
install: all
	@$(MAKE) --no-print-directory install-files

install-files:
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/hookprof $(DESTDIR)$(PREFIX)/include
	install -m 755 $(LAUNCHER) $(DESTDIR)$(PREFIX)/bin/hookprof
	install -m 755 $(ANALYZE) $(DESTDIR)$(PREFIX)/bin/hookprof-analyze
	install -m 755 $(LIB) $(DESTDIR)$(PREFIX)/lib/hookprof/libhookprof.so
	install -m 644 include/hookprof.h $(DESTDIR)$(PREFIX)/include/hookprof.h
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 docs/man/hookprof.1 docs/man/hookprof-analyze.1 $(DESTDIR)$(PREFIX)/share/man/man1/

# Fuzz targets: every tests/fuzz/*.c against the analyzer's sources, built by clang with libFuzzer, ASan
# and UBSan in build-fuzz/, each run FUZZ_SECONDS on its seeds and regression inputs (tests/fuzz/corpus/NAME/
# and tests/fuzz/regressions/NAME/, read only: new inputs go to build-fuzz/corpus/NAME/, a crash to
# build-fuzz/crash-*: copy it to tests/fuzz/regressions/NAME/ once fixed). `make fuzz-seeds` rewrites
# fuzz_trace's seeds.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_BUILD := build-fuzz
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -I. -Iinclude -Ianalyzer -Itests/unit -MMD -MP \
	       $(shell pkg-config --cflags libdw libzstd zlib sqlite3 2>/dev/null) \
	       -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_SRC := $(wildcard tests/fuzz/*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_LIB_OBJ := $(ANALYZER_CORE_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)

$(FUZZ_LIB_OBJ): $(FUZZ_BUILD)/obj/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BUILD)/target/%.o: tests/fuzz/%.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BIN): $(FUZZ_BUILD)/%: $(FUZZ_BUILD)/target/%.o $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(ANALYZER_LIBS)

# -close_fd_mask=3: the commands' own output is not worth the time (sanitizer reports still show).
fuzz: $(FUZZ_BIN)
	@for t in $(FUZZ_BIN); do n=$$(basename $$t); mkdir -p $(FUZZ_BUILD)/corpus/$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
		$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-close_fd_mask=3 -artifact_prefix=$(FUZZ_BUILD)/ $(FUZZ_BUILD)/corpus/$$n \
			$$(test -d tests/fuzz/corpus/$$n && echo tests/fuzz/corpus/$$n) \
			$$(test -d tests/fuzz/regressions/$$n && echo tests/fuzz/regressions/$$n) \
			|| exit 1; \
	done

.PHONY: fuzz-seeds
fuzz-seeds: tests/fuzz/seeds/fuzz_trace_seeds.c tests/unit/trace_builder.h include/hpt_format.h
	@mkdir -p $(FUZZ_BUILD) tests/fuzz/corpus/fuzz_trace
	$(CC) $(COMMON) -Itests/unit -o $(FUZZ_BUILD)/fuzz_trace_seeds $< -lzstd
	$(FUZZ_BUILD)/fuzz_trace_seeds tests/fuzz/corpus/fuzz_trace

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) $(FUZZ_BUILD) -name '*.d' 2>/dev/null)

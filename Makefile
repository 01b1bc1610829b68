# gradcalc: build, test, install.
#   make          build ./gradcalc and build/gradcalc.so
#   make run      build, then start gradcalc
#   make test     the test suite, plain and under ASan+UBSan
#   make install  PREFIX=/usr/local DESTDIR=
#   make bench    the benchmarks in scripts/bench
#   make fuzz     random programs and files against the ASan build (FUZZ_SECONDS=60)
# CFLAGS and LDFLAGS are yours; the flags gradcalc needs are added to them.

PKG_CONFIG ?= pkg-config
CC ?= cc
CFLAGS ?= -O2 -g
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LUA_CMOD ?= $(PREFIX)/lib/lua/5.4
LESSONSDIR ?= $(PREFIX)/share/gradcalc/lessons

# Expanded when a recipe runs, i.e. after `deps` has installed pkg-config data.
LUA_CFLAGS = $(shell $(PKG_CONFIG) --cflags lua5.4)
LUA_LIBS = $(shell $(PKG_CONFIG) --libs lua5.4)
BLAS_CFLAGS = $(shell $(PKG_CONFIG) --cflags openblas)
BLAS_LIBS = $(shell $(PKG_CONFIG) --libs openblas)

# Tables of rows (ops, functions) leave trailing fields out on purpose.
# Big loops run on every core, in a pool of threads (core/parallel.c). The
# loops of the core are vectorised at any -O level (-O2 alone leaves most
# scalar); errno from sqrt and trapping compares would stop that, and
# nothing reads errno or the FP flags. Neither changes a result's bits.
THREAD_FLAGS = -pthread
VECTOR_FLAGS = -ftree-vectorize -fvect-cost-model=dynamic -funswitch-loops -fno-math-errno -fno-trapping-math
GC_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wno-missing-field-initializers -fPIC -Isrc $(THREAD_FLAGS) $(LUA_CFLAGS) $(BLAS_CFLAGS)

BUILD ?= build
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# The layers, lowest first: each may include only the ones before it
# (tests/check_layers.sh checks). core and explain know nothing of Lua.
CORE_SRC = $(wildcard src/core/*.c src/core/ops/*.c)
EXPLAIN_SRC = $(wildcard src/explain/*.c src/data/*.c)
BINDING_SRC = $(wildcard src/lua/*.c)
APP_SRC = $(wildcard src/app/*.c)

CORE_OBJ = $(CORE_SRC:src/%.c=$(BUILD)/%.o) $(EXPLAIN_SRC:src/%.c=$(BUILD)/%.o)
BINDING_OBJ = $(BINDING_SRC:src/%.c=$(BUILD)/%.o) $(BUILD)/lua/lualib_files.o
LUALIB = $(sort $(wildcard src/lua/lib/*.lua))
APP_OBJ = $(APP_SRC:src/%.c=$(BUILD)/%.o)
HEADERS = $(wildcard src/*/*.h src/*/*/*.h)

.PHONY: all deps run test test-plain test-asan asan-build test-reliability allocfail fuzz install bench clean

all: gradcalc $(BUILD)/gradcalc.so

deps:
	@sh scripts/install-deps.sh

$(BUILD)/core/%.o: GC_CFLAGS += $(VECTOR_FLAGS)

$(BUILD)/%.o: src/%.c $(HEADERS) | deps
	@mkdir -p $(dir $@)
	$(CC) $(GC_CFLAGS) $(CFLAGS) -c $< -o $@

# The Lua half of the module, built in as strings.
$(BUILD)/lua/lualib_files.c: $(LUALIB) scripts/embed-lua.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-lua.sh $(LUALIB) > $@

$(BUILD)/lua/lualib_files.o: $(BUILD)/lua/lualib_files.c
	$(CC) $(GC_CFLAGS) $(CFLAGS) -c $< -o $@

# gradcalc looks for the lessons beside itself, then where install puts them.
$(BUILD)/app/lessons.o: GC_CFLAGS += -DGRADCALC_LESSONS_DIR='"$(LESSONSDIR)"'

gradcalc: $(APP_OBJ) $(BINDING_OBJ) $(CORE_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) $(THREAD_FLAGS) -o $@ $^ $(LUA_LIBS) -lreadline $(BLAS_LIBS) -lz -lm

$(BUILD)/gradcalc.so: $(BINDING_OBJ) $(CORE_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) $(THREAD_FLAGS) -shared -o $@ $^ $(BLAS_LIBS) -lz -lm

$(BUILD)/test_core: tests/c/test_core.c $(CORE_OBJ) $(HEADERS)
	$(CC) $(GC_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ tests/c/test_core.c $(CORE_OBJ) $(BLAS_LIBS) -lz -lm

run: all
	./gradcalc

# The suite runs twice: as built, then under AddressSanitizer + UBSan.
test: | deps
	@rm -f build/results.txt
	@$(MAKE) --no-print-directory test-plain
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory test-reliability | tee -a build/results.txt
	@sh tests/summary.sh build/results.txt

test-plain: all $(BUILD)/test_core
	@sh tests/run.sh ./gradcalc $(BUILD)/test_core $(BUILD)/gradcalc.so plain | tee -a build/results.txt

asan-build:
	@$(MAKE) --no-print-directory BUILD=build/asan CFLAGS="-O1 -g $(SAN_FLAGS)" \
		LDFLAGS="$(SAN_FLAGS)" build/asan/gradcalc build/asan/test_core

test-asan: asan-build
	@ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=32 UBSAN_OPTIONS=print_stacktrace=1 \
		sh tests/run.sh build/asan/gradcalc build/asan/test_core none asan | tee -a build/results.txt

# The sanitizer build keeps its binary in its own folder.
build/asan/gradcalc: $(APP_OBJ) $(BINDING_OBJ) $(CORE_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) $(THREAD_FLAGS) -o $@ $^ $(LUA_LIBS) -lreadline $(BLAS_LIBS) -lz -lm

# The allocation-failure build: the ASan objects linked with tests/alloc/alloc_fail.c,
# which fails the Nth allocation (GC_ALLOC_FAIL=N), gradcalc's or Lua's.
ALLOC_WRAP = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=luaL_newstate
allocfail:
	@$(MAKE) --no-print-directory BUILD=build/asan CFLAGS="-O1 -g $(SAN_FLAGS)" \
		LDFLAGS="$(SAN_FLAGS)" build/asan/gradcalc-allocfail

build/asan/gradcalc-allocfail: $(APP_OBJ) $(BINDING_OBJ) $(CORE_OBJ) tests/alloc/alloc_fail.c
	$(CC) $(GC_CFLAGS) $(CFLAGS) -c tests/alloc/alloc_fail.c -o $(BUILD)/alloc_fail.o
	$(CC) $(CFLAGS) $(LDFLAGS) $(ALLOC_WRAP) -o $@ $(APP_OBJ) $(BINDING_OBJ) $(CORE_OBJ) \
		$(BUILD)/alloc_fail.o $(LUA_LIBS) -lreadline $(BLAS_LIBS) -lz -lm

# After the suite: a seeded slice of the fuzzer and a sample of the
# allocation-failure loop, both against the sanitizer build.
FUZZ_SLICE ?= 300
ALLOC_SAMPLES ?= 250
RECOVER_SAMPLES ?= 150
test-reliability: asan-build allocfail
	@if command -v python3 >/dev/null 2>&1; then \
		python3 scripts/fuzz/fuzz.py --count $(FUZZ_SLICE) --seed 1 --jobs 2 --out build/fuzz/slice; \
	else echo "ok fuzz skipped: python3 not installed"; fi
	@sh tests/alloc/test_alloc.sh build/asan/gradcalc-allocfail $(ALLOC_SAMPLES) | grep -v '^done$$'
	@sh tests/alloc/test_alloc.sh build/asan/gradcalc-allocfail $(RECOVER_SAMPLES) \
		tests/alloc/recover.lua | grep -v '^done$$'

# make fuzz FUZZ_SECONDS=600 [FUZZ_SEED=n]: the generated programs, progress
# files and lessons through the interpreter (fuzz.py), then the history
# reader with libFuzzer (clang), a quarter as long. Findings
# are written to build/fuzz.
FUZZ_SECONDS ?= 60
FUZZ_SEED ?= $(shell date +%s)
fuzz: asan-build
	python3 scripts/fuzz/fuzz.py --seconds $(FUZZ_SECONDS) --seed $(FUZZ_SEED) --jobs 2 --out build/fuzz
	@if command -v clang >/dev/null 2>&1; then \
		mkdir -p build/fuzz/history-corpus && cp scripts/fuzz/corpus/history/* build/fuzz/history-corpus/ && \
		clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -D_POSIX_C_SOURCE=200809L \
			scripts/fuzz/history_fuzz.c src/app/history.c -lreadline -o build/fuzz/history_fuzz && \
		cd build/fuzz && ./history_fuzz -max_total_time=$$(( $(FUZZ_SECONDS) / 4 + 1 )) \
			-artifact_prefix=history- history-corpus; \
	else echo "fuzz: clang not installed, the history reader is not fuzzed"; fi

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LUA_CMOD)
	install -m 755 gradcalc $(DESTDIR)$(BINDIR)/gradcalc
	install -m 755 $(BUILD)/gradcalc.so $(DESTDIR)$(LUA_CMOD)/gradcalc.so
	install -d $(DESTDIR)$(LESSONSDIR)
	install -m 644 lessons/*.lua lessons/README.md $(DESTDIR)$(LESSONSDIR)

bench: all
	@sh scripts/bench/run.sh ./gradcalc

clean:
	rm -rf build gradcalc

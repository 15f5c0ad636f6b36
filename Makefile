# Keywarden — the two commands a newcomer needs: `make run` and `make test`.
BUILD ?= build
JOBS ?= $(shell nproc)
CONFIG ?= config/keywarden.properties

.PHONY: all deps build run test test-browser bench bench-sweep bench-mail chaos-mail chaos format clean sanitize-build test-asan fuzz fuzz-long tsan-build test-tsan deb

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@scripts/run-demo.sh

test: build
	@cd $(BUILD) && ctest --output-on-failure -j 2

# The web pages in chromium alone (also part of `make test`); screenshots in $(BUILD)/browser-artifacts.
test-browser: build
	@node tests/browser/journey.mjs --binary $(BUILD)/keywarden --artifacts $(BUILD)/browser-artifacts

bench: build
	@bench/run.sh

bench-sweep: build
	@bench/expiry-sweep.sh

# The outbox's burst of key-issued mails beside the receiver's own ceiling (COUNT mails).
# RECEIVER: strict (checks every message), fast (an MTA's speed) or fsync (fast + fsync).
COUNT ?= 300
RECEIVER ?= strict
CONNECTIONS ?= 2
bench-mail: build
	@bench/mail-burst.py --count $(COUNT) --receiver $(RECEIVER) --connections $(CONNECTIONS)

# kill -9 under steady mail flow, TRIALS times: lost / sent twice / key-issued sent twice.
TRIALS ?= 50
chaos-mail: build
	@tests/chaos/chaos_mail.py --trials $(TRIALS) --receiver $(RECEIVER)

# Randomized kill -9 trials under load with an invariant check after each restart, then the SMTP
# sink and PostgreSQL killed mid-flow (tests/chaos/chaos.py). TRIALS defaults to 100 here; SEED
# replays a run (its seed is printed first).
CHAOS_TRIALS = $(if $(filter command line environment,$(origin TRIALS)),$(TRIALS),100)
chaos: build
	@tests/chaos/chaos.py --trials $(CHAOS_TRIALS) $(if $(SEED),--seed $(SEED)) --binary $(BUILD)/keywarden

# A clang build with AddressSanitizer, UndefinedBehaviorSanitizer and libFuzzer coverage, in its
# own folder: `make test-asan` runs the whole suite on it, `make fuzz` runs every fuzz/ target
# for FUZZ_SECONDS each (corpora: fuzz/corpus/<target>/, new inputs kept under SAN_BUILD).
SAN_BUILD ?= build-asan
FUZZ_SECONDS ?= 30
sanitize-build: deps
	@cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	  -DKW_SANITIZE=address,undefined -DKW_FUZZ=ON >/dev/null
	@cmake --build $(SAN_BUILD) -j $(JOBS)

test-asan: sanitize-build
	@cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp:print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j 2

fuzz: sanitize-build
	@scripts/fuzz.sh $(SAN_BUILD) $(FUZZ_SECONDS)

# The long run of every fuzz target: FUZZ_RUNS executions or FUZZ_LONG_SECONDS each, two at a
# time under nice; prints a Markdown row per target (executions, seconds, exec/s, cov, ft).
FUZZ_RUNS ?= 10000000
FUZZ_LONG_SECONDS ?= 3600
fuzz-long: sanitize-build
	@scripts/fuzz-long.sh $(SAN_BUILD) $(FUZZ_RUNS) $(FUZZ_LONG_SECONDS) 2

# ThreadSanitizer (clang, its own folder): the concurrency tests, unit and integration, with the
# server binary built the same way (scripts/test-tsan.sh). Not part of `make test` (README).
TSAN_BUILD ?= build-tsan
tsan-build: deps
	@cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	  -DKW_SANITIZE=thread >/dev/null
	@cmake --build $(TSAN_BUILD) -j $(JOBS) --target keywarden unit_tests integration_tests

test-tsan: tsan-build
	@scripts/test-tsan.sh $(TSAN_BUILD)

# The Debian package (binary, unit, config, flows, templates): BUILD/keywarden_<version>_<arch>.deb
deb: build
	@cd $(BUILD) && cpack -G DEB >/dev/null && ls -1 $$(pwd)/keywarden_*.deb

format:
	@git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD)

# Keywarden — the two commands a newcomer needs: `make run` and `make test`.
BUILD ?= build
JOBS ?= $(shell nproc)
CONFIG ?= config/keywarden.properties

.PHONY: all deps build run test test-browser bench bench-sweep bench-mail chaos-mail format clean

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

# The outbox's burst of key-issued mails beside the strict receiver's own ceiling (COUNT mails).
COUNT ?= 300
bench-mail: build
	@bench/mail-burst.py --count $(COUNT)

# kill -9 under steady mail flow, TRIALS times: lost / sent twice / key-issued sent twice.
TRIALS ?= 50
chaos-mail: build
	@tests/chaos/chaos_mail.py --trials $(TRIALS)

format:
	@git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD)

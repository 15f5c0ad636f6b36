# Keywarden — the two commands a newcomer needs: `make run` and `make test`.
BUILD ?= build
JOBS ?= $(shell nproc)
CONFIG ?= config/keywarden.properties

.PHONY: all deps build run test bench bench-sweep bench-mail chaos-mail format clean

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

format:
	@git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD)

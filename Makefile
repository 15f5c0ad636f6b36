# Keywarden — the two commands a newcomer needs: `make run` and `make test`.
BUILD ?= build
JOBS ?= $(shell nproc)
CONFIG ?= config/keywarden.properties

.PHONY: all deps build run test bench bench-sweep format clean

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

format:
	@git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD)

# parley: the two commands are `make demo` and `make test`. See README.md.
JOBS ?= 2
PRESET ?= dev

.PHONY: all deps configure build test demo bench release fuzz format tidy clean

all: build

deps:
	@tools/deps.sh

build/build.ninja:
	cmake --preset $(PRESET) >/dev/null

configure: build/build.ninja

build: deps configure
	cmake --build build -j $(JOBS)

test: build
	cd build && ctest -j $(JOBS) --output-on-failure --timeout 900

# ThreadSanitizer on the threaded modules' unit tests (pipeline, flags, server); any report fails.
TSAN_TESTS = src/pipeline/pipeline_session_test src/flags/flags_test src/server/server_test
test-tsan: deps
	cmake --preset tsan >/dev/null
	cmake --build build-tsan -j $(JOBS) --target $(notdir $(TSAN_TESTS))
	@for t in $(TSAN_TESTS); do \
	  echo "tsan: $$t"; \
	  TSAN_OPTIONS="halt_on_error=1 exitcode=66" build-tsan/$$t --gtest_brief=1 || exit 1; \
	done

demo: build
	@tools/demo.sh

release: deps
	cmake --preset release >/dev/null
	cmake --build build-release -j $(JOBS)

bench: release
	@tools/bench.sh

# `make fuzz`: the libFuzzer harnesses (clang, preset `fuzz`, build-fuzz/), each run FUZZ_SECONDS
# (docs/fuzzing.md). FUZZERS=name,... runs a subset.
FUZZ_SECONDS ?= 30
FUZZERS ?=
fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build build-fuzz -j $(JOBS) --target fuzzers
	@tools/fuzz.sh build-fuzz $(FUZZ_SECONDS) $(FUZZERS)

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')

tidy: configure
	clang-tidy -p build $$(git ls-files 'src/*.cc' 'apps/*.cc')

clean:
	rm -rf build build-release build-tsan build-fuzz

# `make serve`: the live server on http://localhost:8080 (docs/server.md).
.PHONY: serve
serve: build
	./build/parley serve --data var

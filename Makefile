# parley: the two commands are `make demo` and `make test`. See README.md.
JOBS ?= 2
PRESET ?= dev

.PHONY: all deps configure build test demo bench release format tidy clean

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

demo: build
	@tools/demo.sh

release: deps
	cmake --preset release >/dev/null
	cmake --build build-release -j $(JOBS)

bench: release
	@tools/bench.sh

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')

tidy: configure
	clang-tidy -p build $$(git ls-files 'src/*.cc' 'apps/*.cc')

clean:
	rm -rf build build-release build-tsan

# `make serve`: the live server on http://localhost:8080 (docs/server.md).
.PHONY: serve
serve: build
	./build/parley serve --data var

# Helpers shared by every module: one module = one folder = one static library target
# parley_<name>, whose DEPS are the only parley modules it may include.

set(PARLEY_SRC_DIR ${CMAKE_SOURCE_DIR}/src)

# parley_module(<name> SOURCES a.cc ... [DEPS core ...] [LIBS vendor ...])
function(parley_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LIBS;PUBLIC_LIBS" ${ARGN})
  add_library(parley_${name} STATIC ${ARG_SOURCES})
  target_include_directories(parley_${name} PUBLIC ${PARLEY_SRC_DIR})
  foreach(d IN LISTS ARG_DEPS)
    target_link_libraries(parley_${name} PUBLIC parley_${d})
  endforeach()
  if(ARG_LIBS)
    target_link_libraries(parley_${name} PRIVATE ${ARG_LIBS})
  endif()
  if(ARG_PUBLIC_LIBS)
    target_link_libraries(parley_${name} PUBLIC ${ARG_PUBLIC_LIBS})
  endif()
  target_compile_options(parley_${name} PRIVATE -Wshadow -Wconversion -Wno-sign-conversion)
endfunction()

# parley_test(<name> SOURCES x_test.cc ... DEPS module ... [LIBS ...] [LABELS ...])
# Tests are discovered when ctest runs, so a build never executes them.
function(parley_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  foreach(d IN LISTS ARG_DEPS)
    target_link_libraries(${name} PRIVATE parley_${d})
  endforeach()
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE PARLEY_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
                                             PARLEY_BINARY_DIR="${CMAKE_BINARY_DIR}")
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST
                       WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                       PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}")
endfunction()

# parley_bench(<name> SOURCES x_bench.cc ... DEPS module ...): google-benchmark binaries,
# run by `make bench` (never by ctest).
function(parley_bench name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  foreach(d IN LISTS ARG_DEPS)
    target_link_libraries(${name} PRIVATE parley_${d})
  endforeach()
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} benchmark::benchmark benchmark::benchmark_main)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/benchmarks)
endfunction()

# parley_fuzz(<name> SOURCES x_fuzz.cc DEPS ... [LIBS ...]): a harness defining
# LLVMFuzzerTestOneInput, with its seed corpus in fuzz_corpus/<name>/ next to it (docs/fuzzing.md).
# - With -DPARLEY_FUZZ=ON (clang, preset `fuzz`): a libFuzzer binary; every library is built with
#   coverage instrumentation, and the harness is listed in <build>/fuzzers.txt for tools/fuzz.sh.
# - Otherwise (gcc, the regular ASan build): the same source linked with tests/fuzz/replay_main.cc,
#   and a ctest `<name>_replay` (label fuzz) that runs it over every file of its seed corpus and of
#   tests/fuzz/crashes/<name>/ (committed crash inputs), so that every input ever found is
#   replayed on every `make test`.
option(PARLEY_FUZZ "Build libFuzzer targets (needs clang)" OFF)
set(PARLEY_FUZZ_CRASHES_DIR ${CMAKE_SOURCE_DIR}/tests/fuzz/crashes)
if(PARLEY_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "PARLEY_FUZZ needs clang (cmake --preset fuzz)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
  file(WRITE ${CMAKE_BINARY_DIR}/fuzzers.txt "")
  add_custom_target(fuzzers)
endif()
function(parley_fuzz name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LIBS" ${ARGN})
  set(corpus ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_corpus/${name})
  set(crashes ${PARLEY_FUZZ_CRASHES_DIR}/${name})
  if(PARLEY_FUZZ)
    add_executable(${name} ${ARG_SOURCES})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    add_dependencies(fuzzers ${name})
    file(APPEND ${CMAKE_BINARY_DIR}/fuzzers.txt
         "${name} ${CMAKE_CURRENT_BINARY_DIR}/${name} ${corpus} ${crashes}\n")
  else()
    add_executable(${name} ${ARG_SOURCES} ${CMAKE_SOURCE_DIR}/tests/fuzz/replay_main.cc)
    add_test(NAME ${name}_replay COMMAND ${name} ${corpus} ${crashes})
    set_tests_properties(${name}_replay PROPERTIES TIMEOUT 120 LABELS fuzz)
  endif()
  foreach(d IN LISTS ARG_DEPS)
    target_link_libraries(${name} PRIVATE parley_${d})
  endforeach()
  target_link_libraries(${name} PRIVATE ${ARG_LIBS})
  target_compile_options(${name} PRIVATE -Wshadow -Wconversion -Wno-sign-conversion)
endfunction()

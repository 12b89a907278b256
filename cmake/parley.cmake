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

# parley_fuzz(<name> SOURCES x_fuzz.cc DEPS ...): a libFuzzer target when built with clang
# (-DPARLEY_FUZZ=ON); otherwise nothing (the randomized robustness tests cover gcc builds).
option(PARLEY_FUZZ "Build libFuzzer targets (needs clang)" OFF)
function(parley_fuzz name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT PARLEY_FUZZ)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  foreach(d IN LISTS ARG_DEPS)
    target_link_libraries(${name} PRIVATE parley_${d})
    # Instrument the libraries under test too, so libFuzzer sees their coverage.
    target_compile_options(parley_${d} PRIVATE -fsanitize=fuzzer-no-link)
  endforeach()
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
endfunction()

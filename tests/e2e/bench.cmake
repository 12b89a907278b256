# `parley bench --quick` smoke test: runs on the committed traces (bench/corpus), then checks
# report.json against the documented schema (no timing assertions). See docs/bench.md.
if(TARGET parley)
  add_test(NAME e2e_bench_quick
           COMMAND ${CMAKE_COMMAND} -DPARLEY=$<TARGET_FILE:parley>
                   -DOUT=${CMAKE_BINARY_DIR}/e2e-bench -DSRC=${CMAKE_SOURCE_DIR}
                   -P ${CMAKE_CURRENT_LIST_DIR}/bench_quick.cmake.in
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(e2e_bench_quick PROPERTIES TIMEOUT 600 LABELS "e2e;bench")
endif()

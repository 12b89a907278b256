# Golden scenarios: tests/golden/<scenario>/{input.jsonl, args, expected.jsonl}, replayed through
# replay::replayTrace (the code path of `parley replay`). PARLEY_UPDATE_GOLDEN=1 rewrites the
# expected files. replay_cli_test.cc runs the parley binary on the same scenarios.
# lines_golden_test.cc: caption lines of some scenarios (lines.expected.jsonl, `--lines`).
parley_test(golden_test
            SOURCES ${CMAKE_CURRENT_LIST_DIR}/golden_test.cc ${CMAKE_CURRENT_LIST_DIR}/scenario.cc
                    ${CMAKE_CURRENT_LIST_DIR}/replay_cli_test.cc
                    ${CMAKE_CURRENT_LIST_DIR}/lines_golden_test.cc
            DEPS engine ingest replay lines)
target_include_directories(golden_test PRIVATE ${CMAKE_CURRENT_LIST_DIR})
if(TARGET parley)
  add_dependencies(golden_test parley)
endif()

# The format rule held by a test: every C++ file git tracks is formatted with the repository's
# .clang-format (`make format` fixes it). Reads files only.
find_program(PARLEY_CLANG_FORMAT clang-format)
find_program(PARLEY_GIT git)
if(PARLEY_CLANG_FORMAT AND PARLEY_GIT)
  add_test(NAME format_check
           COMMAND ${CMAKE_COMMAND} -DCLANG_FORMAT=${PARLEY_CLANG_FORMAT} -DGIT=${PARLEY_GIT}
                   -DSRC=${CMAKE_SOURCE_DIR} -P ${CMAKE_CURRENT_LIST_DIR}/format_check.cmake.in)
  set_tests_properties(format_check PROPERTIES TIMEOUT 120 LABELS "layering")
endif()

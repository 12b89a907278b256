# The layering rule held by a test: every #include "x/..." in src/ and apps/ against the DEPS each
# module declares (cmake/parley.cmake, src/<module>/CMakeLists.txt). Reads files only; no build
# output needed. The self-test checks that the checker reports violations in a small tree.
find_program(PARLEY_PYTHON3 python3 REQUIRED)
add_test(NAME layering_includes
         COMMAND ${PARLEY_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/check_includes.py ${CMAKE_SOURCE_DIR})
add_test(NAME layering_includes_self_test
         COMMAND ${PARLEY_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/check_includes.py --self-test)
set_tests_properties(layering_includes layering_includes_self_test
                     PROPERTIES TIMEOUT 60 LABELS "layering")

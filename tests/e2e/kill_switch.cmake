# PARTIAL_RESULTS_ENABLED on every command path (docs/configuration.md): parley replay, run and
# the decision path of serve (parley flags explain), every accepted spelling and a few refused ones.
add_test(NAME e2e_kill_switch
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/kill_switch.sh $<TARGET_FILE:parley>
                 ${CMAKE_SOURCE_DIR})
set_tests_properties(e2e_kill_switch PROPERTIES TIMEOUT 300 LABELS "e2e;flags")

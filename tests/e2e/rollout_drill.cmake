# The rollback drill (docs/runbook.md, "Testing rollback procedures"): the CLI and a running
# consumer (`parley flags watch`) against a temporary store. Prints the measured time to effect.
add_test(NAME e2e_rollout_drill
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/rollout_drill.sh ${CMAKE_BINARY_DIR}/parley)
set_tests_properties(e2e_rollout_drill PROPERTIES TIMEOUT 300 LABELS "e2e;flags")

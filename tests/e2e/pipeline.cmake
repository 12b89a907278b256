# `parley run` end to end (src/pipeline): a real LibriVox clip through pocketsphinx, the engine,
# apertium and espeak-ng; and the command's handling of bad input.
add_test(NAME e2e_pipeline_run
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/pipeline_run.sh $<TARGET_FILE:parley>)
set_tests_properties(e2e_pipeline_run PROPERTIES TIMEOUT 600 LABELS "e2e;slow")
add_test(NAME e2e_pipeline_bad_input
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/pipeline_bad_input.sh $<TARGET_FILE:parley>)
set_tests_properties(e2e_pipeline_bad_input PROPERTIES TIMEOUT 120 LABELS "e2e")

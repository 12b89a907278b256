# Observability whole-program tests (owner: obs). Scripts live beside this file.
set(_obs_e2e ${CMAKE_CURRENT_LIST_DIR})
set(_obs_work ${CMAKE_BINARY_DIR}/e2e-obs)

add_test(NAME obs_promtool_rules
         COMMAND ${_obs_e2e}/obs_promtool.sh rules $<TARGET_FILE:parley> ${_obs_e2e}
                 ${_obs_work}/rules)
add_test(NAME obs_simulate
         COMMAND ${_obs_e2e}/obs_simulate.sh $<TARGET_FILE:parley> ${_obs_e2e} ${_obs_work}/simulate)
add_test(NAME obs_alarms_cli
         COMMAND ${_obs_e2e}/obs_alarms_cli.sh $<TARGET_FILE:parley> ${_obs_work}/alarms)
set_tests_properties(obs_promtool_rules PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120 LABELS e2e)
set_tests_properties(obs_simulate obs_alarms_cli PROPERTIES TIMEOUT 120 LABELS e2e)

if(TARGET obs_metrics_sample)
  add_test(NAME obs_promtool_metrics
           COMMAND ${_obs_e2e}/obs_promtool.sh metrics $<TARGET_FILE:obs_metrics_sample>
                   ${_obs_work}/metrics)
  set_tests_properties(obs_promtool_metrics PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120 LABELS e2e)
endif()

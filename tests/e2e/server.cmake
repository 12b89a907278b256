# Server end-to-end tests (docs/server.md): a third-party WebSocket client streaming real speech,
# bad input, kill -9 and restart, and a real browser. Each starts its own `parley serve` on a
# free port with its own data directory and kills it on exit. Debian's python3 is used for
# python3-websockets.
set(PARLEY_SERVER_PYTHON /usr/bin/python3)
foreach(t stream bad_input crash security tls)
  add_test(NAME e2e_server_${t}
           COMMAND ${PARLEY_SERVER_PYTHON} ${CMAKE_SOURCE_DIR}/tests/e2e/server_${t}_test.py
                   $<TARGET_FILE:parley> ${CMAKE_SOURCE_DIR})
  set_tests_properties(e2e_server_${t} PROPERTIES TIMEOUT 240 LABELS "e2e;server")
endforeach()
# Listener complaints cannot be forged (anonymous ones are answered, never counted) and the
# controller's complaints row needs distinct listeners. About 20 s.
add_test(NAME e2e_server_complaints
         COMMAND ${PARLEY_SERVER_PYTHON} ${CMAKE_SOURCE_DIR}/tests/e2e/server_complaints_test.py
                 $<TARGET_FILE:parley> ${CMAKE_SOURCE_DIR})
set_tests_properties(e2e_server_complaints PROPERTIES TIMEOUT 240 LABELS "e2e;server")
# Connection limits, 431/413, security headers, the speaker Origin check, descriptor exhaustion
# (docs/server.md "Connection limits"): two servers under a 256-descriptor limit (prlimit).
add_test(NAME e2e_server_limits
         COMMAND ${PARLEY_SERVER_PYTHON} ${CMAKE_SOURCE_DIR}/tests/e2e/server_limits_test.py
                 $<TARGET_FILE:parley> ${CMAKE_SOURCE_DIR})
set_tests_properties(e2e_server_limits PROPERTIES TIMEOUT 240 LABELS "e2e;server")
add_test(NAME e2e_server_browser
         COMMAND ${PARLEY_SERVER_PYTHON} ${CMAKE_SOURCE_DIR}/tests/e2e/server_browser_test.py
                 $<TARGET_FILE:parley> ${CMAKE_SOURCE_DIR})
set_tests_properties(e2e_server_browser PROPERTIES TIMEOUT 240 LABELS "e2e;server;browser")
# The automatic-rollback drill (docs/alarms.md): a slowed translator, the controller reduces the
# rollout within one window, no session loses a word. About a minute.
add_test(NAME e2e_server_rollback_drill
         COMMAND ${PARLEY_SERVER_PYTHON} ${CMAKE_SOURCE_DIR}/tests/e2e/server_rollback_drill.py
                 $<TARGET_FILE:parley> ${CMAKE_SOURCE_DIR})
# RUN_SERIAL: its healthy phase must not share the two cores with another speech test.
set_tests_properties(e2e_server_rollback_drill PROPERTIES TIMEOUT 300 RUN_SERIAL TRUE
                     LABELS "e2e;server;drill")

#!/usr/bin/env bash
# `parley alarms`: usage without a mode exits 2 with an explanation; --list and
# --prometheus-rules need no server; --server fetches URL/api/alarms over HTTP (served here by a
# throwaway python3 http.server with a canned answer) and an unreachable server exits 1.
# Usage: obs_alarms_cli.sh PARLEY_BINARY WORK_DIR
set -u
parley=$1 work=$2
mkdir -p "$work"
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }

"$parley" alarms >/dev/null 2>"$work/noarg.err"
check "no mode: exit 2" "[ $? -eq 2 ]"
check "no mode: explains where alarms live" "grep -q 'running server' '$work/noarg.err'"
"$parley" alarms --list >"$work/list.out"
check "--list: exit 0" "[ $? -eq 0 ]"
for a in latency-high rate-limit-high orphaned-results-high transcribe-fallback errors-high; do
  check "--list names $a" "grep -q '^$a ' '$work/list.out'"
done
"$parley" alarms --list --prometheus-rules >/dev/null 2>&1
check "two modes: exit 2" "[ $? -eq 2 ]"
"$parley" alarms --server ftp://x >/dev/null 2>&1
check "non-http URL: exit 2" "[ $? -eq 2 ]"

# Unreachable server: a port nobody listens on (bound then released).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 9)
"$parley" alarms --server "http://127.0.0.1:$port" --timeout 2 >/dev/null 2>"$work/down.err"
check "unreachable: exit 1" "[ $? -eq 1 ]"

if command -v python3 >/dev/null 2>&1; then
  root="$work/www"
  mkdir -p "$root/api"
  cat >"$root/api/alarms" <<'JSON'
{"evaluated_at":900,"firing":1,"alarms":[{"name":"latency-high","decision":"partial","state":"ALARM","statistic":"p95","op":">","threshold":5,"period_s":300,"periods":2,"values":[5.5,5.9],"since":900},{"name":"errors-high","decision":"all","state":"OK","statistic":"sum","op":">","threshold":5,"period_s":300,"periods":1,"values":[0],"since":null}]}
JSON
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  python3 -m http.server "$port" --bind 127.0.0.1 --directory "$root" >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 50); do
    "$parley" alarms --server "http://127.0.0.1:$port" --json >"$work/json.out" 2>/dev/null && break
    sleep 0.1
  done
  check "--server --json: fetched the server's JSON" "grep -q '\"firing\":1' '$work/json.out'"
  "$parley" alarms --server "http://127.0.0.1:$port/" >"$work/table.out"
  check "--server: exit 0" "[ $? -eq 0 ]"
  check "--server: table shows the firing alarm" "grep -Eq '^latency-high +partial +ALARM +5.5,5.9' '$work/table.out'"
  check "--server: firing count" "grep -q '^1 firing' '$work/table.out'"
  "$parley" alarms --server "http://127.0.0.1:$port/nothing-here" >/dev/null 2>"$work/404.err"
  check "--server 404: exit 1" "[ $? -eq 1 ]"
  kill "$server" 2>/dev/null
  wait "$server" 2>/dev/null
else
  echo "note: python3 absent, HTTP fetch not exercised (the server's own e2e tests cover it)"
fi
exit $fail

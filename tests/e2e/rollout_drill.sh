#!/usr/bin/env bash
# Rollback drill: the runbook's "Testing rollback procedures", end to end against the parley CLI
# and a running consumer (`parley flags watch`), on a temporary store.
#   enable at 100 -> verify; disable through the flag -> the running consumer reacts (measured);
#   kill switch through the environment -> immediate; 10% -> 50% -> 100% with nested cohorts;
#   revert to an earlier version; history shows every step with its reason; bad input.
# Usage: tests/e2e/rollout_drill.sh path/to/parley
# Timing is printed, never asserted tighter than WAIT (default 5 s) for a change to arrive.
set -uo pipefail

PARLEY=${1:?usage: rollout_drill.sh path/to/parley}
WAIT=${DRILL_WAIT_SECONDS:-5}
TMP=$(mktemp -d /tmp/parley-drill.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT

# A clean environment: only what the drill sets.
unset PARTIAL_RESULTS_ENABLED ROLLOUT_PERCENTAGE FEATURE_FLAG_PARAMETER_NAME FEATURE_FLAG_CACHE_TTL \
  MIN_STABILITY_THRESHOLD MAX_BUFFER_TIMEOUT PAUSE_THRESHOLD ORPHAN_TIMEOUT MAX_RATE_PER_SECOND \
  DEDUP_CACHE_TTL PARLEY_STORE
export PARLEY_ACTOR=rollout-drill
export LOG_LEVEL=WARN
DB="$TMP/var/parley.db"
STORE="sqlite:$DB"
PARAM=/audio-transcription/dev/partial-results/config
FAILS=0
STEP=0

step() { STEP=$((STEP + 1)); echo; echo "== $STEP. $*"; }
ok() { echo "   ok: $*"; }
bad() { echo "   FAIL: $*"; FAILS=$((FAILS + 1)); }
check() {  # check DESCRIPTION ACTUAL EXPECTED
  if [[ "$2" == "$3" ]]; then ok "$1 = $2"; else bad "$1: expected '$3', got '$2'"; fi
}
rollout() { "$PARLEY" rollout --store "$STORE" --parameter-name "$PARAM" "$@"; }
explain() { "$PARLEY" flags explain --store "$STORE" --parameter-name "$PARAM" --json "$@"; }
status_field() { rollout --status --json | jq -r ".$1"; }
now() { date +%s.%N; }
# Waits up to WAIT seconds for a watch log to contain a line matching a jq filter; prints it.
wait_line() {  # wait_line LOG JQ_FILTER
  local deadline line
  deadline=$(awk -v t="$(now)" -v w="$WAIT" 'BEGIN { printf "%.3f", t + w }')
  while awk -v t="$(now)" -v d="$deadline" 'BEGIN { exit !(t < d) }'; do
    line=$(jq -c "select($2)" "$1" 2>/dev/null | head -n 1)
    if [[ -n "$line" ]]; then echo "$line"; return 0; fi
    sleep 0.05
  done
  return 1
}
version_time() {  # unix time at which version $1 was written (recorded by the store)
  rollout --history --json | jq -r ".[] | select(.version == $1) | .time"
}
delay() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }

step "status of an empty store: the defaults, version 0"
check "version" "$(status_field version 2>/dev/null)" 0
[[ ! -e "$DB" ]] && ok "--status did not create the database" || bad "--status created $DB"

step "enable at 100% and verify"
rollout --enable --enable-percentage 100 --reason "drill: enable at 100" >/dev/null || bad "enable failed"
check "enabled" "$(status_field enabled)" true
check "rollout_percentage" "$(status_field rollout_percentage)" 100
check "version" "$(status_field version)" 1
check "state" "$(status_field state)" full
E=$(explain --session golden-eagle-427)
check "golden-eagle-427 bucket" "$(jq -r .bucket <<<"$E")" 73
check "golden-eagle-427 enabled" "$(jq -r .enabled <<<"$E")" true
check "golden-eagle-427 reason" "$(jq -r .reason <<<"$E")" CACHED

step "start a running consumer (parley flags watch) for test-session-123"
"$PARLEY" flags watch --store "$STORE" --parameter-name "$PARAM" --session test-session-123 \
  >"$TMP/watch1.log" 2>"$TMP/watch1.err" &
PIDS+=($!)
if L=$(wait_line "$TMP/watch1.log" '.event == "start"'); then
  check "consumer starts enabled" "$(jq -r .enabled <<<"$L")" true
  check "live session mode" "$(jq -r .live_session_mode <<<"$L")" partial
else
  bad "the consumer did not start within ${WAIT}s"; cat "$TMP/watch1.err"
fi

step "roll back through the flag: --disable; the running consumer reacts"
rollout --disable --reason "drill: rollback via flag" >/dev/null || bad "disable failed"
V=$(status_field version)
if L=$(wait_line "$TMP/watch1.log" '.event == "change" and .enabled == false'); then
  check "consumer reason" "$(jq -r .reason <<<"$L")" DISABLED
  check "consumer version" "$(jq -r .version <<<"$L")" "$V"
  check "running session switched" "$(jq -r .live_session_mode <<<"$L")" final-only
  FLAG_DELAY=$(delay "$(jq -r .noticed_at <<<"$L")" "$(version_time "$V")")
  echo "   MEASURED time to effect, flag --disable -> running consumer: ${FLAG_DELAY} s"
else
  bad "the running consumer did not see the disable within ${WAIT}s"
fi
check "status enabled" "$(status_field enabled)" false
check "status state" "$(status_field state)" disabled
check "new session reason" "$(explain --session golden-eagle-427 | jq -r .reason)" DISABLED

step "kill switch through the environment: immediate, whatever the store says"
rollout --enable --reason "drill: re-enable before kill switch test" >/dev/null || bad "enable failed"
check "percentage kept by --enable" "$(status_field rollout_percentage)" 100
check "without kill switch" "$(explain --session golden-eagle-427 | jq -r .enabled)" true
T0=$(now)
K=$(PARTIAL_RESULTS_ENABLED=false explain --session golden-eagle-427)
T1=$(now)
check "with PARTIAL_RESULTS_ENABLED=false: enabled" "$(jq -r .enabled <<<"$K")" false
check "with PARTIAL_RESULTS_ENABLED=false: reason" "$(jq -r .reason <<<"$K")" DISABLED
echo "   MEASURED time to effect, kill switch (new process, no store read needed): $(delay "$T1" "$T0") s (whole command)"
PARTIAL_RESULTS_ENABLED=false "$PARLEY" flags watch --store "$STORE" --parameter-name "$PARAM" \
  --session test-session-123 --duration 1 >"$TMP/watch-kill.log" 2>/dev/null
check "consumer started with the kill switch" "$(jq -r 'select(.event=="start") | .reason' "$TMP/watch-kill.log")" DISABLED

step "percentage rollout 10% -> 50% -> 100% with nested cohorts"
IDS=(golden-eagle-427 test-session-123)
for i in $(seq 1 18); do IDS+=("drill-session-$i"); done
declare -A IN
for pct in 10 50 100; do
  rollout --percentage "$pct" --reason "drill: rollout $pct%" >/dev/null || bad "--percentage $pct failed"
  n=0
  for id in "${IDS[@]}"; do
    e=$(explain --session "$id" | jq -r .enabled)
    [[ "$e" == true ]] && n=$((n + 1))
    if [[ "${IN[$id]:-false}" == true && "$e" != true ]]; then
      bad "$id was in at a lower percentage but is out at $pct%"
    fi
    IN[$id]=$e
  done
  echo "   $pct%: $n of ${#IDS[@]} sessions in"
done
check "everyone in at 100%" "$n" "${#IDS[@]}"
check "golden-eagle-427 (bucket 73) at 100%" "${IN[golden-eagle-427]}" true

step "a percentage decrease reaches a running consumer whose bucket is now out"
"$PARLEY" flags watch --store "$STORE" --parameter-name "$PARAM" --session golden-eagle-427 \
  >"$TMP/watch2.log" 2>/dev/null &
PIDS+=($!)
wait_line "$TMP/watch2.log" '.event == "start"' >/dev/null || bad "second consumer did not start"
rollout --percentage 50 --reason "drill: reduce to 50% (latency 5-7 s)" >/dev/null
V=$(status_field version)
if L=$(wait_line "$TMP/watch2.log" '.event == "change"'); then
  check "bucket 73 at 50%" "$(jq -r .reason <<<"$L")" SPLIT
  check "running session switched" "$(jq -r .live_session_mode <<<"$L")" final-only
  echo "   MEASURED time to effect, --percentage 50 -> running consumer: $(delay "$(jq -r .noticed_at <<<"$L")" "$(version_time "$V")") s"
else
  bad "the running consumer did not see the decrease within ${WAIT}s"
fi

step "revert to an earlier version (the 10% canary)"
V10=$(rollout --history --json | jq -r '[.[] | select(.reason == "drill: rollout 10%")][0].version')
rollout --revert "$V10" --reason "drill: back to canary" >/dev/null || bad "revert failed"
check "percentage after revert" "$(status_field rollout_percentage)" 10
check "reason after revert" "$(status_field reason)" "revert to version $V10: drill: back to canary"

step "history shows every step with its reason"
H=$(rollout --history --json)
EXPECTED=("drill: enable at 100" "drill: rollback via flag" "drill: re-enable before kill switch test"
  "drill: rollout 10%" "drill: rollout 50%" "drill: rollout 100%"
  "drill: reduce to 50% (latency 5-7 s)" "revert to version $V10: drill: back to canary")
check "number of versions" "$(jq length <<<"$H")" "${#EXPECTED[@]}"
for i in "${!EXPECTED[@]}"; do
  check "version $((i + 1)) reason" "$(jq -r ".[$i].reason" <<<"$H")" "${EXPECTED[$i]}"
done
check "actor" "$(jq -r '.[0].actor' <<<"$H")" rollout-drill
rollout --history | head -n 3

step "bad input: clear errors, exit codes, nothing written"
before=$(rollout --history --json | jq length)
expect_exit() {  # expect_exit CODE DESCRIPTION COMMAND...
  local want=$1 what=$2; shift 2
  "$@" >"$TMP/out" 2>"$TMP/err"; local got=$?
  if [[ $got == "$want" ]]; then ok "$what -> exit $got: $(head -n 1 "$TMP/err")"; else
    bad "$what: expected exit $want, got $got ($(head -n 1 "$TMP/err"))"; fi
}
expect_exit 2 "--percentage 50.5" rollout --percentage 50.5
expect_exit 2 "--percentage 101" rollout --percentage 101
expect_exit 2 "--set enabled=yes" rollout --set enabled=yes
expect_exit 2 "--set min_stability_threshold=0.99" rollout --set min_stability_threshold=0.99
grep -q "min_stability_threshold must be a number in \[0.7, 0.95\]" "$TMP/err" \
  && ok "message names the field and its range" || bad "message lacks field/range: $(cat "$TMP/err")"
expect_exit 2 "--set max_buffer_timeout=abc" rollout --set max_buffer_timeout=abc
expect_exit 2 "--set unknown_key=1" rollout --set unknown_key=1
expect_exit 2 "--revert 999" rollout --revert 999
expect_exit 2 "no action" rollout
expect_exit 2 "--enable --disable" rollout --enable --disable
expect_exit 2 "etcd store" "$PARLEY" rollout --store etcd://localhost:2379 --status
expect_exit 2 "--server" rollout --server http://localhost:8080 --disable
check "nothing written by rejected commands" "$(rollout --history --json | jq length)" "$before"

# Someone writes an invalid value behind parley's back: status says so (exit 1), consumers keep
# the last known good value (STALE), and a normal write fixes it.
sqlite3 "$DB" "INSERT INTO flag_versions VALUES ('$PARAM', $((before + 1)), strftime('%s','now'), 'vandal', 'bad', '{\"enabled\":\"false\",\"rollout_percentage\":50.5}')"
expect_exit 1 "--status with an invalid stored value" rollout --status
check "consumer on an invalid value" "$(explain --session test-session-123 2>/dev/null | jq -r .source)" STALE
check "consumer keeps the last known good percentage" "$(explain --session test-session-123 2>/dev/null | jq -r .rollout_percentage)" 10
rollout --set rollout_percentage=20 --reason "drill: fix invalid value" >/dev/null 2>"$TMP/err" \
  && ok "a write over an invalid version works ($(head -n 1 "$TMP/err"))" || bad "write over invalid version failed"
check "fixed" "$(status_field rollout_percentage)" 20

# A locked database: a write waits busy_timeout (5 s), then fails with exit 1.
# The locker creates $TMP/locked once it holds the write lock: the drill waits for that signal
# (under load the sqlite3 process may take a while to start), then 8 s of lock remain.
(echo "BEGIN IMMEDIATE;"; echo ".system touch $TMP/locked"; sleep 8; echo "COMMIT;") \
  | sqlite3 "$DB" >/dev/null &
LOCKER=$!
PIDS+=($LOCKER)
for _ in $(seq 1 600); do [[ -e "$TMP/locked" ]] && break; sleep 0.05; done
[[ -e "$TMP/locked" ]] || bad "the locking sqlite3 did not take the lock within 30 s"
expect_exit 1 "write while another process holds the lock" rollout --disable --reason "drill: locked"
check "reads still work while locked" "$(status_field rollout_percentage)" 20
kill "$LOCKER" 2>/dev/null; wait "$LOCKER" 2>/dev/null

# A corrupt database: status/history exit 1; consumers use the persisted last known good.
count_before=$(rollout --history --json | jq length)
explain --session test-session-123 >/dev/null 2>&1  # persists version $count_before as LKG
sqlite3 "$DB" ".backup '$TMP/backup.db'"  # a consistent copy (WAL contents included)
rm -f "$DB-wal" "$DB-shm"
head -c 8192 /dev/urandom >"$DB"
expect_exit 1 "--status on a corrupt database" rollout --status
expect_exit 1 "--disable on a corrupt database" rollout --disable
E=$(explain --session test-session-123 2>"$TMP/err")
check "consumer on a corrupt database: source" "$(jq -r .source <<<"$E")" STALE
check "consumer keeps version" "$(jq -r .version <<<"$E")" "$count_before"
grep -q "Error fetching parameter" "$TMP/err" && ok "consumer logged 'Error fetching parameter'" \
  || bad "no 'Error fetching parameter' log line"
rm -f "$DB.lkg.json"
check "without last known good: DEFAULT" "$(explain --session test-session-123 2>/dev/null | jq -r .source)" DEFAULT
# Restoring the file restores the history: nothing was lost.
cp "$TMP/backup.db" "$DB"
rm -f "$DB-wal" "$DB-shm"
check "history intact after restore" "$(rollout --history --json | jq length)" "$count_before"

# A missing database file: consumers that read it before keep the last known good (STALE);
# --status fails (exit 1) instead of showing defaults as if nothing had been stored.
explain --session test-session-123 >/dev/null 2>&1  # persists the last known good again
mv "$DB" "$TMP/moved.db"
rm -f "$DB-wal" "$DB-shm"
expect_exit 1 "--status with the database missing" rollout --status
check "consumer with the database missing" "$(explain --session test-session-123 2>/dev/null | jq -r .source)" STALE
mv "$TMP/moved.db" "$DB"
check "back after the file returns" "$(explain --session test-session-123 2>/dev/null | jq -r .source)" CACHED

echo
if [[ $FAILS -eq 0 ]]; then echo "rollback drill: all steps passed"; else echo "rollback drill: $FAILS check(s) failed"; fi
[[ $FAILS -eq 0 ]]

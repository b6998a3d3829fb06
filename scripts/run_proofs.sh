#!/usr/bin/env bash
# make proofs: start the stack on a free port (or use BASE_URL), run every proof, and write a
# timestamped evidence pack under audit_artifacts/. Exits non-zero if any proof fails.
#
#   BASE_URL=http://host:port  use a running stack: no start, migrations or seed
#   CAPTURE_DB=1               with BASE_URL: the stack shares this environment's database
#                              (the checklist), so migrate/seed it and capture both here too
#   DB_DSN=...                 use this database as is instead of a fresh SQLite file
#   TEST_RESULTS_XML=file      copy this JUnit report instead of running the test suite
set -euo pipefail

# A relative TEST_RESULTS_XML means the caller's directory, which we are about to leave.
if [ -n "${TEST_RESULTS_XML:-}" ] && [ -f "$TEST_RESULTS_XML" ]; then
  TEST_RESULTS_XML=$(cd "$(dirname "$TEST_RESULTS_XML")" && pwd)/$(basename "$TEST_RESULTS_XML")
  export TEST_RESULTS_XML
fi
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN=.venv/bin
[ -x "$BIN/python" ] || make install

# One pack per second: a run started in the same second as another waits for the next one.
mkdir -p audit_artifacts
until STAMP=$(date -u +%Y%m%d_%H%M%S) && mkdir "audit_artifacts/$STAMP" 2>/dev/null; do sleep 0.3; done
PACK="$PWD/audit_artifacts/$STAMP"
export MODE=mock PYTHONUNBUFFERED=1
api_pid=""
worker_pid=""

stop_api() {
  [ -n "$api_pid" ] || return 0
  kill -TERM "$api_pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$api_pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$api_pid" 2>/dev/null || true
  wait "$api_pid" 2>/dev/null || true
  api_pid=""
}
stop_worker() {
  [ -n "$worker_pid" ] || return 0
  kill -TERM "$worker_pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$worker_pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$worker_pid" 2>/dev/null || true
  wait "$worker_pid" 2>/dev/null || true
  worker_pid=""
}
trap 'stop_worker; stop_api' EXIT
trap 'exit 130' INT TERM

# Print "$ command", its output and "[exit status N]": the proofs read these markers.
# `logged --note TEXT cmd...` appends "   # TEXT" to the command line.
logged() {
  local rc=0 note=""
  if [ "$1" = --note ]; then note="   # $2"; shift 2; fi
  echo "\$ $*$note"
  "$@" 2>&1 || rc=$?
  echo "[exit status $rc]"
  echo
  [ "$rc" = 0 ] || echo "    (exited $rc; see the pack)" >&2
}

capture_database() {
  local alembic=("$BIN/alembic" -c backend/alembic.ini)
  echo "==> migrations"
  {
    logged "${alembic[@]}" upgrade head
    logged "${alembic[@]}" history --verbose
    logged "${alembic[@]}" current
  } > "$PACK/MIGRATION_HISTORY.txt"
  echo "==> seed, twice (the second run must create nothing)"
  {
    logged --note "run #1" "$BIN/python" scripts/seed_demo_data.py
    logged --note "run #2" "$BIN/python" scripts/seed_demo_data.py
  } > "$PACK/SEED_LOG.txt"
}

# The worker of the stack under proof. It delivers webhooks over real HTTP, loopback allowed,
# so the DLQ proof can aim a task at a subscriber it controls; retries back off from 0.5 s.
# The mock vendors' callbacks go to the API under proof.
start_worker() {
  echo "==> worker (log: $PACK/worker.log)"
  PUBLIC_BASE_URL="$BASE_URL" WEBHOOK_PROVIDER=http WEBHOOK_ALLOW_HOSTS=127.0.0.1 \
    TASK_RETRY_BACKOFF_SECONDS=0.5 \
    "$BIN/celery" -A reos.worker:celery worker -Q high_priority,default,low_priority \
    --pool threads --concurrency 2 -l WARNING > "$PACK/worker.log" 2>&1 &
  worker_pid=$!
}

wait_healthy() {  # up to 30 s, giving up early if the API process died
  local deadline=$((SECONDS + 30))
  while [ $SECONDS -lt $deadline ]; do
    kill -0 "$api_pid" 2>/dev/null || return 1
    "$BIN/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
      "$BASE_URL/api/v1/healthz" 2>/dev/null && return 0
    sleep 0.3
  done
  return 1
}

run_args=()
if [ -z "${BASE_URL:-}" ]; then
  # A fresh embedded database (and keys, storage) per run, unless DB_DSN names a database.
  if [ -z "${DB_DSN:-}" ]; then
    export VAR_DIR="$PWD/var/proofs/$STAMP"
    mkdir -p "$VAR_DIR"
  fi
  PORT=$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
  BASE_URL="http://127.0.0.1:$PORT"
  capture_database

  echo "==> API on $BASE_URL (log: $PACK/api.log)"
  "$BIN/uvicorn" reos.main:create_app --factory --host 127.0.0.1 --port "$PORT" \
    --no-server-header > "$PACK/api.log" 2>&1 &
  api_pid=$!
  if ! wait_healthy; then
    echo "The API did not become healthy within 30 s; the proofs will record the failures." >&2
    tail -n 20 "$PACK/api.log" >&2 || true
  fi
  start_worker
  run_args+=(--reseal-later)  # sealed below, once the API has stopped writing api.log
elif [ "${CAPTURE_DB:-0}" = 1 ]; then
  capture_database
  start_worker  # the stack shares this environment's database and broker
else
  run_args+=(--no-captures)  # a stack elsewhere: its database is not ours to describe
fi

rc=0
"$BIN/python" -m scripts.proofs.run --pack "$PACK" --base-url "$BASE_URL" "${run_args[@]}" || rc=$?
stop_worker
if [ -n "$api_pid" ]; then
  stop_api
  rc=0
  "$BIN/python" -m scripts.proofs.pack "$PACK" || rc=$?
fi
exit "$rc"

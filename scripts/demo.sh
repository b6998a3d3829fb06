#!/usr/bin/env bash
# Runs every process of the platform in the foreground; Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# Presigned links and the mock vendors' callbacks point here.
export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://$HOST:$PORT}
BIN=.venv/bin
pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

mkdir -p var
"$BIN/uvicorn" reos.main:create_app --factory --host "$HOST" --port "$PORT" --no-server-header &
pids+=($!)
# The worker and beat share the broker named by CELERY_BROKER_URL (an SQLite file when unset).
"$BIN/celery" -A reos.worker:celery worker -Q high_priority,default,low_priority \
  --pool threads --concurrency 4 -l WARNING &
pids+=($!)
"$BIN/celery" -A reos.worker:celery beat -s var/celerybeat-schedule -l WARNING &
pids+=($!)

cat <<MSG

  Real Estate OS is running (MODE=${MODE:-mock}).
    API           http://$HOST:$PORT/api/v1
    API docs      http://$HOST:$PORT/api/v1/docs
    Health        http://$HOST:$PORT/api/v1/readyz
    Tasks         http://$HOST:$PORT/api/v1/tasks (worker and beat running)
  Demo logins (password DemoPass123!, mock mode only):
    admin@demo.reos.example   sales@demo.reos.example
    agent@demo.reos.example   viewer@demo.reos.example
  Ctrl-C stops everything.

MSG
wait -n "${pids[@]}"

#!/usr/bin/env bash
# make proofs: start the stack on a free port (or use BASE_URL), run every proof, and write a
# timestamped evidence pack under audit_artifacts/. Exits non-zero if any proof fails.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
BIN="$REPO/.venv/bin"
[ -x "$BIN/python" ] || make install

STAMP=$(date -u +%Y%m%d_%H%M%S)
PACK="$REPO/audit_artifacts/$STAMP"
mkdir -p "$PACK"
export MODE=mock PYTHONPATH="$REPO/scripts${PYTHONPATH:+:$PYTHONPATH}"
api_pid=""

cleanup() {
  if [ -n "$api_pid" ]; then kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

capture_database_state() {
  echo "==> migrations"
  "$BIN/alembic" -c backend/alembic.ini upgrade head
  {
    echo "\$ alembic history --verbose"
    "$BIN/alembic" -c backend/alembic.ini history --verbose
    echo
    echo "current:"
    "$BIN/alembic" -c backend/alembic.ini current --verbose
  } > "$PACK/MIGRATION_HISTORY.txt" 2>&1

  echo "==> seed (twice: the second run must create nothing)"
  {
    echo "\$ python scripts/seed_demo_data.py   # first run"
    "$BIN/python" scripts/seed_demo_data.py
    echo
    echo "\$ python scripts/seed_demo_data.py   # second run"
    "$BIN/python" scripts/seed_demo_data.py
  } > "$PACK/SEED_LOG.txt" 2>&1
}

if [ -z "${BASE_URL:-}" ]; then
  # A fresh embedded database per run (unless DB_DSN points somewhere), so the pack is reproducible.
  if [ -z "${DB_DSN:-}" ]; then export VAR_DIR="$REPO/var/proofs/$STAMP"; fi
  PORT=$("$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  BASE_URL="http://127.0.0.1:$PORT"
  capture_database_state

  echo "==> API on $BASE_URL"
  "$BIN/uvicorn" reos.main:create_app --factory --host 127.0.0.1 --port "$PORT" \
    --no-server-header > "$PACK/api.log" 2>&1 &
  api_pid=$!
  for _ in $(seq 1 60); do
    if "$BIN/python" -c "import httpx,sys; sys.exit(httpx.get('$BASE_URL/api/v1/healthz').status_code != 200)" 2>/dev/null; then
      break
    fi
    sleep 0.5
  done
elif [ "${CAPTURE_DB:-0}" = 1 ]; then
  # The stack at BASE_URL shares this environment's database (the checklist's case).
  capture_database_state
else
  # A stack elsewhere: its database is not ours to migrate, seed or describe.
  export PROOFS_SKIP="migration_history,seed"
fi

echo "==> proofs against $BASE_URL"
"$BIN/python" -m proofs.run --pack "$PACK" --base-url "$BASE_URL"

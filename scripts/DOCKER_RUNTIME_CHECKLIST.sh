#!/usr/bin/env bash
# make checklist: the runtime checklist. With a Docker engine and a compose file it will drive
# the compose stack; without one (our machines) it runs the same steps on the native stack:
# install, migrate, seed, start the API, health and readiness, proofs, then one summary screen.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
declare -a names=() verdicts=()
record() { names+=("$1"); verdicts+=("$2"); }
step() {
  local name=$1; shift
  printf '==> %s\n' "$name"
  if "$@"; then record "$name" PASS; else record "$name" FAIL; fi
}

if docker info >/dev/null 2>&1 && [ -f docker-compose.yml ]; then
  echo "A Docker engine is available, but the compose stack is not defined yet; running the native checklist."
fi

api_pid=""
cleanup() { [ -n "$api_pid" ] && kill "$api_pid" 2>/dev/null; wait 2>/dev/null; }
trap cleanup EXIT

export VAR_DIR=${VAR_DIR:-var/checklist}
step "install" make install
step "migrate" make migrate
step "seed" make seed
PORT=$("$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
"$BIN/uvicorn" reos.main:create_app --factory --host 127.0.0.1 --port "$PORT" --no-server-header \
  > "$VAR_DIR/checklist-api.log" 2>&1 &
api_pid=$!
probe() { "$BIN/python" -c "import httpx,sys; sys.exit(httpx.get('$URL$1', timeout=5).status_code != 200)" 2>/dev/null; }
wait_healthy() { for _ in $(seq 1 60); do probe /api/v1/healthz && return 0; sleep 0.5; done; return 1; }
step "api starts" wait_healthy
step "healthz" probe /api/v1/healthz
step "readyz" probe /api/v1/readyz
step "proofs" env BASE_URL="$URL" CAPTURE_DB=1 bash scripts/run_proofs.sh

echo
echo "Runtime checklist ($(date -u +%FT%TZ), native stack)"
failed=0
for i in "${!names[@]}"; do
  printf '  %-12s %s\n' "${names[$i]}" "${verdicts[$i]}"
  [ "${verdicts[$i]}" = PASS ] || failed=1
done
exit $failed

#!/usr/bin/env bash
# Install everything, migrate, and serve the production build on http://localhost:${PORT:-3000}
# together with a background-job worker. Ctrl-C or SIGTERM stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements.txt
export PATH="$PWD/.venv/bin:$PATH" REFLEX_USE_NPM=1
[ -f .env ] && set -a && . ./.env && set +a
export PORT="${PORT:-3000}"

alembic upgrade head

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

setsid huey_consumer backend_jobs.tasks.huey --workers 2 --quiet &
pids+=($!)
setsid reflex run --env prod --single-port &
pids+=($!)
wait -n "${pids[@]}"

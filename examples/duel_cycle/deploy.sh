#!/usr/bin/env bash
# Deploy the duel scheduler the way a CI job does: pitstop takes service:duel into
# maintenance, waits until the running cycle has finished (no lease in flight), runs the
# "deploy" (a restart of the scheduler), waits for its health, and takes the service out.
# Needs PITSTOP_URL and PITSTOP_TOKEN (an operator's) in the environment.
set -euo pipefail
cd "$(dirname "$0")"
RUN="${DUEL_RUN:-run}"
PORT="${DUEL_PORT:-8301}"

pitstop deploy --target service:duel --reason "${DEPLOY_REASON:-deploy duel scheduler}" \
  --timeout 2m --health-url "http://127.0.0.1:${PORT}/health" --health-timeout 1m \
  -- python restart.py --run "$RUN" --port "$PORT"

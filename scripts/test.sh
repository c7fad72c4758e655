#!/usr/bin/env bash
# The one command that passes all the tests (`npm test`; `.ci/run` runs `npm ci && npm test`).
# Static checks first (they take seconds), then the parts are built if missing, then every vitest
# project; the integration project brings the local cluster up itself and stops it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { echo; echo "== $* ($(date +%H:%M:%S))"; }

step "node $(node --version), typecheck"; npm run --silent typecheck
step lint; npm run --silent lint
step "generated CRDs and chart values are current"; npm run --silent crds:check
step "parts of the local cluster (built once, cached under ${TESSERA_CACHE:-~/.cache/tessera})"
start=$(date +%s); scripts/build-parts.sh; echo "parts ready in $(( $(date +%s) - start ))s"
step "deploy/ is the chart's default install"; npm run --silent deploy:check
step "vitest"; exec vitest run "$@"

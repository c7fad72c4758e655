#!/usr/bin/env bash
# The one command that passes all the tests (`npm test`; `.ci/run` runs `npm ci && npm test`).
# Static checks first (they take seconds), then the cluster's parts are built if missing, then every
# vitest project; the integration project brings the local cluster up itself and stops it afterwards.
# The late parts (health, promtool, MinIO, Kueue, helm: what only some files need) build, when
# missing, in the background at idle priority while the other files run; those files run last and
# wait for them (test/support/late-parts.ts). Without caches that takes about 25 minutes of builds
# off the run's critical path.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { echo; echo "== $* ($(date +%H:%M:%S))"; }

step "node $(node --version), typecheck"; npm run --silent typecheck
step lint; npm run --silent lint
step "generated CRDs and chart values are current"; npm run --silent crds:check
step "parts of the local cluster (built once, cached under ${TESSERA_CACHE:-~/.cache/tessera})"
start=$(date +%s); scripts/build-parts.sh --core; echo "parts ready in $(( $(date +%s) - start ))s"

late_pid=''
missing_late="$(source scripts/versions.sh && for dir in "$HEALTH_BIN" "$PROMTOOL_BIN" "$MINIO_BIN" "$KUEUE_BIN" "$HELM_BIN"; do
  [[ -f "$dir/.complete" ]] || echo "${dir##*/}"; done)"
if [[ -n "$missing_late" ]]; then
  late_log="$(mktemp -t tessera-late-build.XXXXXX.log)"
  step "building in the background at idle priority: $(echo "$missing_late" | xargs) (log $late_log)"
  # Its own session, so the whole build (go and its compilers) can be stopped at once.
  setsid chrt --idle 0 nice -n 19 scripts/build-parts.sh --late >"$late_log" 2>&1 &
  late_pid=$!
  export TESSERA_LATE_BUILD_PID="$late_pid" TESSERA_LATE_BUILD_LOG="$late_log"
fi

step "vitest"
status=0
vitest run "$@" || status=$?
if [[ -n "$late_pid" ]]; then
  # Still building only when no file that needs the rest ran (a filtered run): stopped; the next run resumes.
  if kill -0 "$late_pid" 2>/dev/null; then kill -TERM -- "-$late_pid" 2>/dev/null || true; fi
  step "the background build said"; grep -E '^\[build-parts' "$late_log" || cat "$late_log"
fi
exit "$status"

#!/usr/bin/env bash
# The one command that passes all the tests (`npm test`; `.ci/run` runs `npm ci && npm test`).
# Static checks first (they take seconds), then the cluster's parts are built if missing, then every
# vitest project; the integration project brings the local cluster up itself and stops it afterwards.
# The tools only some test files run (health, promtool, helm) build, when missing, in the background
# at idle priority while the other files run; those files run last and wait for them
# (test/support/tool-parts.ts). On a machine without caches that takes their build, up to 12 minutes,
# off the run's critical path.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { echo; echo "== $* ($(date +%H:%M:%S))"; }

step "node $(node --version), typecheck"; npm run --silent typecheck
step lint; npm run --silent lint
step "generated CRDs and chart values are current"; npm run --silent crds:check
step "parts of the local cluster (built once, cached under ${TESSERA_CACHE:-~/.cache/tessera})"
start=$(date +%s); scripts/build-parts.sh --cluster; echo "parts ready in $(( $(date +%s) - start ))s"

tools_pid=''
missing_tools="$(source scripts/versions.sh && for dir in "$HEALTH_BIN" "$PROMTOOL_BIN" "$HELM_BIN"; do
  [[ -f "$dir/.complete" ]] || echo "${dir##*/}"; done)"
if [[ -n "$missing_tools" ]]; then
  tools_log="$(mktemp -t tessera-tools-build.XXXXXX.log)"
  step "building the tools in the background at idle priority: $(echo "$missing_tools" | xargs) (log $tools_log)"
  # Its own session, so the whole build (go and its compilers) can be stopped at once.
  setsid chrt --idle 0 nice -n 19 scripts/build-parts.sh --tools >"$tools_log" 2>&1 &
  tools_pid=$!
  export TESSERA_TOOLS_BUILD_PID="$tools_pid" TESSERA_TOOLS_BUILD_LOG="$tools_log"
fi

step "vitest"
status=0
vitest run "$@" || status=$?
if [[ -n "$tools_pid" ]]; then
  # Still building only when no file that needs a tool ran (a filtered run): stop it, the next run resumes.
  if kill -0 "$tools_pid" 2>/dev/null; then kill -TERM -- "-$tools_pid" 2>/dev/null || true; fi
  step "the background build of the tools said"; grep -E '^\[build-parts' "$tools_log" || cat "$tools_log"
fi
exit "$status"

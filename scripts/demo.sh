#!/usr/bin/env bash
# The main job on the local default: bring the local cluster up (building what is missing), install
# Tessera's CRDs, run the operator, apply examples/gpu-job.yaml and follow it to the end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/cluster.sh up
eval "$(scripts/cluster.sh env)"
k() { "$TESSERA_KUBECTL" "$@"; }

k apply --server-side --force-conflicts -f crds/ >/dev/null
k wait --for condition=established --timeout=60s -f crds/ >/dev/null
log="$TESSERA_RUN_DIR/logs/demo-operator.log"
node src/cli/main.ts operator --no-leader-elect --metrics-address 127.0.0.1:0 >"$log" 2>&1 &
operator=$!
trap 'kill "$operator" 2>/dev/null || true' EXIT
echo "operator running (pid $operator), log $log"

k delete -f examples/gpu-job.yaml --ignore-not-found --wait >/dev/null
k apply -f examples/gpu-job.yaml
echo "following the Job (kubectl get tessera):"
phase=""
for _ in $(seq 1 120); do
  phase="$(k get jobs.tessera.dev first-gpu-job -o jsonpath='{.status.phase}' 2>/dev/null || true)"
  k get jobs.tessera.dev first-gpu-job --no-headers 2>/dev/null | sed 's/^/  /'
  [[ "$phase" == Succeeded || "$phase" == Failed ]] && break
  sleep 1
done
k get jobs.tessera.dev first-gpu-job -o yaml | sed -n '/^status:/,$p'
[[ "$phase" == Succeeded ]] || { echo "demo: the job ended in '${phase:-no phase}'; see $log" >&2; exit 1; }
echo "demo: first-gpu-job Succeeded. The cluster stays up: scripts/cluster.sh down stops it."

#!/usr/bin/env bash
# The main job on the local default: bring the local cluster up (building what is missing: the
# Kubernetes parts, MinIO, helm, the real node and Tessera's image), install Tessera with its Helm
# chart, and run the federated example (examples/federated) to its leaderboard, in real containers.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/build-parts.sh # every part: `cluster.sh up` alone builds only the cluster's, and the demo installs with helm
scripts/cluster.sh up
# Rebuild Tessera's image from this checkout (seconds when only src/ changed) and load it.
scripts/images/build.sh
eval "$(scripts/cluster.sh env)"
node scripts/demo/main.ts
echo "demo: $(( $(date +%s) - start ))s in all. The cluster stays up; scripts/cluster.sh down stops it."

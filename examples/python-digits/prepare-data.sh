#!/usr/bin/env bash
# Fetches scikit-learn's bundled digits from Debian's python3-sklearn (the package the image installs:
# `apt-get download`, no install) and splits them with split.js into OUT_DIR.
#
#   prepare-data.sh OUT_DIR [SEED]
#
# Needs Debian's apt (any machine whose apt knows bookworm's python3-sklearn) and Node.
set -euo pipefail
example="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: prepare-data.sh OUT_DIR [SEED]}"
seed="${2:-14}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
(cd "$scratch" && apt-get download python3-sklearn >/dev/null 2>&1) ||
  { echo "prepare-data: apt-get download python3-sklearn failed (needs Debian's apt with bookworm's lists: apt-get update)" >&2; exit 1; }
dpkg-deb --fsys-tarfile "$scratch"/python3-sklearn_*.deb |
  tar -xO ./usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz >"$scratch/digits.csv.gz"
node "$example/split.js" "$scratch/digits.csv.gz" "$out" "$seed"

#!/usr/bin/env sh
# Bundles the tessera command (src/cli/main.ts) with every dependency, so Node neither strips
# TypeScript nor resolves hundreds of modules at start, and esbuild drops the parts of the
# dependencies nothing calls.
#
#   scripts/bundle-cli.sh OUT.cjs       one CommonJS file: the npm package and the single executable
#                                       (a SEA's main script must be one CommonJS file)
#   scripts/bundle-cli.sh --split DIR   DIR/tessera.mjs and ES-module chunks split at each dynamic
#                                       import (each command loads only its own): what the image runs
#
# Measured (2026-12-06, against the local cluster): an idle operator holds 101 MiB RSS split, 110 MiB
# as one file, 152 MiB from the sources; `tessera transfer --help` (a mover's start) 61 MiB and
# 0.15 s split against 102 MiB and 0.51 s as one file, which parses everything up front.
# Minified, with source maps beside (sources not included): `node --enable-source-maps` maps stack
# traces back to src/. Needs esbuild (a devDependency: npm ci). esbuild itself stays out: only a
# checkout bundles the dashboard's page on start.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
esbuild="${ESBUILD:-$root/node_modules/.bin/esbuild}"
common="--bundle --platform=node --target=node24 --minify --sourcemap --sources-content=false --legal-comments=none --log-level=error --external:esbuild"
if [ "${1:-}" = "--split" ]; then
  out="${2:?usage: bundle-cli.sh --split DIR}"
  # CommonJS dependencies call require() for Node's own modules; an ES module has no require.
  # shellcheck disable=SC2086
  "$esbuild" "tessera=$root/src/cli/main.ts" $common --format=esm --splitting --outdir="$out" \
    --out-extension:.js=.mjs --chunk-names='chunk-[hash]' \
    --banner:js="import { createRequire as tesseraRequire } from 'node:module'; const require = tesseraRequire(import.meta.url);"
else
  out="${1:?usage: bundle-cli.sh OUT.cjs | --split DIR}"
  # import.meta is empty in CommonJS: the two modules that read it (src/ui/build.ts, assets.ts) are
  # loaded only where it is set, or check for it.
  # shellcheck disable=SC2086
  "$esbuild" "$root/src/cli/main.ts" $common --format=cjs --outfile="$out"
fi

#!/usr/bin/env sh
# Bundles the tessera command (src/cli/main.ts) and every dependency into one CommonJS file: what
# the image runs (operator and movers) and what the npm package ships. Node then neither strips
# TypeScript nor resolves hundreds of modules at start, and esbuild drops the parts of the
# dependencies nothing calls: measured, an idle operator holds 110 MiB RSS from the bundle against
# 152 MiB from the sources.
#
#   scripts/bundle-cli.sh OUT.cjs     needs esbuild (a devDependency: npm ci)
#
# CommonJS because a single executable's (SEA) main script must be one CommonJS file. esbuild stays
# out: only a checkout bundles the dashboard's page on start. Fully minified (renaming kept an idle
# operator at 110 MiB; whitespace alone, names kept, 119 MiB): OUT.cjs.map beside it maps stack
# traces back to src/ when node runs with --enable-source-maps (the chart's operator.nodeArgs).
set -eu
out="${1:?usage: bundle-cli.sh OUT.cjs}"
root="$(cd "$(dirname "$0")/.." && pwd)"
esbuild="${ESBUILD:-$root/node_modules/.bin/esbuild}"
# import.meta is empty in CommonJS; the two modules that read it (src/ui/build.ts, assets.ts) are
# loaded only where it is set, or check for it: esbuild's warning about them is expected.
"$esbuild" "$root/src/cli/main.ts" --bundle --platform=node --format=cjs --target=node24 \
  --minify --sourcemap --sources-content=false --legal-comments=none --log-level=error \
  --external:esbuild --outfile="$out"

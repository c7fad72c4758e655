#!/usr/bin/env bash
# Builds what ships to users of the CLI (docs/decisions/0001-no-build-step.md, "What ships"): the
# repository itself runs its .ts files, but Node refuses type stripping under node_modules, so an
# installed package needs JavaScript.
#
#   scripts/package-cli.sh          dist/cli/tessera.cjs (one CommonJS bundle, every dependency inside: the SEA's),
#                                   dist/cli/ui/ (the dashboard's page, bundled: `tessera ui` serves it)
#                                   and dist/cli/tessera-<version>.tgz (`npm install -g` it: `tessera`)
#   scripts/package-cli.sh --sea    also dist/cli/kubectl-tessera, a single executable (Node's SEA) for
#                                   `kubectl tessera …` on a machine without Node, the page embedded
#
# Output goes to dist/ (gitignored); TESSERA_CLI_DIST moves it. Needs `npm ci` (esbuild, postject, node@24).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${TESSERA_CLI_DIST:-$root/dist/cli}"
bin="$root/node_modules/.bin"
for tool in node esbuild postject; do
  [[ -x "$bin/$tool" ]] || { echo "package-cli: $bin/$tool is missing: run npm ci" >&2; exit 1; }
done
version="$("$bin/node" -p "require('$root/package.json').version")"

rm -rf "$out" && mkdir -p "$out/package"
# The package gets the bundle the image runs, split so each command loads only its own chunks
# (`tessera --help` parses 49 MiB's worth, not the whole 6 MB); the SEA needs one CommonJS file.
ESBUILD="$bin/esbuild" "$root/scripts/bundle-cli.sh" --split "$out/package/lib"
ESBUILD="$bin/esbuild" "$root/scripts/bundle-cli.sh" "$out/tessera.cjs"
# The dashboard's page, built once here: the packaged `tessera ui` serves lib/ui/ beside the chunks,
# the SEA embeds ui/ (esbuild stays out of the bundle: only a checkout bundles the page on start).
"$bin/node" "$root/src/ui/build.ts" "$out/ui" >/dev/null
cp -r "$out/ui" "$out/package/lib/ui"

# The publishable package: the bundle and a package.json of its own (the repository's stays private).
# The command itself: turns on Node's compile cache (V8's code cache of the chunks) before loading
# them, per user and never in a shared directory such as /tmp (Node runs what the cache holds).
cat >"$out/package/tessera.js" <<'JS'
#!/usr/bin/env node
'use strict';
const { join } = require('node:path');
const cacheHome = process.env.XDG_CACHE_HOME || (process.env.HOME && join(process.env.HOME, '.cache'));
if (cacheHome && !process.env.NODE_COMPILE_CACHE) require('node:module').enableCompileCache?.(join(cacheHome, 'tessera', 'node-compile-cache'));
import('./lib/tessera.mjs');
JS
cat >"$out/package/package.json" <<JSON
{
  "name": "tessera-cli",
  "version": "$version",
  "description": "The tessera command: push datasets and algos, read jobs, plans and their logs on a cluster running Tessera",
  "license": "Apache-2.0",
  "bin": { "tessera": "tessera.js" },
  "files": ["tessera.js", "lib/*.mjs", "lib/ui/"],
  "engines": { "node": ">=24" }
}
JSON
(cd "$out" && npm pack ./package --pack-destination "$out" --silent >/dev/null)
[[ -f "$out/tessera-cli-$version.tgz" ]] || { echo "package-cli: npm pack wrote no $out/tessera-cli-$version.tgz" >&2; exit 1; }

if [[ "${1:-}" == "--sea" ]]; then
  # Node 24's SEA: a preparation blob from the bundle, injected into a copy of the project's own Node.
  cat >"$out/sea-config.json" <<JSON
{ "main": "$out/tessera.cjs", "output": "$out/sea-prep.blob", "disableExperimentalSEAWarning": true, "useCodeCache": true,
  "assets": { "ui/index.html": "$out/ui/index.html", "ui/app.js": "$out/ui/app.js", "ui/app-style.css": "$out/ui/app-style.css" } }
JSON
  "$bin/node" --experimental-sea-config "$out/sea-config.json" >/dev/null
  cp "$(readlink -f "$bin/node")" "$out/kubectl-tessera"
  chmod u+w "$out/kubectl-tessera"
  "$bin/postject" "$out/kubectl-tessera" NODE_SEA_BLOB "$out/sea-prep.blob" \
    --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2 2>&1 >/dev/null | { grep -v "Can't find string offset for section name" || true; } >&2
  rm -f "$out/sea-prep.blob" "$out/sea-config.json"
fi
echo "$out"

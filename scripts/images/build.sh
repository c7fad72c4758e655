#!/usr/bin/env bash
# Builds Tessera's container images with Debian's buildah, without a registry or a daemon, and loads
# them into the real node's containerd (scripts/cluster/real-node.sh) when it runs:
#
#   docker.io/tessera/operator:<appVersion>   the top-level Dockerfile, unchanged: what
#                                             `docker build .` builds anywhere; the tag is
#                                             charts/tessera/Chart.yaml's appVersion
#   localhost/tessera/pause:1                 pause/Dockerfile over pause/pause.go built with the
#                                             host's Go: the pod sandbox
#
# The Dockerfile's FROM node:24-bookworm-slim is seeded into buildah's storage first
# (seed-base.sh: debootstrap + the npm package `node`'s binary + npm), once per version. buildah's
# storage under ~/.cache/tessera/buildah keeps the layers, so a warm build redoes only `COPY src`
# and the bundling after it, and containerd receives only the bundle's layer. The build stage's
# `npm ci` reaches the npm registry through the host's network, with the host's CA bundle as a
# build secret.
#
# Usage: build.sh [--no-load]. Loads into the containerd at $TESSERA_CONTAINERD_ADDRESS (default:
# the one cluster.sh runs under $TESSERA_RUN_DIR) when it answers. `build.sh inspect` prints the
# built operator image's `buildah inspect` (what the e2e tests compare with the node's image).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
source "$here/../versions.sh"
RUN="${TESSERA_RUN_DIR:-/tmp/tessera-cluster}"
LOGS="$RUN/logs" LOG="$RUN/logs/images.log"
IMAGES_CACHE="$TESSERA_CACHE/images"
CONTAINERD_ADDRESS="${TESSERA_CONTAINERD_ADDRESS:-$RUN/containerd/containerd.sock}"
log() { echo "[images $(date +%H:%M:%S)] $*" >&2; }
die() { echo "images: $*" >&2; exit 1; }
source "$here/../cluster/packages.sh"
source "$here/buildah.sh"
source "$here/seed-base.sh"

PAUSE_IMAGE=localhost/tessera/pause:1
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

# app_version: charts/tessera/Chart.yaml's appVersion, the operator image's tag.
app_version() {
  local version
  version="$(sed -nE 's/^appVersion:[[:space:]]*"?([^"[:space:]]+)"?.*/\1/p' "$repo/charts/tessera/Chart.yaml")"
  [[ -n "$version" ]] || die "no appVersion in charts/tessera/Chart.yaml"
  echo "$version"
}

# build_pause: pause/pause.go, static, with the module-less `go build`, then pause/Dockerfile over it.
build_pause() {
  local context; context="$(mktemp -d "$IMAGES_CACHE/pause.XXXXXX")"
  (cd "$here/pause" && GOCACHE="$TESSERA_CACHE/go/build" CGO_ENABLED=0 GOTOOLCHAIN=local GO111MODULE=off GOFLAGS= \
    go build -trimpath -ldflags '-s -w' -o "$context/pause" pause.go) || die "could not build pause/pause.go"
  bud -t "$PAUSE_IMAGE" -f "$here/pause/Dockerfile" "$context" || die "could not build $PAUSE_IMAGE; see $LOG"
  rm -rf "$context"
}

# build_operator NAME: the top-level Dockerfile, with the repository as its context.
build_operator() {
  local secret=()
  [[ -r "$CA_BUNDLE" ]] && secret=(--secret "id=ca,src=$CA_BUNDLE")
  bud "${secret[@]}" -t "$1" -f "$repo/Dockerfile" "$repo" || die "could not build $1 from the Dockerfile; see $LOG"
}

main() {
  local load=1 started operator; started=$(date +%s)
  [[ "${1:-}" == --no-load ]] && load=0
  # inspect: the built operator image's buildah inspect (JSON), for the tests; builds nothing.
  [[ "${1:-}" == inspect ]] && { bh inspect --type image "docker.io/tessera/operator:$(app_version)"; return; }
  mkdir -p "$IMAGES_CACHE" "$LOGS"
  ensure_packages buildah:buildah
  operator="docker.io/tessera/operator:$(app_version)"
  seed_node_base
  build_pause
  build_operator "$operator"
  log "images built in $(( $(date +%s) - started ))s ($operator: $(bh images --format '{{.Size}}' "$operator"))"
  (( load )) || return 0
  if ! [[ -S "$CONTAINERD_ADDRESS" ]] || ! ctr --address "$CONTAINERD_ADDRESS" --connect-timeout 2s version >/dev/null 2>&1; then
    log "no containerd answers at $CONTAINERD_ADDRESS; not loading (scripts/cluster.sh up loads them)"
    return 0
  fi
  load_image "$PAUSE_IMAGE" "$CONTAINERD_ADDRESS"
  load_image "$operator" "$CONTAINERD_ADDRESS"
}

main "$@"

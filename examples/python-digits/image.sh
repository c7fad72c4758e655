#!/usr/bin/env bash
# Builds the Python example's image with Debian's buildah (no registry, no daemon) and loads it into
# the real node's containerd, the way scripts/images/build.sh builds Tessera's own:
#
#   localhost/tessera/python-digits:<VERSION>   this directory's Dockerfile over the seeded
#                                               node:24-bookworm-slim (seeded first if missing)
#
# buildah's layers live under ~/.cache/tessera/buildah, so a warm run rebuilds nothing and loads
# nothing: it checks a label and the digest containerd holds, in about a second. Bump VERSION to
# rebuild (a changed Dockerfile changes the key too).
#
# Usage: image.sh [--no-load] | image.sh name (prints the image's name). Logs to
# $TESSERA_RUN_DIR/logs/images.log like build.sh.
set -euo pipefail
example="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$example/../.." && pwd)"
here="$repo/scripts/images"
VERSION=1
IMAGE="localhost/tessera/python-digits:$VERSION"
[[ "${1:-}" == name ]] && { echo "$IMAGE"; exit 0; }
source "$repo/scripts/versions.sh"
RUN="${TESSERA_RUN_DIR:-/tmp/tessera-cluster}"
LOGS="$RUN/logs" LOG="$RUN/logs/images.log"
IMAGES_CACHE="$TESSERA_CACHE/images"
CONTAINERD_ADDRESS="${TESSERA_CONTAINERD_ADDRESS:-$RUN/containerd/containerd.sock}"
log() { echo "[python-digits $(date +%H:%M:%S)] $*" >&2; }
die() { echo "python-digits image: $*" >&2; exit 1; }
source "$repo/scripts/cluster/packages.sh"
source "$here/buildah.sh"
source "$here/seed-base.sh"
KEY_LABEL=dev.tessera.python-digits

main() {
  local load=1 started key; started=$(date +%s)
  [[ "${1:-}" == --no-load ]] && load=0
  mkdir -p "$IMAGES_CACHE" "$LOGS"
  ensure_packages buildah:buildah
  key="$VERSION-$(sha256sum "$example/Dockerfile" | cut -c1-12)"
  if [[ "$(image_label "$IMAGE" "$KEY_LABEL")" != "$key" ]]; then
    seed_node_base
    log "building $IMAGE (apt-get install python3-torch python3-sklearn python3-numpy; log $LOG)"
    # The Dockerfile's apt reaches the Debian mirror over the host's network (bud's --network host).
    bud --label "$KEY_LABEL=$key" -t "$IMAGE" -f "$example/Dockerfile" "$example/empty-context" ||
      die "could not build $IMAGE; see $LOG"
    log "built $IMAGE in $(( $(date +%s) - started ))s ($(bh images --format '{{.Size}}' "$IMAGE"))"
  fi
  (( load )) || return 0
  if ! [[ -S "$CONTAINERD_ADDRESS" ]] || ! ctr --address "$CONTAINERD_ADDRESS" --connect-timeout 2s version >/dev/null 2>&1; then
    die "no containerd answers at $CONTAINERD_ADDRESS; start the cluster (scripts/cluster.sh up) or pass --no-load"
  fi
  load_image "$IMAGE" "$CONTAINERD_ADDRESS"
  log "ready in $(( $(date +%s) - started ))s"
}

main "$@"

#!/usr/bin/env bash
# Builds Tessera's container images without a registry or a daemon, and loads them into the real
# node's containerd (scripts/cluster/real-node.sh) when it runs. What each image holds is written
# down as a Dockerfile beside this script (base/, operator/, pause/); this script makes the same
# images by writing OCI layouts itself (oci.sh):
#
#   localhost/tessera/pause:1      our pause program (pause/pause.go), the pod sandbox
#   tessera/operator:dev           Debian bookworm minbase + Node + production node_modules + src/
#                                  (entrypoint `node /app/src/cli/main.ts`, user 65532)
#
# Layers are cached under ~/.cache/tessera/images/<key> and rebuilt only when their key changes:
# the base by BASE_IMAGE_VERSION, Node by its version, node_modules by package-lock.json. The app
# layer (src/) is rebuilt every run, which takes seconds, and an image whose manifest containerd
# already has is not imported again.
#
# Usage: build.sh [--no-load]. Loads into the containerd at $TESSERA_CONTAINERD_ADDRESS (default:
# the one cluster.sh runs under $TESSERA_RUN_DIR) when it answers.
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
source "$here/oci.sh"
source "$here/../cluster/packages.sh"

PAUSE_IMAGE=localhost/tessera/pause:1
OPERATOR_IMAGE=docker.io/tessera/operator:dev
IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# debian_mirror: the Debian archive this machine's apt uses for bookworm (TESSERA_DEBIAN_MIRROR wins),
# read from one-line .list files and deb822 .sources files alike.
debian_mirror() {
  [[ -n "${TESSERA_DEBIAN_MIRROR:-}" ]] && { echo "$TESSERA_DEBIAN_MIRROR"; return 0; }
  local mirror
  mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    sed -E 's/\[[^]]*\]//' | awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }')"
  [[ -z "$mirror" ]] && mirror="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
    function flush() {
      if (!found && types ~ /(^| )deb( |$)/ && (" " suites " ") ~ / bookworm / && uri != "") { print uri; found = 1 }
      types = suites = uri = ""
    }
    /^[[:space:]]*$/ { flush(); next }
    /^Types:/ { sub(/^Types:[[:space:]]*/, ""); types = $0 }
    /^Suites:/ { sub(/^Suites:[[:space:]]*/, ""); suites = $0 }
    /^URIs:/ { uri = $2 }
    END { flush() }')"
  [[ -n "$mirror" ]] || die "no bookworm mirror in /etc/apt/sources.list*; set TESSERA_DEBIAN_MIRROR"
  echo "$mirror"
}

# make_base_layer OUT: Debian bookworm from debootstrap --variant=minbase, without apt's caches,
# docs and locales, plus the user and group nonroot (65532) with a home directory.
make_base_layer() {
  local root; root="$(dirname "$1")/rootfs"
  ensure_packages debootstrap:debootstrap
  local mirror; mirror="$(debian_mirror)"
  log "debootstrap --variant=minbase bookworm from $mirror (log $LOG)"
  # debootstrap mounts /proc and /sys inside the target; never leave them there, even on failure.
  if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >>"$LOG" 2>&1; then
    unmount_under "$root"
    die "debootstrap failed; see $LOG"
  fi
  unmount_under "$root"
  rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/var/log/* "$root"/dev/* \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
  echo 'nonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin' >>"$root/etc/passwd"
  echo 'nonroot:x:65532:' >>"$root/etc/group"
  install -d -m 0755 -o 65532 -g 65532 "$root/home/nonroot"
  tar_layer "$root" "$1"
  rm -rf "$root"
}

# node_binary: the real Node executable behind node_modules/.bin/node (the npm package `node`).
node_binary() {
  local bin; bin="$(readlink -f "$repo/node_modules/.bin/node" 2>/dev/null || true)"
  [[ -x "$bin" ]] || die "no Node binary at $repo/node_modules/.bin/node; run npm ci first"
  echo "$bin"
}

# make_node_layer OUT: the Node binary as /usr/local/bin/node.
make_node_layer() {
  local root; root="$(dirname "$1")/root"
  install -D -m 0755 "$(node_binary)" "$root/usr/local/bin/node"
  tar_layer "$root" "$1" --owner=0 --group=0 --mtime=@0
  rm -rf "$root"
}

# make_modules_layer OUT: the production dependencies (npm ls --omit=dev) as /app/node_modules,
# without the npm package `node`, whose binary the node layer already carries.
make_modules_layer() {
  local root; root="$(dirname "$1")/root"
  mkdir -p "$root/app"
  (cd "$repo" && npm ls --omit=dev --all --parseable 2>/dev/null) | sed "s|^$repo/||" |
    grep -E '^node_modules/(@[^/]+/)?[^/]+$' | grep -vx node_modules/node |
    tar -C "$repo" -cf - -T - | tar -C "$root/app" -xf -
  tar_layer "$root" "$1" --owner=0 --group=0 --mode=a+rX,go-w
  rm -rf "$root"
}

# make_app_layer OUT: /app/package.json and src/ without tests; reproducible, so unchanged sources
# give the same digest and nothing is imported again.
make_app_layer() {
  local root; root="$(dirname "$1")/root"
  rm -rf "$root" && mkdir -p "$root/app"
  cp "$repo/package.json" "$root/app/"
  tar -C "$repo" --exclude='*.test.ts' -cf - src | tar -C "$root/app" -xf -
  tar_layer "$root" "$1" --owner=0 --group=0 --mode=a+rX,go-w --mtime=@0
  rm -rf "$root"
}

# make_pause_layer OUT: pause/pause.go built static with the module-less `go build`, as /pause.
make_pause_layer() {
  local root; root="$(dirname "$1")/root"
  mkdir -p "$root"
  (cd "$here/pause" && GOCACHE="$TESSERA_CACHE/go/build" CGO_ENABLED=0 GOTOOLCHAIN=local GO111MODULE=off GOFLAGS= \
    go build -trimpath -ldflags '-s -w' -o "$root/pause" pause.go) || die "could not build pause/pause.go"
  tar_layer "$root" "$1" --owner=0 --group=0 --mtime=@0
  rm -rf "$root"
}

# short_hash FILE...: 16 hex digits of the files' combined SHA-256, for cache keys.
short_hash() { cat "$@" | sha256sum | cut -c1-16; }

# build_pause: the pause image's layout; prints its directory.
build_pause() {
  local key; key="pause-$(short_hash "$here/pause/pause.go")-$GO_VERSION"
  cached_layer "$key" make_pause_layer >/dev/null
  write_layout "$IMAGES_CACHE/layouts/pause" "$PAUSE_IMAGE" \
    "\"Entrypoint\":[\"/pause\"],\"User\":\"65535:65535\"" "$IMAGES_CACHE/$key/layer.tar"
  echo "$IMAGES_CACHE/layouts/pause"
}

# build_operator: the tessera/operator:dev layout; prints its directory.
build_operator() {
  local base node modules node_version
  node_version="$("$(node_binary)" --version)"
  base="$IMAGES_CACHE/base-bookworm-minbase-$BASE_IMAGE_VERSION"
  node="$IMAGES_CACHE/node-$node_version-linux-x64"
  modules="$IMAGES_CACHE/modules-$(short_hash "$repo/package-lock.json")"
  cached_layer "$(basename "$base")" make_base_layer >/dev/null
  cached_layer "$(basename "$node")" make_node_layer >/dev/null
  cached_layer "$(basename "$modules")" make_modules_layer >/dev/null
  local app="$IMAGES_CACHE/app-operator"
  rm -rf "$app" && mkdir -p "$app"
  make_app_layer "$app/layer.tar" && layer_record "$app/layer.tar" >/dev/null
  local env; env="$(json_strings "PATH=$IMAGE_PATH" NODE_ENV=production HOME=/home/nonroot)"
  write_layout "$IMAGES_CACHE/layouts/operator" "$OPERATOR_IMAGE" \
    "\"Env\":$env,\"Entrypoint\":[\"node\",\"/app/src/cli/main.ts\"],\"Cmd\":[\"--help\"],\"WorkingDir\":\"/app\",\"User\":\"65532:65532\"" \
    "$base/layer.tar" "$node/layer.tar" "$modules/layer.tar" "$app/layer.tar"
  echo "$IMAGES_CACHE/layouts/operator"
}

main() {
  local load=1 started; started=$(date +%s)
  [[ "${1:-}" == --no-load ]] && load=0
  mkdir -p "$IMAGES_CACHE" "$LOGS"
  local pause operator
  pause="$(build_pause)"
  operator="$(build_operator)"
  log "images built in $(( $(date +%s) - started ))s"
  (( load )) || return 0
  if ! [[ -S "$CONTAINERD_ADDRESS" ]] || ! ctr --address "$CONTAINERD_ADDRESS" --connect-timeout 2s version >/dev/null 2>&1; then
    log "no containerd answers at $CONTAINERD_ADDRESS; not loading (scripts/cluster.sh up loads them)"
    return 0
  fi
  load_layout "$pause" "$CONTAINERD_ADDRESS"
  load_layout "$operator" "$CONTAINERD_ADDRESS"
}

main "$@"

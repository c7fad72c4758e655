#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kubectl, kube-proxy, etcd, kwok,
# SeaweedFS, MinIO, Kueue, helm, promtool and the health tool from their Go modules at the pinned versions in
# versions.sh, into ~/.cache/tessera/bin/<key>; the benchmark peers (argo, rclone) only when named.
# A part whose key directory holds a `.complete` marker is not rebuilt.
#   build-parts.sh            every default part, in two lanes at once
#   build-parts.sh --cluster  what `cluster.sh up` starts (Kubernetes, etcd, kwok, SeaweedFS, MinIO, Kueue), in two lanes
#   build-parts.sh --core     what every cluster-backed test needs (Kubernetes, etcd, kwok, SeaweedFS), in two lanes
#   build-parts.sh --late     the rest (health, promtool, MinIO, Kueue, helm), one after another
#   build-parts.sh PART…      the named parts, one after another
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/versions.sh"

command -v go >/dev/null || { echo "build-parts: Go is required (https://go.dev/dl); none on PATH" >&2; exit 1; }

export GOMODCACHE="$TESSERA_CACHE/go/mod" GOCACHE="$TESSERA_CACHE/go/build"
# No DWARF from the compiler: `-s -w` drops it at link time anyway, and not emitting it makes a cold
# compile 13–23% faster (promtool: 163–168 s against 187–217 s; the binaries are byte-for-byte the same size).
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=mod -gcflags=all=-dwarf=false"

log() { echo "[build-parts $(date +%H:%M:%S)] $*" >&2; }

# finish DIR START: marks a part built and says how long it took.
finish() { touch "$1/.complete"; log "built $(basename "$1") in $(( $(date +%s) - $2 ))s"; }

# The kubernetes part's commands. A cache built before a command joined this list gets just that
# command added (a warm build: the shared packages are in GOCACHE), not a rebuild of the others.
KUBE_CMDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl kube-proxy)

build_kubernetes() {
  local out="$KUBE_BIN" start cmd pkgs=(); start=$(date +%s)
  for cmd in "${KUBE_CMDS[@]}"; do
    [[ -f "$out/.complete" && -x "$out/$cmd" ]] || pkgs+=("k8s.io/kubernetes/cmd/$cmd")
  done
  (( ${#pkgs[@]} == 0 )) && return 0
  log "building kubernetes $KUBE_VERSION: ${pkgs[*]##*/} (cold: 12 to 15 min on 2 cores)"
  local work; work="$(mktemp -d)"; mkdir -p "$out"
  (
    cd "$work"
    go mod init local/k8sbins >/dev/null 2>&1
    # The k8s go.mod requires every staging module at v0.0.0 and replaces it with a local path, which
    # `go install pkg@version` refuses. Re-point each replace at the published module instead; the
    # list is read from the go.mod itself because it drifts between minors.
    local staging="v0${KUBE_VERSION#v1}"
    go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" >k8s.json
    local gomod; gomod="$(sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' k8s.json)"
    grep -oE 'k8s.io/[a-z0-9-]+ => ./staging/src/k8s.io/[a-z0-9-]+' "$gomod" | awk '{print $1}' | sort -u |
      while read -r mod; do go mod edit -replace="$mod=$mod@$staging"; done
    go mod edit -require="k8s.io/kubernetes@$KUBE_VERSION"
    local minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
    local pkg=k8s.io/component-base/version
    local ldf="-s -w -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldf+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    go build -trimpath -ldflags "$ldf" -o "$out/" "${pkgs[@]}"
  )
  rm -rf "$work"
  finish "$out" "$start"
}

build_etcd() {
  local out="$ETCD_BIN" start; start=$(date +%s)
  [[ -f "$out/.complete" ]] && return 0
  log "building etcd $ETCD_VERSION"
  local work; work="$(mktemp -d)"; mkdir -p "$out"
  # A wrapper module: etcd's server go.mod has ../ replaces, which only matter to the main module.
  ( cd "$work" && go mod init local/etcdbin >/dev/null 2>&1 &&
    go mod edit -require="go.etcd.io/etcd/server/v3@$ETCD_VERSION" &&
    go build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3 )
  rm -rf "$work"
  finish "$out" "$start"
}

# build_installable DIR MODULE@VERSION [LDFLAGS]: parts whose go.mod has no replace directives.
build_installable() {
  local out="$1" start; start=$(date +%s)
  [[ -f "$out/.complete" ]] && return 0
  log "building $2"
  mkdir -p "$out"
  GOBIN="$out" go install -trimpath -ldflags "-s -w ${3:-}" "$2"
  finish "$out" "$start"
}

# build_health: scripts/health, the repository's own Go module (kstatus and gopher-lua, pinned in its go.mod).
build_health() {
  local out="$HEALTH_BIN" start; start=$(date +%s)
  [[ -f "$out/.complete" ]] && return 0
  log "building health (scripts/health: kstatus and Argo CD's Lua health checks)"
  mkdir -p "$out"
  ( cd "$here/health" && go build -trimpath -ldflags "-s -w" -o "$out/health" . )
  finish "$out" "$start"
}

# SeaweedFS's go.mod replaces github.com/tyler-smith/go-bip39, which `go install pkg@version` refuses:
# a wrapper module requires it and repeats the replace (the list is read from its go.mod, which may grow).
build_seaweedfs() {
  local out="$SEAWEEDFS_BIN" start; start=$(date +%s)
  [[ -f "$out/.complete" ]] && return 0
  log "building seaweedfs $SEAWEEDFS_VERSION (cold: about 11 min on 2 cores)"
  local work; work="$(mktemp -d)"; mkdir -p "$out"
  (
    cd "$work" && go mod init local/weedbin >/dev/null 2>&1
    go mod download -json "github.com/seaweedfs/seaweedfs@$SEAWEEDFS_VERSION" >weed.json
    local gomod; gomod="$(sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' weed.json)"
    sed -n 's/^replace \([^ ]*\) => \([^ ]*\) \(v[^ ]*\)$/\1=\2@\3/p' "$gomod" |
      while read -r rep; do go mod edit -replace="$rep"; done
    go mod edit -require="github.com/seaweedfs/seaweedfs@$SEAWEEDFS_VERSION"
    go build -trimpath -ldflags "-s -w" -o "$out/weed" github.com/seaweedfs/seaweedfs/weed
  )
  rm -rf "$work"
  finish "$out" "$start"
}

# rclone (the transfer peer of `npm run bench -- peers`): a wrapper main with only the s3 and local
# backends and the copy and sync commands, not rclone.go's backend/all and cmd/all (every cloud SDK:
# most of a full build's download and CPU). Its go.mod has no replace directives.
build_rclone() {
  local out="$RCLONE_BIN" start; start=$(date +%s)
  [[ -f "$out/.complete" ]] && return 0
  log "building rclone $RCLONE_VERSION (s3 and local backends, copy and sync only)"
  local work; work="$(mktemp -d)"; mkdir -p "$out"
  (
    cd "$work" && go mod init local/rclonebin >/dev/null 2>&1
    cat >main.go <<'GO'
package main

import (
	_ "github.com/rclone/rclone/backend/local"
	_ "github.com/rclone/rclone/backend/s3"
	"github.com/rclone/rclone/cmd"
	_ "github.com/rclone/rclone/cmd/copy"
	_ "github.com/rclone/rclone/cmd/sync"
	_ "github.com/rclone/rclone/cmd/version"
)

func main() { cmd.Main() }
GO
    go mod edit -require="github.com/rclone/rclone@$RCLONE_VERSION"
    go build -trimpath -ldflags "-s -w -X github.com/rclone/rclone/fs.Version=$RCLONE_VERSION" -o "$out/rclone" .
  )
  rm -rf "$work"
  finish "$out" "$start"
}

# Argo Workflows (the workflow peer of `npm run bench -- peers`): only cmd/workflow-controller, and
# beside it the CRDs of the same module (manifests/base/crds/minimal, what Argo's own install applies).
build_argo() {
  local out="$ARGO_BIN" start; start=$(date +%s)
  [[ -f "$out/.complete" ]] && return 0
  log "building argo workflow-controller $ARGO_VERSION"
  mkdir -p "$out/crds"
  local module="github.com/argoproj/argo-workflows/v4"
  GOBIN="$out" go install -trimpath -ldflags "-s -w -X $module.version=$ARGO_VERSION" "$module/cmd/workflow-controller@$ARGO_VERSION"
  local dir; dir="$(go mod download -json "$module@$ARGO_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  cp "$dir"/manifests/base/crds/minimal/argoproj.io_*.yaml "$out/crds/"
  finish "$out" "$start"
}

# prometheus_version v0.316.0: 3.16.0 (Prometheus tags its Go module v0.<major><minor>.<patch>).
prometheus_version() { local v="${1#v0.}"; echo "${v:0:1}.$(( 10#${v:1:2} )).${v#*.}"; }

build_part() {
  case "$1" in
    kubernetes) build_kubernetes ;;
    etcd) build_etcd ;;
    kwok) build_installable "$KWOK_BIN" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" ;;
    minio) build_installable "$MINIO_BIN" "github.com/minio/minio@$MINIO_VERSION" ;;
    # Only cmd/helm, never the whole module. Without the -X, `helm version` says v4.3 (the source's
    # placeholder), which .Capabilities.HelmVersion and kubeVersion checks would see.
    helm) build_installable "$HELM_BIN" "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" "-X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" ;;
    health) build_health ;;
    seaweedfs) build_seaweedfs ;;
    # Only cmd/promtool: the chart's alert rules are checked and unit-tested with it, no server runs.
    # remove_all_sd leaves out the service-discovery plugins (the cloud SDKs: most of the download and
    # the build); the -X gives `promtool --version` the Prometheus version its module tag encodes.
    promtool) GOFLAGS="$GOFLAGS -tags=remove_all_sd" build_installable "$PROMTOOL_BIN" "github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_VERSION" \
      "-X github.com/prometheus/common/version.Version=$(prometheus_version "$PROMTOOL_VERSION")" ;;
    kueue) build_installable "$KUEUE_BIN" "sigs.k8s.io/kueue/cmd/kueue@$KUEUE_VERSION" "-X sigs.k8s.io/kueue/pkg/version.GitVersion=$KUEUE_VERSION" ;;
    # The peers of `npm run bench -- peers`: built only when that bench asks, never by default.
    argo) build_argo ;;
    rclone) build_rclone ;;
    *) echo "build-parts: unknown part '$1' (kubernetes, etcd, kwok, minio, helm, health, seaweedfs, promtool, kueue, argo, rclone)" >&2; exit 2 ;;
  esac
}

build_lane() { local part; for part in "$@"; do build_part "$part"; done; }

# run_lanes "PART…" "PART…": two lanes at once. One `go build` leaves a core idle while it downloads
# modules and while it links (single-threaded, up to a minute for the big ones); the other lane
# compiles meanwhile. The Go caches are safe to share.
run_lanes() {
  # shellcheck disable=SC2086 # each lane is a word list of part names
  build_lane $1 & local lane_a=$!
  # shellcheck disable=SC2086
  build_lane $2 & local lane_b=$!
  local status=0
  wait "$lane_a" || status=$?
  wait "$lane_b" || status=$?
  return "$status"
}

# The late parts are what only some test files need: the tools (health, promtool, Helm) and the
# components only some files use (MinIO, Kueue). scripts/test.sh builds the core in two lanes, then
# the late parts in the background while the other test files run; their order here is
# test/support/late-parts-order.ts's. `cluster.sh up` by hand builds --cluster. Cold on 2 cores
# (2026-12-06, nothing else running): Kubernetes 1,057 s in one lane while SeaweedFS (822 s) and etcd
# (106 s) built in the other, then kwok 139 s: 1,196 s. With kwok in the second lane instead, the
# next run took 1,340 s (Kubernetes 1,340 s with kwok 307 s beside it; SeaweedFS 922 s): no gain,
# as the lanes only fill a core the other leaves idle while it downloads modules or links.
case "${1:-}" in
  "") run_lanes "kubernetes kwok kueue health" "seaweedfs etcd minio promtool helm" ;;
  --cluster) run_lanes "kubernetes kwok" "seaweedfs etcd minio kueue" ;;
  --core) run_lanes "kubernetes kwok" "seaweedfs etcd" ;;
  --late) build_lane health promtool minio kueue helm ;;
  *) build_lane "$@" ;;
esac

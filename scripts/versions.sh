# Pinned versions of every part the local cluster is built from. Sourced by the other scripts.
# Bump a version here and the cache key changes, so the next build rebuilds just that part.
KUBE_VERSION=v1.34.4
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.7.0
# MinIO's RELEASE.* tags are not semver; the proxy only serves pseudo-versions (master head, 2026-02-12).
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
# Helm (charts/tessera: lint, template, install in the tests); go.mod has no replace directives.
HELM_VERSION=v4.3.1
# SeaweedFS (the default local object store; MinIO's upstream was archived in April 2026). Its tags
# (4.xx) are not semver either: the proxy serves pseudo-versions (master head, 2026-11-09). Its go.mod
# has one replace (go-bip39 renamed), which build-parts.sh repeats in a wrapper module.
SEAWEEDFS_VERSION=v0.0.0-20261109003541-7506e5f91cd6
NODE_VERSION=24
# promtool (the chart's alert rules: `promtool check rules` / `test rules`); Prometheus 3.16's Go module
# is tagged v0.316.0; its go.mod has no replace directives.
PROMTOOL_VERSION=v0.316.0
# The base rootfs of Tessera's images (debootstrap minbase bookworm); bump it to rebuild the base.
BASE_IMAGE_VERSION=1
# npm in the locally seeded node:24-bookworm-slim (scripts/images/seed-base.sh), which runs the
# Dockerfile's `npm ci`; bump it to reseed the base.
NPM_VERSION=11.19.1

TESSERA_CACHE="${TESSERA_CACHE:-$HOME/.cache/tessera}"
GO_VERSION="$(go env GOVERSION 2>/dev/null || echo nogo)"
GO_ARCH="$(go env GOOS 2>/dev/null)-$(go env GOARCH 2>/dev/null)"

# part_dir NAME VERSION: the cache directory for one built part.
part_dir() { echo "$TESSERA_CACHE/bin/$1-$2-$GO_VERSION-$GO_ARCH"; }

KUBE_BIN="$(part_dir kubernetes "$KUBE_VERSION")"
ETCD_BIN="$(part_dir etcd "$ETCD_VERSION")"
KWOK_BIN="$(part_dir kwok "$KWOK_VERSION")"
MINIO_BIN="$(part_dir minio "$MINIO_VERSION")"
HELM_BIN="$(part_dir helm "$HELM_VERSION")"
# scripts/health (kstatus' and Argo CD's verdicts on Tessera's objects; its modules are pinned in
# scripts/health/go.mod): keyed by a hash of its sources, so any change to them rebuilds it.
HEALTH_VERSION="$(cat "$(dirname "${BASH_SOURCE[0]}")"/health/{go.mod,go.sum,*.go} 2>/dev/null | sha256sum | cut -c1-12)"
HEALTH_BIN="$(part_dir health "$HEALTH_VERSION")"
SEAWEEDFS_BIN="$(part_dir seaweedfs "$SEAWEEDFS_VERSION")"
PROMTOOL_BIN="$(part_dir promtool "$PROMTOOL_VERSION")"
# Kueue (scripts/cluster/kueue.sh; only cmd/kueue, go.mod has no replace directives). Its CRDs and
# webhook configurations are rendered from the same module's config/components.
KUEUE_VERSION=v0.17.0
KUEUE_BIN="$(part_dir kueue "$KUEUE_VERSION")"
# The peers of `npm run bench -- peers`, built only when that bench runs (build-parts.sh argo rclone).
# Argo Workflows' workflow-controller: v4.0.7 (2026-07-07), past the fixes of the June 2026 advisories
# (GHSA-48p8-g2fx-3wwm was fixed in 4.0.6, which the proxy does not serve; 4.0.5 is vulnerable). Its
# go.mod has no replace directives. Its CRDs come from the same module's manifests/.
ARGO_VERSION=v4.0.7
ARGO_BIN="$(part_dir argo "$ARGO_VERSION")"
# rclone (s3 and local backends, copy and sync commands only; build-parts.sh's wrapper main).
RCLONE_VERSION=v1.76.0
RCLONE_BIN="$(part_dir rclone "$RCLONE_VERSION")"

# Debian's buildah with Tessera's own storage, and the import of its images into the real node's
# containerd. Sourced by build.sh, which sets TESSERA_CACHE, RUN, LOG, log and die.
#
# Images and layers live under $TESSERA_CACHE/buildah (with --layers, a build whose inputs did not
# change reuses them, so a warm build redoes only `COPY src`); RUN --mount=type=cache directories go
# there too (buildah keeps them under TMPDIR). The run root (mount state) is under $RUN, which a
# reboot may clear.
BUILDAH_ROOT="$TESSERA_CACHE/buildah/storage"
BUILDAH_TMP="$TESSERA_CACHE/buildah/tmp"

# bh ARG...: buildah on Tessera's storage.
bh() {
  mkdir -p "$BUILDAH_TMP"
  TMPDIR="$BUILDAH_TMP" buildah --root "$BUILDAH_ROOT" --runroot "$RUN/buildah" --storage-driver overlay "$@"
}

# bud ARG...: `buildah bud` as `docker build` runs it, chroot isolation (no daemon, no user
# namespaces) and the host's network, never pulling: every FROM is in local storage.
bud() {
  bh bud --isolation chroot --network host --pull-never --layers --quiet "$@" >>"$LOG" 2>&1
}

# image_label NAME LABEL: LABEL of image NAME, empty if it has none or NAME is missing.
image_label() {
  bh inspect --type image --format "{{index .Docker.Config.Labels \"$2\"}}" "$1" 2>/dev/null || true
}

# load_image NAME ADDRESS: imports image NAME (a full reference, docker.io/tessera/operator:0.1.0)
# into the k8s.io namespace of the containerd at ADDRESS, where the kubelet's CRI looks. A docker
# archive carries its layers uncompressed (an OCI push would gzip them: 40 s here), so their
# digests are their diff ids and containerd skips every blob it already has: after a change to src/
# only the app layer is written and unpacked.
load_image() {
  local name="$1" address="$2" started archive; started=$(date +%s)
  if [[ "$(loaded_config "$name" "$address")" == "sha256:$(bh inspect --type image --format '{{.FromImageID}}' "$name")" ]]; then
    log "$name is loaded ($(image_digest "$name" "$address"))"
    return 0
  fi
  archive="$(mktemp -d "$BUILDAH_TMP/load.XXXXXX")"
  bh push --quiet "$name" "docker-archive:$archive/image.tar:$name" >>"$LOG" 2>&1 ||
    die "could not export $name from buildah; see $LOG"
  ctr --address "$address" --connect-timeout 5s -n k8s.io images import "$archive/image.tar" >>"$LOG" 2>&1 ||
    die "could not import $name into containerd at $address; see $LOG"
  rm -rf "$archive"
  log "loaded $name ($(image_digest "$name" "$address")) in $(( $(date +%s) - started ))s"
}

# loaded_config NAME ADDRESS: the config digest (buildah's image id) of the image containerd at
# ADDRESS holds as NAME, empty if none.
loaded_config() {
  local manifest; manifest="$(image_digest "$1" "$2")"
  [[ -n "$manifest" ]] || return 0
  ctr --address "$2" --connect-timeout 5s -n k8s.io content get "$manifest" 2>/dev/null |
    grep -o '"config":{[^}]*}' | grep -o 'sha256:[0-9a-f]\{64\}'
}

# image_digest NAME ADDRESS: the manifest digest containerd at ADDRESS holds for NAME.
image_digest() {
  ctr --address "$2" --connect-timeout 5s -n k8s.io images ls "name==$1" 2>/dev/null | awk 'NR == 2 { print $3 }'
}

# OCI images written by hand, with no registry and no daemon: each layer is a plain (uncompressed)
# tar cached under $IMAGES_CACHE/<key>/, an image is a config and a manifest over such layers in an
# OCI layout, and `ctr images import` loads the layout, streamed as a tar, into containerd.
# Sourced by build.sh, which sets IMAGES_CACHE, LOG, log and die.

# tar_layer DIR OUT [TAR-OPTION...]: DIR's contents as a reproducible tar: sorted, no atime/ctime,
# numeric owners, member names without a leading ./ (what docker save writes).
tar_layer() {
  local dir="$1" out="$2" entries; shift 2
  mapfile -t entries < <(ls -A "$dir")
  tar -C "$dir" --sort=name --numeric-owner --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime "$@" -cf "$out" -- "${entries[@]}"
}

# layer_record TAR: writes TAR's "sha256:<hex> <bytes>" next to it (an uncompressed layer's digest
# is also its diff id), and prints it.
layer_record() {
  local record; record="sha256:$(sha256sum "$1" | cut -d' ' -f1) $(stat -c %s "$1")"
  echo "$record" >"$(dirname "$1")/digest"
  echo "$record"
}

# cached_layer KEY MAKER: prints KEY's layer record, first running `MAKER OUT-TAR` if the cache has no
# complete layer for KEY. Other layers of the same kind (KEY up to its first -) are then pruned.
cached_layer() {
  local key="$1" maker="$2" dir="$IMAGES_CACHE/$1"
  if [[ -f "$dir/digest" && -f "$dir/layer.tar" ]]; then cat "$dir/digest"; return 0; fi
  local started; started=$(date +%s)
  log "building layer $key"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  "$maker" "$dir.tmp/layer.tar"
  layer_record "$dir.tmp/layer.tar" >/dev/null
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  find "$IMAGES_CACHE" -mindepth 1 -maxdepth 1 -name "${key%%-*}-*" ! -name "$key" -exec rm -rf {} +
  log "built layer $key ($(( $(stat -c %s "$dir/layer.tar") / 1048576 )) MiB) in $(( $(date +%s) - started ))s"
  cat "$dir/digest"
}

# json_strings A B...: a JSON array of strings (no escaping: callers pass plain words and paths).
json_strings() { local out="" s; for s in "$@"; do out+="${out:+,}\"$s\""; done; echo "[$out]"; }

# put_blob LAYOUT FILE: moves FILE into LAYOUT's blob directory; prints its descriptor's digest and size.
put_blob() {
  local hex size; hex="$(sha256sum "$2" | cut -d' ' -f1)"; size="$(stat -c %s "$2")"
  mv -f "$2" "$1/blobs/sha256/$hex"
  echo "sha256:$hex $size"
}

# write_layout LAYOUT NAME CONFIG-FIELDS LAYER-TAR...: an OCI image layout for image NAME (a full
# reference such as docker.io/tessera/operator:dev) whose config carries CONFIG-FIELDS (the inside
# of the config's "config" object) over the given layers, in order. Layers are symlinked, not copied.
write_layout() {
  local layout="$1" name="$2" fields="$3"; shift 3
  rm -rf "$layout" && mkdir -p "$layout/blobs/sha256"
  local tar digest size diff_ids="" layers=""
  for tar in "$@"; do
    read -r digest size <"$(dirname "$tar")/digest"
    ln -sf "$tar" "$layout/blobs/sha256/${digest#sha256:}"
    diff_ids+="${diff_ids:+,}\"$digest\""
    layers+="${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"$digest\",\"size\":$size}"
  done
  printf '{"architecture":"amd64","os":"linux","config":{%s},"rootfs":{"type":"layers","diff_ids":[%s]}}' \
    "$fields" "$diff_ids" >"$layout/config.json"
  read -r digest size < <(put_blob "$layout" "$layout/config.json")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[%s]}' \
    "$digest" "$size" "$layers" >"$layout/manifest.json"
  read -r digest size < <(put_blob "$layout" "$layout/manifest.json")
  # io.containerd.image.name gives ctr import the full name; ref.name is the OCI spelling of the tag.
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$digest" "$size" "$name" "${name##*:}" >"$layout/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
  echo "$name" >"$layout/name"
  echo "$digest" >"$layout/manifest-digest"
}

# load_layout LAYOUT ADDRESS: imports LAYOUT into the k8s.io namespace of the containerd at ADDRESS
# (where the kubelet's CRI looks), unless that containerd already has the same manifest under the name.
# Only blobs containerd lacks go into the stream (the importer copies every blob it is given, present
# or not, and does not need the ones it has), so after a change to src/ just the app layer travels.
load_layout() {
  local layout="$1" address="$2" name want have
  local ctr_k8s=(ctr --address "$address" --connect-timeout 5s -n k8s.io)
  name="$(cat "$layout/name")" want="$(cat "$layout/manifest-digest")"
  have="$("${ctr_k8s[@]}" images ls "name==$name" 2>/dev/null | awk 'NR == 2 { print $3 }')"
  if [[ "$have" == "$want" ]]; then log "$name is loaded ($want)"; return 0; fi
  local started present blob members=(oci-layout index.json); started=$(date +%s)
  present="$("${ctr_k8s[@]}" content ls -q 2>/dev/null || true)"
  for blob in "$layout"/blobs/sha256/*; do
    grep -qx "sha256:${blob##*/}" <<<"$present" || members+=("blobs/sha256/${blob##*/}")
  done
  tar -C "$layout" -ch "${members[@]}" | "${ctr_k8s[@]}" images import - >>"$LOG" 2>&1 ||
    die "could not import $name into containerd at $address; see $LOG"
  log "loaded $name ($want, $(( ${#members[@]} - 2 )) new blobs) in $(( $(date +%s) - started ))s"
}

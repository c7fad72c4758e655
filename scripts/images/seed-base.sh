# Seeds docker.io/library/node:24-bookworm-slim into buildah's local storage, so the top-level
# Dockerfile builds here unchanged with --pull-never. Sourced by build.sh (needs repo, here,
# IMAGES_CACHE, LOG, log, die, ensure_packages, unmount_under and buildah.sh's functions).
#
# The seed is rebuilt only when its key changes: the base rootfs version (BASE_IMAGE_VERSION), the
# Node binary's version and NPM_VERSION. The debootstrapped rootfs and npm's tarball are cached too,
# under $IMAGES_CACHE, so reseeding for a new Node is seconds.
NODE_BASE_IMAGE=docker.io/library/node:24-bookworm-slim
SEED_LABEL=dev.tessera.seed

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

# bookworm_rootfs: prints the path of a tar of Debian bookworm from debootstrap --variant=minbase,
# without apt's caches, docs and locales (what Debian's slim images leave out), made once per
# BASE_IMAGE_VERSION.
bookworm_rootfs() {
  local tar="$IMAGES_CACHE/rootfs-bookworm-minbase-$BASE_IMAGE_VERSION.tar"
  [[ -f "$tar" ]] && { echo "$tar"; return 0; }
  local root mirror started; started=$(date +%s)
  mirror="$(debian_mirror)"
  log "debootstrap --variant=minbase bookworm from $mirror (log $LOG)"
  # A directory of its own, so two cold builds at once do not share a target.
  root="$(mktemp -d "$IMAGES_CACHE/rootfs.XXXXXX")"
  # debootstrap mounts /proc and /sys inside the target; never leave them there, even on failure.
  if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >>"$LOG" 2>&1; then
    unmount_under "$root"
    die "debootstrap failed; see $LOG"
  fi
  unmount_under "$root"
  rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/var/log/* "$root"/dev/* \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
  tar -C "$root" --numeric-owner -cf "$root.tar" . && mv "$root.tar" "$tar"
  rm -rf "$root"
  log "debootstrapped bookworm in $(( $(date +%s) - started ))s"
  echo "$tar"
}

# npm_tarball: prints the path of npm $NPM_VERSION's package tarball, fetched once with `npm pack`.
npm_tarball() {
  local tgz="$IMAGES_CACHE/npm-$NPM_VERSION.tgz" dir
  [[ -f "$tgz" ]] && { echo "$tgz"; return 0; }
  dir="$(mktemp -d "$IMAGES_CACHE/npm.XXXXXX")"
  (cd "$dir" && npm pack --silent "npm@$NPM_VERSION" >>"$LOG" 2>&1) || die "npm pack npm@$NPM_VERSION failed; see $LOG"
  mv "$dir/npm-$NPM_VERSION.tgz" "$tgz" && rm -rf "$dir"
  echo "$tgz"
}

# node_binary: the real Node executable behind node_modules/.bin/node (the npm package `node`).
node_binary() {
  local bin; bin="$(readlink -f "$repo/node_modules/.bin/node" 2>/dev/null || true)"
  [[ -x "$bin" ]] || die "no Node binary at $repo/node_modules/.bin/node; run npm ci first"
  echo "$bin"
}

# seed_node_base: $NODE_BASE_IMAGE in buildah's storage, built from node-base/Dockerfile unless the
# image there already carries the current seed key.
seed_node_base() {
  local key; key="bookworm-minbase-$BASE_IMAGE_VERSION-node-$("$(node_binary)" --version)-npm-$NPM_VERSION"
  [[ "$(image_label "$NODE_BASE_IMAGE" "$SEED_LABEL")" == "$key" ]] && return 0
  ensure_packages debootstrap:debootstrap
  local context started; started=$(date +%s)
  context="$(mktemp -d "$IMAGES_CACHE/seed.XXXXXX")"
  ln "$(bookworm_rootfs)" "$context/rootfs.tar" 2>/dev/null || cp "$(bookworm_rootfs)" "$context/rootfs.tar"
  install -m 0755 "$(node_binary)" "$context/node"
  mkdir "$context/npm" && tar -C "$context/npm" --strip-components=1 --no-same-owner -xzf "$(npm_tarball)"
  log "seeding $NODE_BASE_IMAGE ($key)"
  bud --label "$SEED_LABEL=$key" -t "$NODE_BASE_IMAGE" -f "$here/node-base/Dockerfile" "$context" ||
    die "could not seed $NODE_BASE_IMAGE; see $LOG"
  rm -rf "$context"
  log "seeded $NODE_BASE_IMAGE in $(( $(date +%s) - started ))s"
}

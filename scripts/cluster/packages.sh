# Debian packages the scripts need, installed the first time they are missing, so a clean CI machine
# needs nothing but `npm ci && npm test`. Sourced by cluster.sh and images/build.sh; needs log and die.

# ensure_packages PACKAGE:PROBE...: installs every PACKAGE whose PROBE is missing. A PROBE starting with
# / is a file that must exist, anything else a command that must be on PATH. apt-get refreshes its
# package lists only when an install from the current ones fails (a fresh machine has none).
ensure_packages() {
  local pair probe missing=()
  for pair in "$@"; do
    probe="${pair#*:}"
    if [[ "$probe" == /* ]]; then [[ -e "$probe" ]] && continue
    else command -v "$probe" >/dev/null 2>&1 && continue; fi
    missing+=("${pair%%:*}")
  done
  (( ${#missing[@]} == 0 )) && return 0
  local started; started=$(date +%s)
  log "installing Debian packages: ${missing[*]} (apt log: $LOGS/apt.log)"
  mkdir -p "$LOGS"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${missing[@]}" >>"$LOGS/apt.log" 2>&1; then
    apt-get update >>"$LOGS/apt.log" 2>&1 || die "apt-get update failed; see $LOGS/apt.log"
    apt-get install -y --no-install-recommends "${missing[@]}" >>"$LOGS/apt.log" 2>&1 ||
      die "could not install ${missing[*]}; see $LOGS/apt.log (needs root and Debian's archive)"
  fi
  log "installed ${missing[*]} in $(( $(date +%s) - started ))s"
}

# unmount_under DIR: unmounts every mount point at or below DIR, deepest first (lazily if busy), so
# DIR can be deleted without reaching into a mounted /proc or a container's rootfs.
unmount_under() {
  local dir mnt
  dir="$(realpath -m "$1")"
  # Field 5 of mountinfo is the mount point; octal escapes (\040 for a space) are decoded by printf.
  awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r |
    while read -r mnt; do
      mnt="$(printf '%b' "$mnt")"
      umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
    done
}

# Kueue in the local cluster (on unless TESSERA_KUEUE=0): the kueue manager as a host process
# with the admin kubeconfig, its webhook server on the node address with a serving pair from the
# cluster CA, its CRDs and webhook configurations from its module (scripts/kueue/manifests.ts), and
# a ResourceFlavor per kwok pool. Sourced by cluster.sh, after versions.sh, pki.sh and nodes.sh.
# It manages batch/Jobs and pods, and only those with a queue label (manageJobsWithoutQueueName:
# false): every other Job and pod in the cluster is untouched. Pods carry one only in a Kueue pod
# group (a ComputePlan round admitted whole, docs/kueue.md).

KUEUE_WEBHOOK_PORT="${TESSERA_KUEUE_WEBHOOK_PORT:-39443}"
KUEUE_HEALTH_PORT="${TESSERA_KUEUE_HEALTH_PORT:-39081}"
KUEUE_METRICS_PORT="${TESSERA_KUEUE_METRICS_PORT:-39080}"

kueue_enabled() { [[ "${TESSERA_KUEUE:-1}" != 0 ]]; }

kueue_module_dir() {
  GOMODCACHE="$TESSERA_CACHE/go/mod" GOFLAGS=-mod=mod GOTOOLCHAIN=local \
    go mod download -json "sigs.k8s.io/kueue@$KUEUE_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p'
}

make_kueue_pki() {
  [[ -f "$PKI/kueue/tls.crt" ]] && return 0
  sign_leaf kueue-webhook /CN=kueue-webhook "$(printf '%s\n' "subjectAltName=IP:$NODE_IP,IP:127.0.0.1" \
    'extendedKeyUsage=serverAuth' 'keyUsage=digitalSignature,keyEncipherment')"
  mkdir -p "$PKI/kueue"
  mv "$PKI/kueue-webhook.crt" "$PKI/kueue/tls.crt"; mv "$PKI/kueue-webhook.key" "$PKI/kueue/tls.key"
}

write_kueue_config() {
  cat >"$RUN/kueue.yaml" <<YAML
apiVersion: config.kueue.x-k8s.io/v1beta2
kind: Configuration
namespace: kueue-system
health: {healthProbeBindAddress: "127.0.0.1:$KUEUE_HEALTH_PORT"}
metrics: {bindAddress: "127.0.0.1:$KUEUE_METRICS_PORT"}
webhook: {host: "$NODE_IP", port: $KUEUE_WEBHOOK_PORT, certDir: "$PKI/kueue"}
leaderElection: {leaderElect: false}
internalCertManagement: {enable: false}
manageJobsWithoutQueueName: false
clientConnection: {qps: 100, burst: 200}
integrations: {frameworks: ["batch/job", "pod"]}
YAML
}

# kueue_flavors: a ResourceFlavor per kwok pool, pinned to its nodes; device pools name their taint.
kueue_flavors() {
  local spec pool devices resource taint label
  for spec in $TESSERA_NODE_POOLS; do
    IFS=: read -r pool _ _ _ devices _ resource <<<"$spec"
    printf 'apiVersion: kueue.x-k8s.io/v1beta2\nkind: ResourceFlavor\nmetadata: {name: %s}\nspec:\n  nodeLabels: {tessera.dev/pool: %s}\n' "$pool" "$pool"
    if (( ${devices:-0} > 0 )); then
      read -r taint label <<<"$(vendor_of "${resource:-nvidia.com/gpu}")"
      printf '  nodeTaints: [{key: %s, value: present, effect: NoSchedule}]\n' "$taint"
    fi
    echo ---
  done
}

apply_kueue_flavors() { kueue_flavors | kubectl apply -f -; }

kueue_ready() { curl -fs --max-time 2 "http://127.0.0.1:$KUEUE_HEALTH_PORT/readyz"; }

# The CRDs are applied server-side: the workload CRD alone is too big for last-applied-configuration.
install_kueue_manifests() {
  local dir; dir="$(kueue_module_dir)"
  [[ -n "$dir" ]] || die "kueue: module sigs.k8s.io/kueue@$KUEUE_VERSION not in the module cache (run build-parts.sh kueue)"
  local node="$here/../node_modules/.bin/node"
  [[ -x "$node" ]] || die "kueue: its manifests are rendered with the project's Node 24 ($node): run npm ci first, or TESSERA_KUEUE=0"
  kubectl create namespace kueue-system --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  "$node" "$here/kueue/manifests.ts" "$dir" "https://$NODE_IP:$KUEUE_WEBHOOK_PORT" "$PKI/ca.crt" |
    kubectl apply --server-side --force-conflicts -f - >/dev/null
  kubectl wait --for condition=Established --timeout 60s crd --all >/dev/null
}

# Kueue reads its metrics serving pair from a fixed path when it does not manage certificates itself
# (cmd/kueue/main.go); the same pair as its webhook's serves there, through a link into the run dir.
KUEUE_METRICS_CERTS=/etc/kueue/metrics/certs

link_kueue_metrics_certs() {
  mkdir -p "$(dirname "$KUEUE_METRICS_CERTS")"
  ln -sfn "$PKI/kueue" "$KUEUE_METRICS_CERTS"
}

start_kueue() {
  make_kueue_pki
  link_kueue_metrics_certs
  write_kueue_config
  install_kueue_manifests
  start kueue "$KUEUE_BIN/kueue" --config "$RUN/kueue.yaml" --kubeconfig "$KUBECONFIG_PATH" \
    --feature-gates VisibilityOnDemand=false --zap-log-level info
  wait_for kueue 90 kueue_ready
  # The flavors go through Kueue's own webhooks, so only once it answers.
  wait_for kueue 30 apply_kueue_flavors
}

#!/usr/bin/env bash
# The local Kubernetes every Tessera test runs against, built from Go modules by build-parts.sh:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok-simulated CPU and GPU nodes,
# MinIO and SeaweedFS (the S3 stores; TESSERA_DEFAULT_STORE picks the one TESSERA_S3_ENDPOINT names),
# and one real node (kubelet + containerd + kube-proxy, cluster/real-node.sh; off with
# TESSERA_REAL_NODE=0). Components listen on 127.0.0.1, except those pods must reach (apiserver,
# MinIO, kubelet), which listen on 10.200.0.1, an address on a veth this script creates.
#
#   cluster.sh up       build what is missing, start what is not running, wait until all is healthy
#   cluster.sh down     stop every component by PID and delete its state (logs are kept)
#   cluster.sh status   say what runs and whether it is healthy (exit 0 only when all is)
#   cluster.sh env      print the variables a client needs (KUBECONFIG, S3 endpoint and keys)
#   cluster.sh restart COMPONENT   stop one component and start it again (fault-injection tests);
#                                  containerd, kubelet and kube-proxy are components of the real node
#   cluster.sh stop|start COMPONENT   the two halves of restart, for an outage of a chosen length
#
# Logs: $TESSERA_RUN_DIR/logs/<component>.log (default run dir /tmp/tessera-cluster).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/versions.sh"
source "$here/cluster/pki.sh"
source "$here/cluster/nodes.sh"
source "$here/cluster/packages.sh"

RUN="${TESSERA_RUN_DIR:-/tmp/tessera-cluster}"
PKI="$RUN/pki" LOGS="$RUN/logs" PIDS="$RUN/pids"
KUBECONFIG_PATH="$RUN/kubeconfig"
ETCD_PORT="${TESSERA_ETCD_PORT:-32379}"
APISERVER_PORT="${TESSERA_APISERVER_PORT:-36443}"
KCM_PORT="${TESSERA_KCM_PORT:-30257}"
SCHEDULER_PORT="${TESSERA_SCHEDULER_PORT:-30259}"
KWOK_PORT="${TESSERA_KWOK_PORT:-30247}"
MINIO_PORT="${TESSERA_MINIO_PORT:-39000}"
MINIO_USER=tessera-admin MINIO_PASSWORD=tessera-admin-secret
# SeaweedFS (`weed server -s3`: master, volume, filer and S3 gateway in one process). Its S3 port and
# the internal ones (each with a gRPC port 10000 above) are pinned, so none lands on a default (8080…).
SEAWEEDFS_S3_PORT="${TESSERA_SEAWEEDFS_PORT:-39100}"
SEAWEEDFS_MASTER_PORT=$(( SEAWEEDFS_S3_PORT + 1 )) SEAWEEDFS_VOLUME_PORT=$(( SEAWEEDFS_S3_PORT + 2 ))
SEAWEEDFS_FILER_PORT=$(( SEAWEEDFS_S3_PORT + 3 ))
# The store the operator and the tests use by default (TESSERA_S3_ENDPOINT): seaweedfs or minio.
# SeaweedFS: MinIO's upstream was archived in April 2026 and gets no security fixes; MinIO stays for
# test/integration/s3-compatibility.test.ts, which runs against both.
DEFAULT_STORE="${TESSERA_DEFAULT_STORE:-seaweedfs}"
# The apiserver advertises an address on a veth we create, never eth0's (README, The local cluster). It
# and MinIO also listen there (not on 127.0.0.1), so host processes and pods use the same endpoints.
NODE_LINK=tsr0 NODE_IP="${TESSERA_NODE_IP:-10.200.0.1}"
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok minio seaweedfs)
# --- real node (cluster/real-node.sh) ---
source "$here/cluster/real-node.sh"
# --- end real node ---
# --- kueue (cluster/kueue.sh; TESSERA_KUEUE=0 leaves it out) ---
source "$here/cluster/kueue.sh"
if kueue_enabled; then COMPONENTS+=(kueue); fi
# --- end kueue ---

log() { echo "[cluster $(date +%H:%M:%S)] $*" >&2; }
die() { echo "cluster: $*" >&2; exit 1; }

pid_of() { [[ -f "$PIDS/$1" ]] && cat "$PIDS/$1" || true; }
is_running() { local pid; pid="$(pid_of "$1")"; [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; }

# start NAME BINARY ARGS...: runs a component in its own session, logging to logs/NAME.log.
start() {
  local name="$1"; shift
  is_running "$name" && return 0
  # fd 9 holds the command lock (see the bottom of this file); a component must not inherit it, or the
  # lock would be held for as long as the component runs and every later command would wait for ever.
  # The same goes for any lock a caller holds on fds 3-8 (`flock FILE cluster.sh …` holds fd 3).
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
  echo $! >"$PIDS/$name"
  log "started $name (pid $!), log $LOGS/$name.log"
}

# wait_for NAME SECONDS CHECK...: polls CHECK until it succeeds; on timeout shows the log's tail.
wait_for() {
  local name="$1" timeout="$2"; shift 2
  local deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    if ! is_running "$name"; then tail -n 30 "$LOGS/$name.log" >&2 || true; die "$name exited; see $LOGS/$name.log"; fi
    if (( $(date +%s) > deadline )); then tail -n 30 "$LOGS/$name.log" >&2 || true; die "$name not healthy after ${timeout}s; see $LOGS/$name.log"; fi
    sleep 0.5
  done
}

https_ok() { curl -fsk --max-time 2 "$1"; }
kubectl() { "$KUBE_BIN/kubectl" --kubeconfig "$KUBECONFIG_PATH" "$@"; }
apiserver_ready() { curl -fs --max-time 2 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "https://$NODE_IP:$APISERVER_PORT/readyz"; }

ensure_node_link() {
  ip -br addr show dev "$NODE_LINK" 2>/dev/null | grep -q "$NODE_IP" && return 0
  ip link add "$NODE_LINK" type veth peer name "${NODE_LINK}p" 2>/dev/null || true
  ip addr add "$NODE_IP/32" dev "$NODE_LINK" 2>/dev/null || true
  ip link set "$NODE_LINK" up && ip link set "${NODE_LINK}p" up ||
    die "could not create the veth $NODE_LINK with $NODE_IP (needs root and iproute2)"
}

write_kubeconfig() {
  cat >"$KUBECONFIG_PATH" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: tessera-local
  cluster:
    server: https://$NODE_IP:$APISERVER_PORT
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: admin
  user:
    client-certificate-data: $(base64 -w0 "$PKI/admin.crt")
    client-key-data: $(base64 -w0 "$PKI/admin.key")
contexts:
- name: tessera-local
  context: {cluster: tessera-local, user: admin}
current-context: tessera-local
YAML
}

start_etcd() {
  start etcd "$ETCD_BIN/etcd" --name tessera --data-dir "$RUN/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$(( ETCD_PORT + 1 ))" --initial-advertise-peer-urls "http://127.0.0.1:$(( ETCD_PORT + 1 ))" \
    --initial-cluster "tessera=http://127.0.0.1:$(( ETCD_PORT + 1 ))" \
    --unsafe-no-fsync=true --quota-backend-bytes=4294967296 --log-level=warn
  wait_for etcd 30 curl -fs --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"
}

# Every write, by whom and with which User-Agent, at Metadata level: fault tests count a replica's
# writes from here (an operator's own metrics die with it), and a post-mortem sees who changed what.
write_audit_policy() {
  cat >"$RUN/audit-policy.yaml" <<YAML
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    verbs: [create, update, patch, delete, deletecollection]
  - level: None
YAML
}

start_apiserver() {
  write_audit_policy
  make_front_proxy_pki "$NODE_IP"
  start kube-apiserver "$KUBE_BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" --bind-address "$NODE_IP" --secure-port "$APISERVER_PORT" \
    --advertise-address "$NODE_IP" --cert-dir "$PKI" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --client-ca-file "$PKI/ca.crt" --authorization-mode RBAC --allow-privileged=true \
    --service-cluster-ip-range 10.0.0.0/24 \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --kubelet-client-certificate "$PKI/admin.crt" --kubelet-client-key "$PKI/admin.key" \
    --kubelet-preferred-address-types InternalIP \
    --max-requests-inflight 800 --max-mutating-requests-inflight 400 \
    --profiling="${TESSERA_APISERVER_PROFILING:-false}" \
    --audit-policy-file "$RUN/audit-policy.yaml" --audit-log-path "$LOGS/audit.log" --audit-log-format json \
    --audit-log-maxsize 200 --audit-log-maxbackup 1 --audit-log-mode blocking \
    --requestheader-client-ca-file "$PKI/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$PKI/front-proxy-client.crt" --proxy-client-key-file "$PKI/front-proxy-client.key" \
    --enable-aggregator-routing=true
  wait_for kube-apiserver 90 apiserver_ready
  write_kubeconfig
}

start_controller_manager() {
  start kube-controller-manager "$KUBE_BIN/kube-controller-manager" \
    --kubeconfig "$KUBECONFIG_PATH" --authentication-kubeconfig "$KUBECONFIG_PATH" \
    --authorization-kubeconfig "$KUBECONFIG_PATH" --bind-address 127.0.0.1 --secure-port "$KCM_PORT" \
    --leader-elect=false --root-ca-file "$PKI/ca.crt" --service-account-private-key-file "$PKI/sa.key" \
    --use-service-account-credentials=false --kube-api-qps 200 --kube-api-burst 400 \
    --concurrent-job-syncs 20 --concurrent-gc-syncs 40 \
    --controllers job-controller,garbage-collector-controller,clusterrole-aggregation-controller,namespace-controller,ttl-after-finished-controller,pod-garbage-collector-controller,node-lifecycle-controller,serviceaccount-controller,serviceaccount-token-controller,root-ca-certificate-publisher-controller,deployment-controller,replicaset-controller,endpointslice-controller,endpoints-controller
  wait_for kube-controller-manager 60 https_ok "https://127.0.0.1:$KCM_PORT/healthz"
}

start_scheduler() {
  cat >"$RUN/scheduler.yaml" <<YAML
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection: {kubeconfig: $KUBECONFIG_PATH, qps: 200, burst: 400}
leaderElection: {leaderElect: false}
YAML
  start kube-scheduler "$KUBE_BIN/kube-scheduler" --config "$RUN/scheduler.yaml" \
    --authentication-kubeconfig "$KUBECONFIG_PATH" --authorization-kubeconfig "$KUBECONFIG_PATH" \
    --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT"
  wait_for kube-scheduler 60 https_ok "https://127.0.0.1:$SCHEDULER_PORT/healthz"
}

start_kwok() {
  start kwok "$KWOK_BIN/kwok" --kubeconfig "$KUBECONFIG_PATH" --config "$here/cluster/kwok-pod-stages.yaml" \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake --cidr 10.244.0.0/16 \
    --node-ip "$NODE_IP" --node-lease-duration-seconds 40 --server-address "127.0.0.1:$KWOK_PORT"
  wait_for kwok 60 curl -fs --max-time 2 "http://127.0.0.1:$KWOK_PORT/healthz"
}

start_minio() {
  mkdir -p "$RUN/minio"
  MINIO_ROOT_USER="$MINIO_USER" MINIO_ROOT_PASSWORD="$MINIO_PASSWORD" MINIO_BROWSER=off MINIO_UPDATE=off \
    start minio "$MINIO_BIN/minio" server --address "$NODE_IP:$MINIO_PORT" --quiet "$RUN/minio"
  wait_for minio 60 curl -fs --max-time 2 "http://$NODE_IP:$MINIO_PORT/minio/health/ready"
}

# The S3 identity the tests and the operator use: the same keys as MinIO's root user, all actions.
write_seaweedfs_s3_config() {
  cat >"$RUN/seaweedfs-s3.json" <<JSON
{"identities": [{"name": "tessera-admin", "credentials": [{"accessKey": "$MINIO_USER", "secretKey": "$MINIO_PASSWORD"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
JSON
}

seaweedfs_ready() { curl -fs --max-time 2 "http://$NODE_IP:$SEAWEEDFS_S3_PORT/healthz"; }

# Telemetry off (it would phone home); small volumes and no volume cap, since every bucket is a
# collection that grows volumes of its own, and tests create many buckets.
start_seaweedfs() {
  mkdir -p "$RUN/seaweedfs"
  write_seaweedfs_s3_config
  start seaweedfs "$SEAWEEDFS_BIN/weed" server -ip "$NODE_IP" -ip.bind "$NODE_IP" -dir "$RUN/seaweedfs" \
    -master.port "$SEAWEEDFS_MASTER_PORT" -master.telemetry=false -master.volumeSizeLimitMB 64 -volume.max 0 \
    -volume.port "$SEAWEEDFS_VOLUME_PORT" -filer.port "$SEAWEEDFS_FILER_PORT" \
    -s3 -s3.port "$SEAWEEDFS_S3_PORT" -s3.config "$RUN/seaweedfs-s3.json" -s3.port.iceberg 0 -s3.port.lance 0
  wait_for seaweedfs 90 seaweedfs_ready
}

# store_endpoint NAME: the S3 endpoint of one local store.
store_endpoint() {
  case "$1" in
    minio) echo "http://$NODE_IP:$MINIO_PORT" ;;
    seaweedfs) echo "http://$NODE_IP:$SEAWEEDFS_S3_PORT" ;;
    *) die "TESSERA_DEFAULT_STORE must be minio or seaweedfs, not '$1'" ;;
  esac
}

# nodes_ready: every node the pools declare is Ready. Nodes others add (a benchmark's, left behind
# by a killed run) neither count nor stop the cluster from being healthy.
nodes_ready() {
  local ready name
  ready="$(kubectl get nodes -l type=kwok -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}')"
  for name in $(expected_node_names); do grep -qx "$name=True" <<<"$ready" || return 1; done
}

# Pods are refused until the namespace's default ServiceAccount exists (ServiceAccount admission).
default_service_account() { kubectl -n default get serviceaccount default; }

create_nodes() {
  all_node_manifests | kubectl apply -f - >/dev/null
  wait_for kwok 90 nodes_ready
  wait_for kube-controller-manager 60 default_service_account
}

# late_pending NAME: MinIO or Kueue is not built yet because scripts/test.sh builds it in the background
# (TESSERA_LATE_BUILD_PID); the cluster comes up without it and the test file that needs it starts it
# (test/support/late-parts.ts). Every other time, `up` builds what it starts.
late_pending() {
  local dir
  case "$1" in minio) dir="$MINIO_BIN" ;; kueue) dir="$KUEUE_BIN" ;; *) return 1 ;; esac
  [[ ! -f "$dir/.complete" && -n "${TESSERA_LATE_BUILD_PID:-}" ]] && kill -0 "$TESSERA_LATE_BUILD_PID" 2>/dev/null
}

# start_unless_pending NAME: starts a component, or says why not yet.
start_unless_pending() {
  if late_pending "$1"; then log "$1 is building in the background; the first test file that needs it starts it"
  else "start_$1"; fi
}

cmd_up() {
  local t0; t0=$(date +%s)
  if [[ -n "${TESSERA_LATE_BUILD_PID:-}" ]]; then "$here/build-parts.sh" --core; else "$here/build-parts.sh" --cluster; fi
  if cmd_status >/dev/null 2>&1; then log "already up ($RUN)"; return 0; fi
  mkdir -p "$LOGS" "$PIDS"
  ensure_node_link
  make_pki "$NODE_IP"
  start_etcd
  start_apiserver
  start_controller_manager
  start_scheduler
  start_kwok
  start_unless_pending minio
  start_seaweedfs
  create_nodes
  if real_node_enabled; then start_real_node; fi # real node
  if kueue_enabled; then start_unless_pending kueue; fi # kueue
  log "up in $(( $(date +%s) - t0 ))s; export KUBECONFIG=$KUBECONFIG_PATH"
}

# stop_component NAME: SIGTERM, then SIGKILL after 10 s.
stop_component() {
  local pid i; pid="$(pid_of "$1")"
  [[ -z "$pid" ]] && return 0
  kill -TERM "$pid" 2>/dev/null || true
  for (( i = 0; i < 50; i++ )); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PIDS/$1"
}

cmd_restart() {
  local name="${1:-}"
  if [[ " ${REAL_NODE_COMPONENTS[*]} " == *" $name "* ]]; then # real node
    stop_component "$name"; restart_real_node_component "$name"; return 0
  fi
  cmd_stop "$name"
  cmd_start "$name"
}

cmd_stop() {
  local name="${1:-}"
  [[ " ${COMPONENTS[*]} " == *" $name "* ]] || die "stop needs one of: ${COMPONENTS[*]}"
  stop_component "$name"
}

cmd_start() {
  local name="${1:-}"
  [[ " ${COMPONENTS[*]} " == *" $name "* ]] || die "start needs one of: ${COMPONENTS[*]}"
  is_running "$name" && return 0
  case "$name" in
    etcd) start_etcd ;;
    kube-apiserver) start_apiserver ;;
    kube-controller-manager) start_controller_manager ;;
    kube-scheduler) start_scheduler ;;
    kwok) start_kwok ;;
    minio) start_minio ;;
    seaweedfs) start_seaweedfs ;;
    kueue) start_kueue ;;
  esac
}

cmd_down() {
  local i
  stop_real_node # real node: first, while the apiserver still answers
  stop_component kueue; rm -f "$KUEUE_METRICS_CERTS" # kueue: whether or not TESSERA_KUEUE is set now
  for (( i = ${#COMPONENTS[@]} - 1; i >= 0; i-- )); do stop_component "${COMPONENTS[$i]}"; done
  # Logs stay for a post-mortem; state goes, so the next `up` starts clean.
  rm -rf "$RUN/etcd" "$RUN/minio" "$RUN/seaweedfs" "$PKI" "$PIDS" "$KUBECONFIG_PATH" "$RUN/scheduler.yaml"
  log "down"
}

# component_health NAME: exit 0 when the component runs and answers its health check.
component_health() {
  is_running "$1" || return 1
  case "$1" in
    etcd) curl -fs --max-time 2 "http://127.0.0.1:$ETCD_PORT/health" ;;
    kube-apiserver) apiserver_ready ;;
    kube-controller-manager) https_ok "https://127.0.0.1:$KCM_PORT/healthz" ;;
    kube-scheduler) https_ok "https://127.0.0.1:$SCHEDULER_PORT/healthz" ;;
    kwok) curl -fs --max-time 2 "http://127.0.0.1:$KWOK_PORT/healthz" ;;
    minio) curl -fs --max-time 2 "http://$NODE_IP:$MINIO_PORT/minio/health/ready" ;;
    seaweedfs) seaweedfs_ready ;;
    kueue) kueue_ready ;;
  esac
}

cmd_status() {
  local name healthy=0
  for name in "${COMPONENTS[@]}"; do
    if late_pending "$name"; then echo "$name: building in the background"
    elif component_health "$name" >/dev/null 2>&1; then echo "$name: healthy (pid $(pid_of "$name"))"
    elif is_running "$name"; then echo "$name: running, not healthy (log $LOGS/$name.log)"; healthy=1
    else echo "$name: not running"; healthy=1; fi
  done
  if (( healthy == 0 )) && nodes_ready 2>/dev/null; then echo "nodes: $(expected_node_count) ready"; else echo "nodes: not all ready"; healthy=1; fi
  if real_node_enabled; then real_node_status || healthy=1; fi # real node
  return "$healthy"
}

cmd_env() {
  cat <<ENV
export KUBECONFIG=$KUBECONFIG_PATH
export TESSERA_KUBECTL=$KUBE_BIN/kubectl
export TESSERA_S3_ENDPOINT=$(store_endpoint "$DEFAULT_STORE")
export TESSERA_MINIO_ENDPOINT=$(store_endpoint minio)
export TESSERA_SEAWEEDFS_ENDPOINT=$(store_endpoint seaweedfs)
export TESSERA_S3_ACCESS_KEY=$MINIO_USER
export TESSERA_S3_SECRET_KEY=$MINIO_PASSWORD
export TESSERA_RUN_DIR=$RUN
export TESSERA_NODE_IP=$NODE_IP
export TESSERA_PKI=$PKI
ENV
  if real_node_enabled; then real_node_env; fi # real node
}

# One command at a time per run directory: two concurrent `up`s would race for the same ports.
if [[ "${1:-}" == up || "${1:-}" == down || "${1:-}" == restart || "${1:-}" == stop || "${1:-}" == start ]]; then
  mkdir -p "$(dirname "$RUN")"
  exec 9>"$RUN.lock"
  flock 9
fi

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  restart) cmd_restart "${2:-}" ;;
  stop) cmd_stop "${2:-}" ;;
  start) cmd_start "${2:-}" ;;
  *) echo "usage: cluster.sh up|down|status|env|restart|stop|start COMPONENT" >&2; exit 2 ;;
esac

# The real node beside the kwok nodes (README, The real node): kubelet on Debian's containerd 1.6 and
# runc (cgroup v1, cgroupfs), pods on a CNI bridge, Services through kube-proxy in iptables mode.
# Sourced by cluster.sh, which provides RUN, PKI, LOGS, PIDS, NODE_IP, KUBECONFIG_PATH, KUBE_BIN and
# start, wait_for, stop_component, is_running, kubectl, log and die. TESSERA_REAL_NODE=0 turns it off.
#
# Everything it creates is its own and `down` removes it: a containerd with its own config, root,
# state and socket under $RUN/containerd (a system containerd, if any, is left alone), the kubelet's
# root under $RUN/kubelet, cgroups under /<ctrl>/tessera, the bridge tsr-br0 and the pod
# network namespaces (under containerd's state), kube-proxy's and the kubelet's iptables chains, and
# the sysctls they change (NODE_SYSCTLS) go back to what they were.
#
# Networking: pods get addresses in 10.201.0.0/16 on the bridge tsr-br0 (gateway 10.201.0.1). The
# host's 10.200.0.1 (the veth tsr0) is a local address, so pods reach everything that listens there
# (the apiserver, MinIO, the kubelet) with no forwarding and no NAT. kube-proxy makes ClusterIP
# Services work, `kubernetes.default` (10.0.0.1:443 → 10.200.0.1:<apiserver port>) included, so
# in-cluster clients need no special configuration.

REAL_NODE_NAME="${TESSERA_REAL_NODE_NAME:-real-node-0}"
REAL_NODE_LABEL=tessera.dev/real-node
CONTAINERD_DIR="$RUN/containerd"
CONTAINERD_ADDRESS="$CONTAINERD_DIR/containerd.sock"
KUBELET_DIR="$RUN/kubelet"
CNI_DIR="$RUN/cni"
POD_CIDR="${TESSERA_POD_CIDR:-10.201.0.0/16}"
POD_BRIDGE=tsr-br0
KUBELET_PORT="${TESSERA_KUBELET_PORT:-30250}"
KUBELET_HEALTHZ_PORT="${TESSERA_KUBELET_HEALTHZ_PORT:-30248}"
KUBE_PROXY_HEALTHZ_PORT="${TESSERA_KUBE_PROXY_HEALTHZ_PORT:-30256}"
KUBE_PROXY_METRICS_PORT="${TESSERA_KUBE_PROXY_METRICS_PORT:-30249}"
# The pause image images/build.sh makes (localhost: a missing image is never pulled from outside).
PAUSE_IMAGE=localhost/tessera/pause:1
CGROUP_ROOT=tessera
REAL_NODE_COMPONENTS=(containerd kubelet kube-proxy)
# Kernel settings the real node changes, and `down` puts back: the kubelet's (it sets them unless
# protectKernelDefaults, which would refuse to start instead), bridge netfilter (ours), IP forwarding
# (the bridge plugin's, on the first pod).
NODE_SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys
  kernel.keys.root_maxbytes net.bridge.bridge-nf-call-iptables net.ipv4.ip_forward)

# runc, iptables and the CNI plugins' helpers live in sbin, which a CI user's PATH may lack.
[[ ":$PATH:" == *:/usr/sbin:* ]] || PATH="$PATH:/usr/sbin:/sbin"

real_node_enabled() { [[ "${TESSERA_REAL_NODE:-1}" != 0 ]]; }
# ctr against our containerd; without a connect timeout ctr waits forever for a missing socket.
ctr_k8s() { ctr --address "$CONTAINERD_ADDRESS" --connect-timeout 5s -n k8s.io "$@"; }
containerd_answers() { [[ -S "$CONTAINERD_ADDRESS" ]] && ctr --address "$CONTAINERD_ADDRESS" --connect-timeout 2s --timeout 5s version; }

# save_kernel_settings: remembers, once per run, the sysctls the real node is about to change.
save_kernel_settings() {
  [[ -f "$RUN/sysctl.saved" ]] && return 0
  local key; for key in "${NODE_SYSCTLS[@]}"; do echo "$key=$(sysctl -n "$key")"; done >"$RUN/sysctl.saved"
}

# prepare_real_node_host: the Debian packages, and the kernel settings pods on a bridge need.
prepare_real_node_host() {
  ensure_packages containerd:containerd runc:runc containernetworking-plugins:/usr/lib/cni/bridge iptables:iptables
  [[ "$(stat -fc %T /sys/fs/cgroup)" == tmpfs ]] ||
    die "the real node's scripts assume cgroup v1 (/sys/fs/cgroup is $(stat -fc %T /sys/fs/cgroup))"
  # Bridged traffic must pass iptables, or a pod's reply to a Service's client on the same bridge
  # skips kube-proxy's un-DNAT.
  [[ -d /proc/sys/net/bridge ]] || modprobe br_netfilter 2>/dev/null ||
    die "no br_netfilter: the kernel cannot filter bridged traffic (kube-proxy needs it)"
  save_kernel_settings
  sysctl -qw net.bridge.bridge-nf-call-iptables=1
}

# write_containerd_config: containerd's config, with everything it writes kept under $CONTAINERD_DIR.
write_containerd_config() {
  mkdir -p "$CONTAINERD_DIR/certs.d/_default" "$CNI_DIR/net.d" "$CNI_DIR/networks"
  cat >"$CONTAINERD_DIR/config.toml" <<TOML
version = 2
root = "$CONTAINERD_DIR/root"
state = "$CONTAINERD_DIR/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CONTAINERD_ADDRESS"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CONTAINERD_DIR/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # Pod network namespaces under our state, not /var/run/netns, so down finds every one.
  netns_mounts_under_state_dir = true
  # Sandboxes ask for oom_score_adj -998, which needs CAP_SYS_RESOURCE; where we run without it
  # (seen: our own CI sandbox), runc fails with "can't get final child's PID from pipe". This clamps
  # every adjustment to containerd's own score (0) instead. A memory-limit OOM kill happens inside
  # the container's cgroup, so the scores between pods do not matter to it.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$CONTAINERD_DIR/state/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CNI_DIR/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$CONTAINERD_DIR/certs.d"
TOML
  # Images come from images/build.sh, never a registry: a pull of a missing image, from any registry
  # (_default), goes to a closed loopback port and fails at once instead of leaving the machine.
  # (containerd 1.6 rejects a hosts.toml without a host tree and falls back to the real registry;
  # the empty [host] is that tree.)
  printf 'server = "https://127.0.0.1:1"\n[host]\n' >"$CONTAINERD_DIR/certs.d/_default/hosts.toml"
  cat >"$CNI_DIR/net.d/10-tessera.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "tessera-pods",
  "plugins": [
    {
      "type": "bridge", "bridge": "$POD_BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$CNI_DIR/networks",
        "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}]
      }
    }
  ]
}
JSON
}

start_containerd() {
  write_containerd_config
  start containerd containerd --config "$CONTAINERD_DIR/config.toml"
  wait_for containerd 30 containerd_answers
}

# load_images: builds the images that are missing and loads them into our containerd.
load_images() {
  TESSERA_RUN_DIR="$RUN" TESSERA_CONTAINERD_ADDRESS="$CONTAINERD_ADDRESS" "$here/images/build.sh" ||
    die "the images did not build or load; see $LOGS/images.log"
}

# make_cgroup_root: /<controller>/tessera in every cgroup v1 hierarchy; the kubelet refuses a
# cgroupRoot that does not exist, and a child cpuset is empty until given its parent's cpus and mems.
make_cgroup_root() {
  local hierarchy
  for hierarchy in /sys/fs/cgroup/*/; do
    [[ "$(stat -fc %T "$hierarchy")" == cgroupfs ]] || continue
    mkdir -p "$hierarchy$CGROUP_ROOT"
  done
  local cpuset=/sys/fs/cgroup/cpuset
  if [[ -d "$cpuset/$CGROUP_ROOT" ]]; then
    [[ -s "$cpuset/$CGROUP_ROOT/cpuset.cpus" ]] || cat "$cpuset/cpuset.cpus" >"$cpuset/$CGROUP_ROOT/cpuset.cpus"
    [[ -s "$cpuset/$CGROUP_ROOT/cpuset.mems" ]] || cat "$cpuset/cpuset.mems" >"$cpuset/$CGROUP_ROOT/cpuset.mems"
  fi
}

write_kubelet_config() {
  mkdir -p "$KUBELET_DIR"
  cat >"$RUN/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP_ROOT
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$CONTAINERD_ADDRESS
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
clusterDomain: cluster.local
# There is no cluster DNS. Pointing pods at the node IP, where nothing answers on port 53, makes a
# name lookup fail at once instead of leaving the machine through the host's resolver; pods use
# addresses (10.0.0.1 for the apiserver, 10.200.0.1 for MinIO and host services).
clusterDNS: [$NODE_IP]
resolvConf: /etc/resolv.conf
registerNode: true
registerWithTaints:
- {key: $REAL_NODE_LABEL, value: "true", effect: NoSchedule}
rotateCertificates: false
serializeImagePulls: false
# Images are loaded, never pulled: image GC must never delete them, and a small CI disk must never evict.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {nodefs.available: 1%, imagefs.available: 1%, memory.available: 100Mi}
nodeStatusUpdateFrequency: 4s
YAML
}


start_kubelet() {
  make_cgroup_root
  write_kubelet_config
  start kubelet "$KUBE_BIN/kubelet" --config "$RUN/kubelet.yaml" --kubeconfig "$KUBECONFIG_PATH" \
    --root-dir "$KUBELET_DIR" --node-ip "$NODE_IP" --hostname-override "$REAL_NODE_NAME" \
    --node-labels "$REAL_NODE_LABEL=true" --v=1
  wait_for kubelet 60 curl -fs --max-time 2 "http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz"
}

start_kube_proxy() {
  cat >"$RUN/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $KUBECONFIG_PATH}
hostnameOverride: $REAL_NODE_NAME
mode: iptables
clusterCIDR: $POD_CIDR
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$KUBE_PROXY_METRICS_PORT
nodePortAddresses: ["$NODE_IP/32"]
# Leave the machine's conntrack table and route_localnet as they are.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s, udpTimeout: 0s, udpStreamTimeout: 0s}
iptables: {localhostNodePorts: false, minSyncPeriod: 1s, syncPeriod: 30s}
YAML
  start kube-proxy "$KUBE_BIN/kube-proxy" --config "$RUN/kube-proxy.yaml" --v=1
  wait_for kube-proxy 60 curl -fs --max-time 2 "http://127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT/healthz"
}

real_node_ready() {
  [[ "$(kubectl get node "$REAL_NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}

# start_real_node: containerd, the images, the kubelet and kube-proxy; returns when the node is Ready.
start_real_node() {
  local started; started=$(date +%s)
  prepare_real_node_host
  touch "$RUN/real-node" # tells stop_real_node there is something of ours to remove
  start_containerd
  load_images
  start_kubelet
  start_kube_proxy
  wait_for kubelet 120 real_node_ready
  log "real node $REAL_NODE_NAME Ready ($(( $(date +%s) - started ))s for containerd, images, kubelet, kube-proxy)"
}

# remove_containers: kills and deletes every container in our containerd (pods included), so that no
# process, shim or rootfs mount outlives `down`.
remove_containers() {
  containerd_answers >/dev/null 2>&1 || return 0
  local id ids; ids="$(ctr_k8s containers ls -q 2>/dev/null || true)"
  for id in $ids; do ctr_k8s tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
  for id in $ids; do ctr_k8s tasks delete -f "$id" >/dev/null 2>&1 || true; done
  for id in $ids; do ctr_k8s containers delete "$id" >/dev/null 2>&1 || true; done
}

# kill_leftover_processes: any process still in our cgroups, and any shim still serving our
# containerd (identified by its socket path in the command line), killed by PID.
kill_leftover_processes() {
  local pid procs=""
  [[ -d "/sys/fs/cgroup/pids/$CGROUP_ROOT" ]] &&
    procs="$(find "/sys/fs/cgroup/pids/$CGROUP_ROOT" -name cgroup.procs -exec cat {} + 2>/dev/null || true)"
  for pid in /proc/[0-9]*; do
    tr '\0' ' ' <"$pid/cmdline" 2>/dev/null | grep -qF -- "-address $CONTAINERD_ADDRESS " && procs+=" ${pid#/proc/}"
  done
  for pid in $procs; do kill -KILL "$pid" 2>/dev/null || true; done
}

# remove_cgroups: our cgroup tree, leaves first (rmdir of a v1 cgroup needs it empty of tasks and children).
remove_cgroups() {
  local hierarchy
  for hierarchy in /sys/fs/cgroup/*/; do
    [[ -d "$hierarchy$CGROUP_ROOT" ]] || continue
    find "$hierarchy$CGROUP_ROOT" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

# remove_iptables_rules: kube-proxy's chains (its own --cleanup), then the kubelet's: KUBE-FIREWALL
# (and the jumps to it), its canaries and the mode hint. The rest of the machine's rules stay.
remove_iptables_rules() {
  command -v iptables >/dev/null || return 0
  "$KUBE_BIN/kube-proxy" --cleanup >>"$LOGS/kube-proxy.log" 2>&1 || true
  local tool table chain
  for tool in iptables ip6tables; do
    while "$tool" -t filter -D INPUT -j KUBE-FIREWALL 2>/dev/null; do :; done
    while "$tool" -t filter -D OUTPUT -j KUBE-FIREWALL 2>/dev/null; do :; done
    for table in mangle nat filter; do
      for chain in KUBE-FIREWALL KUBE-KUBELET-CANARY KUBE-IPTABLES-HINT; do
        "$tool" -t "$table" -F "$chain" 2>/dev/null && "$tool" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

# restore_kernel_settings: puts back the sysctls save_kernel_settings remembered.
restore_kernel_settings() {
  [[ -f "$RUN/sysctl.saved" ]] || return 0
  local line; while read -r line; do sysctl -qw "$line" 2>/dev/null || true; done <"$RUN/sysctl.saved"
  rm -f "$RUN/sysctl.saved"
}

# stop_real_node: stops the kubelet, kube-proxy and containerd by PID and removes every trace of them
# (containers, mounts, network namespaces, the bridge, cgroups, iptables chains). Safe to repeat.
stop_real_node() {
  # Never run the cleanup (kube-proxy --cleanup above all) on a machine where we did not start the node.
  [[ -f "$RUN/real-node" ]] || return 0
  stop_component kubelet
  stop_component kube-proxy
  remove_containers
  stop_component containerd
  kill_leftover_processes
  unmount_under "$KUBELET_DIR"
  unmount_under "$CONTAINERD_DIR"
  ip link delete "$POD_BRIDGE" 2>/dev/null || true
  remove_iptables_rules
  remove_cgroups
  restore_kernel_settings
  rm -rf "$CONTAINERD_DIR" "$KUBELET_DIR" "$CNI_DIR" "$RUN/kubelet.yaml" "$RUN/kube-proxy.yaml" "$RUN/real-node"
}

# real_node_health NAME: exit 0 when that component of the real node runs and answers.
real_node_health() {
  is_running "$1" || return 1
  case "$1" in
    containerd) containerd_answers ;;
    kubelet) curl -fs --max-time 2 "http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz" ;;
    kube-proxy) curl -fs --max-time 2 "http://127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT/healthz" ;;
  esac
}

# real_node_status: one line per component and one for the node; exit 0 only when all is healthy.
real_node_status() {
  local name healthy=0
  for name in "${REAL_NODE_COMPONENTS[@]}"; do
    if real_node_health "$name" >/dev/null 2>&1; then echo "$name: healthy (pid $(pid_of "$name"))"
    elif is_running "$name"; then echo "$name: running, not healthy (log $LOGS/$name.log)"; healthy=1
    else echo "$name: not running"; healthy=1; fi
  done
  if (( healthy == 0 )) && real_node_ready; then echo "real node: $REAL_NODE_NAME Ready"
  else echo "real node: $REAL_NODE_NAME not Ready"; healthy=1; fi
  return "$healthy"
}

# restart_real_node_component NAME: starts one component again after cluster.sh restart stopped it.
restart_real_node_component() {
  case "$1" in
    containerd) start_containerd ;;
    kubelet) start_kubelet; wait_for kubelet 120 real_node_ready ;;
    kube-proxy) start_kube_proxy ;;
  esac
}

real_node_env() {
  cat <<ENV
export TESSERA_REAL_NODE_NAME=$REAL_NODE_NAME
export TESSERA_CONTAINERD_ADDRESS=$CONTAINERD_ADDRESS
export TESSERA_POD_CIDR=$POD_CIDR
ENV
}

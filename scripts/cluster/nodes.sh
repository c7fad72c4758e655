# Simulated node pools for kwok. Sourced by cluster.sh.
# TESSERA_NODE_POOLS is a space-separated list of pool:count:cpu:memory:gpus[:gpu-product].
TESSERA_NODE_POOLS="${TESSERA_NODE_POOLS:-cpu:4:8:32Gi:0 gpu:2:32:256Gi:8:NVIDIA-A100-SXM4-80GB}"

# node_manifest NAME POOL CPU MEMORY GPUS PRODUCT: one kwok-managed Node as YAML.
node_manifest() {
  local name="$1" pool="$2" cpu="$3" memory="$4" gpus="$5" product="$6"
  local gpu_capacity="" gpu_label="" taints=""
  if (( gpus > 0 )); then
    gpu_capacity="nvidia.com/gpu: \"$gpus\""
    gpu_label="nvidia.com/gpu.product: \"$product\""
    taints=$'  taints:\n  - {key: nvidia.com/gpu, value: present, effect: NoSchedule}'
  fi
  cat <<YAML
apiVersion: v1
kind: Node
metadata:
  name: $name
  annotations:
    kwok.x-k8s.io/node: fake
  labels:
    type: kwok
    kubernetes.io/hostname: $name
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    tessera.dev/pool: $pool
    $gpu_label
spec:
$taints
status:
  capacity: &capacity
    cpu: "$cpu"
    memory: $memory
    pods: "256"
    $gpu_capacity
  allocatable: *capacity
---
YAML
}

# all_node_manifests: every pool's nodes, named kwok-<pool>-<i>.
all_node_manifests() {
  local spec pool count cpu memory gpus product i
  for spec in $TESSERA_NODE_POOLS; do
    IFS=: read -r pool count cpu memory gpus product <<<"$spec"
    for (( i = 0; i < count; i++ )); do
      node_manifest "kwok-$pool-$i" "$pool" "$cpu" "$memory" "${gpus:-0}" "${product:-NVIDIA-A100-SXM4-80GB}"
    done
  done
}

# expected_node_names: the names of the nodes the pools declare, one a line.
expected_node_names() {
  local spec pool count i
  for spec in $TESSERA_NODE_POOLS; do
    IFS=: read -r pool count _ <<<"$spec"
    for (( i = 0; i < count; i++ )); do echo "kwok-$pool-$i"; done
  done
}

# expected_node_count: how many nodes the pools declare.
expected_node_count() {
  local spec total=0 count
  for spec in $TESSERA_NODE_POOLS; do count="$(cut -d: -f2 <<<"$spec")"; total=$(( total + count )); done
  echo "$total"
}

# Simulated node pools for kwok. Sourced by cluster.sh.
# TESSERA_NODE_POOLS is a space-separated list of pool:count:cpu:memory:devices[:product[:resource]]:
# `devices` of `resource` (default nvidia.com/gpu) per node. Device nodes carry their vendor's taint
# and product label as the device plugins and feature discovery set them: NVIDIA's (whole GPUs or
# MIG slices) taint nvidia.com/gpu and label nvidia.com/gpu.product, AMD's taint amd.com/gpu and
# label amd.com/gpu.product-name.
TESSERA_NODE_POOLS="${TESSERA_NODE_POOLS:-cpu:4:8:32Gi:0 gpu:2:32:256Gi:8:NVIDIA-A100-SXM4-80GB mig:1:32:256Gi:14:NVIDIA-A100-SXM4-80GB:nvidia.com/mig-1g.10gb amd:1:32:256Gi:8:AMD-Instinct-MI300X:amd.com/gpu}"

# vendor_of RESOURCE: "taint product-label" of the device's vendor.
vendor_of() {
  case "$1" in
    amd.com/*) echo "amd.com/gpu amd.com/gpu.product-name" ;;
    *) echo "nvidia.com/gpu nvidia.com/gpu.product" ;;
  esac
}

# node_manifest NAME POOL CPU MEMORY DEVICES PRODUCT RESOURCE: one kwok-managed Node as YAML.
node_manifest() {
  local name="$1" pool="$2" cpu="$3" memory="$4" devices="$5" product="$6" resource="$7"
  local device_capacity="" product_label="" taints="" taint label
  if (( devices > 0 )); then
    read -r taint label <<<"$(vendor_of "$resource")"
    device_capacity="$resource: \"$devices\""
    product_label="$label: \"$product\""
    taints=$'  taints:\n  - {key: '"$taint"', value: present, effect: NoSchedule}'
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
    $product_label
spec:
$taints
status:
  capacity: &capacity
    cpu: "$cpu"
    memory: $memory
    pods: "256"
    $device_capacity
  allocatable: *capacity
---
YAML
}

# all_node_manifests: every pool's nodes, named kwok-<pool>-<i>.
all_node_manifests() {
  local spec pool count cpu memory devices product resource i
  for spec in $TESSERA_NODE_POOLS; do
    IFS=: read -r pool count cpu memory devices product resource <<<"$spec"
    for (( i = 0; i < count; i++ )); do
      node_manifest "kwok-$pool-$i" "$pool" "$cpu" "$memory" "${devices:-0}" "${product:-NVIDIA-A100-SXM4-80GB}" "${resource:-nvidia.com/gpu}"
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

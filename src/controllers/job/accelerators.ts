import type { Resources } from '../../api/common.ts';

// What a container's accelerator asks of the pod: the resource, the taints to tolerate and the node
// label that names the product. Whole NVIDIA GPUs are `gpu` (nvidia.com/gpu); anything else is an
// `accelerator`: MIG slices live on NVIDIA nodes (tainted nvidia.com/gpu by the GPU operator), AMD's
// device plugin advertises amd.com/gpu and its node labeller amd.com/gpu.product-name. Any other
// vendor follows Kubernetes' ExtendedResourceToleration convention: the taint is the resource's name.

/** Whole NVIDIA GPUs. */
export const nvidiaGpu = 'nvidia.com/gpu';

interface Vendor {
  domain: string;
  /** The taint the vendor's GPU nodes carry. */
  taint: string;
  /** The node label naming the product. */
  productLabel: string;
}

const vendors: readonly Vendor[] = [
  { domain: 'nvidia.com', taint: nvidiaGpu, productLabel: 'nvidia.com/gpu.product' },
  { domain: 'amd.com', taint: 'amd.com/gpu', productLabel: 'amd.com/gpu.product-name' },
];

/** A container's accelerator, whichever way it was asked for. */
export interface AcceleratorDemand {
  resource: string;
  count: number;
  /** Taint keys to tolerate (NoSchedule, Exists). */
  tolerate: string[];
  /** The product node label and value to select, if a product was named. */
  product?: { label: string; value: string };
}

function vendorOf(resource: string): Vendor | undefined {
  const domain = resource.slice(0, resource.indexOf('/'));
  return vendors.find((v) => v.domain === domain);
}

/** What was asked for: an accelerator, else whole NVIDIA GPUs (with their product, if named). */
function askedFor(resources: Readonly<Resources> | undefined): Resources['accelerator'] {
  if (resources?.accelerator) return resources.accelerator;
  if (!resources?.gpu) return undefined;
  return { resource: nvidiaGpu, count: resources.gpu, ...(resources.gpuProduct ? { product: resources.gpuProduct } : {}) };
}

/** The node label a vendor names its products in (`<domain>/gpu.product` for vendors not listed). */
function productLabel(resource: string): string {
  return vendorOf(resource)?.productLabel ?? `${resource.slice(0, resource.indexOf('/'))}/gpu.product`;
}

/** The accelerator `resources` ask for, or undefined when none. */
export function acceleratorDemand(resources: Readonly<Resources> | undefined): AcceleratorDemand | undefined {
  const asked = askedFor(resources);
  if (!asked) return undefined;
  const vendor = vendorOf(asked.resource);
  const tolerate = [...new Set([asked.resource, ...(vendor ? [vendor.taint] : [])])];
  const demand: AcceleratorDemand = { resource: asked.resource, count: asked.count, tolerate };
  if (asked.product) demand.product = { label: productLabel(asked.resource), value: asked.product };
  return demand;
}

import { describe, expect, it } from 'vitest';
import { resourcesSchema } from '../../api/common.ts';
import { mergeResources } from '../shared/algo-run.ts';
import { acceleratorDemand } from './accelerators.ts';

describe('acceleratorDemand', () => {
  it.each([
    { name: 'nothing', resources: { cpu: '2' }, want: undefined },
    { name: 'whole NVIDIA GPUs', resources: { gpu: 2, gpuProduct: 'NVIDIA-A100-SXM4-80GB' }, want: { resource: 'nvidia.com/gpu', count: 2, tolerate: ['nvidia.com/gpu'], product: { label: 'nvidia.com/gpu.product', value: 'NVIDIA-A100-SXM4-80GB' } } },
    { name: 'MIG slices, on NVIDIA nodes', resources: { accelerator: { resource: 'nvidia.com/mig-1g.10gb', count: 2 } }, want: { resource: 'nvidia.com/mig-1g.10gb', count: 2, tolerate: ['nvidia.com/mig-1g.10gb', 'nvidia.com/gpu'] } },
    { name: 'an AMD GPU of a product', resources: { accelerator: { resource: 'amd.com/gpu', count: 1, product: 'AMD-Instinct-MI300X' } }, want: { resource: 'amd.com/gpu', count: 1, tolerate: ['amd.com/gpu'], product: { label: 'amd.com/gpu.product-name', value: 'AMD-Instinct-MI300X' } } },
    { name: "another vendor's device", resources: { accelerator: { resource: 'example.com/tpu', count: 4, product: 'v5' } }, want: { resource: 'example.com/tpu', count: 4, tolerate: ['example.com/tpu'], product: { label: 'example.com/gpu.product', value: 'v5' } } },
  ])('$name', ({ resources, want }) => {
    expect(acceleratorDemand(resources)).toEqual(want);
  });
});

describe('resources: one kind of accelerator', () => {
  it('refuses gpu and accelerator together, and names that are not extended resources', () => {
    expect(resourcesSchema.safeParse({ gpu: 1, accelerator: { resource: 'amd.com/gpu', count: 1 } }).error?.issues[0]?.message).toMatch(/not both/);
    expect(resourcesSchema.safeParse({ accelerator: { resource: 'gpu', count: 1 } }).success).toBe(false);
    expect(resourcesSchema.safeParse({ accelerator: { resource: 'kubernetes.io/batteries', count: 1 } }).success).toBe(false);
    expect(resourcesSchema.safeParse({ accelerator: { resource: 'nvidia.com/mig-3g.40gb', count: 1 } }).success).toBe(true);
  });

  it("lets a run's own choice replace the Algo's, whichever kind each made", () => {
    expect(mergeResources({ cpu: '2', gpu: 1, gpuProduct: 'A100' }, { accelerator: { resource: 'amd.com/gpu', count: 1 } })).toEqual({ cpu: '2', accelerator: { resource: 'amd.com/gpu', count: 1 } });
    expect(mergeResources({ accelerator: { resource: 'amd.com/gpu', count: 1 } }, { gpu: 2 })).toEqual({ gpu: 2 });
    expect(mergeResources({ accelerator: { resource: 'amd.com/gpu', count: 1 } }, { memory: '4Gi' })).toEqual({ accelerator: { resource: 'amd.com/gpu', count: 1 }, memory: '4Gi' });
  });
});

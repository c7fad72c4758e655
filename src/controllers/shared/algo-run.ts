import type { Algo } from '../../api/algo.ts';
import type { Resources } from '../../api/common.ts';

// The one rule that turns an Algo into a run, for Jobs (algoRef) and ComputePlan tasks alike: every
// field the run sets itself wins, and resources merge field by field, so `{gpu: 1}` over an Algo's
// `{cpu: 2, memory: 4Gi}` runs with 2 CPUs, 4Gi and a GPU. Pure.

/** What a run may set over its Algo; unset fields come from the Algo. */
export interface RunOverrides {
  image?: string | undefined;
  command?: string[] | undefined;
  args?: string[] | undefined;
  code?: { digest: string } | undefined;
  resources?: Resources | undefined;
  outputs?: ReadonlyArray<{ name: string }> | undefined;
}

/** A run of an Algo, after overrides. */
export interface AlgoRun {
  image: string;
  command?: string[];
  args?: string[];
  code?: { digest: string };
  resources?: Resources;
  outputs: string[];
}

/** `own` over `defaults`, field by field; undefined when neither has any. */
export function mergeResources(defaults: Readonly<Resources> | undefined, own: Readonly<Resources> | undefined): Resources | undefined {
  if (!defaults && !own) return undefined;
  const merged: Resources = { ...defaults };
  // gpu and accelerator are one choice: a run that makes it replaces the Algo's, whichever it was.
  if (own?.gpu !== undefined || own?.accelerator !== undefined) {
    delete merged.gpu;
    delete merged.accelerator;
    delete merged.gpuProduct;
  }
  for (const [key, value] of Object.entries(own ?? {})) if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  return merged;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const containerFields = ['image', 'command', 'args', 'code'] as const;
type Container = Pick<RunOverrides, (typeof containerFields)[number]>;

function containerOf(from: Readonly<RunOverrides> | undefined): Container {
  return withoutUndefined(Object.fromEntries(containerFields.map((field) => [field, from?.[field]])) as Container);
}

/** The run of `algo` (none: only the overrides) with `overrides` applied by the rule above. */
export function algoRun(algo: Readonly<Algo> | undefined, overrides: RunOverrides): AlgoRun {
  const { code, ...container } = { ...containerOf(algo?.spec), ...containerOf(overrides) };
  return withoutUndefined({
    image: '',
    ...container,
    code: code && { digest: code.digest },
    resources: mergeResources(algo?.spec.resources, overrides.resources),
    outputs: (overrides.outputs ?? algo?.spec.outputs ?? []).map((o) => o.name),
  });
}

import type { EnvVar } from '../../api/common.ts';
import { paramEnvName, paramsJsonEnv, type Params } from '../../api/search.ts';

// A task's parameters as its container's environment: each as TESSERA_PARAM_<NAME> (upper-cased),
// and all of them as one JSON object in TESSERA_PARAMS. Sorted by name, so the Job's spec is the
// same on every pass (a Job stands for its task only with exactly the spec the plan gives it). Pure.

export { paramsJsonEnv };

/** A parameter's value as text: strings as they are, numbers and booleans as JSON writes them. */
export function paramText(value: Params[string]): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The environment variables of `params`; undefined without any. */
export function paramsEnv(params: Readonly<Params> | undefined): EnvVar[] | undefined {
  const names = Object.keys(params ?? {}).sort();
  if (!params || names.length === 0) return undefined;
  const json = JSON.stringify(Object.fromEntries(names.map((name) => [name, params[name]])));
  return [{ name: paramsJsonEnv, value: json }, ...names.map((name) => ({ name: paramEnvName(name), value: paramText(params[name]!) }))];
}

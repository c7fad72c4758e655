import { createHash } from 'node:crypto';
import type { EnvVar } from '../../api/common.ts';
import { isParamEnvName } from '../../api/search.ts';

// The identity of the code a run executes, which a Dataset's owner approves. The code file set
// alone is not enough: the image and the command are code too (`sh -c 'cp -r /tessera/inputs …'`
// with an approved file set mounted would copy the data out), so the digest covers all of them.
// Content-addressed, so an approval covers exactly those bytes and a changed Algo needs a new one.
// Parameters (TESSERA_PARAMS, TESSERA_PARAM_<NAME>) are run inputs, not code: a search draws each
// trial's after the owner approved the train Algo, whose digest has none, so counting them would
// refuse every trial on another organization's data. Every other variable counts: NODE_OPTIONS or
// PYTHONPATH can change what runs, and the parameters' prefix can name nothing a runtime reads.

/** What a run executes. */
export interface RunCode {
  image: string;
  command?: readonly string[] | undefined;
  args?: readonly string[] | undefined;
  env?: readonly EnvVar[] | undefined;
  /** The code file set's digest. */
  code?: string | undefined;
}

/** The variables that are code: all but the parameters; undefined when none are left. */
function codeEnv(env: RunCode['env']): EnvVar[] | undefined {
  const code = env?.filter((v) => !isParamEnvName(v.name));
  return code?.length ? code : undefined;
}

/** `sha256:` of the canonical JSON of image, command, args, environment (by name, without parameters) and code file set. */
export function runDigest(run: RunCode): string {
  const vars = codeEnv(run.env);
  const env = vars ? [...vars].sort((a, b) => (a.name < b.name ? -1 : 1)).map((v) => [v.name, v.value ?? '']) : null;
  const canonical = JSON.stringify([run.image, run.command ?? null, run.args ?? null, env, run.code ?? null]);
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}

/** Whether an image reference names its bytes: `name@sha256:<64 hex>`. */
export function isImageByDigest(image: string): boolean {
  return /@sha256:[a-f0-9]{64}$/.test(image);
}

/**
 * Whether `approved` covers the run: its run digest is listed, or it runs a listed image by digest
 * as that image is (no command, args, environment or code file set of its own).
 */
export function isApprovedRun(approved: readonly string[], run: RunCode): boolean {
  if (approved.includes(runDigest(run))) return true;
  const bare = !run.command && !run.args && !codeEnv(run.env) && !run.code;
  return bare && isImageByDigest(run.image) && approved.includes(run.image);
}

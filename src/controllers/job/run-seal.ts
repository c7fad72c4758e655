// Which pods and batch Jobs are runs the operator made. A tenant may create batch Jobs and pods in
// its namespace with any labels and owner references (a bare pod may even name the operator's
// batch Job as its controller), so none of those prove anything. The operator seals what it
// creates instead: an HMAC, with a key only it holds, over the run it stands for (namespace, Tessera
// Job uid, batch Job name) and over what the pod runs and mounts (its containers and the volumes
// they share). Pods inherit the seal from the template; the transfer API answers a pod only when
// its seal verifies against the pod as it is now, and the Job controller stands a Tessera Job only
// on a batch Job whose seal verifies. A copy of a sealed pod runs exactly the operator's containers
// — another instance of the same run, nothing an attacker chose. Pure.
//
// The view covers only fields the API server keeps as written: quantities (`sizeLimit`) and
// defaulted fields (`defaultMode`, a token's `expirationSeconds`, a fieldRef's `apiVersion`) are
// left out, and empty values count as absent. Mounts of volumes the operator did not write (the
// service-account token an admission plugin adds) are left out; any other container that mounts
// one of the sealed volumes breaks the seal.
import type * as k8s from '@kubernetes/client-node';
import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { SigningKeys } from '../../storage/result-record.ts';

/** The annotation on a run's pod template (and so its pods) holding the seal. */
export const runSealAnnotation = 'tessera.dev/run-seal';

/**
 * The hash of a cached object's sealed view, computed by the cache's trim function from the spec it
 * then drops. Never read from the API: the trim overwrites whatever a tenant put there.
 */
export const observedViewAnnotation = 'tessera.dev/observed-run-view';

/** The run a seal stands for. */
export interface RunSubject {
  namespace: string;
  jobUid: string;
  batchJob: string;
}

/** The containers and volumes a seal covers, by name; read from the seal itself. */
export interface SealedNames {
  containers: string[];
  volumes: string[];
}

const version = 'v1';
const leftOut: ReadonlySet<string> = new Set(['defaultMode', 'sizeLimit', 'expirationSeconds', 'apiVersion', 'divisor']);

/** `value` with empty strings, arrays, objects, false and left-out keys removed; undefined when nothing is left. */
function pruned(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(pruned).filter((v) => v !== undefined);
    return items.length ? items : undefined;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([key]) => !leftOut.has(key))
      .map(([key, v]) => [key, pruned(v)] as const)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries.length ? Object.fromEntries(entries) : undefined;
  }
  return value === '' || value === false || value === null ? undefined : value;
}

function allContainers(spec: k8s.V1PodSpec): k8s.V1Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers, ...((spec.ephemeralContainers ?? []) as k8s.V1Container[])];
}

function containerView(container: k8s.V1Container, volumes: ReadonlySet<string>): unknown {
  const { name, image, command, args, workingDir, env, envFrom } = container;
  const volumeMounts = (container.volumeMounts ?? []).filter((m) => volumes.has(m.name));
  return { name, image, command, args, workingDir, env, envFrom, volumeMounts };
}

/**
 * The hash of what `spec` runs and mounts, as the seal covers it, or undefined when it does not
 * have the sealed containers and volumes, or another container mounts a sealed volume.
 */
export function runViewHash(spec: k8s.V1PodSpec | undefined, names: SealedNames): string | undefined {
  if (!spec) return undefined;
  const volumes = new Set(names.volumes);
  const containers = allContainers(spec);
  const byName = new Map(containers.map((c) => [c.name, c]));
  const sealed = new Set(names.containers);
  const intruder = containers.some((c) => !sealed.has(c.name) && (c.volumeMounts ?? []).some((m) => volumes.has(m.name)));
  if (intruder) return undefined;
  const views = names.containers.map((name) => byName.get(name));
  const volumeViews = names.volumes.map((name) => spec.volumes?.find((v) => v.name === name));
  if (views.includes(undefined) || volumeViews.includes(undefined)) return undefined;
  const view = { containers: views.map((c) => containerView(c as k8s.V1Container, volumes)), volumes: volumeViews };
  return createHash('sha256').update(JSON.stringify(pruned(view) ?? {})).digest('hex');
}

/** The names a pod spec's seal should cover: every container and volume in it. */
export function sealedNamesOf(spec: k8s.V1PodSpec): SealedNames {
  return { containers: allContainers(spec).map((c) => c.name), volumes: (spec.volumes ?? []).map((v) => v.name) };
}

const namePattern = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function parseNames(list: string): string[] | undefined {
  const names = list === '' ? [] : list.split(',');
  return names.every((n) => namePattern.test(n)) ? names : undefined;
}

/** The seal's four fields: version, container names, volume names, MAC. */
function fieldsOf(value: string | undefined): [string, string, string, string] | undefined {
  const fields = value?.split(';');
  return fields?.length === 4 ? (fields as [string, string, string, string]) : undefined;
}

/** The seal's parts, or undefined when it is not a seal of this version. */
function parseSeal(value: string | undefined): { names: SealedNames; mac: string } | undefined {
  const [tag, containerList, volumeList, mac] = fieldsOf(value) ?? [];
  if (tag !== version || !mac || !/^[0-9a-f]{64}$/.test(mac)) return undefined;
  const containers = parseNames(containerList ?? '');
  const volumes = parseNames(volumeList ?? '');
  return containers && volumes ? { names: { containers, volumes }, mac } : undefined;
}

/** The names a seal covers, to compute the view of an object carrying it; undefined when it is no seal. */
export function namesInSeal(value: string | undefined): SealedNames | undefined {
  return parseSeal(value)?.names;
}

// Derived once per key, as a KeyObject: every reconcile verifies a seal, and deriving the key and
// importing it into an HMAC again each time was a tenth of the operator's CPU in the jobs bench.
const sealKeys = new WeakMap<Buffer, KeyObject>();

function sealKey(key: Buffer): KeyObject {
  let derived = sealKeys.get(key);
  if (!derived) {
    derived = createSecretKey(createHmac('sha256', key).update('tessera.dev/run-seal/v1').digest());
    sealKeys.set(key, derived);
  }
  return derived;
}

function mac(key: Buffer, subject: RunSubject, viewHash: string): string {
  return createHmac('sha256', sealKey(key)).update(`${subject.namespace}\n${subject.jobUid}\n${subject.batchJob}\n${viewHash}`).digest('hex');
}

/** The seal for a pod template the operator is about to create, with the first key. */
export function sealRun(keys: SigningKeys, subject: RunSubject, spec: k8s.V1PodSpec): string {
  const [key] = keys;
  if (!key) throw new Error('no key to seal runs with');
  const names = sealedNamesOf(spec);
  const viewHash = runViewHash(spec, names);
  if (!viewHash) throw new Error('a pod template the operator writes always has the containers and volumes it names');
  return [version, names.containers.join(','), names.volumes.join(','), mac(key, subject, viewHash)].join(';');
}

/**
 * Whether `seal` was made by the operator (any key of the ring, so a rotation keeps live runs) for
 * `subject` over an object whose view hashes to `viewHash` now.
 */
export function verifyRunSeal(keys: SigningKeys, subject: RunSubject, seal: string | undefined, viewHash: string | undefined): boolean {
  const parsed = parseSeal(seal);
  if (!parsed || !viewHash) return false;
  const offered = Buffer.from(parsed.mac, 'hex');
  return keys.some((key) => timingSafeEqual(Buffer.from(mac(key, subject, viewHash), 'hex'), offered));
}

// Kueue's CRDs and webhook configurations for the local cluster, from its module's config/components,
// pointed at the kueue manager running as a host process (a URL with the cluster CA's bundle instead
// of the in-cluster Service). Usage: node manifests.ts KUEUE_MODULE_DIR WEBHOOK_BASE_URL CA_FILE
// Only the batch/Job and pod webhooks and those of Kueue's own kinds are kept, and the Job and pod
// webhooks only see Jobs and pods that carry a queue label (pods do only in a Kueue pod group: a
// plan's round admitted whole): every other test's Jobs and pods never wait on Kueue, even while it
// is down (its webhooks fail closed).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

interface Rule {
  apiGroups?: string[];
  resources?: string[];
}
interface Webhook {
  name: string;
  rules?: Rule[];
  clientConfig: { service?: { path?: string }; url?: string; caBundle?: string };
  objectSelector?: object;
}
interface WebhookConfiguration {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  webhooks: Webhook[];
}
interface Crd {
  metadata: { name: string };
  spec: { conversion?: object };
}

const [moduleDir, baseUrl, caFile] = process.argv.slice(2);
if (!moduleDir || !baseUrl || !caFile) throw new Error('usage: manifests.ts KUEUE_MODULE_DIR WEBHOOK_BASE_URL CA_FILE');
const caBundle = readFileSync(caFile).toString('base64');
const queueLabel = 'kueue.x-k8s.io/queue-name';

function docsOf<T>(file: string): T[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJSON() as T | null)
    .filter((d): d is T => d !== null);
}

const clientConfig = (path: string): Webhook['clientConfig'] => ({ url: `${baseUrl}${path}`, caBundle });

/** The CRDs Kueue's own kustomization gives a conversion webhook (its patches/webhook_in_*.yaml). */
function convertedCrds(crdComponent: string): Set<string> {
  const [kustomization] = docsOf<{ patches?: Array<{ path?: string }> }>(join(crdComponent, 'kustomization.yaml'));
  const patches = (kustomization?.patches ?? []).map((p) => p.path).filter((path): path is string => Boolean(path?.includes('webhook_in_')));
  return new Set(patches.flatMap((path) => docsOf<Crd>(join(crdComponent, path)).map((crd) => crd.metadata.name)));
}

/** A CRD upstream converts goes through the manager's /convert; the others are served as stored. */
function withConversion(crd: Crd, converted: Set<string>): Crd {
  if (!converted.has(crd.metadata.name)) return crd;
  return { ...crd, spec: { ...crd.spec, conversion: { strategy: 'Webhook', webhook: { clientConfig: clientConfig('/convert'), conversionReviewVersions: ['v1'] } } } };
}

const hasRule = (hook: Webhook, test: (rule: Rule) => boolean): boolean => hook.rules?.some(test) ?? false;
const isJobWebhook = (hook: Webhook): boolean => hasRule(hook, (r) => Boolean(r.apiGroups?.includes('batch') && r.resources?.includes('jobs')));
const isPodWebhook = (hook: Webhook): boolean => hasRule(hook, (r) => Boolean(r.apiGroups?.includes('') && r.resources?.includes('pods')));
const isKueueKind = (hook: Webhook): boolean => hasRule(hook, (r) => Boolean(r.apiGroups?.includes('kueue.x-k8s.io')));

function pointedAtHost(hook: Webhook): Webhook {
  const pointed: Webhook = { ...hook, clientConfig: clientConfig(hook.clientConfig.service?.path ?? '') };
  if (isJobWebhook(hook) || isPodWebhook(hook)) pointed.objectSelector = { matchExpressions: [{ key: queueLabel, operator: 'Exists' }] };
  return pointed;
}

function forHost(config: WebhookConfiguration): WebhookConfiguration {
  const webhooks = config.webhooks.filter((hook) => isJobWebhook(hook) || isPodWebhook(hook) || isKueueKind(hook)).map(pointedAtHost);
  return { ...config, metadata: { name: `kueue-${config.metadata.name}` }, webhooks };
}

const crdComponent = join(moduleDir, 'config/components/crd');
const converted = convertedCrds(crdComponent);
const crds = readdirSync(join(crdComponent, 'bases'))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((f) => docsOf<Crd>(join(crdComponent, 'bases', f)))
  .map((crd) => withConversion(crd, converted));
const webhooks = docsOf<WebhookConfiguration>(join(moduleDir, 'config/components/webhook/manifests.yaml')).map(forHost);
process.stdout.write([...crds, ...webhooks].map((d) => stringify(d)).join('---\n'));

// Kueue's CRDs and webhook configurations for the local cluster, from its module's config/components,
// pointed at the kueue manager running as a host process (a URL with the cluster CA's bundle instead
// of the in-cluster Service). Usage: node manifests.ts KUEUE_MODULE_DIR WEBHOOK_BASE_URL CA_FILE
// Only the batch/Job webhooks and those of Kueue's own kinds are kept, and the Job webhooks only see
// Jobs that carry a queue label: every other test's Jobs and pods never wait on Kueue, even while it
// is down (its webhooks fail closed).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

type Doc = Record<string, any>;

const [moduleDir, baseUrl, caFile] = process.argv.slice(2);
if (!moduleDir || !baseUrl || !caFile) throw new Error('usage: manifests.ts KUEUE_MODULE_DIR WEBHOOK_BASE_URL CA_FILE');
const caBundle = readFileSync(caFile).toString('base64');
const queueLabel = 'kueue.x-k8s.io/queue-name';

const docsOf = (file: string): Doc[] => parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJSON() as Doc).filter(Boolean);
const clientConfig = (path: string): Doc => ({ url: `${baseUrl}${path}`, caBundle });

/** A CRD served by several versions converts through the manager's /convert. */
function withConversion(crd: Doc): Doc {
  if ((crd.spec.versions ?? []).length < 2) return crd;
  crd.spec.conversion = { strategy: 'Webhook', webhook: { clientConfig: clientConfig('/convert'), conversionReviewVersions: ['v1'] } };
  return crd;
}

const isJobWebhook = (hook: Doc): boolean => hook.rules?.some((r: Doc) => r.apiGroups?.includes('batch') && r.resources?.includes('jobs'));
const isKueueKind = (hook: Doc): boolean => hook.rules?.some((r: Doc) => r.apiGroups?.includes('kueue.x-k8s.io'));

function pointedAtHost(config: Doc): Doc {
  const webhooks = (config.webhooks as Doc[])
    .filter((hook) => isJobWebhook(hook) || isKueueKind(hook))
    .map((hook) => ({
      ...hook,
      clientConfig: clientConfig(hook.clientConfig.service.path),
      ...(isJobWebhook(hook) ? { objectSelector: { matchExpressions: [{ key: queueLabel, operator: 'Exists' }] } } : {}),
    }));
  return { ...config, metadata: { name: `kueue-${config.metadata.name}` }, webhooks };
}

const crdDir = join(moduleDir, 'config/components/crd/bases');
const crds = readdirSync(crdDir).filter((f) => f.endsWith('.yaml')).sort().flatMap((f) => docsOf(join(crdDir, f))).map(withConversion);
const webhooks = docsOf(join(moduleDir, 'config/components/webhook/manifests.yaml')).map(pointedAtHost);
process.stdout.write([...crds, ...webhooks].map((d) => stringify(d)).join('---\n'));

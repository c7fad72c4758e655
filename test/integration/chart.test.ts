import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command, type Option } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { gitopsGuards } from '../../src/api/crd.ts';
import { operatorNodeArgs } from '../../src/chart/values.ts';
import { registerOperator } from '../../src/cli/operator-command.ts';
import { parseOperatorOptions } from '../../src/operator/options.ts';
import { chartDir, helm, helmRun, only, parseManifests, renderChart, setJson, type Manifest } from '../support/helm.ts';
import { useNamespace } from '../support/kube.ts';
import { installCrds, kubectl } from '../support/kubectl.ts';
import { awaitLatePart, latePartWaitMs } from '../support/late-parts.ts';

// charts/tessera against the real API server: helm lint, helm template, `kubectl apply
// --dry-run=server` of what it renders, RBAC checked by the API server's own authorizer, the values
// schema refusing bad values, and deploy/ rendering the same install. Nothing is installed for good
// here (test/e2e/chart-install.test.ts installs it and runs a Job through it).

beforeAll(() => awaitLatePart('helm'), latePartWaitMs);

const ns = useNamespace(import.meta.filename);
// `kubectl auth can-i` resolves jobs.tessera.dev through discovery: the CRDs must be served.
beforeAll(() => installCrds());
const deployDir = fileURLToPath(new URL('../../deploy', import.meta.url));

/** Values a cluster without DNS uses (the e2e's), with every optional part switched on. */
const everything = {
  replicaCount: 2,
  image: { pullPolicy: 'Never' },
  nodeSelector: { 'tessera.dev/real-node': 'true' },
  tolerations: [{ key: 'tessera.dev/real-node', operator: 'Exists', effect: 'NoSchedule' }],
  runs: {
    nodeSelector: { 'tessera.dev/real-node': 'true' },
    tolerations: [{ key: 'tessera.dev/real-node', operator: 'Exists', effect: 'NoSchedule' }],
  },
  objectStore: { endpoint: 'http://10.200.0.1:39000', accessKey: 'ak', secretKey: 'sk', caBundle: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' },
  transfer: { service: { clusterIP: '10.0.0.9' } },
  operator: { logLevel: 'debug', moverImage: 'tessera/mover:1', extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=512' }] },
};

function dryRunApply(manifests: Manifest[]): string {
  const stream = manifests.map((m) => stringify(m)).join('---\n');
  return kubectl(['apply', '--dry-run=server', '-f', '-'], stream);
}

/** The container env of the operator Deployment, by name; values from a Secret read `<secret>`. */
function operatorEnv(manifests: Manifest[]): Map<string, string> {
  const deployment = only(manifests, 'Deployment') as unknown as { spec: { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } } } };
  const env = deployment.spec.template.spec.containers[0]!.env;
  return new Map(env.map((e) => [e.name, e.value ?? '<secret>']));
}

/** `tessera operator`'s options, as commander registers them. */
function operatorFlags(): readonly Option[] {
  const program = new Command();
  registerOperator(program);
  return program.commands.find((c) => c.name() === 'operator')!.options;
}

/** Parses the rendered env the way `tessera operator` does: env var, else the flag's default. */
function optionsFromEnv(env: Map<string, string>): ReturnType<typeof parseOperatorOptions> {
  const raw: Record<string, unknown> = {};
  for (const option of operatorFlags()) {
    const value = option.envVar ? env.get(option.envVar) : undefined;
    // A `--no-x` flag is false when its variable is set at all, and true otherwise.
    if (option.negate) raw[option.attributeName()] = value === undefined;
    else if (value !== undefined) raw[option.attributeName()] = value;
    else if (option.defaultValue !== undefined) raw[option.attributeName()] = option.defaultValue;
  }
  return parseOperatorOptions(raw);
}

describe('the Helm chart', () => {
  it('passes helm lint --strict, with default values and with every optional part on', () => {
    expect(helm(['lint', '--strict', chartDir])).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(helm(['lint', '--strict', chartDir, ...setJson(everything)])).toMatch(/0 chart\(s\) failed/);
  });

  it('renders manifests the API server accepts (kubectl apply --dry-run=server)', () => {
    for (const values of [{}, everything]) {
      const rendered = renderChart('tessera', ns.name, values);
      expect(rendered.map((m) => m.kind).sort()).toEqual(expect.arrayContaining(['ClusterRole', 'CustomResourceDefinition', 'Deployment', 'Role', 'Service', 'ServiceAccount']));
      const out = dryRunApply(rendered);
      expect(out).toMatch(/deployment\.apps\/tessera (created|configured|unchanged) \(server dry run\)/);
    }
  });

  it('templates the five CRDs from crds/, kept on uninstall and guarded from Argo CD and Flux unless crds.keep is false', () => {
    const crds = renderChart('tessera', ns.name).filter((m) => m.kind === 'CustomResourceDefinition');
    expect(crds.map((c) => c.metadata.name).sort()).toEqual(['algos.tessera.dev', 'computeplans.tessera.dev', 'datasets.tessera.dev', 'jobs.tessera.dev', 'predictors.tessera.dev']);
    for (const crd of crds) {
      expect(crd.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep', ...gitopsGuards });
      const generated = parseManifests(execFileSync('cat', [fileURLToPath(new URL(`../../crds/${crd.metadata.name}.yaml`, import.meta.url))], { encoding: 'utf8' }))[0]!;
      expect(crd.spec).toEqual(generated.spec);
    }
    expect(renderChart('tessera', ns.name, { crds: { install: false } }).some((m) => m.kind === 'CustomResourceDefinition')).toBe(false);
    const unguarded = renderChart('tessera', ns.name, { crds: { keep: false } }).filter((m) => m.kind === 'CustomResourceDefinition');
    expect(unguarded.map((crd) => crd.metadata.annotations)).toEqual(crds.map(() => undefined));
  });

  it('reaches every operator flag from values, and what it renders parses as operator options', () => {
    const env = operatorEnv(renderChart('tessera', ns.name, { ...everything, replicaCount: 1, leaderElection: { enabled: false } }));
    // In a cluster the operator uses its ServiceAccount, and its Lease lives in the release namespace
    // (POD_NAMESPACE, the operator's default for --lease-namespace), where the chart's Role grants it.
    const notValues = new Set(['KUBECONFIG', 'TESSERA_LEASE_NAMESPACE']);
    const missing = operatorFlags().map((o) => o.envVar!).filter((name) => !notValues.has(name) && !env.has(name));
    expect(missing).toEqual([]);
    expect(env.get('POD_NAMESPACE')).toBe('<secret>'); // from the downward API, not a literal

    const options = optionsFromEnv(operatorEnv(renderChart('tessera', ns.name, everything)));
    expect(options).toMatchObject({
      leaderElect: true,
      transferUrl: 'http://10.0.0.9:8090',
      transferAddress: '0.0.0.0:8090',
      metricsAddress: '0.0.0.0:8080',
      moverImage: 'tessera/mover:1',
      s3Endpoint: 'http://10.200.0.1:39000',
      podNodeSelector: { 'tessera.dev/real-node': 'true' },
      podTolerations: [{ key: 'tessera.dev/real-node', operator: 'Exists', effect: 'NoSchedule' }],
      logLevel: 'debug',
    });
  });

  it("tells pods the transfer Service's DNS name by default, and its pinned ClusterIP without DNS", () => {
    const url = (values: Record<string, unknown>): string | undefined => operatorEnv(renderChart('tessera', 'tessera-system', values)).get('TESSERA_TRANSFER_URL');
    expect(url({})).toBe('http://tessera-transfer.tessera-system.svc.cluster.local:8090');
    expect(url({ transfer: { service: { clusterIP: '10.0.0.9', port: 80 } } })).toBe('http://10.0.0.9:80');
    expect(url({ transfer: { service: { clusterIP: 'fd00::9' } } })).toBe('http://[fd00::9]:8090');
    expect(url({ transfer: { url: 'https://transfer.example.com' } })).toBe('https://transfer.example.com');
    const service = only(renderChart('tessera', ns.name, everything), 'Service', 'tessera-transfer') as unknown as { spec: { clusterIP: string } };
    expect(service.spec.clusterIP).toBe('10.0.0.9');
  });

  it('runs the operator under the restricted profile, with probes, leader election and the downward API', () => {
    const deployment = only(renderChart('tessera', ns.name, everything), 'Deployment') as unknown as {
      spec: { replicas: number; template: { spec: Record<string, unknown> & { containers: Array<Record<string, unknown>> } } };
    };
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0]!;
    expect(deployment.spec.replicas).toBe(2);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', port: 'metrics' } });
    expect(container.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'metrics' } });
    expect(container.env).toContainEqual({ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
    expect(container.env).not.toContainEqual(expect.objectContaining({ name: 'TESSERA_NO_LEADER_ELECT' }));
    // V8 flags such as --optimize-for-size are refused in NODE_OPTIONS: they go on node's command line.
    expect(container.command).toEqual(['node', ...operatorNodeArgs, '/app/tessera/tessera.mjs']);
    expect(container.args).toEqual(['operator']);
    expect(pod.nodeSelector).toEqual(everything.nodeSelector);
    expect(pod.tolerations).toEqual(everything.tolerations);
  });

  it('runs the dashboard (ui.enabled) where the operator runs, restricted, with no token and no RBAC, and the API server accepts it', () => {
    const manifests = renderChart('tessera', ns.name, { ...everything, ui: { enabled: true } });
    const deployment = only(manifests, 'Deployment', 'tessera-ui') as unknown as { spec: { template: { spec: Record<string, unknown> & { containers: Array<Record<string, unknown>> } } } };
    const pod = deployment.spec.template.spec;
    expect(pod.nodeSelector).toEqual(everything.nodeSelector);
    expect(pod.tolerations).toEqual(everything.tolerations);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0]!.args).toEqual(['ui', '--in-cluster', '--port', '8080', '--api-ca', '/etc/tessera/api-ca/ca.crt']);
    expect(pod.containers[0]!.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    const bound = manifests.filter((m) => ['RoleBinding', 'ClusterRoleBinding'].includes(m.kind)).map((m) => JSON.stringify(m));
    expect(bound.filter((b) => b.includes('tessera-ui'))).toEqual([]);
    dryRunApply(manifests.filter((m) => m.metadata.name === 'tessera-ui'));
  });
});

describe('the values schema', () => {
  /** helm's error for values that fail the chart, or a test failure if helm took them. */
  function refusal(values: Record<string, unknown>): string {
    const result = helmRun(['template', 'tessera', chartDir, ...setJson(values)]);
    expect(result.status, `helm accepted ${JSON.stringify(values)}`).not.toBe(0);
    return result.stderr;
  }

  it('refuses a bad value with a message that names it', () => {
    expect(refusal({ replicaCount: 'two' })).toMatch(/replicaCount.*(integer|string)/s);
    expect(refusal({ replicas: 2 })).toMatch(/replicas/);
    expect(refusal({ image: { pullPolicy: 'Sometimes' } })).toMatch(/pullPolicy/);
    expect(refusal({ objectStore: { endpoint: 'minio:9000' } })).toMatch(/endpoint/);
  });

  it('refuses values that only make sense together, saying what is missing', () => {
    expect(refusal({ replicaCount: 2, leaderElection: { enabled: false } })).toMatch(/replicaCount > 1 needs leaderElection.enabled/);
    expect(refusal({ objectStore: { endpoint: 'http://minio:9000', accessKey: 'ak' } })).toMatch(/objectStore needs both accessKey and secretKey, or neither/);
  });
});

describe('RBAC', () => {
  const release = `rbac-${ns.name.slice(-5)}`;
  const fullname = `${release}-tessera`;
  const sa = `system:serviceaccount:${ns.name}:${fullname}`;
  const rendered = (): Manifest[] => renderChart(release, ns.name, { rbac: { aggregateToDefaultRoles: false } });

  beforeAll(() => {
    const rbac = rendered().filter((m) => ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(m.kind));
    kubectl(['apply', '-f', '-'], rbac.map((m) => stringify(m)).join('---\n'));
  });
  afterAll(() => {
    kubectl(['delete', '--ignore-not-found', 'clusterrole,clusterrolebinding', `${fullname}-operator`]);
  });

  /** The API server's own answer: may the operator's ServiceAccount do this? */
  function can(verb: string, resource: string, extra: string[] = []): boolean {
    try {
      return kubectl(['auth', 'can-i', verb, resource, '--as', sa, ...extra]).trim() === 'yes';
    } catch {
      return false; // can-i exits 1 for "no"
    }
  }

  it('has no wildcard and no access to Secrets anywhere', () => {
    const roles = renderChart('tessera', ns.name).filter((m) => m.kind === 'ClusterRole' || m.kind === 'Role');
    const rules = roles.flatMap((r) => (r as unknown as { rules: Array<Record<string, string[]>> }).rules);
    for (const rule of rules) {
      for (const key of ['apiGroups', 'resources', 'verbs']) expect(rule[key], JSON.stringify(rule)).not.toContain('*');
      expect(rule.resources).not.toContain('secrets');
      expect(rule.nonResourceURLs).toBeUndefined();
    }
  });

  it.each([
    // informers (all namespaces) and the writes of src/controllers/*/writes.ts
    ['list', 'jobs.tessera.dev', ['-A']], ['watch', 'jobs.tessera.dev', ['-A']], ['create', 'jobs.tessera.dev'], ['patch', 'jobs.tessera.dev'], ['delete', 'jobs.tessera.dev'],
    ['watch', 'computeplans.tessera.dev', ['-A']], ['patch', 'computeplans.tessera.dev'],
    ['watch', 'datasets.tessera.dev', ['-A']], ['watch', 'algos.tessera.dev', ['-A']],
    ['update', 'jobs.tessera.dev', ['--subresource=status']], ['update', 'datasets.tessera.dev', ['--subresource=status']],
    ['update', 'algos.tessera.dev', ['--subresource=status']], ['update', 'computeplans.tessera.dev', ['--subresource=status']],
    ['update', 'jobs.tessera.dev', ['--subresource=finalizers']],
    ['create', 'jobs.batch'], ['delete', 'jobs.batch'], ['watch', 'jobs.batch', ['-A']],
    ['watch', 'pods', ['-A']], ['get', 'pods'], ['patch', 'pods'], ['get', 'pods', ['--subresource=log']],
    ['list', 'namespaces', ['-A']], ['watch', 'namespaces', ['-A']],
    ['create', 'tokenreviews.authentication.k8s.io'],
    ['create', 'events.events.k8s.io'], ['patch', 'events.events.k8s.io'],
    ['list', 'workloads.kueue.x-k8s.io'],
    // Predictors and their Deployments and Services (src/controllers/predictor/writes.ts)
    ['watch', 'predictors.tessera.dev', ['-A']], ['update', 'predictors.tessera.dev', ['--subresource=status']], ['update', 'predictors.tessera.dev', ['--subresource=finalizers']],
    ['watch', 'deployments.apps', ['-A']], ['create', 'deployments.apps'], ['update', 'deployments.apps'],
    ['watch', 'services', ['-A']], ['create', 'services'], ['update', 'services'],
  ] as Array<[string, string, string[]?]>)('lets the operator %s %s %j', (verb, resource, extra = []) => {
    expect(can(verb, resource, extra.includes('-A') ? extra : [...extra, '-n', 'default'])).toBe(true);
  });

  it('lets the operator hold its Lease in the release namespace only', () => {
    expect(can('create', 'leases.coordination.k8s.io', ['-n', ns.name])).toBe(true);
    expect(can('update', 'leases.coordination.k8s.io/tessera-operator', ['-n', ns.name])).toBe(true);
    expect(can('update', 'leases.coordination.k8s.io/another', ['-n', ns.name])).toBe(false);
    expect(can('create', 'leases.coordination.k8s.io', ['-n', 'default'])).toBe(false);
  });

  it.each([
    ['get', 'secrets'], ['list', 'secrets'], ['create', 'pods'], ['delete', 'pods'], ['update', 'pods'],
    ['get', 'configmaps'], ['update', 'jobs.tessera.dev'], ['delete', 'computeplans.tessera.dev'], ['create', 'datasets.tessera.dev'],
    ['patch', 'jobs.batch'], ['create', 'events'], ['delete', 'deployments.apps'], ['patch', 'deployments.apps'], ['delete', 'services'],
    ['get', 'services', ['--subresource=proxy']], ['update', 'predictors.tessera.dev'], ['create', 'pods', ['--subresource=exec']],
    ['delete', 'namespaces'], ['update', 'namespaces'],
    ['escalate', 'clusterroles.rbac.authorization.k8s.io'], ['impersonate', 'serviceaccounts'], ['create', 'serviceaccounts', ['--subresource=token']],
  ] as Array<[string, string, string[]?]>)('does not let the operator %s %s %j', (verb, resource, extra = []) => {
    expect(can(verb, resource, [...extra, '-n', 'default'])).toBe(false);
  });

  it('gives users the Tessera kinds through the aggregated edit and view roles, never their status', () => {
    const roles = renderChart('tessera', ns.name);
    const edit = only(roles, 'ClusterRole', 'tessera-edit') as unknown as { metadata: Manifest['metadata']; rules: Array<{ resources: string[]; verbs: string[] }> };
    const view = only(roles, 'ClusterRole', 'tessera-view') as unknown as typeof edit;
    expect(edit.metadata.labels).toMatchObject({ 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' });
    expect(view.metadata.labels).toMatchObject({ 'rbac.authorization.k8s.io/aggregate-to-view': 'true' });
    expect(edit.rules.flatMap((r) => r.verbs)).toEqual(expect.arrayContaining(['create', 'patch', 'delete']));
    expect([...new Set(view.rules.flatMap((r) => r.verbs))].sort()).toEqual(['get', 'list', 'watch']);
    // The workstation API: viewers pull the namespace's file sets, editors also push.
    const filesRules = (role: typeof edit): string[] => role.rules.filter((r) => r.resources.some((x) => ['filesets', 'uploads', 'commits'].includes(x))).flatMap((r) => r.resources.map((x) => `${r.verbs.join(',')} ${x}`));
    expect(filesRules(view)).toEqual(['get filesets']);
    expect(filesRules(edit).sort()).toEqual(['create commits', 'create uploads', 'get filesets']);
    for (const rule of [...edit.rules, ...view.rules]) expect(rule.resources.filter((r) => r.includes('/'))).toEqual([]);
  });
});

describe('deploy/ (kustomize)', () => {
  const key = (m: Manifest): string => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;
  const sorted = (ms: Manifest[]): Manifest[] => [...ms].sort((a, b) => key(a).localeCompare(key(b)));

  it("renders with the cluster's kubectl to exactly the chart's default install, plus its namespace", () => {
    const kustomized = parseManifests(kubectl(['kustomize', deployDir]));
    const chart = renderChart('tessera', 'tessera-system');
    expect(sorted(kustomized.filter((m) => m.kind !== 'Namespace'))).toEqual(sorted(chart));
    expect(kustomized.filter((m) => m.kind === 'Namespace').map((m) => m.metadata.name)).toEqual(['tessera-system']);
  });

  it('holds, byte for byte, what `npm run deploy` writes (scripts/generate-deploy.sh --check)', () => {
    const check = spawnSync('bash', [fileURLToPath(new URL('../../scripts/generate-deploy.sh', import.meta.url)), '--check'], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import { clusterEnv } from '../support/cluster-env.ts';
import { kube, useNamespace, waitFor } from '../support/kube.ts';
import { installCrds, kubectl, kubectlApply, kubectlGet } from '../support/kubectl.ts';
import { writeFederatedOutputs } from '../support/federated-outputs.ts';
import { startMoverSim, type MoverSim } from '../support/mover-sim.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { tenantOf } from '../support/tenant.ts';
import { tesseraCli } from '../support/tessera-cli.ts';
import { launchBrowser, screenshot, startInClusterUi, startUi, type RunningUi } from '../support/ui.ts';

// The dashboard in a real browser (Debian's chromium, driven by playwright-core) against the local
// cluster: a federated plan runs on kwok nodes with the mover simulator, and the page follows it.
// Screenshots of each view land in test-artifacts/ui/.

const orgA = useNamespace(import.meta.filename, 'a');
const orgB = useNamespace(import.meta.filename, 'b');
const orgC = useNamespace(import.meta.filename, 'c');
let operator: RunningOperator;
let sim: MoverSim;
let ui: RunningUi;
let browser: Browser;
let scratch = '';


function apply(namespace: string, kind: string, name: string, spec: unknown): void {
  kubectlApply(namespace, JSON.stringify({ apiVersion: 'tessera.dev/v1alpha1', kind, metadata: { name }, spec }));
}

async function pushDataset(namespace: string, name: string, authorize: string[]): Promise<void> {
  const dir = await mkdtemp(join(scratch, `${name}-`));
  await writeFile(join(dir, 'samples.csv'), `${namespace},${Math.random()}\n`);
  await tesseraCli(['dataset', 'push', dir, '--name', name, '-n', namespace, ...(authorize.length ? ['--authorize', authorize.join(',')] : [])]);
}

function fedAvg(rounds: number): Record<string, unknown> {
  const trainers = [{ namespace: orgB.name, datasetRef: { name: 'hospital-b' } }, { namespace: orgC.name, datasetRef: { name: 'hospital-c' } }];
  return { strategy: { fedAvg: { rounds, trainers, trainAlgo: { name: 'train' }, aggregateAlgo: { name: 'aggregate' }, testAlgo: { name: 'evaluate' } } } };
}

/** Each task box's phase, as the page shows it. */
async function pagePhases(page: Page): Promise<Record<string, string>> {
  return page.$$eval('#dag a.task', (boxes) => Object.fromEntries(boxes.map((b) => [b.getAttribute('data-task') ?? '', b.getAttribute('data-phase') ?? ''])));
}

/** Opens `route` of `dashboard`: through its printed address (token and all) the first time, then as the page's own. */
async function open(page: Page, route: string, dashboard = ui): Promise<void> {
  const entered = page.url().startsWith(dashboard.origin);
  await page.goto(`${entered ? `${dashboard.origin}/` : dashboard.url}#${route}`);
}

/** A GET of `path` from this machine with `headers`, as any local process could send it: status and body. */
function rawGet(origin: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpGet(`${origin}${path}`, { headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
  });
}

beforeAll(async () => {
  installCrds();
  scratch = await mkdtemp(join(tmpdir(), 'tessera-ui-'));
  operator = await startOperator('ui');
  sim = startMoverSim({ namespaces: [orgA.name, orgB.name, orgC.name], transferUrl: operator.transferUrl, write: writeFederatedOutputs });
  apply(orgA.name, 'Algo', 'train', { image: 'local/sim:1', category: 'train', inputs: [{ name: 'data' }, { name: 'model', optional: true }], outputs: [{ name: 'model' }] });
  apply(orgA.name, 'Algo', 'aggregate', { image: 'local/sim:1', category: 'aggregate', outputs: [{ name: 'model' }] });
  apply(orgA.name, 'Algo', 'evaluate', { image: 'local/sim:1', category: 'metric', inputs: [{ name: 'data' }, { name: 'model' }], outputs: [{ name: 'performance' }] });
  await pushDataset(orgB.name, 'hospital-b', [orgA.name]);
  await pushDataset(orgC.name, 'hospital-c', [orgA.name]);
  await pushDataset(orgC.name, 'private', []);
  ui = await startUi(clusterEnv().kubeconfig);
  browser = await launchBrowser();
}, 600_000);
afterAll(async () => {
  await browser?.close();
  await ui?.stop();
  await sim?.stop();
  await operator?.stop();
  await rm(scratch, { recursive: true, force: true });
});

describe('the dashboard', () => {
  it("refuses whoever lacks this run's token (401), and requests addressed to another host name (403)", async () => {
    const page = await browser.newPage();
    expect((await page.goto(`${ui.origin}/`))?.status()).toBe(401);
    const statuses = (): Promise<number[]> => page.evaluate(async (paths) => Promise.all(paths.map(async (p) => (await fetch(p)).status)), ['/api/overview', '/api/events', '/app.js']);
    expect(await statuses()).toEqual([401, 401, 401]);
    expect((await page.goto(`${ui.origin}/?token=not-the-token`))?.status()).toBe(401);
    // The printed address sets the cookie and leaves the address bar without the token.
    await page.goto(ui.url);
    expect(page.url()).toBe(`${ui.origin}/`);
    const cookies = await page.context().cookies();
    expect(cookies).toEqual([expect.objectContaining({ httpOnly: true, sameSite: 'Strict' })]);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await page.locator('#namespaces').waitFor();
    // A local process without the cookie is refused; with it, addressed as a rebound DNS name, too.
    const cookie = `${cookies[0]!.name}=${cookies[0]!.value}`;
    const port = new URL(ui.origin).port;
    expect((await rawGet(ui.origin, '/api/overview', {})).status).toBe(401);
    expect((await rawGet(ui.origin, '/api/overview', { cookie })).status).toBe(200);
    const rebound = await rawGet(ui.origin, '/api/overview', { cookie, host: `rebound.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toContain(orgA.name);
    await page.close();
  }, 60_000);

  it("draws a federated plan's DAG and follows its tasks' phases live, without reloading", async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    apply(orgA.name, 'ComputePlan', 'fl', fedAvg(2));
    await open(page, `/plan/${orgA.name}/fl`);
    // 2 rounds × (2 trainers + 1 aggregate) + 2 evaluated rounds × 2 tests.
    await page.waitForSelector('#dag[data-nodes="10"]', { timeout: 30_000 });
    await page.evaluate(() => { (window as unknown as { loadedOnce: boolean }).loadedOnce = true; });
    const seen: Array<Record<string, string>> = [];
    let shotRunning = false;
    await waitFor('every task Succeeded on the page', async () => {
      const phases = await pagePhases(page);
      seen.push(phases);
      // The README's picture: the plan part-way, some tasks done and others running.
      const mixed = new Set(Object.values(phases));
      if (!shotRunning && mixed.has('Succeeded') && mixed.size > 2) {
        shotRunning = true;
        await screenshot(page, 'plan-dag-running');
      }
      return Object.values(phases).every((p) => p === 'Succeeded') ? phases : undefined;
    }, 240_000);
    // Live: the page showed the plan part-way (some tasks done, others not), on the same page load.
    expect(seen.some((phases) => new Set(Object.values(phases)).size > 1)).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
    expect(await page.locator('#dag text.round').allTextContents()).toEqual(expect.arrayContaining(['round 1', 'round 2']));
    // The page agrees with the CLI's view of the same plan.
    const tree = await tesseraCli(['plan', 'tree', 'fl', '-n', orgA.name]);
    expect(tree.trim().split('\n').slice(1).filter((line) => /\bSucceeded\b/.test(line))).toHaveLength(10);
    await screenshot(page, 'plan-dag');
    await page.locator('#dag a.task[data-task="r1-train-0"]').click();
    await expect.poll(() => page.locator('#job').textContent()).toMatch(/Succeeded/);
    expect(await page.locator('#job').textContent()).toMatch(/sha256:[a-f0-9]{64}/);
    await screenshot(page, 'task');
    await page.close();
  }, 300_000);

  it('plots the leaderboard with one point per evaluated round for each organization, best row marked', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    const plan = kubectlGet<ComputePlan>(orgA.name, 'computeplans.tessera.dev', 'fl');
    await open(page, `/leaderboard/${orgA.name}/fl`);
    const points = await page.locator('.plot[data-metric="accuracy"]').getAttribute('data-points', { timeout: 30_000 });
    expect(JSON.parse(points ?? '{}')).toEqual({ [orgB.name]: 2, [orgC.name]: 2 });
    expect(await page.locator('.plot canvas').count()).toBeGreaterThan(0);
    const best = page.locator('tr.best');
    expect(await best.count()).toBe(1);
    const top = plan.status?.performances?.[0];
    expect(await best.textContent()).toContain(top?.task ?? 'no performances');
    // The metric filter narrows the table to the scores it passes.
    await open(page, `/overview`);
    await page.fill('#filter-metric', 'accuracy > 0.65');
    await open(page, `/leaderboard/${orgA.name}/fl`);
    await expect.poll(() => page.locator('tr.score').count()).toBe(plan.status?.performances?.filter((p) => p.value > 0.65).length);
    await screenshot(page, 'leaderboard');
    await page.close();
  }, 120_000);

  it("shows a failed task's reason on its page, and a new plan on the overview within a second", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await open(page, '/');
    await page.waitForSelector('tr.plan-row');
    const applied = Date.now();
    apply(orgA.name, 'ComputePlan', 'snoop', { tasks: [{ name: 'peek', algoRef: { name: 'train' }, namespace: orgC.name, inputs: [{ name: 'data', datasetRef: { name: 'private' } }] }] });
    await page.locator('a.plan-link', { hasText: 'snoop' }).waitFor({ timeout: 5_000 });
    const latencyMs = Date.now() - applied;
    console.log(`a new plan reached the page ${latencyMs} ms after kubectl apply returned`);
    expect(latencyMs).toBeLessThan(1000);
    await screenshot(page, 'overview');

    await page.locator('a.plan-link', { hasText: 'snoop' }).click();
    await page.locator('#dag a.task[data-task="peek"][data-phase="Failed"]').waitFor({ timeout: 60_000 });
    await page.locator('#dag a.task[data-task="peek"]').click();
    await expect.poll(() => page.locator('#task-reason').textContent()).toMatch(/reason Unauthorized/);
    await screenshot(page, 'failed-task');
    await open(page, '/catalog');
    await page.locator('tr.dataset-row', { hasText: 'hospital-b' }).waitFor();
    await screenshot(page, 'catalog');
    await page.close();
  }, 120_000);

  it('shows a user whose RBAC covers one namespace nothing of the others', async () => {
    const tenant = await tenantOf(orgB.name);
    const theirs = await startUi(tenant.kubeconfig);
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await open(page, '/', theirs);
      await page.locator('tr.job-row').first().waitFor({ timeout: 30_000 });
      expect(await page.locator('#namespaces').textContent()).toBe(`Namespaces: ${orgB.name}`);
      const text = (await page.textContent('body')) ?? '';
      expect(text).toContain(orgB.name);
      expect(text).not.toContain(orgA.name);
      expect(text).not.toContain(orgC.name);
      expect(await page.locator('tr.plan-row').count()).toBe(0);
      await screenshot(page, 'overview-tenant');
      const plan = await page.evaluate(async (path) => (await fetch(path)).status, `/api/plans/${orgA.name}/fl`);
      expect(plan).toBe(404);
      await open(page, '/catalog', theirs);
      await page.locator('tr.dataset-row').first().waitFor();
      expect(await page.locator('tr.dataset-row').allTextContents()).toEqual([expect.stringContaining('hospital-b')]);
      // Live within their namespace: the dashboard watches it, not the cluster.
      await open(page, '/', theirs);
      await page.locator('tr.job-row').first().waitFor();
      apply(orgB.name, 'ComputePlan', 'own', { tasks: [{ name: 'mine', algoRef: { name: 'train' }, inputs: [{ name: 'data', datasetRef: { name: 'hospital-b' } }] }] });
      await page.locator('a.plan-link', { hasText: 'own' }).waitFor({ timeout: 5_000 });
      await page.close();
    } finally {
      await theirs.stop();
    }
  }, 120_000);

  it('shows a member of two organizations, who may list namespaces, those two, live, and nothing of the third', async () => {
    // RBAC as a platform team would grant it: Tessera's role in orgB and orgC, and `list namespaces`.
    const member = await tenantOf(orgB.name, 'two-orgs');
    await tenantOf(orgC.name);
    const grant = `${orgB.name}-list-namespaces`;
    kubectl(['create', 'rolebinding', `${orgB.name}-two-orgs`, '-n', orgC.name, '--role=tessera-tenant', `--serviceaccount=${orgB.name}:two-orgs`]);
    kubectl(['create', 'clusterrole', grant, '--verb=get,list', '--resource=namespaces']);
    kubectl(['create', 'clusterrolebinding', grant, `--clusterrole=${grant}`, `--serviceaccount=${orgB.name}:two-orgs`]);
    const theirs = await startUi(member.kubeconfig).catch((error: unknown) => {
      kubectl(['delete', '--ignore-not-found', 'clusterrole,clusterrolebinding', grant]);
      throw error;
    });
    try {
      expect(theirs.output()).toContain(`namespaces ${[orgB.name, orgC.name].sort().join(', ')}`);
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await open(page, '/', theirs);
      await page.locator('tr.job-row').first().waitFor({ timeout: 30_000 });
      expect(await page.locator('#namespaces').textContent()).toBe(`Namespaces: ${[orgB.name, orgC.name].sort().join(', ')}`);
      expect(await page.textContent('body')).not.toContain(orgA.name);
      apply(orgC.name, 'ComputePlan', 'theirs', { tasks: [{ name: 'mine', algoRef: { name: 'train' }, inputs: [{ name: 'data', datasetRef: { name: 'hospital-c' } }] }] });
      await page.locator('a.plan-link', { hasText: 'theirs' }).waitFor({ timeout: 5_000 });
      expect(await page.textContent('body')).not.toContain(orgA.name);
      await page.close();
    } finally {
      await theirs.stop();
      kubectl(['delete', '--ignore-not-found', 'clusterrole,clusterrolebinding', grant]);
    }
  }, 120_000);

  it('in a cluster (ui.enabled) holds no identity: each person signs in with their own token and sees what it may read', async () => {
    const tenant = await tenantOf(orgB.name);
    const token = tenant.config.getCurrentUser()?.token ?? '';
    const cluster = kube().config.getCurrentCluster();
    const caFile = join(scratch, 'api-ca.crt');
    await writeFile(caFile, Buffer.from(cluster?.caData ?? '', 'base64'));
    const inCluster = await startInClusterUi(cluster?.server ?? '', caFile);
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      expect((await page.goto(`${inCluster.origin}/api/overview`))?.status()).toBe(401);
      await page.goto(`${inCluster.origin}/`);
      expect(page.url()).toBe(inCluster.url);
      await page.fill('#token', 'not.a-token.of-this-cluster');
      await page.click('#sign-in');
      await expect.poll(() => page.locator('#problem').textContent()).toMatch(/did not accept this token/);
      await page.fill('#token', token);
      await page.click('#sign-in');
      await page.locator('tr.job-row').first().waitFor({ timeout: 30_000 });
      expect(await page.locator('#namespaces').textContent()).toBe(`Namespaces: ${orgB.name}`);
      expect(await page.textContent('body')).not.toContain(orgA.name);
      expect(await page.context().cookies()).toEqual([expect.objectContaining({ name: 'tessera-ui-session', httpOnly: true, sameSite: 'Strict' })]);
      expect(await page.evaluate(async (path) => (await fetch(path)).status, `/api/plans/${orgA.name}/fl`)).toBe(404);
      await screenshot(page, 'in-cluster-tenant');
      // Another host name (a rebound DNS name) is refused even with the session's cookie.
      const [cookie] = await page.context().cookies();
      const rebound = await rawGet(inCluster.origin, '/api/overview', { cookie: `${cookie!.name}=${cookie!.value}`, host: 'rebound.example' });
      expect(rebound.status).toBe(403);
      await page.close();
    } finally {
      await inCluster.stop();
    }
  }, 120_000);
});

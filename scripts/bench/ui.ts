import { createServer, type ServerResponse } from 'node:http';
import type { Page } from 'playwright-core';
import type { ComputePlan } from '../../src/api/computeplan.ts';
import { buildUi } from '../../src/ui/build.ts';
import type { PlanDetail } from '../../src/ui/protocol.ts';
import { asset, directorySource } from '../../src/ui/server/assets.ts';
import { planDetail } from '../../src/ui/server/plan-model.ts';
import { launchBrowser } from '../../test/support/ui.ts';

// The dashboard with a 5,000-task plan (fedAvg: 62 trainers, 40 rounds, every round tested), in
// Debian's chromium: how long from opening the plan's page until its DAG is drawn (target 2 s), how
// much of that is dagre's layout, and how long an update takes from the server's event to the page
// (target 1 s). The plan comes from the server's own model (planDetail) behind a stand-in of the
// dashboard's HTTP edge: no cluster, so the figures are the page's alone.

const target = { renderMs: 2000, updateMs: 1000 };

function syntheticPlan(trainers: number, rounds: number): ComputePlan {
  const list = Array.from({ length: trainers }, (_, i) => ({ namespace: `org-${i}`, datasetRef: { name: 'data' } }));
  return {
    apiVersion: 'tessera.dev/v1alpha1',
    kind: 'ComputePlan',
    metadata: { name: 'big', namespace: 'bench', uid: 'bench-uid' },
    spec: { strategy: { fedAvg: { rounds, trainers: list, trainAlgo: { name: 'train' }, aggregateAlgo: { name: 'aggregate' }, testAlgo: { name: 'evaluate' } } } },
  };
}

function standIn(dir: string, detail: { current: PlanDetail }, pages: Set<ServerResponse>): ReturnType<typeof createServer> {
  return createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/api/events') {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(': connected\n\n');
      return void pages.add(response);
    }
    if (path.startsWith('/api/plans/')) {
      response.writeHead(200, { 'content-type': 'application/json' });
      return void response.end(JSON.stringify(detail.current));
    }
    void asset(directorySource(dir), path).then((file) => {
      response.writeHead(file ? 200 : 404, { 'content-type': file?.type ?? 'text/plain' });
      response.end(file?.body ?? 'not found');
    });
  });
}

interface Figures { renderMs: number; layoutMs: number; layout: string; updateMs: number }

async function measure(page: Page, url: string, stand: { detail: { current: PlanDetail }; pages: Set<ServerResponse> }): Promise<Figures> {
  const { detail, pages } = stand;
  const started = performance.now();
  await page.goto(url);
  await page.waitForSelector(`#dag[data-nodes="${detail.current.nodes.length}"]`, { timeout: 60_000 });
  const renderMs = performance.now() - started;
  const layoutMs = Number(await page.getAttribute('#dag', 'data-layout-ms'));
  const layout = (await page.getAttribute('#dag', 'data-layout')) ?? '';
  // An update: the first task succeeds; the server says so on the event stream.
  const first = detail.current.nodes[0]!.name;
  detail.current = { ...detail.current, nodes: detail.current.nodes.map((n, i) => (i === 0 ? { ...n, phase: 'Succeeded' } : n)) };
  const sent = performance.now();
  for (const stream of pages) stream.write(`data: ${JSON.stringify([{ kind: 'Job', namespace: 'org-0', name: first }])}\n\n`);
  await page.waitForSelector(`#dag a.task[data-task="${first}"][data-phase="Succeeded"]`, { timeout: 30_000 });
  return { renderMs, layoutMs, layout, updateMs: performance.now() - sent };
}

/** `npm run bench -- ui [trainers] [rounds]`. */
export async function benchUi(args: string[]): Promise<void> {
  const [trainers = 62, rounds = 40] = args.map(Number);
  const dir = '/tmp/tessera-bench-ui/';
  const built = await buildUi(dir);
  const stand = { detail: { current: planDetail(syntheticPlan(trainers, rounds), []) }, pages: new Set<ServerResponse>() };
  const server = standIn(dir, stand.detail, stand.pages);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const f = await measure(page, `http://127.0.0.1:${port}/#/plan/bench/big`, stand);
    const { nodes, edges } = stand.detail.current;
    console.log(`ui: ${nodes.length} tasks, ${edges.length} edges; bundle built in ${built.ms} ms`);
    console.log(`  open → DAG drawn: ${f.renderMs.toFixed(0)} ms (${f.layout} layout ${f.layoutMs} ms; target ${target.renderMs} ms, ${(f.renderMs / target.renderMs).toFixed(2)}× of it)`);
    console.log(`  event → page updated: ${f.updateMs.toFixed(0)} ms (target ${target.updateMs} ms)`);
  } finally {
    await browser.close();
    for (const stream of stand.pages) stream.end();
    server.closeAllConnections();
    server.close();
  }
}

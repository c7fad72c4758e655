/// <reference lib="dom" />
import type { PlanDetail, TaskNode } from '../protocol.ts';
import { layoutDag, nodeSize, type DagLayout } from './dag-layout.ts';
import { badge, el, getJson, link, table } from './dom.ts';

// A plan's DAG: one box per task, coloured and labelled by phase, rounds as columns. While the plan
// runs, updates change only the boxes' phases; the layout is recomputed only when tasks are added.

const svgNs = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(svgNs, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

function edgePath(points: ReadonlyArray<{ x: number; y: number }>): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join('');
}

function taskBox(node: TaskNode, at: { x: number; y: number }, href: string): SVGAElement {
  const box = svg('a', { href, class: 'task', 'data-task': node.name, 'data-phase': node.phase });
  box.appendChild(svg('rect', { x: at.x - nodeSize.width / 2, y: at.y - nodeSize.height / 2, width: nodeSize.width, height: nodeSize.height, rx: 4 }));
  const label = svg('text', { x: at.x, y: at.y + 4, 'text-anchor': 'middle' });
  label.textContent = `${node.name} · ${node.phase}`;
  box.appendChild(label);
  return box;
}

/** Column headings: each round over its first column (its tests stand further right, beside the next round's trains). */
function roundHeadings(plan: PlanDetail, layout: DagLayout): SVGElement[] {
  const xs = new Map<number, number[]>();
  plan.nodes.forEach((n, i) => { if (n.round !== undefined) (xs.get(n.round) ?? xs.set(n.round, []).get(n.round)!).push(layout.points[i]!.x); });
  return [...xs].map(([round, at]) => {
    const text = svg('text', { x: Math.min(...at), y: 16, 'text-anchor': 'middle', class: 'round' });
    text.textContent = `round ${round}`;
    return text;
  });
}

/** The DAG as an SVG element, and how long the layout took. */
export function drawDag(plan: PlanDetail): { element: SVGSVGElement; layoutMs: number } {
  const started = performance.now();
  const layout = layoutDag(plan.ranks, plan.edges);
  const layoutMs = performance.now() - started;
  const element = svg('svg', { id: 'dag', width: layout.width, height: layout.height, 'data-nodes': plan.nodes.length, 'data-layout': layout.by });
  const edges = svg('g', { class: 'edges' });
  for (const edge of layout.edges) edges.appendChild(svg('path', { d: edgePath(edge.points) }));
  element.append(edges, ...roundHeadings(plan, layout));
  const nodes = svg('g', { class: 'nodes' });
  plan.nodes.forEach((node, i) => nodes.appendChild(taskBox(node, layout.points[i]!, `#/task/${plan.namespace}/${plan.name}/${node.name}`)));
  element.appendChild(nodes);
  return { element, layoutMs };
}

/** Updates the boxes of an already drawn DAG in place; false when the tasks changed and it must be redrawn. */
export function updateDag(element: SVGSVGElement, plan: PlanDetail): boolean {
  const boxes = element.querySelectorAll<SVGAElement>('a.task');
  if (boxes.length !== plan.nodes.length) return false;
  plan.nodes.forEach((node, i) => {
    const box = boxes[i]!;
    if (box.dataset.phase === node.phase) return;
    box.dataset.phase = node.phase;
    box.querySelector('text')!.textContent = `${node.name} · ${node.phase}`;
  });
  return true;
}

function header(plan: PlanDetail): HTMLElement {
  return el('div', { id: 'plan-header' },
    el('h2', {}, `${plan.namespace}/${plan.name} `, badge(plan.phase)),
    el('p', {}, `progress ${plan.progress}`, plan.round !== undefined ? `, round ${plan.round}` : '', plan.best ? `, best ${plan.best}` : '', ' — ', link(`/leaderboard/${plan.namespace}/${plan.name}`, 'leaderboard')),
    plan.problem ? el('p', { class: 'problem' }, plan.problem) : undefined,
    table(['CONDITION', 'STATUS', 'REASON', 'MESSAGE'], plan.conditions.map((c) => [c.type, c.status, c.reason ?? '', c.message ?? ''])));
}

/** Renders (or, when the DAG is already drawn, updates) the plan view. */
export async function renderPlan(root: HTMLElement, namespace: string, name: string): Promise<void> {
  const plan = await getJson<PlanDetail>(`/api/plans/${namespace}/${name}`);
  const drawn = root.querySelector<SVGSVGElement>(`svg#dag[data-plan="${namespace}/${name}"]`);
  if (drawn && updateDag(drawn, plan)) {
    root.querySelector('#plan-header')?.replaceWith(header(plan));
    return;
  }
  const { element, layoutMs } = drawDag(plan);
  element.dataset.plan = `${namespace}/${name}`;
  element.dataset.layoutMs = layoutMs.toFixed(0);
  root.replaceChildren(header(plan), el('div', { class: 'dag-scroll' }, element));
}

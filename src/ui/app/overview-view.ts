/// <reference lib="dom" />
import type { Overview } from '../protocol.ts';
import { badge, el, getJson, link, table } from './dom.ts';
import { passes, type Filters } from './filter.ts';

// The overview: plans with progress and phase counts, Jobs by phase and reason, recent Warning
// events, narrowed by the filter bar.

function counts(c: Record<string, number>): string {
  return Object.entries(c).filter(([k, v]) => k !== 'total' && v > 0).map(([k, v]) => `${k} ${v}`).join(', ');
}

function byPhase(o: Overview): HTMLElement {
  const rows = Object.entries(o.jobsByPhase).flatMap(([phase, reasons]) => Object.entries(reasons).map(([reason, n]) => [badge(phase), reason || '—', n]));
  return table(['PHASE', 'REASON', 'JOBS'], rows);
}

/** Renders the overview into `root`. */
export async function renderOverview(root: HTMLElement, filters: Filters): Promise<void> {
  const o = await getJson<Overview>('/api/overview');
  const plans = o.plans.filter((p) => passes(filters, { ...p }));
  const jobs = o.jobs.filter((j) => passes(filters, j));
  root.replaceChildren(
    el('p', { id: 'namespaces' }, `Namespaces: ${o.namespaces.join(', ') || 'none'}`, o.hidden.length ? ` — not visible to you: ${o.hidden.join(', ')}` : ''),
    el('h2', {}, `Compute plans (${plans.length})`),
    table(['NAMESPACE', 'PLAN', 'PHASE', 'PROGRESS', 'ROUND', 'BEST', 'TASKS'], plans.map((p) => [p.namespace, link(`/plan/${p.namespace}/${p.name}`, p.name, { class: 'plan-link' }), badge(p.phase), p.progress, p.round ?? '', p.best ?? '', counts(p.counts)]), () => ({ class: 'plan-row' })),
    el('h2', {}, `Jobs by phase and reason (${jobs.length})`),
    byPhase({ ...o, jobsByPhase: Object.fromEntries(Object.entries(o.jobsByPhase).filter(([phase]) => jobs.some((j) => j.phase === phase))) }),
    el('h2', {}, 'Jobs'),
    table(['NAMESPACE', 'JOB', 'PHASE', 'REASON', 'PLAN', 'METRICS'], jobs.slice(0, 200).map((j) => [j.namespace, link(`/job/${j.namespace}/${j.name}`, j.name), badge(j.phase), j.reason ?? '', j.plan ?? '', Object.entries(j.metrics).map(([k, v]) => `${k}=${v}`).join(' ')]), () => ({ class: 'job-row' })),
    el('h2', {}, 'Recent warnings'),
    table(['TIME', 'NAMESPACE', 'OBJECT', 'REASON', 'MESSAGE'], o.warnings.map((w) => [w.time, w.namespace, w.object, w.reason, w.message]), () => ({ class: 'warning-row' })),
  );
}

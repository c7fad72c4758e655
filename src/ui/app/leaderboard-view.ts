/// <reference lib="dom" />
import uPlot from 'uplot';
import type { PlanDetail } from '../protocol.ts';
import { el, getJson, link, table } from './dom.ts';
import { parseMetricFilter, passesMetric } from './filter.ts';
import { bestRows, metricSeries, type MetricSeries } from './leaderboard-series.ts';

// The leaderboard: each test metric against round, one line per organization, and the table of
// scores with the best of each metric marked.

const colours = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];

function plot(series: MetricSeries): HTMLElement {
  const holder = el('div', { class: 'plot', 'data-metric': series.metric, 'data-points': JSON.stringify(Object.fromEntries(series.lines.map((l) => [l.label, l.values.filter((v) => v !== null).length]))) });
  const options: uPlot.Options = {
    title: series.metric,
    width: 640,
    height: 300,
    scales: { x: { time: false } },
    // Rounds are whole numbers: no ticks between them.
    axes: [{ label: 'round', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500] }, { label: series.metric }],
    series: [{ label: 'round' }, ...series.lines.map((l, i) => ({ label: l.label, stroke: colours[i % colours.length], spanGaps: true, points: { show: true, size: 7 } }))],
  };
  new uPlot(options, [series.rounds, ...series.lines.map((l) => l.values)] as uPlot.AlignedData, holder);
  return holder;
}

/** Renders the plan's leaderboard; `metricFilter` (`accuracy > 0.8`) narrows the table. */
export async function renderLeaderboard(root: HTMLElement, namespace: string, name: string, metricFilter: string): Promise<void> {
  const plan = await getJson<PlanDetail>(`/api/plans/${namespace}/${name}`);
  const filter = parseMetricFilter(metricFilter);
  const rows = plan.performances.filter((r) => filter instanceof Error || passesMetric(filter, { [r.metric]: r.value }));
  const best = bestRows(plan.performances);
  const notes = [
    filter instanceof Error ? el('p', { class: 'problem' }, filter.message) : undefined,
    plan.performances.length === 0 ? el('p', {}, `no performances yet (plan ${plan.phase}, ${plan.progress})`) : undefined,
  ].filter((n) => n !== undefined);
  root.replaceChildren(
    el('h2', {}, 'Leaderboard of ', link(`/plan/${namespace}/${name}`, `${namespace}/${name}`)),
    ...notes,
    ...metricSeries(plan.performances).map(plot),
    table(['', 'METRIC', 'VALUE', 'ROUND', 'TASK', 'NAMESPACE'], rows.map((r) => [best.has(r) ? '★' : '', r.metric, r.value, r.round ?? '', r.task, r.namespace]), (i) => (best.has(rows[i]!) ? { class: 'score best' } : { class: 'score' })),
  );
}

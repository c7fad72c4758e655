// The page's filters, as people type them: a metric comparison (`accuracy > 0.8`), a label selector
// (`team=vision`, `tier!=dev`), a namespace and a phase. Pure; unit-tested beside it.

/** A comparison of a metric with a number. */
export interface MetricFilter {
  metric: string;
  op: '>' | '>=' | '<' | '<=' | '=' | '!=';
  value: number;
}

const metricPattern = /^\s*([A-Za-z_][A-Za-z0-9_.:/-]*)\s*(>=|<=|!=|>|<|==?)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/;

/** `accuracy > 0.8` as a filter, undefined when blank, an Error when it does not parse. */
export function parseMetricFilter(text: string): MetricFilter | undefined | Error {
  if (text.trim() === '') return undefined;
  const match = metricPattern.exec(text);
  if (!match) return new Error(`"${text}" is not a metric comparison such as accuracy > 0.8`);
  const op = (match[2] === '==' ? '=' : match[2]) as MetricFilter['op'];
  return { metric: match[1]!, op, value: Number(match[3]) };
}

/** Whether `metrics` pass `filter`; a row without the metric does not. */
export function passesMetric(filter: MetricFilter | undefined, metrics: Readonly<Record<string, number>>): boolean {
  if (!filter) return true;
  const value = metrics[filter.metric];
  if (value === undefined) return false;
  const compare: Record<MetricFilter['op'], boolean> = {
    '>': value > filter.value,
    '>=': value >= filter.value,
    '<': value < filter.value,
    '<=': value <= filter.value,
    '=': value === filter.value,
    '!=': value !== filter.value,
  };
  return compare[filter.op];
}

/** Whether `labels` match a selector of comma-separated `key=value`, `key!=value` or `key` terms. */
export function matchesLabels(selector: string, labels: Readonly<Record<string, string>>): boolean {
  const terms = selector.split(',').map((t) => t.trim()).filter(Boolean);
  return terms.every((term) => {
    const [key, value] = term.includes('!=') ? term.split('!=') : term.split('=');
    if (value === undefined) return labels[key!.trim()] !== undefined;
    const equal = labels[key!.trim()] === value.trim();
    return term.includes('!=') ? !equal : equal;
  });
}

/** What the overview's filter bar holds. */
export interface Filters {
  namespace: string;
  labels: string;
  phase: string;
  metric: string;
}

/** Whether a row passes the filter bar: namespace and phase exact when set, labels by selector, metric by comparison. */
export function passes(filters: Filters, row: { namespace: string; phase: string; labels: Record<string, string>; metrics?: Record<string, number> }): boolean {
  const metric = parseMetricFilter(filters.metric);
  if (filters.namespace && row.namespace !== filters.namespace) return false;
  if (filters.phase && row.phase !== filters.phase) return false;
  if (!matchesLabels(filters.labels, row.labels)) return false;
  return metric instanceof Error || !row.metrics ? true : passesMetric(metric, row.metrics);
}

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

// The chart's monitoring files, as the PrometheusRule and dashboard templates read them.

/** charts/tessera/rules/tessera.rules.yaml: the alerts. */
export const rulesFile = fileURLToPath(new URL('../../charts/tessera/rules/tessera.rules.yaml', import.meta.url));
/** test/alert-rules/tessera.rules.test.yaml: promtool's cases for them. */
export const rulesTestFile = fileURLToPath(new URL('../alert-rules/tessera.rules.test.yaml', import.meta.url));
/** charts/tessera/dashboards/tessera.json: the Grafana dashboard. */
export const dashboardFile = fileURLToPath(new URL('../../charts/tessera/dashboards/tessera.json', import.meta.url));

/** One rule of a Prometheus rule file. */
export interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
}

/** The rule groups of the rules file. */
export function ruleGroups(): { groups: Array<{ name: string; rules: AlertRule[] }> } {
  return parse(readFileSync(rulesFile, 'utf8')) as { groups: Array<{ name: string; rules: AlertRule[] }> };
}

/** Every PromQL expression of the dashboard's panels and variables. */
export function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as {
    panels: Array<{ targets?: Array<{ expr: string }> }>;
    templating: { list: Array<{ query?: unknown }> };
  };
  const panels = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  const variables = dashboard.templating.list.flatMap((v) => (v.query && typeof v.query === 'object' && 'query' in v.query ? [String(v.query.query)] : []));
  return [...panels, ...variables];
}

/** The metric names an expression selects (each written as `name{…}`), histogram suffixes removed. */
export function selectedMetrics(expr: string): string[] {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ''));
}

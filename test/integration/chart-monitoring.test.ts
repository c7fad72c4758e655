import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { chartDir, helm, helmRun, renderChart, setJson, type Manifest } from '../support/helm.ts';
import { dashboardFile, rulesFile } from '../support/monitoring-files.ts';
import { awaitLatePart, latePartWaitMs } from '../support/late-parts.ts';

// The chart's monitoring toggles with helm lint and helm template: each renders its
// monitoring.coreos.com/v1 object (or the dashboard's ConfigMap) only when enabled. The Prometheus
// Operator's CRDs are not in the local cluster, so these objects are not applied to it.

beforeAll(() => awaitLatePart('helm'), latePartWaitMs);

const monitoringKinds = ['ServiceMonitor', 'PodMonitor', 'PrometheusRule'];

const toggles: Record<string, Record<string, unknown>> = {
  serviceMonitor: { metrics: { serviceMonitor: { enabled: true, labels: { release: 'prom' }, interval: '15s', scrapeTimeout: '10s' } } },
  podMonitor: { metrics: { podMonitor: { enabled: true, labels: { release: 'prom' } } } },
  prometheusRule: { metrics: { prometheusRule: { enabled: true, labels: { release: 'prom' } } } },
  dashboard: { metrics: { dashboard: { enabled: true } } },
};

function ofKind(manifests: Manifest[], kinds: string[]): Manifest[] {
  return manifests.filter((m) => kinds.includes(m.kind) && (m.kind !== 'ConfigMap' || m.metadata.name.endsWith('-dashboard')));
}

type Endpoint = { port: string; interval: string; scrapeTimeout?: string; honorLabels: boolean; relabelings: Array<{ targetLabel: string; replacement: string }> };

describe('the chart\'s monitoring', () => {
  it('passes helm lint --strict with each toggle on', () => {
    for (const [name, values] of Object.entries(toggles)) {
      expect(helm(['lint', '--strict', chartDir, ...setJson(values)]), name).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  it('renders no monitoring object by default', () => {
    expect(ofKind(renderChart('tessera', 'ops'), [...monitoringKinds, 'ConfigMap'])).toEqual([]);
  });

  it('renders a ServiceMonitor of the metrics port, with its labels and interval, and job="tessera-operator"', () => {
    const rendered = ofKind(renderChart('tessera', 'ops', toggles.serviceMonitor), [...monitoringKinds, 'ConfigMap']);
    expect(rendered.map((m) => `${m.apiVersion} ${m.kind}`)).toEqual(['monitoring.coreos.com/v1 ServiceMonitor']);
    const monitor = rendered[0]! as Manifest & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: Endpoint[] } };
    expect(monitor.metadata.labels).toMatchObject({ release: 'prom', 'app.kubernetes.io/instance': 'tessera' });
    expect(monitor.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'tessera', 'app.kubernetes.io/instance': 'tessera', 'app.kubernetes.io/component': 'operator' });
    expect(monitor.spec.endpoints).toEqual([
      { port: 'metrics', path: '/metrics', interval: '15s', scrapeTimeout: '10s', honorLabels: true, relabelings: [{ targetLabel: 'job', replacement: 'tessera-operator' }] },
    ]);
  });

  it('renders a PodMonitor instead when asked, and refuses both at once', () => {
    const rendered = ofKind(renderChart('tessera', 'ops', toggles.podMonitor), monitoringKinds);
    expect(rendered.map((m) => m.kind)).toEqual(['PodMonitor']);
    const endpoints = (rendered[0] as Manifest & { spec: { podMetricsEndpoints: Endpoint[] } }).spec.podMetricsEndpoints;
    expect(endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s', honorLabels: true, relabelings: [{ targetLabel: 'job', replacement: 'tessera-operator' }] }]);
    const both = helmRun(['template', 'tessera', chartDir, ...setJson({ metrics: { serviceMonitor: { enabled: true }, podMonitor: { enabled: true } } })]);
    expect(both.status).not.toBe(0);
    expect(both.stderr).toContain('enable one, both would scrape every replica twice');
  });

  it('renders a PrometheusRule whose spec is the rules file promtool tests, untouched', () => {
    const rendered = ofKind(renderChart('tessera', 'ops', toggles.prometheusRule), monitoringKinds);
    expect(rendered.map((m) => m.kind)).toEqual(['PrometheusRule']);
    const rule = rendered[0]! as Manifest & { spec: unknown };
    expect(rule.metadata.labels).toMatchObject({ release: 'prom' });
    expect(rule.spec).toEqual(parse(readFileSync(rulesFile, 'utf8')));
    expect(JSON.stringify(rule.spec)).toContain('{{ $labels.namespace }}');
  });

  it('renders the Grafana dashboard in a ConfigMap labelled for the sidecar', () => {
    const rendered = ofKind(renderChart('tessera', 'ops', toggles.dashboard), [...monitoringKinds, 'ConfigMap']);
    expect(rendered.map((m) => m.kind)).toEqual(['ConfigMap']);
    const map = rendered[0]! as Manifest & { data: Record<string, string> };
    expect(map.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(JSON.parse(map.data['tessera.json']!)).toEqual(JSON.parse(readFileSync(dashboardFile, 'utf8')));
  });

  it('refuses a monitor interval that is not a Prometheus duration', () => {
    const result = helmRun(['template', 'tessera', chartDir, ...setJson({ metrics: { serviceMonitor: { enabled: true, interval: 'often' } } })]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('interval');
  });
});

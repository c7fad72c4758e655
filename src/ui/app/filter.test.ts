import { describe, expect, it } from 'vitest';
import { matchesLabels, parseMetricFilter, passes, passesMetric } from './filter.ts';

describe('the metric filter', () => {
  it('parses comparisons as people type them', () => {
    expect(parseMetricFilter('accuracy > 0.8')).toEqual({ metric: 'accuracy', op: '>', value: 0.8 });
    expect(parseMetricFilter('loss<=1e-3')).toEqual({ metric: 'loss', op: '<=', value: 0.001 });
    expect(parseMetricFilter('auc == 1')).toEqual({ metric: 'auc', op: '=', value: 1 });
    expect(parseMetricFilter('  ')).toBeUndefined();
    expect(parseMetricFilter('accuracy is high')).toBeInstanceOf(Error);
  });

  it('keeps rows whose metric passes, and drops rows without the metric', () => {
    const filter = parseMetricFilter('accuracy > 0.8') as Exclude<ReturnType<typeof parseMetricFilter>, Error>;
    expect(passesMetric(filter, { accuracy: 0.81 })).toBe(true);
    expect(passesMetric(filter, { accuracy: 0.8 })).toBe(false);
    expect(passesMetric(filter, { loss: 0.1 })).toBe(false);
    expect(passesMetric(undefined, {})).toBe(true);
  });
});

describe('the label selector', () => {
  it('matches equality, inequality and existence terms, all of them', () => {
    const labels = { team: 'vision', tier: 'prod' };
    expect(matchesLabels('team=vision', labels)).toBe(true);
    expect(matchesLabels('team=vision,tier!=prod', labels)).toBe(false);
    expect(matchesLabels('tier', labels)).toBe(true);
    expect(matchesLabels('owner', labels)).toBe(false);
    expect(matchesLabels('', labels)).toBe(true);
  });
});

describe('the filter bar', () => {
  const row = { namespace: 'org-b', phase: 'Succeeded', labels: { team: 'vision' }, metrics: { accuracy: 0.9 } };
  it('narrows by namespace, phase, labels and metric together', () => {
    expect(passes({ namespace: 'org-b', phase: 'Succeeded', labels: 'team=vision', metric: 'accuracy > 0.8' }, row)).toBe(true);
    expect(passes({ namespace: 'org-c', phase: '', labels: '', metric: '' }, row)).toBe(false);
    expect(passes({ namespace: '', phase: 'Failed', labels: '', metric: '' }, row)).toBe(false);
    expect(passes({ namespace: '', phase: '', labels: '', metric: 'accuracy > 0.95' }, row)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { metricsFromJson } from './metrics-file.ts';

describe('metricsFromJson', () => {
  it.each([
    { name: 'flat numbers', text: '{"accuracy": 0.91, "loss": 0.2}', want: { accuracy: 0.91, loss: 0.2 } },
    { name: 'nested objects as dotted names', text: '{"loss": {"train": 0.1, "test": 0.3}}', want: { 'loss.train': 0.1, 'loss.test': 0.3 } },
    { name: 'strings, arrays and nulls left out', text: '{"a": "x", "b": [1], "c": null, "d": 2}', want: { d: 2 } },
    { name: 'not an object', text: '[1, 2]', want: {} },
    { name: 'not JSON', text: 'accuracy=0.9', want: {} },
    { name: 'names that are not metric names', text: '{"has space": 1, "ok_name": 2}', want: { ok_name: 2 } },
  ])('$name', ({ text, want }) => {
    expect(metricsFromJson(text)).toEqual(want);
  });

  it('keeps at most 64 metrics', () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`m${i}`, i]));
    expect(Object.keys(metricsFromJson(JSON.stringify(many)))).toHaveLength(64);
  });
});

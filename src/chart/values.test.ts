import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderValuesSchema, renderValuesYaml, valuesJsonSchema } from './render.ts';
import { chartValuesSchema, defaultChartValues } from './values.ts';

describe('the chart values schema', () => {
  it('gives every value a default, so an empty values file is a full install', () => {
    const values = defaultChartValues();
    expect(values.image).toEqual({ repository: 'tessera/operator', tag: '', pullPolicy: 'IfNotPresent' });
    expect(values.leaderElection.enabled).toBe(true);
    expect(values.transfer.service).toEqual({ annotations: {}, port: 8090, clusterIP: '' });
    expect(values.crds).toEqual({ install: true, keep: true });
  });

  it('fills the defaults of a nested object the user gave only in part', () => {
    const values = chartValuesSchema.parse({ transfer: { service: { clusterIP: '10.0.0.9' } } });
    expect(values.transfer).toEqual({ port: 8090, url: '', service: { annotations: {}, port: 8090, clusterIP: '10.0.0.9' } });
  });

  it.each([
    ['a misspelt key', { replicas: 2 }, 'replicas'],
    ['a string where a number goes', { replicaCount: 'two' }, 'replicaCount'],
    ['an unknown pull policy', { image: { pullPolicy: 'Sometimes' } }, 'image.pullPolicy'],
    ['a ClusterIP that is no address', { transfer: { service: { clusterIP: '10.0.0' } } }, 'transfer.service.clusterIP'],
    ['an endpoint that is no URL', { objectStore: { endpoint: 'minio:9000' } }, 'objectStore.endpoint'],
  ])('refuses %s', (_what, values, path) => {
    const result = chartValuesSchema.safeParse(values);
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((i) => (i.path.length ? i.path.join('.') : (i as { keys?: string[] }).keys?.join(','))) ?? [];
    expect(paths).toContain(path);
  });

  it('lets a parent chart pass `global` through the strict root', () => {
    expect(chartValuesSchema.safeParse({ global: { imageRegistry: 'r.example.com' } }).success).toBe(true);
  });
});

describe('the rendered values files', () => {
  it('values.yaml holds exactly the defaults, each key under its description', () => {
    const text = renderValuesYaml('header');
    expect(parse(text)).toEqual(defaultChartValues());
    expect(text).toMatch(/# how long the push sidecar may upload after the main container exits\n {2}uploadGraceSeconds: 600/);
  });

  it('values.schema.json is draft-07, strict at every level, without zod\'s safe-integer noise', () => {
    const schema = valuesJsonSchema();
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties?.operator?.additionalProperties).toBe(false);
    const text = renderValuesSchema('header');
    expect(text).not.toContain(String(Number.MAX_SAFE_INTEGER));
    expect(text).not.toContain('x-kubernetes-');
    expect(JSON.parse(text)).toMatchObject({ $comment: 'header' });
  });
});

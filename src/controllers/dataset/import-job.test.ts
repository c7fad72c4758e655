import { describe, expect, it } from 'vitest';
import { makeInputDataset } from '../../../test/support/job-builders.ts';
import { tesseraJobSpecSchema } from '../../api/job.ts';
import { desiredImportJob, importJobName, importOutput } from './import-job.ts';

const url = 'https://example.com/cifar.tar.gz';
const fromUrl = (name: string, source = url): ReturnType<typeof makeInputDataset> => makeInputDataset(name).spec({ source: { url: source } });
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe('importJobName', () => {
  it('is the same for the same source, whatever else the spec says', () => {
    expect(importJobName(fromUrl('cifar').obj())).toBe(importJobName(fromUrl('cifar').public().testOnly().obj()));
  });

  it('changes with the source', () => {
    expect(importJobName(fromUrl('cifar').obj())).not.toBe(importJobName(fromUrl('cifar', 'https://example.com/cifar-v2.tar.gz').obj()));
  });

  it.each([
    { name: 'a short name', dataset: 'cifar' },
    { name: 'a 63-character name', dataset: 'c'.repeat(63) },
    { name: 'a 63-character name with a dash where it is cut', dataset: `${'c'.repeat(46)}-${'d'.repeat(16)}` },
  ])('is a DNS label of at most 63 characters for $name', ({ dataset }) => {
    const name = importJobName(fromUrl(dataset).obj());
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(dnsLabel);
    expect(name).toMatch(/-import-[0-9a-f]{8}$/);
  });

  it('keeps two long names that differ only at their end apart', () => {
    const a = importJobName(fromUrl(`${'c'.repeat(62)}a`, 'https://example.com/a').obj());
    const b = importJobName(fromUrl(`${'c'.repeat(62)}b`, 'https://example.com/b').obj());
    expect(a).not.toBe(b);
  });
});

describe('desiredImportJob', () => {
  const dataset = fromUrl('cifar').obj();
  const job = desiredImportJob(dataset, url, 'tessera/operator:test');

  it('is a valid Job in the Dataset namespace, named for the source', () => {
    expect(tesseraJobSpecSchema.safeParse(job.spec).success).toBe(true);
    expect(job.metadata).toMatchObject({ name: importJobName(dataset), namespace: 'team-a' });
  });

  it('is owned by the Dataset', () => {
    expect(job.metadata.ownerReferences).toEqual([
      { apiVersion: 'tessera.dev/v1alpha1', kind: 'Dataset', name: 'cifar', uid: 'uid-cifar', controller: true, blockOwnerDeletion: true },
    ]);
  });

  it('runs the mover image to download the URL into its one output, data', () => {
    expect(importOutput).toBe('data');
    expect(job.spec.image).toBe('tessera/operator:test');
    expect(job.spec.outputs).toEqual([{ name: 'data' }]);
    expect(job.spec.args).toEqual(['dataset', 'import', '--url', url, '--out', '/tessera/outputs/data']);
  });
});

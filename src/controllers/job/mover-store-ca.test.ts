import { describe, expect, it } from 'vitest';
import { makeJob, readyRun } from '../../../test/support/job-builders.ts';
import { digestOf } from '../../../test/support/plan-builders.ts';
import { defaultJobRuntimeConfig } from './desired.ts';
import { indexerParts, moverPodParts } from './mover-containers.ts';

// Movers fetch presigned URLs from the object store itself: a store behind a private CA must be
// trusted by them as by the operator, so the bundle travels in their environment.

const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const run = readyRun(makeJob('train').fileSetInput('data', digestOf('data')).outputs('model').obj());

describe("the object store's CA bundle", () => {
  it('reaches the pull and push movers, and the indexer, when the operator has one', () => {
    const config = { ...defaultJobRuntimeConfig, storeCaBundle: pem };
    for (const container of moverPodParts(run, config).initContainers) {
      expect(container.env).toContainEqual({ name: 'TESSERA_S3_CA_BUNDLE', value: pem });
    }
    expect(indexerParts(config).mainEnv).toContainEqual({ name: 'TESSERA_S3_CA_BUNDLE', value: pem });
  });

  it('is left out without one: movers trust the system CAs', () => {
    for (const container of moverPodParts(run, defaultJobRuntimeConfig).initContainers) {
      expect(container.env?.map((e) => e.name)).toEqual(['TESSERA_TRANSFER_URL']);
    }
    expect(indexerParts(defaultJobRuntimeConfig).mainEnv.map((e) => e.name)).toEqual(['TESSERA_TRANSFER_URL']);
  });
});

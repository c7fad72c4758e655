import type { z } from 'zod';
import { algoCelRules, algoSpecSchema, algoStatusSchema } from './algo.ts';
import { apiGroup, apiVersion, type CelRule } from './common.ts';
import { computePlanCelRules, computePlanSpecSchema, computePlanStatusSchema } from './computeplan.ts';
import { datasetCelRules, datasetSpecSchema, datasetStatusSchema } from './dataset.ts';
import { tesseraJobCelRules, tesseraJobSpecSchema, tesseraJobStatusSchema } from './job.ts';
import { predictorCelRules, predictorSpecSchema, predictorStatusSchema } from './predictor.ts';

// Every Tessera kind with what its CRD needs: names, schemas, printer columns and CEL rules.
// crd.ts turns one entry into a CustomResourceDefinition; scripts/generate-crds.ts writes them all.

/** A column of `kubectl get`, as in a CRD's additionalPrinterColumns. */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  /** 0 shows in `kubectl get`; 1 and above only with `-o wide`. */
  priority?: number;
}

/** One kind of the tessera.dev API and everything its CRD is built from. */
export interface KindDefinition {
  group: typeof apiGroup;
  version: typeof apiVersion;
  kind: string;
  plural: string;
  singular: string;
  listKind: string;
  /** Never a built-in's short name (`ds` is DaemonSet, `job` is batch Job). */
  shortNames: readonly string[];
  categories: readonly string[];
  description: string;
  specSchema: z.ZodType;
  statusSchema: z.ZodType;
  printerColumns: readonly PrinterColumn[];
  celRules: readonly CelRule[];
}

const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const ready: PrinterColumn = { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' };
const common = { group: apiGroup, version: apiVersion, categories: ['tessera'] } as const;

/** The Dataset kind: a versioned file set and who may compute on it. */
export const datasetKind: KindDefinition = {
  ...common,
  kind: 'Dataset',
  plural: 'datasets',
  singular: 'dataset',
  listKind: 'DatasetList',
  shortNames: ['tds', 'tdataset'],
  description: 'A named, versioned file set, and the namespaces that may compute on it.',
  specSchema: datasetSpecSchema,
  statusSchema: datasetStatusSchema,
  printerColumns: [
    { name: 'Version', type: 'integer', jsonPath: '.status.version' },
    { name: 'Files', type: 'integer', jsonPath: '.status.files' },
    { name: 'Bytes', type: 'integer', jsonPath: '.status.bytes' },
    ready,
    age,
  ],
  celRules: datasetCelRules,
};

/** The Algo kind: code to run, its category, inputs and outputs. */
export const algoKind: KindDefinition = {
  ...common,
  kind: 'Algo',
  plural: 'algos',
  singular: 'algo',
  listKind: 'AlgoList',
  shortNames: ['algo'],
  description: 'Code to run: an image and command, its category, declared inputs and outputs, default resources.',
  specSchema: algoSpecSchema,
  statusSchema: algoStatusSchema,
  printerColumns: [
    { name: 'Category', type: 'string', jsonPath: '.spec.category' },
    { name: 'Image', type: 'string', jsonPath: '.spec.image' },
    ready,
    age,
  ],
  celRules: algoCelRules,
};

/** The Job kind (TesseraJob in code): one run of an Algo or an image. */
export const jobKind: KindDefinition = {
  ...common,
  kind: 'Job',
  plural: 'jobs',
  singular: 'job',
  listKind: 'JobList',
  shortNames: ['tjob', 'tj'],
  description: 'One run of an Algo or an image on input file sets, with CPU, memory and GPU limits, retries and a deadline.',
  specSchema: tesseraJobSpecSchema,
  statusSchema: tesseraJobStatusSchema,
  printerColumns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Reason', type: 'string', jsonPath: '.status.reason' },
    { name: 'GPUs', type: 'integer', jsonPath: '.spec.resources.gpu' },
    { name: 'Node', type: 'string', jsonPath: '.status.nodeName' },
    { name: 'Attempts', type: 'integer', jsonPath: '.status.attempts' },
    age,
  ],
  celRules: tesseraJobCelRules,
};

/** The ComputePlan kind: a DAG of tasks, or a strategy that expands into one. */
export const computePlanKind: KindDefinition = {
  ...common,
  kind: 'ComputePlan',
  plural: 'computeplans',
  singular: 'computeplan',
  listKind: 'ComputePlanList',
  shortNames: ['cplan'],
  description: 'A DAG of tasks across namespaces, written out or expanded from a federated strategy.',
  specSchema: computePlanSpecSchema,
  statusSchema: computePlanStatusSchema,
  printerColumns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Progress', type: 'string', jsonPath: '.status.progress' },
    { name: 'Round', type: 'integer', jsonPath: '.status.round' },
    { name: 'Best', type: 'string', jsonPath: '.status.best', description: 'the top of the leaderboard' },
    age,
  ],
  celRules: computePlanCelRules,
};

/** The Predictor kind: a trained model served over HTTP by a Deployment and a Service. */
export const predictorKind: KindDefinition = {
  ...common,
  kind: 'Predictor',
  plural: 'predictors',
  singular: 'predictor',
  listKind: 'PredictorList',
  // Not `pred` or `predictor` alone: KServe's InferenceService and Seldon take short names near those.
  shortNames: ['tpred'],
  description: "A trained model (a Job's or plan task's output, or a file set) served over HTTP by a Deployment and a ClusterIP Service.",
  specSchema: predictorSpecSchema,
  statusSchema: predictorStatusSchema,
  printerColumns: [
    ready,
    { name: 'Replicas', type: 'string', jsonPath: '.status.replicasReady', description: 'ready/desired' },
    { name: 'Model', type: 'string', jsonPath: '.status.modelDigestShort', description: 'the served file set, shortened' },
    { name: 'Endpoint', type: 'string', jsonPath: '.status.endpoint' },
    age,
  ],
  celRules: predictorCelRules,
};

/** Every kind of the tessera.dev API, in the order their CRDs are written. */
export const allKinds: readonly KindDefinition[] = [datasetKind, algoKind, jobKind, computePlanKind, predictorKind];

import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { Clock } from '../runtime/clock.ts';
import type { ClientOptions } from '../runtime/kube-client.ts';
import { makeClient } from '../runtime/kube-client.ts';
import { TokenBucket } from '../runtime/rate-limiter.ts';
import type { Logger } from '../runtime/logger.ts';
import { ManifestCache } from '../storage/manifest-cache.ts';
import { s3BlobStore, type S3BlobStore, type S3BlobStoreOptions } from '../storage/object-store.ts';
import { parseSigningKeys, type SigningKeys } from '../storage/result-record.ts';
import type { VerifiedCopier } from '../storage/staged-commit.ts';
import type { RunLookups } from '../transfer/server/authorize.ts';
import type { PodAccess } from '../transfer/server/handlers.ts';
import { cachedTokenReviewer } from '../transfer/server/identity.ts';
import { startTransferServer, type TransferServer } from '../transfer/server/server.ts';
import type { Informers } from './informers.ts';
import { uidLookup } from './namespaces.ts';
import { operatorDefaults, type OperatorOptions } from './options.ts';

// The object store and the transfer API, when the operator is given a store: everything file sets
// need. Without one the operator still runs Jobs that move no file sets.

/** The object store as the controllers use it. */
export interface FileSetServices {
  store: S3BlobStore;
  manifests: ManifestCache;
  /** The result-signing keys (the first signs, any verifies), read from the operator's key file. */
  signingKey: SigningKeys;
  /** With checksumMode off: uploads are staged, and this copies each into place once it verifies (staged-commit.ts). */
  staged?: VerifiedCopier;
}

function readSigningKeys(path: string): SigningKeys {
  try {
    return parseSigningKeys(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`reading the result-signing keys from ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** The CA bundle the store's TLS needs, read once at start: the operator trusts it and hands it to the movers. */
export function readStoreCaBundle(options: Pick<OperatorOptions, 's3CaBundleFile'>): string | undefined {
  if (!options.s3CaBundleFile) return undefined;
  try {
    return readFileSync(options.s3CaBundleFile, 'utf8');
  } catch (error) {
    throw new Error(`reading the object store's CA bundle from ${options.s3CaBundleFile}: ${(error as Error).message}`, { cause: error });
  }
}

/** How the operator reaches its store. Pure. Keys left out: the SDK's default credential chain. */
export function storeOptionsOf(options: OperatorOptions & { s3Endpoint: string }, caBundle: string | undefined): S3BlobStoreOptions {
  return {
    endpoint: options.s3Endpoint,
    region: options.s3Region,
    bucket: options.s3Bucket,
    accessKeyId: options.s3AccessKey,
    secretAccessKey: options.s3SecretKey,
    caBundle,
    forcePathStyle: options.s3ForcePathStyle,
    checksumMode: options.s3ChecksumMode,
  };
}

/** Connects to the object store; undefined when none is configured. */
export function makeFileSetServices(options: OperatorOptions): FileSetServices | undefined {
  if (!options.s3Endpoint || !options.resultSigningKeysFile) return undefined;
  const signingKey = readSigningKeys(options.resultSigningKeysFile);
  const store = s3BlobStore(storeOptionsOf({ ...options, s3Endpoint: options.s3Endpoint }, readStoreCaBundle(options)));
  // A PUT presigned for such a store binds no body, so uploads go to staging keys the operator hashes.
  const staged: VerifiedCopier | undefined =
    options.s3ChecksumMode === 'off' ? { copyVerified: (from, to, sha256Hex) => store.copyVerifiedFrom({ bucket: options.s3Bucket, key: from }, to, sha256Hex) } : undefined;
  return { store, manifests: new ManifestCache(store), signingKey, ...(staged ? { staged } : {}) };
}

function lookupsOf(informers: Informers): RunLookups {
  return {
    pod: (ns, name) => informers.pods.get(ns, name),
    job: (ns, name) => informers.jobs.get(ns, name),
    batchJob: (ns, name) => informers.batchJobs.get(ns, name),
    algo: (ns, name) => informers.algos.get(ns, name),
    dataset: (ns, name) => informers.datasets.get(ns, name),
    predictor: (ns, name) => informers.predictors.get(ns, name),
  };
}

function podAccess(core: k8s.CoreV1Api): PodAccess {
  return {
    async fresh(namespace, name) {
      try {
        return await core.readNamespacedPod({ namespace, name });
      } catch (error) {
        if (error instanceof k8s.ApiException && error.code === 404) return undefined;
        throw error;
      }
    },
    mainLog: (namespace, name, limitBytes) => core.readNamespacedPodLog({ namespace, name, container: 'main', limitBytes }),
    async annotate(namespace, name, annotations) {
      await core.patchNamespacedPod(
        { namespace, name, body: { metadata: { annotations } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    },
  };
}

/**
 * New tokens reviewed per second, at most: a pod's token is reviewed once a minute however often it
 * calls, so 20 a second serves over a thousand pods starting at once, and a flood of forged tokens
 * costs the API server (which the controllers need) no more than that.
 */
function tokenReviewBudget(): TokenBucket {
  return new TokenBucket({ qps: 20, burst: 100 });
}

/** What serving the transfer API needs. */
export interface TransferWiring {
  /** The mover image runs' pods are given; default the operator's default. */
  moverImage?: string;
  /** The landing-zone bucket Datasets index prefixes of. */
  importBucket: string;
  kc: k8s.KubeConfig;
  clientOptions: ClientOptions;
  informers: Informers;
  services: FileSetServices;
  registry: Registry;
  logger: Logger;
  clock: Clock;
}

/** Serves the transfer API at `address` (host:port). */
export async function serveTransfers(address: string, wiring: TransferWiring): Promise<TransferServer> {
  const colon = address.lastIndexOf(':');
  const core = makeClient(wiring.kc, k8s.CoreV1Api, wiring.clientOptions);
  return startTransferServer({
    host: address.slice(0, colon) || '0.0.0.0',
    port: Number(address.slice(colon + 1)),
    reviewer: cachedTokenReviewer(makeClient(wiring.kc, k8s.AuthenticationV1Api, wiring.clientOptions), { clock: wiring.clock, budget: tokenReviewBudget() }),
    lookups: lookupsOf(wiring.informers),
    moverImage: wiring.moverImage ?? operatorDefaults.moverImage,
    deps: {
      store: wiring.services.store,
      staged: wiring.services.staged,
      manifests: wiring.services.manifests,
      uidOf: uidLookup(wiring.informers.namespaces),
      pods: podAccess(core),
      signingKeys: wiring.services.signingKey,
      presignSeconds: 900,
      clock: wiring.clock,
      importBucket: wiring.importBucket,
      logger: wiring.logger.child({ component: 'transfer-api' }),
    },
    logger: wiring.logger.child({ component: 'transfer-api' }),
    registry: wiring.registry,
  });
}

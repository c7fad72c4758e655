// Indexing a Dataset's landing zone in place: the index Job's pod lists the objects under the
// Dataset's prefix (presigned GETs), hashes each, and reports the digests; the operator copies each
// object the content store lacks into it server-side, verified by the store's own SHA-256, and
// commits the manifest as the Job's `data` output. No byte is uploaded by the pod.
import type { Dataset } from '../../api/dataset.ts';
import { grantAccess } from '../../storage/access.ts';
import { forEachBounded } from '../../storage/bounded.ts';
import { ChecksumMismatchError } from '../../storage/hashing.ts';
import { writeManifest } from '../../storage/manifest-io.ts';
import { blobKey, checkSafePath, digestHex, manifestDigest, type Manifest } from '../../storage/manifest.ts';
import type { S3BlobStore } from '../../storage/object-store.ts';
import { resultAnnotation, signResult, type ResultRecord } from '../../storage/result-record.ts';
import type { CommitResponse, IndexList } from '../protocol.ts';
import type { RunContext } from './authorize.ts';
import { TransferError } from './errors.ts';
import type { TransferDeps } from './handlers.ts';

/** What indexing needs beyond the other handlers: the store's landing-zone bucket. */
export interface IndexDeps extends TransferDeps {
  store: S3BlobStore;
  /** The bucket namespaces land data in, each under `<namespace>/`. */
  importBucket: string;
}

/** The output an index commit records: the Dataset's files. */
export const indexOutput = 'data';

const copyConcurrency = 8;

/** The key prefix a Dataset indexes: its namespace's landing zone, then the prefix it names. */
export function landingPrefix(dataset: Readonly<Dataset>, importBucket: string): string {
  const source = dataset.spec.source.prefix;
  if (!source) throw new TransferError('Forbidden', `Dataset ${dataset.metadata.name} has no prefix source`);
  if (source.bucket !== undefined && source.bucket !== importBucket) {
    throw new TransferError('Forbidden', `Dataset ${dataset.metadata.name}: only the landing-zone bucket ${importBucket} can be indexed, not ${source.bucket}`);
  }
  return `${dataset.metadata.namespace ?? ''}/${source.prefix.replace(/^\/+/, '')}`;
}

function indexedDatasetOf(ctx: RunContext): Readonly<Dataset> {
  if (!ctx.indexes) throw new TransferError('Forbidden', `the run of ${ctx.plan.namespace}/${ctx.plan.job} indexes no Dataset`);
  return ctx.indexes;
}

/** The objects under the landing prefix, by path relative to it; unsafe names are refused. */
async function landingObjects(ctx: RunContext, deps: IndexDeps): Promise<Map<string, { key: string; size: number }>> {
  const prefix = landingPrefix(indexedDatasetOf(ctx), deps.importBucket);
  const objects = new Map<string, { key: string; size: number }>();
  for await (const object of deps.store.listIn(deps.importBucket, prefix)) {
    const path = object.key.slice(prefix.length).replace(/^\/+/, '');
    if (path === '' || path.endsWith('/')) continue;
    checkSafePath(path);
    objects.set(path, { key: object.key, size: object.size });
  }
  return objects;
}

/** POST /v1/index/list: every object to hash, with a presigned GET. */
export async function listForIndex(ctx: RunContext, deps: IndexDeps): Promise<IndexList> {
  const objects = await landingObjects(ctx, deps);
  const listed: IndexList['objects'] = [];
  for (const [path, { key, size }] of objects) {
    listed.push({ path, size, url: await deps.store.presignGetIn({ bucket: deps.importBucket, key }, deps.presignSeconds) });
  }
  return { objects: listed };
}

/**
 * POST /v1/index/commit: the reported digests, for exactly the objects listed now; each blob the
 * store lacks is copied in and verified by the store (a wrong digest fails the commit), then the
 * manifest is written, granted to the namespace, and recorded on the pod as the `data` output.
 */
export async function commitIndex(ctx: RunContext, entries: ReadonlyArray<{ path: string; digest: string; size: number }>, deps: IndexDeps): Promise<CommitResponse> {
  const objects = await landingObjects(ctx, deps);
  const unknown = entries.filter((e) => objects.get(e.path)?.size !== e.size);
  if (unknown.length > 0 || entries.length !== objects.size) {
    throw new TransferError('InvalidRequest', `the commit must name each of the ${objects.size} objects under the prefix once, with its size; ${unknown.length} do not match`);
  }
  await forEachBounded(entries, copyConcurrency, async (entry) => {
    if (await deps.store.has(blobKey(entry.digest))) return;
    const source = { bucket: deps.importBucket, key: objects.get(entry.path)?.key ?? '' };
    try {
      await deps.store.copyVerifiedFrom(source, blobKey(entry.digest), digestHex(entry.digest));
    } catch (error) {
      if (error instanceof ChecksumMismatchError) throw new TransferError('InvalidRequest', `${entry.path} does not hash to ${entry.digest}`, { cause: error });
      throw error;
    }
  });
  const manifest: Manifest = { version: 1, entries: entries.map((e) => ({ path: e.path, digest: e.digest, size: e.size, mode: 0o644 })) };
  const digest = manifestDigest(manifest);
  await writeManifest(deps.store, manifest, digest);
  await grantAccess(deps.store, deps.uidOf, ctx.plan.namespace, digest);
  const record: ResultRecord = { outputs: [{ name: indexOutput, digest, files: entries.length, bytes: entries.reduce((sum, e) => sum + e.size, 0) }] };
  await deps.pods.annotate(ctx.plan.namespace, ctx.pod.metadata?.name ?? '', { [resultAnnotation]: signResult(deps.signingKeys, ctx.pod.metadata?.uid ?? '', record) });
  deps.logger.info({ job: `${ctx.plan.namespace}/${ctx.plan.job}`, dataset: ctx.indexes?.metadata.name, files: entries.length, digest }, 'indexed a landing zone in place');
  return record;
}

// checksumMode `off`: no request of the operator's S3 client carries an `x-amz-checksum-*` header,
// for stores that refuse them (GCS's S3 interoperability). The SDK adds a CRC32 to the operations
// S3 says require an integrity header (DeleteObjects) whatever requestChecksumCalculation says; this
// middleware swaps it for Content-MD5, which every S3-compatible store verifies.
import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { BuildMiddleware, MetadataBearer } from '@smithy/types';

/** Whether a header is one of the flexible-checksum headers `off` must not send. */
export function isChecksumHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('x-amz-checksum-') || lower === 'x-amz-sdk-checksum-algorithm';
}

/** The headers without checksum headers, plus Content-MD5 of `body` when one was dropped and the body is in memory. */
export function md5InsteadOfChecksums(headers: Record<string, string>, body: unknown): Record<string, string> {
  const kept = Object.fromEntries(Object.entries(headers).filter(([name]) => !isChecksumHeader(name)));
  const dropped = Object.keys(kept).length !== Object.keys(headers).length;
  const hasMd5 = Object.keys(kept).some((name) => name.toLowerCase() === 'content-md5');
  if (dropped && !hasMd5 && (typeof body === 'string' || body instanceof Uint8Array)) {
    kept['content-md5'] = createHash('md5').update(body).digest('base64');
  }
  return kept;
}

const stripChecksums: BuildMiddleware<object, MetadataBearer> = (next) => (args) => {
  const request = args.request as { headers?: Record<string, string>; body?: unknown };
  if (request.headers) request.headers = md5InsteadOfChecksums(request.headers, request.body);
  return next(args);
};

/** Makes `client` send no checksum headers (checksumMode `off`). */
export function withoutChecksumHeaders(client: S3Client): void {
  // Inside the SDK's flexibleChecksumsMiddleware (build step, normal priority), so after it has added
  // its headers, and before signing (finalizeRequest step), so the swap is signed.
  client.middlewareStack.add(stripChecksums, { step: 'build', priority: 'low', name: 'tesseraChecksumOff' });
}

import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { isChecksumHeader } from '../../src/storage/checksum-off.ts';

// A store that refuses checksum headers, as Google Cloud Storage's S3 interoperability does: a
// loopback HTTP proxy in front of a real local store (SeaweedFS or MinIO) that answers 400 to any
// request carrying an `x-amz-checksum-*` or `x-amz-sdk-checksum-algorithm` header or query
// parameter, and forwards everything else unchanged — Host included, so signatures made for the
// proxy's address verify at the store. The operator is pointed at it (--s3-endpoint), so its own
// requests and every presigned URL it hands out (movers', workstations') pass through it and are
// recorded.

/** One request the proxy saw. */
export interface SeenRequest {
  method: string;
  /** The object key (path without the bucket), decoded. */
  key: string;
  headers: IncomingHttpHeaders;
  /** Whether the proxy refused it for carrying a checksum header or parameter. */
  refused: boolean;
}

/** A running proxy. */
export interface ChecksumRefusingProxy {
  /** The endpoint to give the operator. */
  endpoint: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

function carriesChecksum(url: URL, headers: IncomingHttpHeaders): boolean {
  return Object.keys(headers).some(isChecksumHeader) || [...url.searchParams.keys()].some(isChecksumHeader);
}

// Hop-by-hop headers stay with this hop; the store answers its own 100-continue.
const notForwarded = new Set(['connection', 'keep-alive', 'proxy-connection', 'expect']);

/** Starts a proxy on 127.0.0.1 in front of the store at `upstream` (http://host:port). */
export async function startChecksumRefusingProxy(upstream: string, bucket: string): Promise<ChecksumRefusingProxy> {
  const target = new URL(upstream);
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const path = decodeURIComponent(url.pathname);
    const key = path.startsWith(`/${bucket}/`) ? path.slice(bucket.length + 2) : path;
    const refused = carriesChecksum(url, req.headers);
    seen.push({ method: req.method ?? '', key, headers: req.headers, refused });
    if (refused) {
      req.resume();
      res.writeHead(400, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidArgument</Code><Message>x-amz-checksum headers are not supported</Message></Error>');
      return;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !notForwarded.has(name)));
    const forward = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(error));
    });
    req.pipe(forward);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

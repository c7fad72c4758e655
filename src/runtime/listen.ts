import type { Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** An HTTP server that is listening. */
export interface ListeningServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Starts `server` on host:port (port 0 picks a free one) and resolves once it listens. close() also
 * drops keep-alive connections, so shutdown is not held up by an idle scraper or mover.
 */
export function listen(server: Server | HttpsServer, host: string, port: number): Promise<ListeningServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as k8s from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { Clock } from '../runtime/clock.ts';
import { makeClient, type ClientOptions } from '../runtime/kube-client.ts';
import type { ListeningServer } from '../runtime/listen.ts';
import type { Logger } from '../runtime/logger.ts';
import type { WriteFence } from '../runtime/write-fence.ts';
import type { SigningKeys } from '../storage/result-record.ts';
import { subjectAccessReviewer } from '../workstation-api/access-review.ts';
import { readFrontProxyConfig } from '../workstation-api/front-proxy-config.ts';
import type { CollectResponse } from '../workstation-api/protocol.ts';
import { startWorkstationServer } from '../workstation-api/server.ts';
import type { FileSetServices } from './file-sets.ts';
import { collectOnce } from './gc.ts';
import type { Informers } from './informers.ts';
import { uidLookup } from './namespaces.ts';

// The workstation API (files.tessera.dev) on this replica: the front proxy's CA from the cluster, a
// SubjectAccessReview client on the transfer API's request budget (never the controllers'), and a
// garbage collection that only the leader may run.

/** What serving the workstation API needs. */
export interface WorkstationWiring {
  address: string;
  certFile: string;
  keyFile: string;
  kc: k8s.KubeConfig;
  clientOptions: ClientOptions;
  informers: Informers;
  services: FileSetServices;
  fence: WriteFence;
  registry: Registry;
  logger: Logger;
  clock: Clock;
}

/**
 * How long an upload session lasts: an hour. Its lease, not its age, keeps its blobs from garbage
 * collection, so it may outlast the grace period; the hour bounds how long after it began a commit
 * may still claim blobs written since.
 */
export function sessionMaxAgeMs(): number {
  return 3_600_000;
}

/**
 * Upload sessions are signed with a key of their own, derived from the operator's current signing
 * key (the first of the ring): a session lives an hour at most, so a rotation only asks for a re-push.
 */
function sessionKeyOf(signingKeys: SigningKeys): Buffer {
  const current = signingKeys[0];
  if (!current) throw new Error('no result-signing key: the workstation API signs upload sessions with one');
  return createHmac('sha256', current).update('tessera.dev upload sessions').digest();
}

function collector(wiring: WorkstationWiring): (graceMs: number, dryRun: boolean) => Promise<CollectResponse> {
  return async (graceMs, dryRun) => {
    const report = await collectOnce({ informers: wiring.informers, fileSets: wiring.services, fence: wiring.fence }, { graceMs, dryRun, now: new Date(wiring.clock.now()) });
    wiring.logger.info(report, 'collected garbage on request');
    return report;
  };
}

/** Serves the workstation API at wiring.address (host:port). */
export async function serveWorkstationApi(wiring: WorkstationWiring): Promise<ListeningServer> {
  const colon = wiring.address.lastIndexOf(':');
  const core = makeClient(wiring.kc, k8s.CoreV1Api, wiring.clientOptions);
  const logger = wiring.logger.child({ component: 'workstation-api' });
  return startWorkstationServer({
    host: wiring.address.slice(0, colon) || '0.0.0.0',
    port: Number(wiring.address.slice(colon + 1)),
    cert: await readFile(wiring.certFile, 'utf8'),
    key: await readFile(wiring.keyFile, 'utf8'),
    frontProxy: await readFrontProxyConfig(core),
    deps: {
      store: wiring.services.store,
      staged: wiring.services.staged,
      manifests: wiring.services.manifests,
      uidOf: uidLookup(wiring.informers.namespaces),
      review: subjectAccessReviewer(makeClient(wiring.kc, k8s.AuthorizationV1Api, wiring.clientOptions), wiring.clock),
      sessionKey: sessionKeyOf(wiring.services.signingKey),
      now: () => wiring.clock.now(),
      presignSeconds: 900,
      sessionMaxAgeMs: sessionMaxAgeMs(),
      collect: collector(wiring),
    },
    logger,
    registry: wiring.registry,
  });
}

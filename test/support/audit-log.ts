import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// The API server's audit log (scripts/cluster.sh writes every mutating request at Metadata level):
// what a replica wrote, counted outside the replica, so a test can prove it wrote nothing.

const auditLog = join(process.env.TESSERA_RUN_DIR ?? '/tmp/tessera-cluster', 'logs', 'audit.log');

/** The fields of an audit event the tests read. */
export interface AuditEvent {
  verb: string;
  user?: { username?: string };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string; apiGroup?: string };
  userAgent?: string;
  requestURI: string;
  requestReceivedTimestamp: string;
  responseStatus?: { code?: number };
}

/** Mutating requests whose User-Agent satisfies `agent`, received at or after `since`. */
export async function auditedWrites(agent: (userAgent: string) => boolean, since: Date): Promise<AuditEvent[]> {
  return auditedEvents((event) => event.userAgent !== undefined && agent(event.userAgent) && new Date(event.requestReceivedTimestamp) >= since);
}

/**
 * Mutating requests to one object (apiGroup, resource, namespace, name) since `since`, its
 * subresources (status, written by the operator) aside: who wrote it, and how.
 */
export async function auditedWritesTo(ref: Required<Pick<NonNullable<AuditEvent['objectRef']>, 'apiGroup' | 'resource' | 'namespace' | 'name'>>, since: Date): Promise<AuditEvent[]> {
  return auditedEvents((event) => {
    const at = event.objectRef;
    const same = at?.apiGroup === ref.apiGroup && at.resource === ref.resource && at.subresource === undefined && at.namespace === ref.namespace && at.name === ref.name;
    return same && new Date(event.requestReceivedTimestamp) >= since;
  });
}

async function auditedEvents(keep: (event: AuditEvent) => boolean): Promise<AuditEvent[]> {
  if (!existsSync(auditLog)) {
    throw new Error(`no audit log at ${auditLog}: the API server was started without audit flags; restart the cluster (scripts/cluster.sh down && scripts/cluster.sh up)`);
  }
  const found: AuditEvent[] = [];
  for await (const line of createInterface({ input: createReadStream(auditLog), crlfDelay: Infinity })) {
    if (!line.startsWith('{')) continue;
    const event = JSON.parse(line) as AuditEvent;
    if (keep(event)) found.push(event);
  }
  return found;
}

/** Matches the User-Agents of one operator replica (its controllers, events and transfer API). */
export function operatorAgent(identity: string): (userAgent: string) => boolean {
  return (userAgent) => userAgent === `tessera-operator/${identity}` || userAgent.startsWith(`tessera-operator/${identity}/`) || userAgent === `tessera-leader-election/${identity}`;
}

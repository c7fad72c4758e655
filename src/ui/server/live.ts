import type { ServerResponse } from 'node:http';
import * as k8s from '@kubernetes/client-node';
import type { ChangeEvent } from '../protocol.ts';
import type { Scope } from './visible.ts';

// Live updates: the server watches plans and Jobs as the user (client-node's Watch) and pushes what
// changed to every open page as server-sent events; a page re-reads only what it shows. Changes are
// sent in batches every `flushMs`, so a plan moving a thousand Jobs at once costs a few messages.

const kinds = [
  { kind: 'ComputePlan', plural: 'computeplans' },
  { kind: 'Job', plural: 'jobs' },
] as const;

/** The watch paths for `scope`: cluster-wide, else one per namespace. */
export function watchPaths(scope: Scope): Array<{ kind: ChangeEvent['kind']; path: string }> {
  const base = '/apis/tessera.dev/v1alpha1';
  return kinds.flatMap(({ kind, plural }) =>
    scope.clusterWide ? [{ kind, path: `${base}/${plural}` }] : scope.namespaces.map((ns) => ({ kind, path: `${base}/namespaces/${ns}/${plural}` })));
}

/** The SSE hub: pages subscribe, watches publish. */
export interface LiveFeed {
  subscribe(response: ServerResponse): void;
  stop(): void;
}

interface Hub {
  pages: Set<ServerResponse>;
  pending: Map<string, ChangeEvent>;
  watches: Set<AbortController>;
  stopped: boolean;
}

function flush(hub: Hub): void {
  if (hub.pending.size === 0) return;
  const message = `data: ${JSON.stringify([...hub.pending.values()])}\n\n`;
  hub.pending.clear();
  for (const page of hub.pages) page.write(message);
}

/** The pause before watching again: a second after a watch ends, doubling while it fails, at most 30 s. */
export function nextPause(previousMs: number, failed: boolean): number {
  return failed ? Math.min(previousMs * 2, 30_000) : 1000;
}

function keepWatching(watch: k8s.Watch, target: { kind: ChangeEvent['kind']; path: string }, hub: Hub, pauseMs = 1000): void {
  const onEvent = (_type: string, obj: { metadata?: { namespace?: string; name?: string } }): void => {
    const change: ChangeEvent = { kind: target.kind, namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '' };
    hub.pending.set(`${change.kind}/${change.namespace}/${change.name}`, change);
  };
  // A watch ends on timeouts and refusals alike; it starts again after a pause, as an informer would,
  // backing off while the API server keeps refusing (a user's rights can change while the page is open).
  // client-node calls `done` (with the API server's refusal, if any) possibly before its promise gives
  // the controller: a watch that already ended is not kept.
  let controller: AbortController | undefined;
  let over = false;
  const ended = (error: unknown): void => {
    if (over) return;
    over = true;
    if (controller) hub.watches.delete(controller);
    const pause = nextPause(pauseMs, Boolean(error));
    if (!hub.stopped) setTimeout(() => keepWatching(watch, target, hub, pause), pause).unref();
  };
  watch.watch(target.path, { allowWatchBookmarks: false }, onEvent, ended).then((c) => {
    controller = c;
    if (!over) hub.watches.add(c);
  }, (error: unknown) => ended(error ?? new Error('the watch could not start')));
}

/** Starts watching as the user of `kc` and returns the feed pages subscribe to. */
export function liveFeed(kc: k8s.KubeConfig, scope: Scope, flushMs = 100): LiveFeed {
  const hub: Hub = { pages: new Set(), pending: new Map(), watches: new Set(), stopped: false };
  const watch = new k8s.Watch(kc);
  for (const target of watchPaths(scope)) keepWatching(watch, target, hub);
  const flusher = setInterval(() => flush(hub), flushMs);
  // A comment line keeps proxies and browsers from closing an idle stream.
  const heartbeat = setInterval(() => { for (const page of hub.pages) page.write(': ping\n\n'); }, 15_000);
  return {
    subscribe(response) {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      response.write(': connected\n\n');
      hub.pages.add(response);
      response.on('close', () => hub.pages.delete(response));
    },
    stop() {
      hub.stopped = true;
      clearInterval(flusher);
      clearInterval(heartbeat);
      for (const page of hub.pages) page.end();
      for (const controller of hub.watches) controller.abort();
    },
  };
}

import type * as k8s from '@kubernetes/client-node';
import { dashboardApi } from './api.ts';
import { clusterReads } from './cluster-reads.ts';
import { admit } from './gate.ts';
import { liveFeed } from './live.ts';
import type { Door } from './server.ts';
import type { Scope } from './visible.ts';

// `tessera ui` on a workstation: one user, the kubeconfig's, behind this run's secret (gate.ts).

/** The door of a dashboard that reads as `kc` within `scope`, for whoever holds `secret`. */
export function localDoor(kc: k8s.KubeConfig, scope: Scope, secret: string): (port: number) => Door {
  return (port) => {
    const session = { api: dashboardApi(clusterReads(kc, scope), scope), live: liveFeed(kc, scope) };
    return {
      admit: (request) => {
        const verdict = admit({ method: request.method, host: request.headers.host, url: request.url ?? '/', cookie: request.headers.cookie }, { port, secret });
        return Promise.resolve(verdict.kind === 'pass' ? { kind: 'pass', session } : verdict);
      },
      close: () => session.live.stop(),
    };
  };
}

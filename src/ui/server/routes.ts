import type { Answer } from './api.ts';

// Which endpoint a request is for. Pure.

/** A request the dashboard answers. */
export type Route =
  | { kind: 'overview' }
  | { kind: 'catalog' }
  | { kind: 'events' }
  | { kind: 'plan'; namespace: string; name: string }
  | { kind: 'job'; namespace: string; name: string }
  | { kind: 'asset'; path: string };

const named = /^\/api\/(plans|jobs)\/([a-z0-9-]{1,63})\/([a-z0-9.-]{1,253})$/;

/** The route of a GET to `path` (the URL's path, without its query). */
export function routeOf(path: string): Route | undefined {
  if (path === '/api/overview') return { kind: 'overview' };
  if (path === '/api/catalog') return { kind: 'catalog' };
  if (path === '/api/events') return { kind: 'events' };
  const match = named.exec(path);
  if (match) return { kind: match[1] === 'plans' ? 'plan' : 'job', namespace: match[2]!, name: match[3]! };
  return path.startsWith('/api/') ? undefined : { kind: 'asset', path };
}

/** The HTTP status and JSON body of an answer. */
export function answerBody<T>(answer: Answer<T>): { status: number; body: unknown } {
  return answer.ok ? { status: 200, body: answer.body } : { status: answer.status, body: { message: answer.message } };
}

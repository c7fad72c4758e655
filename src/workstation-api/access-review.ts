// Authorization of workstation requests: the API server's own authorizer (RBAC and whatever else the
// cluster runs) answers a SubjectAccessReview for the caller, so Tessera's rules are Kubernetes
// rules, granted with Roles like any other. Answers are cached briefly, as k8s.io/apiserver's
// delegating authorizer does, so a push of many requests costs one review.
import * as k8s from '@kubernetes/client-node';
import type { Clock } from '../runtime/clock.ts';
import { ApiError } from './errors.ts';
import type { Caller } from './front-proxy.ts';

/** What the caller wants to do. */
export interface ResourceAction {
  group: string;
  resource: string;
  verb: string;
  /** Absent for cluster-scoped resources. */
  namespace?: string;
  name?: string;
}

/** Answers whether a caller may do something. */
export type AccessReviewer = (caller: Caller, action: ResourceAction) => Promise<boolean>;

const allowedTtlMs = 10_000;
const deniedTtlMs = 5_000;
const maxCached = 10_000;

function cacheKey(caller: Caller, action: ResourceAction): string {
  return JSON.stringify([caller.user, [...caller.groups].sort(), caller.extra, action.group, action.resource, action.verb, action.namespace ?? '', action.name ?? '']);
}

/** A reviewer through SubjectAccessReviews, with a short cache of answers. */
export function subjectAccessReviewer(api: k8s.AuthorizationV1Api, clock: Clock): AccessReviewer {
  const cache = new Map<string, { allowed: boolean; expiresMs: number }>();
  return async (caller, action) => {
    const key = cacheKey(caller, action);
    const hit = cache.get(key);
    if (hit && hit.expiresMs > clock.now()) return hit.allowed;
    const review = await api.createSubjectAccessReview({
      body: {
        spec: {
          user: caller.user,
          groups: caller.groups,
          extra: caller.extra,
          resourceAttributes: { group: action.group, resource: action.resource, verb: action.verb, namespace: action.namespace, name: action.name },
        },
      },
    });
    const allowed = review.status?.allowed === true;
    if (cache.size >= maxCached) cache.clear();
    cache.set(key, { allowed, expiresMs: clock.now() + (allowed ? allowedTtlMs : deniedTtlMs) });
    return allowed;
  };
}

/** How kubectl words a refusal: `User "x" cannot create resource "datasets" in API group "tessera.dev" in the namespace "ns"`. */
export function forbidden(caller: Caller, action: ResourceAction): ApiError {
  const where = action.namespace ? ` in the namespace "${action.namespace}"` : ' at the cluster scope';
  const name = action.name ? ` "${action.name}"` : '';
  return new ApiError('Forbidden', `User "${caller.user}" cannot ${action.verb} resource "${action.resource}"${name} in API group "${action.group}"${where}`);
}

/** Throws Forbidden unless some action of `anyOf` is allowed. */
export async function requireAny(review: AccessReviewer, caller: Caller, anyOf: readonly ResourceAction[]): Promise<void> {
  for (const action of anyOf) if (await review(caller, action)) return;
  const first = anyOf[0];
  if (!first) throw new ApiError('Forbidden', 'no action to authorize');
  throw forbidden(caller, first);
}

// Who is calling, as the API server's aggregation layer says: it authenticated the user, then
// forwards the request with the user in X-Remote-* headers over a TLS connection on which it presents
// its front-proxy client certificate. The headers are believed only on such a connection — anyone
// else could write them. Pure: the TLS verification result comes in, a caller or a refusal goes out.
import { ApiError } from './errors.ts';

/** The request-header settings the API server publishes (kube-system/extension-apiserver-authentication). */
export interface FrontProxySettings {
  /** Common names the front-proxy certificate may carry; empty means any the CA signed. */
  allowedNames: string[];
  usernameHeaders: string[];
  groupHeaders: string[];
  extraHeaderPrefixes: string[];
}

/** An authenticated user, as a SubjectAccessReview wants them. */
export interface Caller {
  user: string;
  groups: string[];
  extra: Record<string, string[]>;
}

/** What TLS established about the peer. */
export interface PeerCertificate {
  /** The chain verified against the front-proxy CA. */
  verified: boolean;
  commonName?: string;
}

/**
 * Request headers, each with every value it was sent with (node's `headersDistinct`): a plain
 * `headers` joins repeated X-Remote-Group lines into one comma-separated string.
 */
export type DistinctHeaders = Record<string, string[] | undefined>;

function values(headers: DistinctHeaders, name: string): string[] {
  return headers[name.toLowerCase()] ?? [];
}

/** The request's user, from the headers, if the peer is the aggregation layer; else Unauthorized. */
export function callerOf(peer: PeerCertificate, headers: DistinctHeaders, settings: FrontProxySettings): Caller {
  if (!peer.verified) throw new ApiError('Unauthorized', 'this API is served through the Kubernetes API server only: call it as /apis/files.tessera.dev/v1alpha1/… there');
  if (settings.allowedNames.length > 0 && !settings.allowedNames.includes(peer.commonName ?? '')) {
    throw new ApiError('Unauthorized', `the front-proxy certificate's name ${peer.commonName ?? '(none)'} is not allowed`);
  }
  const user = settings.usernameHeaders.flatMap((h) => values(headers, h))[0];
  if (!user) throw new ApiError('Unauthorized', 'the API server forwarded no user');
  const groups = settings.groupHeaders.flatMap((h) => values(headers, h));
  return { user, groups, extra: extraOf(headers, settings.extraHeaderPrefixes) };
}

/** The user's extra attributes, from headers named <prefix><percent-encoded key> (k8s.io/apiserver's requestheader). */
function extraOf(headers: DistinctHeaders, prefixes: readonly string[]): Record<string, string[]> {
  const extra: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const prefix = prefixes.find((p) => name.startsWith(p.toLowerCase()));
    if (!prefix || value === undefined) continue;
    const key = decodeURIComponent(name.slice(prefix.length));
    extra[key] = [...(extra[key] ?? []), ...value];
  }
  return extra;
}

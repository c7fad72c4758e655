import { ApiException } from '@kubernetes/client-node';
import { statusCode } from '../../runtime/kube-client.ts';

// Which errors from creating a child mean "the API server will never accept this object": a retry
// with backoff would only repeat the refusal forever, so the owner fails with the server's words.

/** The longest refusal message kept: the API server's own is short, a webhook's may not be. */
const maxMessageLength = 1024;

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && chain.length < 8; e = e instanceof Error ? e.cause : undefined) chain.push(e);
  return chain;
}

function bodyMessage(error: unknown): string | undefined {
  for (const e of causes(error)) {
    if (!(e instanceof ApiException)) continue;
    const body: unknown = typeof e.body === 'string' ? parse(e.body) : e.body;
    const message = (body as { message?: unknown } | undefined)?.message;
    if (typeof message === 'string' && message.length > 0) return message;
  }
  return undefined;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The API server's message when it refused to create an object for good: 422 Invalid, or 403
 * Forbidden (admission, a policy, a namespace being deleted). A 403 for an exhausted ResourceQuota is
 * not final: the quota frees up as other runs end, so it stays an error that is retried with backoff.
 * Undefined for everything else.
 */
export function refusalMessage(error: unknown): string | undefined {
  const code = statusCode(error);
  if (code !== 422 && code !== 403) return undefined;
  const message = bodyMessage(error) ?? (code === 422 ? 'the object is invalid' : 'forbidden');
  if (code === 403 && /exceeded quota/i.test(message)) return undefined;
  return message.length > maxMessageLength ? `${message.slice(0, maxMessageLength - 1)}…` : message;
}

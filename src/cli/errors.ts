// How a failed command reads: as kubectl words the same failure (`Error from server (NotFound):
// computeplans.tessera.dev "x" not found`, `The connection to the server … was refused`), never a raw
// HTTP exchange with its headers. Pure: it looks only at the error's shape, so importing client-node
// (slow) is not needed to recognise its ApiException, nor kube-request.ts to recognise its errors.

interface StatusBody {
  reason?: unknown;
  message?: unknown;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An error answer as kubectl words it: the Status's reason and message, else the bare code. */
function answerText(code: number, body: unknown): string {
  const status = (typeof body === 'string' ? safeJson(body) : body) as StatusBody | undefined;
  if (typeof status?.message === 'string') return `Error from server (${typeof status.reason === 'string' ? status.reason : code}): ${status.message}`;
  // A 404 that is no Status: the API server does not serve the resource at all.
  if (code === 404) return "error: the server doesn't have the resource type asked for: is Tessera installed (kubectl get crd computeplans.tessera.dev)?";
  return `Error from server (${code}): the server answered HTTP ${code}`;
}

/**
 * An error answer's code and body: client-node's ApiException (`HTTP-Code: 404\nMessage: …\nBody:
 * …`) or the CLI's own HttpAnswerError (src/cli/kube-request.ts), both known by shape.
 */
function answerOf(error: Error): { code: number; body: unknown } | undefined {
  const { code, body, text } = error as Error & { code?: unknown; body?: unknown; text?: unknown };
  if (typeof code !== 'number') return undefined;
  if (error.name === 'HttpAnswerError' && typeof text === 'string') return { code, body: text };
  if (body === undefined || !error.message.startsWith('HTTP-Code:')) return undefined;
  return { code, body };
}

function fromAnswer(error: Error): string | undefined {
  const answer = answerOf(error);
  return answer && answerText(answer.code, answer.body);
}

/** The first error in the cause chain that carries a system error code (ECONNREFUSED, ENOTFOUND…). */
function systemCause(error: Error): (Error & { code: string; address?: string; port?: number; hostname?: string }) | undefined {
  for (let at: unknown = error, depth = 0; at instanceof Error && depth < 6; at = at.cause, depth++) {
    const { code } = at as { code?: unknown };
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return at as Error & { code: string };
  }
  return undefined;
}

/** A server that cannot be reached, as kubectl says it. */
function fromConnection(error: Error): string | undefined {
  const cause = systemCause(error);
  if (!cause) return undefined;
  const server = cause.address ? `${cause.address}${cause.port ? `:${cause.port}` : ''}` : (cause.hostname ?? 'the server');
  if (cause.code === 'ECONNREFUSED') return `The connection to the server ${server} was refused - did you specify the right host or port?`;
  if (cause.code === 'ENOTFOUND') return `Unable to connect to the server: dial tcp: lookup ${server}: no such host`;
  if (cause.code === 'ETIMEDOUT') return `Unable to connect to the server: dial tcp ${server}: i/o timeout`;
  return undefined;
}

function causes(error: Error): string {
  const messages: string[] = [error.message];
  for (let cause = error.cause; cause instanceof Error && messages.length < 5; cause = cause.cause) messages.push(cause.message);
  return messages.join(': ');
}

/** What the CLI prints on stderr for an error a command threw. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `tessera: ${String(error)}`;
  // The workstation API's client words its refusals already (src/cli/files-api.ts).
  if (error.name === 'ServerError' || error.name === 'CliError') return error.message;
  return fromAnswer(error) ?? fromConnection(error) ?? `tessera: ${causes(error)}`;
}

/**
 * `error` reworded when it says the API server does not serve `resource` at all (a 404 that is no
 * Status: the CRD is not installed), as kubectl says it; otherwise `error` itself.
 */
export function unservedResource(error: unknown, resource: string): unknown {
  const answer = error instanceof Error ? answerOf(error) : undefined;
  if (answer?.code !== 404) return error;
  const status = (typeof answer.body === 'string' ? safeJson(answer.body) : answer.body) as StatusBody | undefined;
  if (typeof status?.message === 'string') return error;
  return new CliError(`error: the server doesn't have a resource type "${resource}": is Tessera installed (kubectl get crd ${resource})?`);
}

/** A failure the CLI words itself, printed as it is. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

// Errors of the workstation API, answered as Kubernetes Status objects: kubectl and client-node show
// them as they show the API server's own (`Error from server (Forbidden): …`).

/** The Status reasons this API answers with (metav1.StatusReason). */
export type StatusReason = 'BadRequest' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'Gone' | 'Invalid' | 'TooManyRequests' | 'ServiceUnavailable' | 'InternalError';

const codes: Record<StatusReason, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Gone: 410,
  Invalid: 422,
  TooManyRequests: 429,
  ServiceUnavailable: 503,
  InternalError: 500,
};

/** A refusal with a reason and a message for people. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly reason: StatusReason;
  readonly code: number;
  constructor(reason: StatusReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
    this.code = codes[reason];
  }
}

/** The metav1.Status body of an error. */
export function statusOf(error: ApiError): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: error.message, reason: error.reason, code: error.code };
}

import { TransferErrorReason } from '../protocol.ts';

type Reason = (typeof TransferErrorReason)[keyof typeof TransferErrorReason];

const httpStatus: Record<Reason, number> = {
  Unauthenticated: 401,
  Forbidden: 403,
  NotFound: 404,
  InvalidRequest: 400,
  NotReady: 409,
  BlobMissing: 422,
  InvalidFileSet: 422,
  TooManyRequests: 429,
  Gone: 410,
  Internal: 500,
};

/** An answer of the transfer API other than success: a reason for programs, a message for people. */
export class TransferError extends Error {
  override readonly name = 'TransferError';
  readonly reason: Reason;

  constructor(reason: Reason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }

  /** The HTTP status this answer is sent with. */
  get status(): number {
    return httpStatus[this.reason];
  }
}

/** What the ledger answered does not check out: a proof, a signature, a leaf hash. */
export class VerificationError extends Error {}
/** A checkpoint older than, or forking from, the one kept: the log was rolled back. */
export class RollbackError extends VerificationError {}

export type StatusName = 'OK' | 'CANCELLED' | 'UNKNOWN' | 'INVALID_ARGUMENT' | 'DEADLINE_EXCEEDED' |
  'NOT_FOUND' | 'ALREADY_EXISTS' | 'PERMISSION_DENIED' | 'RESOURCE_EXHAUSTED' | 'FAILED_PRECONDITION' |
  'ABORTED' | 'OUT_OF_RANGE' | 'UNIMPLEMENTED' | 'INTERNAL' | 'UNAVAILABLE' | 'DATA_LOSS' | 'UNAUTHENTICATED';

/** A refusal of the ledger (or of the transport: UNAVAILABLE). */
export class LedgerError extends Error {
  constructor(code: StatusName, message: string, grpcCode?: number);
  /** The status code's name, e.g. "INVALID_ARGUMENT". */
  readonly code: StatusName;
  readonly grpcCode: number;
  /** The ledger's message as it came. */
  readonly details: string;
  /** The field the message names ("goo_places_declared.period.last_day"), or "". */
  readonly field: string;
  /** The message after the field (and the batch index). */
  readonly reason: string;
  /** For a batch: the index of the refused event ("events[3]: ..."), else null. */
  readonly eventIndex: number | null;
  /** UNAVAILABLE or DEADLINE_EXCEEDED: send the same bytes again. */
  readonly retryable: boolean;
}

export class InvalidArgument extends LedgerError {}
export class NotFound extends LedgerError {}
export class AlreadyExists extends LedgerError {}
export class PermissionDenied extends LedgerError {}
export class Unauthenticated extends LedgerError {}
export class OutOfRange extends LedgerError {}
export class FailedPrecondition extends LedgerError {}
/** UNAVAILABLE and DEADLINE_EXCEEDED (`code` says which). */
export class Unavailable extends LedgerError {}
export class DataLoss extends LedgerError {}
export class ResourceExhausted extends LedgerError {
  /** For the rate limit: how long the ledger asks to wait ("retry in N ms"), else null. */
  readonly retryAfterMs: number | null;
}
export class Aborted extends LedgerError {
  /** The stream's version now (" is at version N, not "), else null. */
  readonly currentVersion: bigint | null;
}

/** A grpc-js error ({code, details}) as its LedgerError subclass. */
export function fromGrpcError(error: { code?: number; details?: string; message?: string }): LedgerError;

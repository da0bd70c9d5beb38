// Refusals as typed errors: the gRPC code, the field the ledger names and its reason.
//
// Every refusal of the ledger carries one gRPC status code and a message that starts with the
// field it is about ("goo_places_declared.places: must be ..."); a batch's refusal starts with
// the event's index ("events[3]: ..."). LedgerError keeps the three apart. Whether to retry:
//
// | code                | meaning for a caller                                   | retry?               |
// |---------------------|--------------------------------------------------------|----------------------|
// | INVALID_ARGUMENT    | the event or request is malformed; `field` says where  | no: fix it           |
// | NOT_FOUND           | unknown key, event, municipality or superseded event   | no                   |
// | ALREADY_EXISTS      | the event id is recorded with other bytes              | no: a new event id   |
// | PERMISSION_DENIED   | revoked key, wrong role, another municipality          | no                   |
// | UNAUTHENTICATED     | the signature does not verify (mTLS: no known cert)    | no                   |
// | ABORTED             | the stream moved on; `currentVersion`                  | rebase, send anew    |
// | OUT_OF_RANGE        | an amount over the limit, a point past the head        | no                   |
// | FAILED_PRECONDITION | the ledger's state does not allow it (mirror: primary) | no (or at primary)   |
// | RESOURCE_EXHAUSTED  | over a size or rate limit (`retryAfterMs` for the rate)| after the wait       |
// | UNAVAILABLE, DEADLINE_EXCEEDED | not known to be written                     | yes, the same bytes  |
// | DATA_LOSS           | the ledger's stored data fails its check               | no: tell the operator|
import grpc from '@grpc/grpc-js';

const FIELD = /^[a-z0-9_.[\]]+$/;
const BATCH = /^events\[(\d+)\]: /;
const VERSION = / is at version (\d+), not /;
const RETRY_IN = /retry in (\d+) ms/;

const CODE_NAMES = Object.fromEntries(
  Object.entries(grpc.status).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v, k]));

/** What the ledger answered does not check out: a proof, a signature, a leaf hash. */
export class VerificationError extends Error {
  get name() { return this.constructor.name; }
}

/** A checkpoint older than, or forking from, the one kept: the log was rolled back. */
export class RollbackError extends VerificationError {}

/** A refusal of the ledger (or of the transport: UNAVAILABLE). */
export class LedgerError extends Error {
  /** @param code the status code's name ("INVALID_ARGUMENT"), @param message the ledger's. */
  constructor(code, message, grpcCode) {
    super(`${code}: ${message}`);
    this.code = code;
    this.grpcCode = grpcCode ?? grpc.status[code];
    this.details = message;
    const batch = BATCH.exec(message);
    this.eventIndex = batch ? Number(batch[1]) : null;
    const rest = batch ? message.slice(batch[0].length) : message;
    const colon = rest.indexOf(': ');
    const head = colon > 0 ? rest.slice(0, colon) : '';
    this.field = FIELD.test(head) ? head : '';
    this.reason = this.field ? rest.slice(colon + 2) : rest;
  }

  get name() { return this.constructor.name; }

  /** Whether sending the same bytes again is the right answer. */
  get retryable() {
    return this.code === 'UNAVAILABLE' || this.code === 'DEADLINE_EXCEEDED';
  }
}

export class InvalidArgument extends LedgerError {}
export class NotFound extends LedgerError {}
export class AlreadyExists extends LedgerError {}
export class PermissionDenied extends LedgerError {}
export class Unauthenticated extends LedgerError {}
export class OutOfRange extends LedgerError {}
export class FailedPrecondition extends LedgerError {}
export class Unavailable extends LedgerError {}
export class DataLoss extends LedgerError {}

/** Over a size or rate limit; for the rate, the ledger says how long to wait. */
export class ResourceExhausted extends LedgerError {
  constructor(code, message, grpcCode) {
    super(code, message, grpcCode);
    const found = RETRY_IN.exec(message);
    this.retryAfterMs = found ? Number(found[1]) : null;
  }
}

/** The stream is not at the expected version: `currentVersion` (a bigint) is where it is. */
export class Aborted extends LedgerError {
  constructor(code, message, grpcCode) {
    super(code, message, grpcCode);
    const found = VERSION.exec(message);
    this.currentVersion = found ? BigInt(found[1]) : null;
  }
}

const BY_CODE = {
  INVALID_ARGUMENT: InvalidArgument,
  NOT_FOUND: NotFound,
  ALREADY_EXISTS: AlreadyExists,
  PERMISSION_DENIED: PermissionDenied,
  UNAUTHENTICATED: Unauthenticated,
  ABORTED: Aborted,
  OUT_OF_RANGE: OutOfRange,
  FAILED_PRECONDITION: FailedPrecondition,
  RESOURCE_EXHAUSTED: ResourceExhausted,
  UNAVAILABLE: Unavailable,
  DEADLINE_EXCEEDED: Unavailable,
  DATA_LOSS: DataLoss,
};

/** A grpc-js error (code, details) as its LedgerError subclass. */
export function fromGrpcError(error) {
  if (error instanceof LedgerError) return error;
  const number = typeof error.code === 'number' ? error.code : grpc.status.UNKNOWN;
  const code = CODE_NAMES[number] ?? 'UNKNOWN';
  const Class = BY_CODE[code] ?? LedgerError;
  const refusal = new Class(code, error.details ?? error.message ?? '', number);
  refusal.cause = error;
  return refusal;
}

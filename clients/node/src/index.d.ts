export { LedgerClient } from './client.js';
export type { GrantOptions, KnownAtOptions, LedgerClientOptions, ReceiptLike, ServiceName, SignalsOptions } from './client.js';
export { TrustStore } from './trust.js';
export {
  Aborted, AlreadyExists, DataLoss, FailedPrecondition, InvalidArgument, LedgerError, NotFound,
  OutOfRange, PermissionDenied, ResourceExhausted, RollbackError, Unauthenticated, Unavailable,
  VerificationError, fromGrpcError,
} from './errors.js';
export type { StatusName } from './errors.js';
export {
  PUBLIC_KEY_HEADER, SigningKey, VerifierKey, keyIdFor, loadPublicKey, loadSigningKey,
  loadVerifierKey, parseVerifierKey,
} from './keys.js';
export {
  advancePaid, civilDate, dateRange, decodeEventBody, determinationFromGrant, eventBody,
  gooPlacesDeclared, livingAllowancePaid, payloadOf, pooPersonMonthsDeclared, sign, streamFor,
  transitionCostRequested, voluntaryRepaymentReceived, yearMonth,
} from './events.js';
export type {
  AdvancePaidOptions, GooPlacesDeclaredOptions, LivingAllowancePaidOptions,
  PooPersonMonthsDeclaredOptions, TransitionCostRequestedOptions, VoluntaryRepaymentReceivedOptions,
} from './events.js';
export { Checkpoint, encodeLeaf, leafHash, openCheckpoint, verifyConsistency, verifyInclusion } from './proofs.js';
export { Protos, findProtoDir, loadProtos } from './proto.js';
export { jsonReplacer } from './json.js';
export type * from './messages.js';

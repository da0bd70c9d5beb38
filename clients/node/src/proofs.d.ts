import type { Int64Like } from './messages.js';
import type { VerifierKey } from './keys.js';

/** The leaf bytes (ledger/core/LEAF_FORMAT.md). */
export function encodeLeaf(sequence: Int64Like, recordedAtMicros: Int64Like, keyId: string,
                           body: Uint8Array, signature: Uint8Array): Buffer;
/** SHA-256(0x00 || leaf) */
export function leafHash(leaf: Uint8Array): Buffer;
/** RFC 9162 2.1.3.2; throws VerificationError. */
export function verifyInclusion(index: Int64Like, treeSize: Int64Like, leafHash: Uint8Array,
                                path: Uint8Array[], root: Uint8Array): void;
/** RFC 9162 2.1.4.2; throws VerificationError. */
export function verifyConsistency(first: Int64Like, second: Int64Like, firstRoot: Uint8Array,
                                  secondRoot: Uint8Array, path: Uint8Array[]): void;

/** A verified checkpoint; `note` is the signed note as verified. */
export class Checkpoint {
  constructor(origin: string, treeSize: Int64Like, rootHash: Uint8Array, note: string);
  readonly origin: string;
  readonly treeSize: bigint;
  readonly rootHash: Buffer;
  readonly note: string;
}

/** Verifies a signed note with the key (any of several) and parses its checkpoint body; with
 *  `origin`, it must be of that log. Throws VerificationError. */
export function openCheckpoint(note: string, keys: VerifierKey | VerifierKey[], origin?: string | null): Checkpoint;

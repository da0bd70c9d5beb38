import type { KeyObject } from 'node:crypto';

export const PUBLIC_KEY_HEADER: 'booo-ed25519-public-key';

/** "ed25519:" + the first 16 hex digits of SHA-256(raw public key). */
export function keyIdFor(publicKey: Uint8Array): string;
export function publicKeyObject(raw: Uint8Array): KeyObject;

/** An Ed25519 private key and the id the ledger knows it by. */
export class SigningKey {
  constructor(privateKey: KeyObject);
  static fromPem(pem: string | Buffer): SigningKey;
  readonly privateKey: KeyObject;
  /** The raw 32 bytes. */
  readonly publicKey: Buffer;
  readonly keyId: string;
  sign(data: Uint8Array): Buffer;
}

/** A PREFIX.key file of `ledgerctl keygen` (PKCS#8 PEM). */
export function loadSigningKey(file: string): SigningKey;
/** A PREFIX.pub file of `ledgerctl keygen`: the raw 32 bytes. */
export function loadPublicKey(file: string): Buffer;

/** A C2SP signed-note verifier key for Ed25519. */
export class VerifierKey {
  constructor(name: string, publicKey: Uint8Array);
  readonly name: string;
  readonly publicKey: Buffer;
  /** SHA-256(name || "\n" || 0x01 || public key)[:4] */
  readonly keyHash: Buffer;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
  /** "name+hash+base64(0x01 || key)", the line checkpoint.vkey holds. */
  toString(): string;
}

export function parseVerifierKey(text: string): VerifierKey;
/** DATA_DIR/checkpoint.vkey */
export function loadVerifierKey(file: string): VerifierKey;

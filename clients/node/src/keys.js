// Keys in the formats `ledgerctl keygen` writes, and the checkpoint verifier key.
//
// - PREFIX.key: the Ed25519 private key, PKCS#8 PEM.
// - PREFIX.pub: the line "booo-ed25519-public-key", then the raw 32-byte public key in base64.
// - DATA_DIR/checkpoint.vkey (written by `ledgerctl init`): a C2SP signed-note verifier key,
//   "name+hash+base64(0x01 || public key)", hash = 8 hex of SHA-256(name || "\n" || 0x01 || key).
//
// A key's id, as the ledger names it, is "ed25519:" and the first 16 hex digits of the SHA-256
// of its raw public key. Ed25519 and SHA-256 come from node:crypto; nothing else is needed.
import crypto from 'node:crypto';
import fs from 'node:fs';

export const PUBLIC_KEY_HEADER = 'booo-ed25519-public-key';

// The DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw key follows it.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The ledger's id of a raw 32-byte Ed25519 public key. */
export function keyIdFor(publicKey) {
  if (publicKey.length !== 32) throw new RangeError('an Ed25519 public key has 32 bytes');
  return 'ed25519:' + crypto.createHash('sha256').update(publicKey).digest('hex').slice(0, 16);
}

/** A node:crypto public KeyObject for raw Ed25519 bytes. */
export function publicKeyObject(raw) {
  return crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** An Ed25519 private key and the id the ledger knows it by. */
export class SigningKey {
  constructor(privateKey) {
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new TypeError('not an Ed25519 private key');
    this.privateKey = privateKey;
    const spki = crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    this.publicKey = Buffer.from(spki.subarray(SPKI_PREFIX.length));
    this.keyId = keyIdFor(this.publicKey);
  }

  /** A PKCS#8 PEM text (what PREFIX.key holds). */
  static fromPem(pem) {
    return new SigningKey(crypto.createPrivateKey({ key: pem, format: 'pem' }));
  }

  sign(data) {
    return crypto.sign(null, data, this.privateKey);  // Ed25519 takes no separate digest
  }
}

/** A PREFIX.key file of `ledgerctl keygen`. */
export function loadSigningKey(file) {
  try {
    return SigningKey.fromPem(fs.readFileSync(file));
  } catch (error) {
    if (error.code === 'ENOENT') throw error;
    throw new TypeError(`${file}: not an Ed25519 private key in PKCS#8 PEM (${error.message})`);
  }
}

/** A PREFIX.pub file of `ledgerctl keygen`: the raw 32 bytes. */
export function loadPublicKey(file) {
  const words = fs.readFileSync(file, 'utf8').split(/\s+/).filter(Boolean);
  if (words.length !== 2 || words[0] !== PUBLIC_KEY_HEADER) {
    throw new TypeError(`${file}: not a ${PUBLIC_KEY_HEADER} file`);
  }
  const raw = strictBase64(words[1], file);
  if (raw.length !== 32) throw new TypeError(`${file}: the public key must have 32 bytes`);
  return raw;
}

/** A C2SP signed-note verifier key for Ed25519 (algorithm byte 0x01). */
export class VerifierKey {
  constructor(name, publicKey) {
    if (!name || /[\s+]/.test(name)) throw new TypeError('a key name is non-empty, without spaces or "+"');
    if (publicKey.length !== 32) throw new RangeError('an Ed25519 public key has 32 bytes');
    this.name = name;
    this.publicKey = Buffer.from(publicKey);
    this.keyHash = crypto.createHash('sha256')
      .update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.from([0x01]), this.publicKey]))
      .digest().subarray(0, 4);
    this._key = publicKeyObject(this.publicKey);
  }

  verify(message, signature) {
    try {
      return crypto.verify(null, message, this._key, signature);
    } catch {
      return false;  // a malformed signature is a "no", not a crash
    }
  }

  /** The one-line form of checkpoint.vkey. */
  toString() {
    const key = Buffer.concat([Buffer.from([0x01]), this.publicKey]).toString('base64');
    return `${this.name}+${this.keyHash.toString('hex')}+${key}`;
  }
}

/** "name+hash+base64(0x01 || key)", as in DATA_DIR/checkpoint.vkey. */
export function parseVerifierKey(text) {
  const line = text.trim();
  // The name ends at the first "+", the hash at the second; the base64 key may hold "+" itself.
  const first = line.indexOf('+');
  const second = first < 0 ? -1 : line.indexOf('+', first + 1);
  if (first <= 0 || second < 0) throw new TypeError('a verifier key is name+hash+key');
  const name = line.slice(0, first);
  const hashHex = line.slice(first + 1, second);
  const key = strictBase64(line.slice(second + 1), 'verifier key');
  if (key.length !== 33 || key[0] !== 0x01) {
    throw new TypeError('a verifier key holds 0x01 and a 32-byte Ed25519 public key');
  }
  const vkey = new VerifierKey(name, key.subarray(1));
  if (hashHex !== vkey.keyHash.toString('hex')) {
    throw new TypeError("the verifier key's hash does not match its name and key");
  }
  return vkey;
}

export function loadVerifierKey(file) {
  return parseVerifierKey(fs.readFileSync(file, 'utf8'));
}

// Buffer.from(…, 'base64') skips what is not base64; a key file with stray characters is an
// error, not a different key.
function strictBase64(text, what) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new TypeError(`${what}: not base64`);
  }
  return Buffer.from(text, 'base64');
}

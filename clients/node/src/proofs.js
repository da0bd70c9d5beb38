// What a client checks without trusting the server: leaves, RFC 9162 proofs, signed checkpoints.
//
// - Leaf (ledger/core/LEAF_FORMAT.md): 0x01, sequence (u64), recorded-at (i64), key id (u16
//   length), body (u32 length), signature (u16 length), all big-endian. Leaf hash
//   SHA-256(0x00 || leaf); interior node SHA-256(0x01 || left || right).
// - Inclusion and consistency proofs: RFC 9162 sections 2.1.3.2 and 2.1.4.2, as in
//   clients/python/booo_ledger/proofs.py. Indexes and sizes are bigints: JS bit operators work
//   on 32 bits and would go wrong past two thousand million leaves.
// - Checkpoints: a C2SP tlog-checkpoint body ("origin\nsize\nbase64 root\n", extension lines) in
//   a C2SP signed note ("text\n\n— name base64(key hash || signature)\n").
import crypto from 'node:crypto';
import { VerificationError } from './errors.js';

const sha256 = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();

export function encodeLeaf(sequence, recordedAtMicros, keyId, body, signature) {
  const key = Buffer.from(keyId, 'ascii');
  const head = Buffer.alloc(19);
  head[0] = 0x01;
  head.writeBigUInt64BE(BigInt(sequence), 1);
  head.writeBigInt64BE(BigInt(recordedAtMicros), 9);
  head.writeUInt16BE(key.length, 17);
  const bodyLength = Buffer.alloc(4);
  bodyLength.writeUInt32BE(body.length);
  const signatureLength = Buffer.alloc(2);
  signatureLength.writeUInt16BE(signature.length);
  return Buffer.concat([head, key, bodyLength, body, signatureLength, signature]);
}

export function leafHash(leaf) {
  return sha256(Buffer.from([0x00]), leaf);
}

function node(left, right) {
  return sha256(Buffer.from([0x01]), left, right);
}

/** RFC 9162 2.1.3.2: the leaf hash `leaf` is at `index` of the tree of `treeSize` with `root`.
 *  Throws VerificationError when it is not. */
export function verifyInclusion(index, treeSize, leaf, path, root) {
  index = BigInt(index);
  treeSize = BigInt(treeSize);
  if (index >= treeSize) {
    throw new VerificationError(`inclusion: index ${index} is not below tree size ${treeSize}`);
  }
  let fn = index;
  let sn = treeSize - 1n;
  let r = Buffer.from(leaf);
  for (const p of path) {
    if (sn === 0n) throw new VerificationError('inclusion: the proof is longer than the tree is deep');
    if ((fn & 1n) === 1n || fn === sn) {
      r = node(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      }
    } else {
      r = node(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n || !r.equals(root)) {
    throw new VerificationError(`inclusion: leaf ${index} is not in the tree of size ${treeSize} ` +
                                `with root ${Buffer.from(root).toString('hex')}`);
  }
}

/** RFC 9162 2.1.4.2: the tree of size `second` extends the tree of size `first`. */
export function verifyConsistency(first, second, firstRoot, secondRoot, path) {
  first = BigInt(first);
  second = BigInt(second);
  if (first > second) throw new VerificationError(`consistency: ${first} is larger than ${second}`);
  if (first === second) {
    if (path.length || !Buffer.from(firstRoot).equals(secondRoot)) {
      throw new VerificationError('consistency: equal sizes need equal roots and no proof');
    }
    return;
  }
  if (first === 0n) {
    if (path.length) throw new VerificationError('consistency: from the empty tree the proof is empty');
    return;
  }
  path = [...path];
  if ((first & (first - 1n)) === 0n) path.unshift(firstRoot);  // a power of two: the old root is a node
  if (!path.length) throw new VerificationError('consistency: empty proof');
  let fn = first - 1n;
  let sn = second - 1n;
  while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
  let fr = Buffer.from(path[0]);
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0n) throw new VerificationError('consistency: the proof is too long');
    if ((fn & 1n) === 1n || fn === sn) {
      fr = node(c, fr);
      sr = node(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      }
    } else {
      sr = node(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n || !fr.equals(firstRoot) || !sr.equals(secondRoot)) {
    throw new VerificationError(`consistency: the tree of size ${second} does not extend the ` +
                                `tree of size ${first}`);
  }
}

/** A verified checkpoint: `note` is the signed note as verified. */
export class Checkpoint {
  constructor(origin, treeSize, rootHash, note) {
    this.origin = origin;
    this.treeSize = BigInt(treeSize);
    this.rootHash = Buffer.from(rootHash);
    this.note = note;
  }
}

/** Verifies a signed note with `keys` (one VerifierKey, or several: any of them, e.g. around a
 *  checkpoint-key rotation) and parses its checkpoint body; with `origin`, the checkpoint must
 *  be of that log. Signature lines of other names (witness cosignatures) are skipped. */
export function openCheckpoint(note, keys, origin) {
  keys = Array.isArray(keys) ? keys : [keys];
  const split = note.indexOf('\n\n');
  if (split <= 0) throw new VerificationError('checkpoint: a signed note is text, a blank line, signatures');
  const text = note.slice(0, split);
  const message = Buffer.from(`${text}\n`, 'utf8');
  let verified = false;
  const signers = [];
  for (const line of note.slice(split + 2).split('\n')) {
    if (!line) continue;
    if (!line.startsWith('\u2014 ')) throw new VerificationError(`checkpoint: not a signature line: ${JSON.stringify(line)}`);
    const space = line.lastIndexOf(' ');
    const name = line.slice(2, space);
    const raw = Buffer.from(line.slice(space + 1), 'base64');
    signers.push(`${name}+${raw.subarray(0, 4).toString('hex')}`);
    for (const key of keys) {
      if (name === key.name && raw.length === 68 && raw.subarray(0, 4).equals(key.keyHash) &&
          key.verify(message, raw.subarray(4))) {
        verified = true;
      }
    }
  }
  if (!verified) {
    // Naming who did sign tells an operator's rotated checkpoint key from a forged note.
    // Each as name+key hash, as a verifier key line names it: the same name with another hash
    // is another key (a rotation, or the wrong file pinned).
    throw new VerificationError('checkpoint: no valid signature by ' +
                                `${keys.map((k) => `${k.name}+${k.keyHash.toString('hex')}`).join(' or ')} ` +
                                `(signed by ${signers.join(', ') || 'no one'})`);
  }
  const lines = text.split('\n');
  if (lines.length < 3 || !/^\d+$/.test(lines[1])) {
    throw new VerificationError('checkpoint: the body is origin, size, root');
  }
  const root = Buffer.from(lines[2], 'base64');
  if (root.length !== 32 || root.toString('base64') !== lines[2]) {
    throw new VerificationError('checkpoint: the root hash must be 32 bytes in base64');
  }
  if (origin != null && lines[0] !== origin) {
    throw new VerificationError(`checkpoint: of log ${JSON.stringify(lines[0])}, not ${JSON.stringify(origin)}`);
  }
  return new Checkpoint(lines[0], BigInt(lines[1]), root, note);
}

// The latest verified checkpoint per log, kept on disk. A checkpoint older than it, or of the
// same size with another root, is a rollback and refused (LedgerClient.acceptCheckpoint); a
// newer one is accepted only with a consistency proof from it.
//
// One JSON file per origin, named by the SHA-256 of the origin, in the same format as the
// Python client's TrustStore ({"origin", "tree_size", "root_hash" hex, "note"}), so both can
// share a directory. Written to a temporary file, flushed, then renamed over the old one: a
// crash leaves the old checkpoint or the new, never half of one.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Checkpoint } from './proofs.js';

export class TrustStore {
  constructor(directory) {
    this.directory = directory;
  }

  _file(origin) {
    return path.join(this.directory, crypto.createHash('sha256').update(origin).digest('hex').slice(0, 32) + '.json');
  }

  /** The checkpoint kept for `origin`, or null. */
  latest(origin) {
    let text;
    try {
      text = fs.readFileSync(this._file(origin), 'utf8');
    } catch (error) {
      if (error.code === 'ENOENT') return null;
      throw error;
    }
    const kept = JSON.parse(text);
    return new Checkpoint(kept.origin, BigInt(kept.tree_size), Buffer.from(kept.root_hash, 'hex'), kept.note);
  }

  /** Keeps `checkpoint` (already verified and checked against the one kept) in place of it. */
  keep(checkpoint) {
    fs.mkdirSync(this.directory, { recursive: true });
    const file = this._file(checkpoint.origin);
    const temporary = `${file}.${process.pid}.tmp`;
    const text = JSON.stringify({
      origin: checkpoint.origin,
      // A number as Python writes it; exact below 2^53, which no tree size comes near.
      tree_size: Number(checkpoint.treeSize),
      root_hash: checkpoint.rootHash.toString('hex'),
      note: checkpoint.note,
    });
    const fd = fs.openSync(temporary, 'w');
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  }
}

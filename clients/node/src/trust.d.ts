import type { Checkpoint } from './proofs.js';

/** The latest verified checkpoint per log, kept on disk (one JSON file per origin, written
 *  atomically; the Python client's format). */
export class TrustStore {
  constructor(directory: string);
  readonly directory: string;
  latest(origin: string): Checkpoint | null;
  keep(checkpoint: Checkpoint): void;
}

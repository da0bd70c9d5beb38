#!/usr/bin/env node
// Example 3: an auditor follows the log live and verifies each new checkpoint's consistency.
//
// It keeps the current checkpoint (signature verified with the pinned key; consistency-proved
// from any checkpoint kept before), subscribes from its size, and for every event that
// arrives: recomputes the leaf hash from the event's bytes; when an event lies past the
// checkpoint kept, fetches the new checkpoint, verifies its signature and its consistency with
// the one kept, and keeps it; and verifies the event's inclusion in it. A checkpoint is
// reported once all of its new events have arrived and checked out. Against the demo server:
//
//   node examples/audit-follow.js --server 127.0.0.1:50551 --verifier-key demo-data/checkpoint-2027.vkey \
//       --trust-dir demo-data/trust-node-auditor --max-seconds 60
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import * as bl from 'booo-ledger';

const USAGE = `usage: audit-follow.js --server HOST:PORT --verifier-key checkpoint.vkey --trust-dir DIR
                      [--origin O] [--until-size N] [--max-seconds S]

An auditor follows the log live and verifies each new checkpoint's consistency and the
inclusion of every event in it.

  --server        ledgerd's HOST:PORT (plaintext: a --plaintext-for-development server)
  --verifier-key  the ledger's checkpoint.vkey (repeat it around a key rotation)
  --trust-dir     where the kept checkpoint lives
  --origin        the log's origin line, pinned
  --until-size    stop (exit 0) once a checkpoint this large is verified
  --max-seconds   stop (exit 0) after this long`;

/** The newest checkpoint, verified and kept, once it covers `sequence` (an event the log served
 *  must be in a checkpoint soon after). */
async function covering(client, verifier, store, origin, sequence) {
  const giveUp = Date.now() + 10_000;
  for (;;) {
    const head = await client.checkpoint(verifier, store, { origin });
    if (head.treeSize > sequence) return head;
    if (Date.now() > giveUp) {
      throw new bl.VerificationError(`the log served event ${sequence}, but its checkpoint stays at size ${head.treeSize}`);
    }
    await sleep(50);
  }
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      help: { type: 'boolean', short: 'h' }, server: { type: 'string' },
      'verifier-key': { type: 'string', multiple: true }, 'trust-dir': { type: 'string' },
      origin: { type: 'string' }, 'until-size': { type: 'string' }, 'max-seconds': { type: 'string' },
    },
  });
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  for (const name of ['server', 'verifier-key', 'trust-dir']) {
    if (args[name] === undefined) {
      console.error(`${USAGE}\n\naudit-follow: --${name} is required`);
      return 2;
    }
  }
  const untilSize = args['until-size'] === undefined ? null : BigInt(args['until-size']);
  const maxSeconds = args['max-seconds'] === undefined ? null : Number(args['max-seconds']);
  const verifier = args['verifier-key'].map((file) => bl.loadVerifierKey(file));
  const store = new bl.TrustStore(args['trust-dir']);
  const origin = args.origin;

  const client = new bl.LedgerClient(args.server);
  try {
    let kept = await client.checkpoint(verifier, store, { origin });
    console.log(`following from checkpoint ${kept.treeSize} (verified)`);
    if (untilSize !== null && kept.treeSize >= untilSize) return 0;
    const signal = maxSeconds === null ? undefined : AbortSignal.timeout(maxSeconds * 1000);
    let head = null;
    let included = 0;
    for await (const event of client.subscribe(kept.treeSize, { signal })) {
      const leaf = bl.encodeLeaf(event.sequence, event.recordedAtMicros, event.keyId, event.body, event.signature);
      if (!bl.leafHash(leaf).equals(event.leafHash)) {
        throw new bl.VerificationError(`event ${event.sequence}: its leaf hash is not that of its bytes`);
      }
      if (head === null || event.sequence >= head.treeSize) {
        head = await covering(client, verifier, store, origin, event.sequence);
      }
      await client.verifyInclusion(event, head);
      included += 1;
      if (event.sequence === head.treeSize - 1n) {  // all of the new checkpoint's events are in
        console.log(`checkpoint ${head.treeSize} verified: consistent with ${kept.treeSize}, ${included} new events included`);
        [kept, head, included] = [head, null, 0];
        if (untilSize !== null && kept.treeSize >= untilSize) return 0;
      }
    }
    console.log(`stopped after ${maxSeconds} s at checkpoint ${kept.treeSize}`);
    return 0;
  } finally {
    client.close();
  }
}

main().then((code) => process.exit(code), (error) => {
  console.error(`audit-follow: ${error instanceof bl.LedgerError || error instanceof bl.VerificationError ? error.message : error.stack}`);
  process.exit(1);
});

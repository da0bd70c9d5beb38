#!/usr/bin/env node
// Example 1: a municipality submits a month of place declarations as one batch, keeps the
// receipts, and verifies their inclusion against a checkpoint it kept.
//
// One goo_places_declared per day of the month, with event ids of its own
// (<MUNICIPALITY>-<LOCATION>-goo-<YYYY-MM-DD>): a rerun signs the same bytes, and the ledger
// answers with the original receipts (duplicates). Against the demo server (tools/demo.sh, then
// ledgerd as it prints at its end):
//
//   node examples/month-batch.js --server 127.0.0.1:50551 --key demo-data/keys/gm0363.key \
//       --verifier-key demo-data/checkpoint-2027.vkey --trust-dir demo-data/trust-node \
//       --municipality GM0363 --location AMS-LOC-001 --month 2023-03 --places 120
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import * as bl from 'booo-ledger';

const USAGE = `usage: month-batch.js --server HOST:PORT --key MUNI.key --verifier-key checkpoint.vkey
                      --trust-dir DIR --municipality GM#### --location ID --month YYYY-MM
                      --places N [--accommodation-type ACCOMMODATION_TYPE_HOTEL]
                      [--received-date YYYY-MM-DD] [--receipts FILE.json]

A municipality submits a month of place declarations as one batch, keeps the receipts, and
verifies their inclusion against a checkpoint it kept.

  --server              ledgerd's HOST:PORT (plaintext: a --plaintext-for-development server)
  --key                 the municipality's PREFIX.key (ledgerctl keygen)
  --verifier-key        the ledger's checkpoint.vkey (repeat it around a key rotation)
  --trust-dir           where the kept checkpoint lives
  --municipality        GM####
  --location            the location id
  --month               YYYY-MM
  --places              realised places each day
  --accommodation-type  default ACCOMMODATION_TYPE_HOTEL
  --received-date       YYYY-MM-DD (default: the next month's first day)
  --receipts            write the receipts here, as JSON`;

const { values: args } = parseArgs({
  options: {
    help: { type: 'boolean', short: 'h' }, server: { type: 'string' }, key: { type: 'string' },
    'verifier-key': { type: 'string', multiple: true }, 'trust-dir': { type: 'string' },
    municipality: { type: 'string' }, location: { type: 'string' }, month: { type: 'string' },
    places: { type: 'string' }, 'accommodation-type': { type: 'string', default: 'ACCOMMODATION_TYPE_HOTEL' },
    'received-date': { type: 'string' }, receipts: { type: 'string' },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
for (const name of ['server', 'key', 'verifier-key', 'trust-dir', 'municipality', 'location', 'month', 'places']) {
  if (args[name] === undefined) {
    console.error(`${USAGE}\n\nmonth-batch: --${name} is required`);
    process.exit(2);
  }
}
const found = /^(\d{4})-(\d{2})$/.exec(args.month);
if (!found || !/^\d+$/.test(args.places)) {
  console.error('month-batch: --month is YYYY-MM and --places a whole number');
  process.exit(2);
}

const iso = (date) => date.toISOString().slice(0, 10);  // of a UTC midnight: no time zone trap

async function main() {
  const [year, month] = [Number(found[1]), Number(found[2])];
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const received = args['received-date'] ?? iso(new Date(Date.UTC(year, month, 1)));
  const key = bl.loadSigningKey(args.key);
  const verifier = args['verifier-key'].map((file) => bl.loadVerifierKey(file));
  const store = new bl.TrustStore(args['trust-dir']);

  const client = new bl.LedgerClient(args.server);
  let kept, head, results;
  try {
    kept = await client.checkpoint(verifier, store);  // verified; consistent with any kept before
    const events = [];
    for (let day = 1; day <= days; day++) {
      const date = iso(new Date(Date.UTC(year, month - 1, day)));
      events.push(bl.gooPlacesDeclared({
        municipalityCode: args.municipality, locationId: args.location,
        accommodationType: args['accommodation-type'], period: [date, date], places: BigInt(args.places),
        receivedDate: received, eventId: `${args.municipality}-${args.location}-goo-${date}`,
      }));
    }
    results = await client.appendBatch(events, key);  // one group commit; receipts checked
    head = await client.checkpoint(verifier, store);   // consistency-proved from `kept`, then kept
    for (const result of results) await client.verifyInclusion(result.receipt, head);
  } finally {
    client.close();
  }

  // Numbers in the JSON, as the Python example writes them: exact, as sequences and
  // microsecond times stay far below 2^53.
  const receipts = results.map(({ receipt, duplicate }) => ({
    event_id: receipt.eventId, sequence: Number(receipt.sequence),
    recorded_at_micros: Number(receipt.recordedAtMicros), leaf_hash: receipt.leafHash.toString('hex'), duplicate,
  }));
  if (args.receipts) {
    fs.writeFileSync(args.receipts, JSON.stringify({ checkpoint: head.note, kept_before: Number(kept.treeSize), receipts }, null, 1) + '\n');
  }
  const sequences = receipts.map((r) => r.sequence);
  console.log(`appended ${receipts.length} events (${receipts.filter((r) => r.duplicate).length} duplicates), ` +
              `sequences ${Math.min(...sequences)}..${Math.max(...sequences)}, all included in checkpoint of size ${head.treeSize}`);
}

main().catch((error) => {
  console.error(`month-batch: ${error instanceof bl.LedgerError || error instanceof bl.VerificationError ? error.message : error.stack}`);
  process.exit(1);
});

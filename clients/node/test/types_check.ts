// Not run: type-checked (`tsc --noEmit -p test`), so that the hand-written declarations stay
// true to how the library is used. Imported by the package's own name, through "exports".
import * as bl from 'booo-ledger';
import type { AppendResponse, GetGrantResponse, StoredEvent } from 'booo-ledger';

async function integrate(): Promise<void> {
  const key: bl.SigningKey = bl.loadSigningKey('gm0363.key');
  const raw: Buffer = bl.loadPublicKey('gm0363.pub');
  const id: string = bl.keyIdFor(raw);
  const vkey = bl.loadVerifierKey('checkpoint.vkey');
  const line: string = vkey.toString();
  const store = new bl.TrustStore('trust');
  const client = new bl.LedgerClient('127.0.0.1:50051', {
    caCertificate: Buffer.from(''), clientCertificate: Buffer.from(''), clientKey: Buffer.from(''),
    serverName: 'ledger.example', timeoutMs: 10_000, retries: 3,
  });

  const body = bl.gooPlacesDeclared({
    municipalityCode: 'GM0363', locationId: 'AMS-LOC-001', accommodationType: 'ACCOMMODATION_TYPE_HOTEL',
    period: ['2023-03-01', '2023-03-31'], places: 120, receivedDate: '2023-04-05', eventId: 'GM0363-goo-2023-03',
  });
  const signed = bl.sign(body, key);
  const first: AppendResponse = await client.append(signed);
  const again: AppendResponse = await client.append(body, key);
  const duplicate: boolean = again.duplicate;
  const sequence: bigint = first.receipt.sequence;
  const head: bl.Checkpoint = await client.checkpoint([vkey], store, { origin: 'example.org/booo' });
  await client.verifyInclusion(first.receipt, head);
  const size: bigint = head.treeSize;

  const batch: AppendResponse[] = await client.appendBatch([
    bl.pooPersonMonthsDeclared({ municipalityCode: 'GM0363', month: [2023, 5], registeredPersons: 200,
                                 personsWithProvision: 190n, receivedDate: { year: 2023, month: 6, day: 10 } }),
    bl.livingAllowancePaid({ municipalityCode: 'GM0363', receptionKind: 'RECEPTION_KIND_POO', component: 1,
                             period: ['2023-05-01', '2023-05-31'], amountCents: '123456', receivedDate: '2023-06-10' }),
    bl.transitionCostRequested({ municipalityCode: 'GM0363', locationId: 'L', description: 'fit-out', amountCents: 1,
                                 period: ['2023-03-01', '2023-12-31'], allocationMethod: 'ALLOCATION_METHOD_LUMP_SUM',
                                 receivedDate: '2023-02-01' }),
    bl.voluntaryRepaymentReceived({ municipalityCode: 'GM0363', spendingYear: 2023, amountCents: 100, receivedDate: '2023-07-01' }),
    bl.eventBody('locationRegistered', { municipalityCode: 'GM0363', locationId: 'L', capacity: 10 }),
  ], key);
  const index: number | null = batch.length ? null : 0;

  const grant: GetGrantResponse = await client.grant('GM0363', 2023, { knownOn: '2023-09-30', traceDepth: 2 });
  const cents: bigint = grant.balanceCents;
  const determination = bl.determinationFromGrant(grant, '2024-06-01', 'REF/1', { eventId: 'det-GM0363-2023' });
  await client.append(determination, bl.SigningKey.fromPem('...'));
  await client.grant('GM0363', 2023, { treeSize: 120n });
  await client.grant('GM0363', 2023, { recordedAt: new Date() });
  const balances = await client.balances(2023, { recordedAt: 1_700_000_000_000_000n });
  for (const row of balances.rows) {
    const direction: string = row.direction;
    const determined: boolean = row.determined;
  }
  const signals = await client.signals({ municipalityCode: 'GM0363', minSeverity: 'SEVERITY_WARNING', asOf: '2024-07-16' });
  const caseIds: string[] = signals.cases.map((c) => c.caseId);
  const sisa = await client.call<{ figures: unknown[] }>('Controls', 'GetSisaFigures', { municipalityCode: 'GM0363', spendingYear: 2023 });

  for await (const event of client.subscribe(size, { signal: AbortSignal.timeout(1000) })) {
    const stored: StoredEvent = event;
    const decoded = bl.decodeEventBody(stored.body);
    const eventId: string = decoded.eventId;
    const leaf = bl.encodeLeaf(stored.sequence, stored.recordedAtMicros, stored.keyId, stored.body, stored.signature);
    const ok: boolean = bl.leafHash(leaf).equals(stored.leafHash);
    break;
  }

  try {
    await client.append(body, key);
  } catch (error) {
    if (error instanceof bl.Aborted) {
      const version: bigint | null = error.currentVersion;
    } else if (error instanceof bl.LedgerError) {
      const field: string = error.field;
      const reason: string = error.reason;
      const retry: boolean = error.retryable;
      const code: bl.StatusName = error.code;
      const at: number | null = error.eventIndex;
    } else if (error instanceof bl.RollbackError || error instanceof bl.VerificationError) {
      const message: string = error.message;
    }
  }
  const opened: bl.Checkpoint = bl.openCheckpoint(head.note, vkey, 'example.org/booo');
  bl.verifyConsistency(1, 2n, opened.rootHash, head.rootHash, []);
  bl.verifyInclusion(0, '1', opened.rootHash, [], opened.rootHash);
  const json: string = JSON.stringify(first, bl.jsonReplacer);
  client.close();
  void [id, line, duplicate, sequence, index, cents, caseIds, sisa, json];
}

void integrate;

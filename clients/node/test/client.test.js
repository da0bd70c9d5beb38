// The Node client against a real ledgerd: every helper's happy path, the reads as of a point,
// each refusal as its typed error, a retry after the server dropped, a rollback refused,
// subscribe with resume, receipts and proofs. As clients/python/tests/test_client.py.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as bl from '../src/index.js';
import { startServer } from './server.js';

let server;
let client;
let ams;
let utr;
let ministry;
let vkey;

before(async () => {
  server = await startServer('test/node');
  client = new bl.LedgerClient(server.address);
  ams = bl.loadSigningKey(server.file('ams.key'));
  utr = bl.loadSigningKey(server.file('utr.key'));
  ministry = bl.loadSigningKey(server.file('ministry.key'));
  vkey = bl.loadVerifierKey(path.join(server.data, 'checkpoint.vkey'));
});

after(async () => {
  client?.close();
  await server?.stop();
});

const trustDir = (name) => path.join(server.work, `trust-${name}`);

describe('keys', () => {
  it('loads the formats ledgerctl keygen writes', () => {
    assert.deepEqual(ams.publicKey, bl.loadPublicKey(server.file('ams.pub')));
    assert.match(ams.keyId, /^ed25519:[0-9a-f]{16}$/);
    assert.equal(vkey.name, 'test');
    assert.equal(vkey.toString(), fs.readFileSync(path.join(server.data, 'checkpoint.vkey'), 'utf8').trim());
    assert.throws(() => bl.parseVerifierKey(vkey.toString().replace('test+', 'other+')), /hash does not match/);
  });
});

describe('appends', () => {
  it('appends a month as one batch, verified against a kept checkpoint', async () => {
    const store = new bl.TrustStore(trustDir('batch'));
    const kept = await client.checkpoint(vkey, store, { origin: 'test/node' });
    const days = Array.from({ length: 31 }, (_, i) => {
      const day = `2023-03-${String(i + 1).padStart(2, '0')}`;
      return bl.gooPlacesDeclared({
        municipalityCode: 'GM0363', locationId: 'AMS-NODE-1', accommodationType: 'ACCOMMODATION_TYPE_HOTEL',
        period: [day, day], places: 40 + i + 1, receivedDate: '2023-04-05', eventId: `node-goo-${day}`,
      });
    });
    const results = await client.appendBatch(days, ams);
    assert.deepEqual(results.map((r) => r.receipt.eventId), days.map((d) => d.eventId));
    assert.ok(results.every((r) => !r.duplicate));
    assert.ok(results.every((r) => r.receipt.stream === 'municipality/GM0363'));
    const head = await client.checkpoint(vkey, store, { origin: 'test/node' });  // consistent with `kept`
    assert.ok(head.treeSize >= kept.treeSize + 31n);
    for (const r of results) await client.verifyInclusion(r.receipt, head);
    const again = await client.appendBatch(days, ams);  // the same batch again: the original receipts
    assert.ok(again.every((r) => r.duplicate));
    assert.deepEqual(again.map((r) => r.receipt), results.map((r) => r.receipt));
  });

  it('appends every helper, and the reads see them as of a point', async () => {
    const before = (await client.checkpoint(vkey, new bl.TrustStore(trustDir('reads')))).treeSize;
    await client.append(bl.pooPersonMonthsDeclared({
      municipalityCode: 'GM0363', month: [2023, 5], registeredPersons: 200, personsWithProvision: 190,
      receivedDate: '2023-06-10' }), ams);
    await client.append(bl.livingAllowancePaid({
      municipalityCode: 'GM0363', receptionKind: 'RECEPTION_KIND_POO', component: 'ALLOWANCE_COMPONENT_LIVING_ALLOWANCE',
      period: ['2023-05-01', '2023-05-31'], amountCents: 1_234_56, receivedDate: '2023-06-10' }), ams);
    await client.append(bl.transitionCostRequested({
      municipalityCode: 'GM0363', locationId: 'AMS-NODE-1', description: 'fit-out', amountCents: 10_000_00n,
      period: ['2023-03-01', '2023-12-31'], allocationMethod: 'ALLOCATION_METHOD_LUMP_SUM', receivedDate: '2023-02-01' }), ams);
    const advance = await client.append(bl.advancePaid({
      municipalityCode: 'GM0363', spendingYear: 2023, amountCents: '50000000', paymentDate: '2023-02-01',
      paymentReference: 'NODE-1' }), ministry);
    await client.append(bl.voluntaryRepaymentReceived({
      municipalityCode: 'GM0363', spendingYear: 2023, amountCents: 1_000_00, receivedDate: '2023-07-01' }), ams);

    const grant = await client.grant('GM0363', 2023, { traceDepth: 2 });
    assert.equal(grant.advancesCents, 500_000_00n);
    assert.equal(grant.repaymentsCents, 1_000_00n);
    assert.ok(grant.computedGrantCents > 0n);
    assert.equal(grant.determination, null);
    // As known on a business day before the payment; as recorded in the first `before`
    // events; as recorded just before the advance's own time.
    assert.equal((await client.grant('GM0363', 2023, { knownOn: '2023-01-31', traceDepth: 1 })).advancesCents, 0n);
    const atSize = await client.grant('GM0363', 2023, { treeSize: before, traceDepth: 1 });
    assert.equal(atSize.advancesCents, 0n);
    assert.equal(atSize.treeSize, before);
    const justBefore = new Date(Number(advance.receipt.recordedAtMicros / 1000n) - 1);
    assert.equal((await client.grant('GM0363', 2023, { recordedAt: justBefore, traceDepth: 1 })).advancesCents, 0n);
    assert.equal((await client.grant('GM0363', 2023, { recordedAt: advance.receipt.recordedAtMicros, traceDepth: 1 })).advancesCents, 500_000_00n);

    const rows = (await client.balances(2023)).rows;
    const ams2023 = rows.find((r) => r.municipalityCode === 'GM0363');
    assert.equal(ams2023.advancesCents, 500_000_00n);
    assert.match(ams2023.direction, /^BALANCE_DIRECTION_/);
    assert.ok((await client.balances(2023, { knownOn: '2023-01-31' })).rows.every((r) => r.advancesCents === 0n));
    assert.equal((await client.balances(2023, { treeSize: before })).treeSize, before);

    const signals = await client.signals({ knownOn: '2023-12-31' });
    assert.ok(Array.isArray(signals.signals));
    assert.deepEqual(signals.asOf, { year: 2023, month: 12, day: 31 });
    const now = await client.signals({ municipalityCode: 'GM0363', treeSize: before, minSeverity: 'SEVERITY_INFO' });
    assert.ok(now.treeSize <= before);
  });

  it('builds a determination from a grant answer', async () => {
    const answer = await client.grant('GM0363', 2023);
    const body = bl.determinationFromGrant(answer, '2024-06-01', 'NODE/DET/1', { eventId: 'node-det-2023' });
    assert.equal(body.expectedStreamVersion, answer.streamVersion);
    assert.equal(body.grantDetermined.traceSummary[0].path, answer.trace.key);
    const depths = body.grantDetermined.traceSummary.map((n) => n.path.split('/').length);
    assert.ok(Math.max(...depths) <= 3 && depths.includes(2));
    const { receipt } = await client.append(body, ministry);
    assert.equal(receipt.eventId, 'node-det-2023');
    const determined = await client.grant('GM0363', 2023, { traceDepth: 1 });
    assert.equal(determined.determination.eventId, 'node-det-2023');
    assert.equal(determined.determination.amountCents, answer.computedGrantCents);
  });
});

describe('refusals', () => {
  const goo = (first, last) => bl.gooPlacesDeclared({
    municipalityCode: 'GM0363', locationId: 'L', accommodationType: 'ACCOMMODATION_TYPE_HOTEL',
    period: [first, last], places: 5, receivedDate: '2023-04-01' });

  it('INVALID_ARGUMENT names the field', async () => {
    const error = await client.append(goo('2023-03-02', '2023-03-01'), ams).catch((e) => e);
    assert.ok(error instanceof bl.InvalidArgument, error);
    assert.equal(error.code, 'INVALID_ARGUMENT');
    assert.ok(error.field.startsWith('goo_places_declared.period'), error.field);
    assert.ok(error.reason && !error.retryable);
  });

  it('PERMISSION_DENIED for another municipality and for the wrong role', async () => {
    const other = await client.append(goo('2023-03-01', '2023-03-01'), utr).catch((e) => e);
    assert.ok(other instanceof bl.PermissionDenied, other);
    assert.equal(other.field, 'goo_places_declared.municipality_code');
    await assert.rejects(client.append(bl.advancePaid({   // a municipality may not pay itself
      municipalityCode: 'GM0363', spendingYear: 2023, amountCents: 1, paymentDate: '2023-02-01' }), ams), bl.PermissionDenied);
  });

  it('ALREADY_EXISTS for an event id with other bytes', async () => {
    const advance = (amountCents) => bl.advancePaid({
      municipalityCode: 'GM0344', spendingYear: 2023, amountCents, paymentDate: '2023-02-01', eventId: 'node-dup' });
    await client.append(advance(100), ministry);
    const error = await client.append(advance(200), ministry).catch((e) => e);
    assert.ok(error instanceof bl.AlreadyExists, error);
    assert.equal(error.field, 'event_id');
  });

  it('ABORTED with the current version', async () => {
    const version = await client.streamVersion('municipality/GM0344');
    assert.equal(typeof version, 'bigint');
    const stale = bl.voluntaryRepaymentReceived({ municipalityCode: 'GM0344', spendingYear: 2023, amountCents: 5, receivedDate: '2023-07-01' });
    stale.expectedStreamVersion = version + 3n;  // a version the stream has not reached
    const error = await client.append(stale, utr).catch((e) => e);
    assert.ok(error instanceof bl.Aborted, error);
    assert.equal(error.currentVersion, version);
    // Rebased on it, the same fact goes in.
    stale.expectedStreamVersion = error.currentVersion;
    assert.equal((await client.append(stale, utr)).receipt.streamVersion, version + 1n);
  });

  it('UNAUTHENTICATED for a signature that does not verify', async () => {
    const signed = bl.sign(bl.voluntaryRepaymentReceived({ municipalityCode: 'GM0344', spendingYear: 2023, amountCents: 5, receivedDate: '2023-07-01' }), utr);
    await assert.rejects(client.append({ body: signed.body, signature: Buffer.alloc(64) }), bl.Unauthenticated);
  });

  it('NOT_FOUND for an unknown key', async () => {
    const body = bl.voluntaryRepaymentReceived({ municipalityCode: 'GM0363', spendingYear: 2023, amountCents: 5, receivedDate: '2023-07-01' });
    body.signerKeyId = 'ed25519:0000000000000000';
    const error = await client.append(body, ams).catch((e) => e);
    assert.ok(error instanceof bl.NotFound, error);
  });

  it('OUT_OF_RANGE for an amount over the limit', async () => {
    await assert.rejects(client.append(bl.advancePaid({
      municipalityCode: 'GM0344', spendingYear: 2023, amountCents: 10n ** 17n, paymentDate: '2023-02-01' }), ministry), bl.OutOfRange);
    await assert.rejects(client.grant('GM0363', 2023, { treeSize: 1n << 40n }), bl.OutOfRange);
  });

  it('FAILED_PRECONDITION for a second genesis', async () => {
    const genesis = bl.eventBody('genesis', { origin: 'x', ministryRootPublicKey: ministry.publicKey,
      checkpointPublicKey: ministry.publicKey, checkpointKeyName: 'x' });
    assert.equal(bl.streamFor(genesis), 'keys');
    await assert.rejects(client.append(genesis, ministry), bl.FailedPrecondition);
  });

  it('a batch is refused whole, naming the event; too large a batch is RESOURCE_EXHAUSTED', async () => {
    const good = goo('2023-06-01', '2023-06-01');
    good.eventId = 'node-batch-never';
    const error = await client.appendBatch([good, good, goo('2023-06-02', '2023-06-01')], ams).catch((e) => e);
    assert.ok(error instanceof bl.InvalidArgument, error);
    assert.equal(error.eventIndex, 2);
    assert.ok(error.field.startsWith('goo_places_declared.period'), error.field);
    await assert.rejects(client.getEvent({ eventId: 'node-batch-never' }), bl.NotFound);  // nothing of it written
    const many = Array.from({ length: 257 }, () => goo('2023-06-01', '2023-06-01'));
    await assert.rejects(client.appendBatch(many, ams), bl.ResourceExhausted);
  });

  it('UNAVAILABLE with no server, DEADLINE_EXCEEDED for a missed deadline: both retryable', async () => {
    const probe = net.createServer();
    await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address();
    await new Promise((resolve) => probe.close(resolve));  // a port nobody listens on now
    const nowhere = new bl.LedgerClient(`127.0.0.1:${port}`, { timeoutMs: 500, retries: 1 });
    const unavailable = await nowhere.grant('GM0363', 2023).catch((e) => e);
    nowhere.close();
    assert.ok(unavailable instanceof bl.Unavailable && unavailable.retryable, unavailable);
    const hasty = new bl.LedgerClient(server.address, { timeoutMs: 0.001, retries: 0 });
    const late = await hasty.grant('GM0363', 2023).catch((e) => e);
    hasty.close();
    assert.ok(late instanceof bl.Unavailable && late.retryable, late);
    assert.equal(late.code, 'DEADLINE_EXCEEDED');
  });

  it('refuses an unsafe number before anything is sent', async () => {
    await assert.rejects(client.append(bl.advancePaid({
      municipalityCode: 'GM0344', spendingYear: 2023, amountCents: 2 ** 60, paymentDate: '2023-02-01' }), ministry),
    { name: 'RangeError', message: /advance_paid\.amount_cents: .* not a safe integer/ });
  });
});

describe('retries, rollbacks, subscriptions', () => {
  it('retries after a dropped connection and gets the original receipt', { timeout: 60_000 }, async () => {
    const signed = bl.sign(bl.gooPlacesDeclared({
      municipalityCode: 'GM0363', locationId: 'AMS-NODE-R', accommodationType: 'ACCOMMODATION_TYPE_SHIP',
      period: ['2023-05-01', '2023-05-31'], places: 12, receivedDate: '2023-06-01', eventId: 'node-retry-1' }), ams);
    const port = server.port;
    await server.kill();
    const restarted = new Promise((resolve, reject) => setTimeout(() => server.start(port).then(resolve, reject), 500));
    const first = await client.append(signed);  // UNAVAILABLE until ledgerd is back, then appended
    await restarted;
    assert.equal(first.duplicate, false);
    const again = await client.append(signed);
    assert.equal(again.duplicate, true);
    assert.deepEqual(again.receipt, first.receipt);
  });

  it('refuses a rollback of a pinned checkpoint, and a tampered note', async () => {
    const store = new bl.TrustStore(trustDir('rollback'));
    const older = await client.checkpoint(vkey, store, { origin: 'test/node' });
    await client.append(bl.pooPersonMonthsDeclared({
      municipalityCode: 'GM0363', month: '2023-08', registeredPersons: 10, personsWithProvision: 10, receivedDate: '2023-09-01' }), ams);
    const newer = await client.checkpoint(vkey, store, { origin: 'test/node' });
    assert.ok(newer.treeSize > older.treeSize);
    assert.equal(store.latest('test/node').treeSize, newer.treeSize);
    await assert.rejects(client.acceptCheckpoint(older, store), bl.RollbackError);
    const fork = new bl.Checkpoint(newer.origin, newer.treeSize, Buffer.alloc(32, 7), newer.note);
    await assert.rejects(client.acceptCheckpoint(fork, store), bl.RollbackError);
    assert.equal(store.latest('test/node').treeSize, newer.treeSize);
    // A note whose text was changed after signing does not open; nor one of another log.
    const tampered = newer.note.replace(`\n${newer.treeSize}\n`, `\n${newer.treeSize + 1n}\n`);
    assert.throws(() => bl.openCheckpoint(tampered, vkey), bl.VerificationError);
    assert.throws(() => bl.openCheckpoint(newer.note, vkey, 'another/log'), bl.VerificationError);
    // Nothing but the kept file is left behind (written to a temporary file, then renamed).
    assert.deepEqual(fs.readdirSync(trustDir('rollback')).filter((f) => !f.endsWith('.json')), []);
  });

  it('subscribes, and resumes after the last sequence seen when the connection drops', { timeout: 60_000 }, async () => {
    const start = (await client.getEvent({ eventId: 'node-retry-1' })).sequence;
    const head = (await client.checkpoint(vkey, new bl.TrustStore(trustDir('subscribe')))).treeSize;
    const seen = [];
    let restarted = null;
    for await (const event of client.subscribe(start)) {
      seen.push(event.sequence);
      if (event.sequence === start) {
        // Drop the server under the subscription; it comes back on the same port.
        const port = server.port;
        await server.kill();
        restarted = new Promise((resolve) => setTimeout(resolve, 500)).then(() => server.start(port))
          .then(() => client.append(bl.voluntaryRepaymentReceived({
            municipalityCode: 'GM0363', spendingYear: 2023, amountCents: 7, receivedDate: '2023-07-02',
            eventId: 'node-live-1' }), ams));
        restarted.catch(() => {});  // awaited below; not an unhandled rejection meanwhile
      }
      if (event.eventId === 'node-live-1') break;  // a live event, after the resume
    }
    await restarted;
    const expected = Array.from({ length: Number(head - start) + 1 }, (_, i) => start + BigInt(i));
    assert.deepEqual(seen, expected);
  });
});

// What needs no server: the bytes' conventions, int64 input, the derived stream, refusal
// parsing, the RFC 9162 proofs against a tree built here, checkpoints and keys.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as bl from '../src/index.js';

const protos = bl.loadProtos();

describe('encoding', () => {
  it('leaves out implicit-presence defaults and keeps explicit presence', () => {
    const bytes = (body) => protos.encode('EventBody', body).toString('hex');
    // places 0, "" and enum 0 are not written; the payload message is, even empty.
    assert.equal(bytes({ eventId: 'a', gooPlacesDeclared: { places: 0, locationId: '', accommodationType: 0 } }), '0a0161c20100');
    // expected_stream_version is proto3 `optional`: written at 0 (field 3, varint 0).
    assert.equal(bytes({ eventId: 'a', expectedStreamVersion: 0n, advancePaid: {} }), '0a01611800fa0100');
    // A oneof member at its default is written (ParameterValue.amount_cents = 0).
    assert.equal(protos.encode('ParameterValue', { amountCents: 0 }).toString('hex'), '2000');
    // Keys in any order come out in field-number order; snake_case keys are taken too.
    assert.equal(bytes({ advance_paid: { amount_cents: 1 }, event_id: 'a' }), bytes({ eventId: 'a', advancePaid: { amountCents: 1 } }));
  });

  it('takes int64 as a safe number, a bigint or a decimal string, and nothing else', () => {
    const cents = (amountCents) => protos.encode('AdvancePaid', { amountCents }).toString('hex');
    assert.equal(cents(9007199254740993n), cents('9007199254740993'));
    assert.equal(cents(-5), cents('-5'));
    assert.throws(() => cents(2 ** 53), /not a safe integer/);
    assert.throws(() => cents(1.5), /not a safe integer/);
    assert.throws(() => cents('12e3'), /not a decimal integer/);
    assert.throws(() => cents(1n << 63n), /out of range for int64/);
    assert.throws(() => protos.encode('SubscribeRequest', { startSequence: -1 }), /out of range for uint64/);
    assert.throws(() => protos.encode('AdvancePaid', { amountCent: 1 }), /amount_cent: no such field/);
    assert.throws(() => protos.encode('AdvancePaid', { spendingYear: '2023.5' }), /spending_year: expected an integer/);
  });

  it('decodes int64 as bigint, enums by name, bytes as Buffer', () => {
    const body = bl.decodeEventBody(protos.encode('EventBody', {
      eventId: 'a', gooPlacesDeclared: { places: '9007199254740993', accommodationType: 'ACCOMMODATION_TYPE_SHIP' } }));
    assert.equal(body.gooPlacesDeclared.places, 9007199254740993n);
    assert.equal(body.gooPlacesDeclared.accommodationType, 'ACCOMMODATION_TYPE_SHIP');
    assert.equal(body.gooPlacesDeclared.period, null);
    assert.equal(body.expectedStreamVersion, undefined);
    assert.equal(JSON.stringify({ n: 1n, b: Buffer.from([1, 255]) }, bl.jsonReplacer), '{"n":"1","b":"01ff"}');
  });

  it('takes days as "YYYY-MM-DD" and refuses days that do not exist', () => {
    assert.deepEqual(bl.civilDate('2024-02-29'), { year: 2024, month: 2, day: 29 });
    assert.throws(() => bl.civilDate('2023-02-29'), /not a day of the calendar/);
    assert.throws(() => bl.civilDate(new Date()), /expected "YYYY-MM-DD"/);
    assert.deepEqual(bl.yearMonth('2023-03'), { year: 2023, month: 3 });
  });

  it('finds the protos in BOOO_PROTO_DIR', () => {
    const saved = process.env.BOOO_PROTO_DIR;
    try {
      process.env.BOOO_PROTO_DIR = '/nonexistent';
      assert.notEqual(bl.findProtoDir(), '/nonexistent');  // not there: the next place
      process.env.BOOO_PROTO_DIR = protos.dir;
      assert.equal(bl.findProtoDir(), protos.dir);
      assert.throws(() => bl.findProtoDir('/nonexistent'), /no booo\/v1\/events.proto/);
    } finally {
      if (saved === undefined) delete process.env.BOOO_PROTO_DIR; else process.env.BOOO_PROTO_DIR = saved;
    }
  });
});

describe('events', () => {
  it('derives the stream from the payload option as the issue lists it', () => {
    const expected = { genesis: 'keys', keyRegistered: 'keys', keyRevoked: 'keys', checkpointKeyRotated: 'keys',
                       ruleAmended: 'rules', budgetLineSet: 'budget' };
    for (const field of protos.type('EventBody').oneofs.payload.fieldsArray) {
      const stream = bl.streamFor({ [field.name]: { municipalityCode: 'GM0363' } });
      assert.equal(stream, expected[field.name] ?? 'municipality/GM0363', field.name);
    }
    assert.throws(() => bl.streamFor({ eventId: 'x' }), /no payload/);
  });

  it('signs once: the caller\'s body unchanged, derived fields filled, an id only when none', () => {
    const key = new bl.SigningKey(crypto.generateKeyPairSync('ed25519').privateKey);
    const body = bl.voluntaryRepaymentReceived({ municipalityCode: 'GM0363', spendingYear: 2023, amountCents: 5, receivedDate: '2023-07-01' });
    const signed = bl.sign(body, key);
    assert.equal(body.eventId, '');
    const decoded = bl.decodeEventBody(signed.body);
    assert.match(decoded.eventId, /^evt-[0-9a-f]{24}$/);
    assert.ok(decoded.clientTimeMicros > 1_600_000_000_000_000n);
    assert.equal(decoded.signerKeyId, key.keyId);
    assert.equal(decoded.stream, 'municipality/GM0363');
    assert.ok(crypto.verify(null, signed.body, key.privateKey, signed.signature));
    const own = { ...body, eventId: 'mine' };
    assert.deepEqual(bl.sign(own, key), bl.sign(own, key));  // the same bytes every time
    assert.equal(bl.decodeEventBody(bl.sign(own, key).body).clientTimeMicros, 0n);
    assert.throws(() => bl.gooPlacesDeclared({ municipalityCode: 'GM0363' }), /locationId is required/);
  });
});

describe('helper options', () => {
  const options = { municipalityCode: 'GM0363', locationId: 'L', accommodationType: 'ACCOMMODATION_TYPE_HOTEL',
                    period: ['2023-03-01', '2023-03-31'], places: 1, receivedDate: '2023-04-01' };
  it('refuses a name it does not know, rather than dropping it (an event id among them)', () => {
    assert.throws(() => bl.gooPlacesDeclared({ ...options, event_id: 'mine' }),
                  { name: 'TypeError', message: 'gooPlacesDeclared: unknown option event_id (options are camelCase: eventId)' });
    assert.throws(() => bl.gooPlacesDeclared({ ...options, place: 42 }), /unknown option place$/);
    assert.equal(bl.gooPlacesDeclared({ ...options, eventId: 'mine' }).eventId, 'mine');
    assert.equal(bl.advancePaid({ municipalityCode: 'GM0363', spendingYear: 2023, amountCents: 1,
                                  paymentDate: '2023-02-01', paymentReference: 'R' }).advancePaid.paymentReference, 'R');
  });

  it('needs a trust store to keep a checkpoint in', async () => {
    const client = new bl.LedgerClient('127.0.0.1:1');
    await assert.rejects(client.checkpoint(null), { name: 'TypeError', message: /a TrustStore is needed/ });
    client.close();
  });
});

describe('refusals', () => {
  it('splits the message into field, reason and batch index', () => {
    const e = bl.fromGrpcError({ code: 3, details: 'events[3]: goo_places_declared.period.last_day: before first_day' });
    assert.ok(e instanceof bl.InvalidArgument);
    assert.deepEqual([e.code, e.eventIndex, e.field, e.reason, e.retryable],
                     ['INVALID_ARGUMENT', 3, 'goo_places_declared.period.last_day', 'before first_day', false]);
    const a = bl.fromGrpcError({ code: 10, details: 'stream municipality/GM0344 is at version 7, not 10' });
    assert.ok(a instanceof bl.Aborted);
    assert.equal(a.currentVersion, 7n);
    const d = bl.fromGrpcError({ code: 4, details: 'deadline' });
    assert.ok(d instanceof bl.Unavailable && d.retryable && d.code === 'DEADLINE_EXCEEDED');
    const r = bl.fromGrpcError({ code: 8, details: 'over the request rate; retry in 250 ms' });
    assert.equal(r.retryAfterMs, 250);
    assert.equal(bl.fromGrpcError({ code: 5, details: 'No such thing: here' }).field, '');
  });
});

// An RFC 9162 tree built here, with its proofs (2.1.3.1 and 2.1.4.1), to check the verifiers.
const sha = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();
const leaves = Array.from({ length: 21 }, (_, i) => sha(Buffer.from([0]), Buffer.from(`leaf ${i}`)));
const split = (n) => { let k = 1; while (k * 2 < n) k *= 2; return k; };
function mth(d) {
  if (d.length === 1) return d[0];
  const k = split(d.length);
  return sha(Buffer.from([1]), mth(d.slice(0, k)), mth(d.slice(k)));
}
function inclusionPath(m, d) {
  if (d.length <= 1) return [];
  const k = split(d.length);
  return m < k ? [...inclusionPath(m, d.slice(0, k)), mth(d.slice(k))]
    : [...inclusionPath(m - k, d.slice(k)), mth(d.slice(0, k))];
}
function subproof(m, d, b) {
  if (m === d.length) return b ? [] : [mth(d)];
  const k = split(d.length);
  return m <= k ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))]
    : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

describe('proofs', () => {
  it('verifies every inclusion and consistency proof of trees up to 21 leaves, and no altered one', () => {
    for (let n = 1; n <= leaves.length; n++) {
      const tree = leaves.slice(0, n);
      const root = mth(tree);
      for (let m = 0; m < n; m++) {
        const proof = inclusionPath(m, tree);
        bl.verifyInclusion(m, n, leaves[m], proof, root);
        assert.throws(() => bl.verifyInclusion(m, n, leaves[(m + 1) % 21], proof, root), bl.VerificationError);
        if (proof.length) assert.throws(() => bl.verifyInclusion(m, n, leaves[m], proof.slice(1), root), bl.VerificationError);
      }
      for (let m = 1; m <= n; m++) {
        const old = mth(leaves.slice(0, m));
        const proof = m === n ? [] : subproof(m, tree, true);
        bl.verifyConsistency(m, n, old, root, proof);
        if (m < n) {
          assert.throws(() => bl.verifyConsistency(m, n, old, sha(root), proof), bl.VerificationError);
          assert.throws(() => bl.verifyConsistency(m, n, sha(old), root, proof), bl.VerificationError);
        }
      }
    }
    assert.throws(() => bl.verifyInclusion(5, 5, leaves[0], [], leaves[0]), /not below tree size/);
    assert.throws(() => bl.verifyConsistency(6, 5, leaves[0], leaves[0], []), /larger/);
  });

  it('encodes the leaf as LEAF_FORMAT.md says', () => {
    const leaf = bl.encodeLeaf(1n, -1n, 'ed25519:0011223344556677', Buffer.from('body'), Buffer.alloc(64, 9));
    assert.equal(leaf.subarray(0, 19).toString('hex'), '01' + '0000000000000001' + 'ffffffffffffffff' + '0018');
    assert.equal(leaf.length, 1 + 8 + 8 + 2 + 24 + 4 + 4 + 2 + 64);
    assert.deepEqual(bl.leafHash(leaf), sha(Buffer.from([0]), leaf));
  });
});

describe('checkpoints and keys', () => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  const vkey = new bl.VerifierKey('example.org/log', raw);
  const root = leaves[0];
  const text = `example.org/log\n17\n${root.toString('base64')}\n`;
  const signature = crypto.sign(null, Buffer.from(text), privateKey);
  const note = `${text}\n\u2014 example.org/log ${Buffer.concat([vkey.keyHash, signature]).toString('base64')}\n`;

  it('opens a signed note, skips other signers, and refuses what does not verify', () => {
    const cosigned = `${note}\u2014 witness.example AAAA\n`;
    const head = bl.openCheckpoint(cosigned, [vkey], 'example.org/log');
    assert.deepEqual([head.origin, head.treeSize, head.rootHash], ['example.org/log', 17n, root]);
    assert.throws(() => bl.openCheckpoint(note.replace('\n17\n', '\n18\n'), vkey), /no valid signature/);
    assert.throws(() => bl.openCheckpoint(note, vkey, 'other'), /of log/);
    const other = new bl.VerifierKey('example.org/log', crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12));
    // The same name, another key: both named with their key hash, as a verifier key line is.
    const names = (k) => `${k.name}+${k.keyHash.toString('hex')}`;
    assert.throws(() => bl.openCheckpoint(note, other),
                  { message: `checkpoint: no valid signature by ${names(other)} (signed by ${names(vkey)})` });
  });

  it('round-trips a verifier key and refuses a wrong hash or algorithm', () => {
    assert.deepEqual(bl.parseVerifierKey(vkey.toString()).publicKey, raw);
    assert.throws(() => bl.parseVerifierKey(vkey.toString().replace(/\+[0-9a-f]{8}\+/, '+00000000+')), /hash does not match/);
    const cosigner = `w+00000000+${Buffer.concat([Buffer.from([4]), raw]).toString('base64')}`;
    assert.throws(() => bl.parseVerifierKey(cosigner), /0x01 and a 32-byte/);
  });

  it('keeps the latest checkpoint in a file the Python client reads too', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'booo-node-store-'));
    try {
      const store = new bl.TrustStore(dir);
      assert.equal(store.latest('example.org/log'), null);
      store.keep(bl.openCheckpoint(note, vkey));
      const [file] = fs.readdirSync(dir);
      assert.equal(file, crypto.createHash('sha256').update('example.org/log').digest('hex').slice(0, 32) + '.json');
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')),
                       { origin: 'example.org/log', tree_size: 17, root_hash: root.toString('hex'), note });
      assert.equal(store.latest('example.org/log').treeSize, 17n);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

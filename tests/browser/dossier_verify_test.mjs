// Tests tools/reports/assets/dossier_decode.js and dossier_verify.js, the audit dossier's reader
// and verifier, under Node 20 with no npm dependencies: node tests/browser/dossier_verify_test.mjs
// (exit 0 on pass). The test builds a small dossier from scratch with node:crypto, written from
// the format documents (DOSSIER_FORMAT.md, LEAF_FORMAT.md, TRACE_FORMAT.md, events.proto, C2SP
// signed-note and tlog-cosignature), not from the verifier: its own protobuf writer and schema,
// its own recursive RFC 9162 Merkle tree and proofs, its own trace encoding. Then it tampers with
// one thing at a time (or builds a forged ledger) and checks that exactly the item holding it
// fails, with a reason that names it.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import vm from 'node:vm';

const asset = (name) => readFileSync(new URL('../../tools/reports/assets/' + name, import.meta.url), 'utf8');
function load(cryptoObject) {  // the two scripts, in the page's order, in a fresh realm
  const context = vm.createContext({ crypto: cryptoObject, atob, btoa, TextEncoder, TextDecoder, DataView });
  for (const name of ['dossier_decode.js', 'dossier_verify.js']) vm.runInContext(asset(name), context, { filename: name });
  return context;
}
const { DossierVerify, DossierDecode } = load(globalThis.crypto);
// Results are made in the context's realm: compare them as plain JSON.
const plain = async (result) => JSON.parse(JSON.stringify(await result));
const verify = (data) => plain(DossierVerify.verifyDossier(data));

// ---- Helpers written for the test ------------------------------------------------------------
const sha256 = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest();
const hex = (b) => Buffer.from(b).toString('hex');
const be = (value, size) => { const b = Buffer.alloc(size); let v = BigInt.asUintN(size * 8, BigInt(value)); for (let i = size - 1; i >= 0; i--) { b[i] = Number(v & 255n); v >>= 8n; } return b; };

// Protobuf writer: varint, length-delimited, fixed; enough for EventBody and the decoder's tests.
const varint = (value) => { let v = BigInt.asUintN(64, BigInt(value)); const out = []; do { let b = Number(v & 0x7fn); v >>= 7n; if (v) b |= 0x80; out.push(b); } while (v); return Buffer.from(out); };
const pv = (num, v) => Buffer.concat([varint(num * 8), varint(v)]);
const pb = (num, bytes) => Buffer.concat([varint(num * 8 + 2), varint(bytes.length), Buffer.from(bytes)]);
const ps = (num, s) => pb(num, Buffer.from(s, 'utf8'));
const pdate = (num, [y, m, d]) => pb(num, Buffer.concat([pv(1, y), pv(2, m), pv(3, d)]));
const pfixed = (num, wire, bytes) => Buffer.concat([varint(num * 8 + wire), bytes]);
const zigzag = (n) => (BigInt(n) << 1n) ^ (BigInt(n) < 0n ? -1n : 0n);

// The schema, by hand from proto/booo/v1/events.proto and types.proto, for the messages used here.
const f = (number, name, type, typeName, extra) => Object.assign({ number, name, type, repeated: false }, typeName ? { type_name: typeName } : {}, extra);
const rep = { repeated: true };
const T = (name) => 'booo.v1.' + name;
const PAYLOADS = [[20, 'genesis', 'LedgerGenesis'], [21, 'key_registered', 'KeyRegistered'], [22, 'key_revoked', 'KeyRevoked'],
  [23, 'rule_amended', 'RuleAmended'], [24, 'goo_places_declared', 'GooPlacesDeclared'], [25, 'poo_person_months_declared', 'PooPersonMonthsDeclared'],
  [31, 'advance_paid', 'AdvancePaid'], [35, 'late_accountability_decided', 'LateAccountabilityDecided'], [36, 'grant_determined', 'GrantDetermined'],
  [41, 'checkpoint_key_rotated', 'CheckpointKeyRotated']];
const KIND = Object.fromEntries(PAYLOADS.map(([n, k]) => [n, k]));
const SCHEMA = {
  messages: {
    [T('EventBody')]: [f(1, 'event_id', 'string'), f(2, 'stream', 'string'), f(3, 'expected_stream_version', 'uint64'), f(4, 'signer_key_id', 'string'),
      f(5, 'client_time_micros', 'int64'), f(6, 'supersedes_event_id', 'string'), ...PAYLOADS.map(([n, k, m]) => f(n, k, 'message', T(m), { oneof: 'payload' }))],
    [T('LedgerGenesis')]: [f(1, 'origin', 'string'), f(2, 'ministry_root_public_key', 'bytes'), f(3, 'checkpoint_public_key', 'bytes'), f(4, 'checkpoint_key_name', 'string')],
    [T('KeyRegistered')]: [f(1, 'key_id', 'string'), f(2, 'public_key', 'bytes'), f(3, 'role', 'enum', T('Role')), f(4, 'municipality_code', 'string'), f(5, 'label', 'string')],
    [T('KeyRevoked')]: [f(1, 'key_id', 'string'), f(2, 'reason', 'string')],
    [T('CheckpointKeyRotated')]: [f(1, 'checkpoint_public_key', 'bytes'), f(2, 'checkpoint_key_name', 'string'), f(3, 'reason', 'string')],
    [T('ParameterValue')]: [f(1, 'parameter', 'string'), f(2, 'valid_from', 'message', T('CivilDate')), f(3, 'valid_to', 'message', T('CivilDate')),
      f(4, 'amount_cents', 'int64', null, { oneof: 'value' }), f(5, 'flag', 'bool', null, { oneof: 'value' }),
      f(6, 'date', 'message', T('CivilDate'), { oneof: 'value' }), f(7, 'count', 'int64', null, { oneof: 'value' }), f(8, 'source', 'string')],
    [T('RuleAmended')]: [f(1, 'values', 'message', T('ParameterValue'), rep), f(2, 'citation', 'message', T('Citation')),
      f(3, 'publication_date', 'message', T('CivilDate')), f(4, 'summary', 'string')],
    [T('Citation')]: [f(1, 'reference', 'string'), f(2, 'url', 'string')],
    [T('CivilDate')]: [f(1, 'year', 'int32'), f(2, 'month', 'int32'), f(3, 'day', 'int32')],
    [T('YearMonth')]: [f(1, 'year', 'int32'), f(2, 'month', 'int32')],
    [T('DateRange')]: [f(1, 'first_day', 'message', T('CivilDate')), f(2, 'last_day', 'message', T('CivilDate'))],
    [T('GooPlacesDeclared')]: [f(1, 'municipality_code', 'string'), f(2, 'location_id', 'string'), f(3, 'accommodation_type', 'enum', T('AccommodationType')),
      f(4, 'period', 'message', T('DateRange')), f(5, 'places', 'int64'), f(6, 'received_date', 'message', T('CivilDate'))],
    [T('PooPersonMonthsDeclared')]: [f(1, 'municipality_code', 'string'), f(2, 'month', 'message', T('YearMonth')), f(3, 'registered_persons', 'int64'),
      f(4, 'persons_with_provision', 'int64'), f(5, 'received_date', 'message', T('CivilDate')), f(6, 'person_refs', 'string', null, rep)],
    [T('AdvancePaid')]: [f(1, 'municipality_code', 'string'), f(2, 'spending_year', 'int32'), f(3, 'amount_cents', 'int64'),
      f(4, 'payment_date', 'message', T('CivilDate')), f(5, 'payment_reference', 'string')],
    [T('LateAccountabilityDecided')]: [f(1, 'municipality_code', 'string'), f(2, 'spending_year', 'int32'), f(3, 'reduction_cents', 'int64'),
      f(4, 'decision_reference', 'string'), f(5, 'decision_date', 'message', T('CivilDate'))],
    [T('TraceNodeDigest')]: [f(1, 'path', 'string'), f(2, 'amount_cents', 'int64'), f(3, 'digest', 'bytes')],
    [T('GrantDetermined')]: [f(1, 'municipality_code', 'string'), f(2, 'spending_year', 'int32'), f(3, 'amount_cents', 'int64'), f(4, 'trace_digest', 'bytes'),
      f(5, 'decision_date', 'message', T('CivilDate')), f(6, 'decision_reference', 'string'), f(7, 'trace_summary', 'message', T('TraceNodeDigest'), rep)],
  },
  enums: {
    [T('Role')]: { 0: 'ROLE_UNSPECIFIED', 1: 'ROLE_MINISTRY', 2: 'ROLE_MUNICIPALITY', 3: 'ROLE_AUDITOR', 4: 'ROLE_MIRROR' },
    [T('AccommodationType')]: { 0: 'ACCOMMODATION_TYPE_UNSPECIFIED', 1: 'ACCOMMODATION_TYPE_REGULAR_BUILDING', 2: 'ACCOMMODATION_TYPE_HOTEL' },
  },
};

function keyPair() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  return { raw, privateKey, id: 'ed25519:' + hex(sha256(raw)).slice(0, 16), sign: (m) => crypto.sign(null, Buffer.from(m), privateKey) };
}

// RFC 9162 §2.1.1 Merkle Tree Hash and §2.1.3.1 PATH, recursively, as the RFC defines them.
const split = (n) => { let k = 1; while (k * 2 < n) k *= 2; return k; };
function mth(leaves) {
  if (leaves.length === 0) return sha256(Buffer.alloc(0));
  if (leaves.length === 1) return leaves[0];
  const k = split(leaves.length);
  return sha256([1], mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
function path(m, leaves) {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return m < k ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))] : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

// TRACE_FORMAT.md: the canonical encoding of one node.
function encodeNode(n) {
  const parts = [Buffer.from('booo-trace-node-v1\0')];
  const str = (b) => parts.push(be(b.length, 4), Buffer.from(b));
  const txt = (s) => str(Buffer.from(s, 'utf8'));
  const dt = (d) => d.forEach((x) => parts.push(be(x, 4)));
  txt(n.key); txt(n.label); parts.push(be(BigInt(n.amount_cents), 8)); txt(n.formula);
  parts.push(be(n.rules.length, 4));
  for (const r of n.rules) {
    txt(r.parameter); txt(r.value); dt(r.valid_first); dt(r.valid_last); parts.push(be(r.amendment_sequence, 8));
    str(Buffer.from(r.amendment_leaf_hash, 'hex')); txt(r.citation); txt(r.citation_url);
  }
  parts.push(be(n.sources.length, 4));
  for (const s of n.sources) { parts.push(be(s.sequence, 8)); str(Buffer.from(s.leaf_hash, 'hex')); txt(s.event_id); txt(s.kind); }
  parts.push(be(n.notes.length, 4)); n.notes.forEach(txt);
  parts.push(be(n.children.length, 4)); n.children.forEach((c) => str(Buffer.from(c.digest, 'hex')));
  return Buffer.concat(parts);
}
function digestAll(n, prefix) {
  n.path = prefix ? prefix + '/' + n.key : n.key;
  n.children.forEach((c) => digestAll(c, n.path));
  if (n.children.length) n.amount_cents = String(n.children.reduce((s, c) => s + BigInt(c.amount_cents), 0n));
  n.digest = hex(sha256(encodeNode(n)));
}
const redigest = (trace) => digestAll(trace, '');

// ---- The synthetic dossier -----------------------------------------------------------------
const ministry = keyPair(), municipality = keyPair(), checkpointKey = keyPair(), witness = keyPair(), stranger = keyPair();
const LOG = 'booo-ledger.example/test';
const W1 = 'witness.example/w1';
const GM = 'GM0363';
const CITATION = ['Stcrt. 2022, 27515', 'https://zoek.officielebekendmakingen.nl/stcrt-2022-27515.html'];

// opts: determination {amount, digest} as recorded (default: the trace's), declared verdict;
// extra(add): more events after the ones of the trace (each in the dossier); the checkpoint:
// origin, signer, name, record (key_record_sequence), noW1Line.
function buildDossier(opts = {}) {
  const events = [], revokedAt = new Map();
  const registrationOf = (signer) => (signer === ministry ? 0 : signer === municipality ? 1 : null);
  // extra: { body } (raw bytes instead of a built body), { registration }, { revokes: key id }.
  const add = (eventId, stream, num, payload, signer, extra = {}) => {
    const sequence = events.length;
    const body = extra.body || Buffer.concat([ps(1, eventId), ps(2, stream), ps(4, signer.id), pv(5, 1660000000000000n + BigInt(sequence)), pb(num, payload)]);
    if (extra.revokes) revokedAt.set(extra.revokes, sequence);
    events.push({ sequence, event_id: eventId, kind: KIND[num], stream, recorded_at_micros: String(1669000000000000n + BigInt(sequence) * 86400000000n),
      key_id: signer.id, body, signature: signer.sign(body), signer_registration: extra.registration ?? registrationOf(signer) });
    return sequence;
  };
  add('genesis', 'keys', 20, Buffer.concat([ps(1, LOG), pb(2, ministry.raw), pb(3, checkpointKey.raw), ps(4, LOG)]), ministry);
  add('key-GM0363-1', 'keys', 21, Buffer.concat([ps(1, municipality.id), pb(2, municipality.raw), pv(3, 2), ps(4, GM), ps(5, 'Gemeente Amsterdam')]), ministry);
  const valueMsg = Buffer.concat([ps(1, 'goo_norm_per_place_day'), pdate(2, [2022, 1, 1]), pv(4, 8300), ps(8, 'Regeling BooO, art. 4')]);
  add('rules-2022-1', 'rules', 23, Buffer.concat([pb(1, valueMsg), pb(2, Buffer.concat([ps(1, CITATION[0]), ps(2, CITATION[1])])), pdate(3, [2022, 10, 14])]), ministry);
  const goo = (loc, places, first, last) => Buffer.concat([ps(1, GM), ps(2, loc), pv(3, 1), pb(4, Buffer.concat([pdate(1, first), pdate(2, last)])), pv(5, places), pdate(6, [2022, 11, 20])]);
  add('GM0363-goo-1', 'municipality/' + GM, 24, goo('AMS-LOC-001', 120, [2022, 10, 1], [2022, 10, 31]), municipality);
  add('GM0363-goo-2', 'municipality/' + GM, 24, goo('AMS-LOC-002', 40, [2022, 11, 1], [2022, 12, 31]), municipality);
  add('GM0363-poo-2022-11', 'municipality/' + GM, 25, Buffer.concat([ps(1, GM), pb(2, Buffer.concat([pv(1, 2022), pv(2, 11)])), pv(3, 35), pv(4, 30), pdate(5, [2022, 12, 2])]), municipality);
  add('GM0363-late-2022', 'municipality/' + GM, 35, Buffer.concat([ps(1, GM), pv(2, 2022), pv(3, 1200000), ps(4, 'NOO/LA/2023/0363'), pdate(5, [2023, 9, 1])]), ministry);

  const src = (e) => ({ sequence: e.sequence, leaf_hash: null, event_id: e.event_id, kind: e.kind });
  const node = (key, label, amount, extra = {}) => Object.assign({ key, label, amount_cents: String(amount), formula: '', rules: [], sources: [], notes: [], children: [] }, extra);
  const rule = { parameter: 'goo_norm_per_place_day', value: '€83.00', valid_first: [2022, 1, 1], valid_last: [0, 0, 0], amendment_sequence: 2, amendment_leaf_hash: null,
    citation: CITATION[0], citation_url: CITATION[1], source: 'Regeling BooO, art. 4',
    set_by: [{ amendment_sequence: 2, amendment_leaf_hash: null, citation: CITATION[0], citation_url: CITATION[1], source: 'Regeling BooO, art. 4' }] };
  const trace = node('grant', 'Grant GM0363 2022', 0, { formula: 'a + b + c', children: [
    node('a', 'GOO norm', 0, { children: [
      node('AMS-LOC-001', 'AMS-LOC-001', 120 * 31 * 8300, { formula: '120 places × 31 days × €83.00 = €308,760.00', rules: [rule], sources: [src(events[3])] }),
      node('AMS-LOC-002', 'AMS-LOC-002', 40 * 61 * 8300, { formula: '40 places × 61 days × €83.00 = €202,520.00', rules: [structuredClone(rule)], sources: [src(events[4])] })] }),
    node('b', 'POO norm', 4500000, { formula: '30 person-months × €1,500.00', sources: [src(events[5])], notes: ['35 registered, 30 with a provision'] }),
    node('c', 'Late accountability', -1200000, { formula: '−€12,000.00', sources: [src(events[6])] })] });

  // Leaves of the events, so the trace can cite their hashes.
  const leafOf = (e) => Buffer.concat([[1], be(e.sequence, 8), be(BigInt(e.recorded_at_micros), 8), be(e.key_id.length, 2), Buffer.from(e.key_id),
    be(e.body.length, 4), e.body, be(64, 2), e.signature].map((p) => Buffer.from(p)));
  const fill = (n) => { n.sources.forEach((s) => { s.leaf_hash = hex(sha256([0], leafOf(events[s.sequence]))); });
    n.rules.forEach((r) => { r.amendment_leaf_hash = hex(sha256([0], leafOf(events[r.amendment_sequence])));
      r.set_by.forEach((b) => { b.amendment_leaf_hash = hex(sha256([0], leafOf(events[b.amendment_sequence]))); }); });
    n.children.forEach(fill); };
  fill(trace);
  redigest(trace);

  const recordedAmount = opts.amount ?? trace.amount_cents, recordedDigest = opts.digest ?? trace.digest;
  add('GM0363-determination-2022', 'municipality/' + GM, 36, Buffer.concat([ps(1, GM), pv(2, 2022), pv(3, BigInt(recordedAmount)), pb(4, Buffer.from(recordedDigest, 'hex')),
    pdate(5, [2023, 11, 30]), ps(6, 'NOO/VS/2023/0363'), pb(7, Buffer.concat([ps(1, 'grant'), pv(2, BigInt(recordedAmount)), pb(3, Buffer.from(recordedDigest, 'hex'))]))]), ministry);
  add('advance-2023', 'municipality/' + GM, 31, Buffer.concat([ps(1, GM), pv(2, 2023), pv(3, 100000000), pdate(4, [2023, 1, 5])]), ministry);  // not in the dossier
  if (opts.extra) opts.extra(add);
  for (const e of events) e.signer_revocation = revokedAt.get(e.key_id) ?? null;

  const leafHashes = events.map((e) => sha256([0], leafOf(e)));
  const size = events.length, root = mth(leafHashes);
  const text = `${opts.origin ?? LOG}\n${size}\n${root.toString('base64')}\n`;
  const noteId = (name, type, key) => sha256(Buffer.from(name + '\n'), [type], key).subarray(0, 4);
  const time = be(1701360000n, 8);
  const cosig = witness.sign(Buffer.concat([Buffer.from('cosignature/v1\ntime 1701360000\n'), Buffer.from(text)]));
  const signer = opts.signer ?? checkpointKey, keyName = opts.name ?? LOG;
  const note = text + '\n' +
    `\u2014 ${keyName} ${Buffer.concat([noteId(keyName, 1, signer.raw), signer.sign(text)]).toString('base64')}\n` +
    (opts.noW1Line ? '' : `\u2014 ${W1} ${Buffer.concat([noteId(W1, 4, witness.raw), time, cosig]).toString('base64')}\n`) +
    `\u2014 witness.example/w9 ${Buffer.concat([noteId('witness.example/w9', 4, stranger.raw), time, stranger.sign(text)]).toString('base64')}\n`;
  const vkey = (name, type, key) => `${name}+${hex(noteId(name, type, key))}+${Buffer.concat([[type], key].map((p) => Buffer.from(p))).toString('base64')}`;

  const verdict = opts.verdict ?? (recordedDigest === trace.digest ? 'MATCH' : 'MISMATCH');
  // cited_as as the C++ writes it; the page must not read it (see the test below).
  const cited = new Map([[3, ['source of grant/a/AMS-LOC-001']], [2, ['rule goo_norm_per_place_day read from']], [1, ['registration of ' + municipality.id]], [0, ['the genesis']], [7, ['the determination']]]);
  return {
    format: 'booo-dossier/1', generated_at: '2026-12-06T17:40:00Z', generated_by: 'ledgerctl', source: 'export file test.export (sha256 00)',
    schema: structuredClone(SCHEMA),
    settlement: { verdict, municipality_code: GM, spending_year: 2022, ledger_point: 7,
      determination: { sequence: 7, event_id: 'GM0363-determination-2022', amount_cents: String(recordedAmount), trace_digest: recordedDigest, decision_reference: 'NOO/VS/2023/0363', decision_date: '2023-11-30' },
      replayed_amount_cents: trace.amount_cents, replayed_trace_digest: trace.digest,
      reasons: verdict === 'MATCH' ? [] : ['the replayed trace differs from the determination'],
      differences: verdict === 'MATCH' ? [] : [{ path: 'grant', recorded_amount_cents: String(recordedAmount), replayed_amount_cents: trace.amount_cents, change: 'changed' }] },
    trace,
    events: events.map((e, i) => ({ ...e, recorded_at: new Date(Number(BigInt(e.recorded_at_micros) / 1000n)).toISOString().replace('.000', ''),
      body: e.body.toString('base64'), signature: e.signature.toString('base64'), leaf_hash: hex(leafHashes[i]),
      proof: path(i, leafHashes).map(hex), cited_as: cited.get(i) || [] })).filter((e) => e.sequence !== 8),
    checkpoint: { note, tree_size: size, root: hex(root), verifier_key: vkey(keyName, 1, signer.raw), key_provenance: 'pinned in the test trust store since 2022-01-01',
      key_record_sequence: opts.record === undefined ? 0 : opts.record, witness_keys: [{ name: W1, vkey: vkey(W1, 4, witness.raw) }],
      witness_cosigned_by: [W1], witness_quorum: `1 of (${W1})` },
  };
}

const flipBase64 = (b64, at) => { const b = Buffer.from(b64, 'base64'); b[at < 0 ? b.length + at : at] ^= 0x01; return b.toString('base64'); };
const flipHex = (h, at) => h.slice(0, at) + (h[at] === '0' ? '1' : '0') + h.slice(at + 1);

// Exactly `failed` items fail, each reason naming what it should; everything else verifies.
function expectOnly(result, failed, mentions = {}) {
  assert.equal(result.verdict, failed.length ? 'failed' : 'verified', JSON.stringify(result.failures));
  for (const [name, item] of Object.entries(result.items)) {
    assert.equal(item.state, failed.includes(name) ? 'failed' : 'verified', `${name}: ${item.reason}`);
  }
  for (const name of failed) {
    assert.ok(result.items[name], 'no item ' + name);
    for (const word of mentions[name] || []) assert.ok(result.items[name].reason.includes(word), `${name} reason "${result.items[name].reason}" lacks "${word}"`);
  }
  assert.equal(result.failures.length, failed.length);
}

const base = buildDossier();
const fresh = () => structuredClone(base);
const ALL_ITEMS = ['trace', 'checkpoint', ...base.events.map((e) => 'event:' + e.sequence)];
const CHECKS = ['leaf', 'body', 'citations', 'signature', 'authority', 'proof'];
const allVerified = Object.fromEntries(CHECKS.map((c) => [c, 'verified']));

test('the RFC 6962 reference tree: roots, and proofs checked and mutated', async () => {
  const v = JSON.parse(readFileSync(new URL('../testdata/rfc6962_vectors.json', import.meta.url), 'utf8'));
  const leaves = v.leaf_inputs_hex.map((d) => sha256([0], Buffer.from(d, 'hex')));
  for (const [size, root] of Object.entries(v.roots_by_tree_size)) assert.equal(hex(mth(leaves.slice(0, Number(size)))), root, 'root at ' + size);
  const run = async (i, n, leaf, proof) => { const r = await DossierVerify.rootFromInclusionProof(i, n, Buffer.from(leaf, 'hex'), proof.map((p) => Buffer.from(p, 'hex'))); return r && hex(r); };
  for (const p of v.inclusion_proofs) {
    assert.deepEqual(path(p.leaf_index, leaves.slice(0, p.tree_size)).map(hex), p.proof, 'test PATH');
    const want = v.roots_by_tree_size[p.tree_size];
    assert.equal(await run(p.leaf_index, p.tree_size, p.leaf_hash, p.proof), want);
    const wrong = async (...a) => assert.notEqual(await run(...a), want, JSON.stringify(p));
    if (p.proof.length) {
      await wrong(p.leaf_index, p.tree_size, p.leaf_hash, [flipHex(p.proof[0], 5), ...p.proof.slice(1)]);
      await wrong(p.leaf_index, p.tree_size, p.leaf_hash, p.proof.slice(0, -1));
      await wrong(p.leaf_index ^ 1, p.tree_size, p.leaf_hash, p.proof);
    }
    await wrong(p.leaf_index, p.tree_size, p.leaf_hash, [...p.proof, p.leaf_hash]);
    // A wrong size: against the root of that size too (size 5 → 6 can reach the size-5 root).
    await wrong(p.leaf_index, p.tree_size * 2, p.leaf_hash, p.proof);
    if (p.tree_size < 8) assert.notEqual(await run(p.leaf_index, p.tree_size + 1, p.leaf_hash, p.proof), v.roots_by_tree_size[p.tree_size + 1]);
    if (p.tree_size - 1 > p.leaf_index) assert.notEqual(await run(p.leaf_index, p.tree_size - 1, p.leaf_hash, p.proof), v.roots_by_tree_size[p.tree_size - 1]);
    await wrong(p.leaf_index, p.tree_size, flipHex(p.leaf_hash, 0), p.proof);
  }
  // Every leaf of trees 1..8 against the test's own PATH, both ways.
  for (let n = 1; n <= 8; n++) for (let i = 0; i < n; i++) assert.equal(await run(i, n, hex(leaves[i]), path(i, leaves.slice(0, n)).map(hex)), v.roots_by_tree_size[n]);
});

test('amounts: Dutch and English notation, negatives, beyond 2^53', () => {
  const fmt = DossierVerify.formatCents;
  assert.equal(fmt('123456789', 'nl'), '€ 1.234.567,89');
  assert.equal(fmt('123456789', 'en'), '€1,234,567.89');
  assert.equal(fmt('-1200000', 'nl'), '\u2212€ 12.000,00');
  assert.equal(fmt('-1200000', 'en'), '\u2212€12,000.00');
  assert.equal(fmt('7', 'nl'), '€ 0,07');
  assert.equal(fmt('-9223372036854775808', 'en'), '\u2212€92,233,720,368,547,758.08');
  assert.throws(() => fmt('', 'nl'));
});

// ---- The decoder -----------------------------------------------------------------------------
const DECODE_SCHEMA = {
  messages: {
    't.M': [f(1, 'small', 'int32'), f(2, 'big', 'int64'), f(3, 'role', 'enum', T('Role')), f(4, 'day', 'message', T('CivilDate')),
      f(5, 'counts', 'int64', null, rep), f(6, 'zig', 'sint32'), f(7, 'zag', 'sint64'), f(8, 'fix', 'fixed32'), f(9, 'sfix', 'sfixed64'),
      f(10, 'ratio', 'double'), f(11, 'key', 'bytes'), f(12, 'blob', 'bytes'), f(13, 'refund_cents', 'int64'), f(14, 'month', 'message', T('YearMonth')),
      f(15, 'names', 'string', null, rep), f(16, 'a', 'string', null, { oneof: 'choice' }), f(17, 'b', 'int32', null, { oneof: 'choice' }),
      f(18, 'inner', 'message', 't.M'), f(19, 'flags', 'bool', null, rep), f(20, 'wide', 'uint64')],
    [T('CivilDate')]: SCHEMA.messages[T('CivilDate')], [T('YearMonth')]: SCHEMA.messages[T('YearMonth')],
  },
  enums: SCHEMA.enums,
};
const KEY32 = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex'), BLOB = Buffer.alloc(100, 7);
const DECODE_BYTES = Buffer.concat([
  pv(1, -5), pv(2, -123456789012345n), pv(3, 2), pdate(4, [2022, 2, 28]),
  pb(5, Buffer.concat([varint(1), varint(-2)])), pv(5, 3),  // packed, then one unpacked
  pv(6, zigzag(-3)), pv(7, zigzag(-(2n ** 63n))), pfixed(8, 5, Buffer.from([0xef, 0xbe, 0xad, 0xde])),
  pfixed(9, 1, be(-2n, 8).reverse()), pfixed(10, 1, (() => { const b = Buffer.alloc(8); b.writeDoubleLE(1.5); return b; })()),
  pb(11, KEY32), pb(12, BLOB), pv(13, -1200000), pb(14, Buffer.concat([pv(1, 2022), pv(2, 11)])), ps(15, 'x'), ps(15, 'y'),
  ps(16, 'first'), pv(17, 7),  // a later member of the oneof clears the earlier one
  pb(18, Buffer.concat([pv(1, 1), pv(2, 5)])), pb(18, pv(1, 2)),  // two occurrences merge
  pb(19, Buffer.from([1, 0, 1])), pv(20, 2n ** 64n - 1n), pv(99, 42), ps(98, 'raw'), pv(1, -6)]);  // unknown 98, 99; the last small wins

test('the decoder: every type as the signed bytes hold it, and what the page shows of them', () => {
  const r = DossierDecode.decode(DECODE_SCHEMA, 't.M', new Uint8Array(DECODE_BYTES));
  assert.equal(r.error, undefined);
  const m = r.message, get = (n) => DossierDecode.get(m, n);
  assert.equal(get(1), -6);
  assert.equal(get(2), -123456789012345n);
  assert.deepEqual([...DossierDecode.all(m, 5)], [1n, -2n, 3n]);
  assert.equal(get(6), -3);
  assert.equal(get(7), -(2n ** 63n));
  assert.equal(get(8), 0xdeadbeef);
  assert.equal(get(9), -2n);
  assert.equal(get(16), undefined);
  assert.equal(get(20), 2n ** 64n - 1n);
  const shown = JSON.parse(JSON.stringify(DossierDecode.describe(DECODE_SCHEMA, m)));
  const byLabel = Object.fromEntries(shown.map((row) => [row.label, row.value]));
  assert.deepEqual(shown.map((row) => row.label), ['Small', 'Big', 'Role', 'Day', 'Counts', 'Zig', 'Zag', 'Fix', 'Sfix', 'Ratio', 'Key', 'Blob',
    'Refund cents', 'Month', 'Names', 'B', 'Inner', 'Flags', 'Wide', 'field 98', 'field 99']);
  assert.deepEqual(byLabel.Small, { text: '-6' });
  assert.deepEqual(byLabel.Big, { text: '-123456789012345' });
  assert.deepEqual(byLabel.Role, { text: 'ROLE_MUNICIPALITY' });
  assert.deepEqual(byLabel.Day, { text: '2022-02-28' });
  assert.deepEqual(byLabel.Counts, { list: [{ text: '1' }, { text: '-2' }, { text: '3' }] });
  assert.deepEqual(byLabel.Zag, { text: '-9223372036854775808' });
  assert.deepEqual(byLabel.Sfix, { text: '-2' });
  assert.deepEqual(byLabel.Ratio, { text: '1.5' });
  assert.deepEqual(byLabel.Key, { text: hex(KEY32), code: true });  // 32 bytes (a public key): hex
  assert.deepEqual(byLabel.Blob, { text: 'base64 ' + BLOB.toString('base64'), code: true });
  assert.deepEqual(byLabel['Refund cents'], { cents: '-1200000' });
  assert.deepEqual(byLabel.Month, { text: '2022-11' });
  assert.deepEqual(byLabel.Names, { list: [{ text: 'x' }, { text: 'y' }] });
  assert.deepEqual(byLabel.B, { text: '7' });
  assert.deepEqual(byLabel.Inner, { rows: [{ label: 'Small', number: 1, value: { text: '2' } }, { label: 'Big', number: 2, value: { text: '5' } }] });
  assert.deepEqual(byLabel.Flags, { list: [{ text: 'true' }, { text: 'false' }, { text: 'true' }] });
  assert.deepEqual(byLabel.Wide, { text: '18446744073709551615' });
  assert.deepEqual(byLabel['field 98'], { text: hex(Buffer.from('raw')), code: true });
  assert.deepEqual(byLabel['field 99'], { text: '42' });
});

test('the decoder on a signed event body: the values shown are the bytes signed', () => {
  const goo = base.events[3];
  const r = DossierDecode.decode(base.schema, T('EventBody'), new Uint8Array(Buffer.from(goo.body, 'base64')));
  const rows = JSON.parse(JSON.stringify(DossierDecode.describe(base.schema, r.message)));
  const at = (label) => rows.find((row) => row.label === label).value;
  assert.deepEqual(at('Event id'), { text: 'GM0363-goo-1' });
  assert.deepEqual(at('Client time micros'), { text: '1660000000000003' });
  const payload = Object.fromEntries(at('Goo places declared').rows.map((row) => [row.label, row.value]));
  assert.deepEqual(payload['Accommodation type'], { text: 'ACCOMMODATION_TYPE_REGULAR_BUILDING' });
  assert.deepEqual(payload.Period, { rows: [{ label: 'First day', number: 1, value: { text: '2022-10-01' } }, { label: 'Last day', number: 2, value: { text: '2022-10-31' } }] });
  assert.deepEqual(payload.Places, { text: '120' });
  const det = DossierDecode.decode(base.schema, T('EventBody'), new Uint8Array(Buffer.from(base.events[7].body, 'base64')));
  const gd = Object.fromEntries(JSON.parse(JSON.stringify(DossierDecode.describe(base.schema, det.message))).find((row) => row.label === 'Grant determined').value.rows.map((row) => [row.label, row.value]));
  assert.deepEqual(gd['Amount cents'], { cents: base.trace.amount_cents });
  assert.deepEqual(gd['Trace digest'], { text: base.trace.digest, code: true });
  assert.equal(gd['Trace summary'].list.length, 1);
});

test('the decoder never throws on garbage, and names the byte', () => {
  const err = (bytes, type = 't.M') => DossierDecode.decode(DECODE_SCHEMA, type, new Uint8Array(bytes)).error;
  assert.equal(err([0x08]), 'not a valid M at byte 1 (a varint runs past the end)');
  assert.equal(err([...pv(1, 1), 0x5a, 0x05, 0x61]), 'not a valid M at byte 2 (field 11 runs past the end)');
  assert.equal(err([...pv(1, 1), ...pb(15, [0xff])]), 'not a valid M at byte 4 (field 15 is not UTF-8)');
  assert.equal(err([0x00]), 'not a valid M at byte 0 (field number 0)');
  assert.equal(err([0x0b]), 'not a valid M at byte 0 (wire type 3 (field 1))');
  assert.match(err(pb(18, pb(18, [0x08]))), /^not a valid M at byte 7 /);  // of the outer bytes (tags of field 18 are 2 bytes)
  let nested = Buffer.alloc(0);
  for (let i = 0; i < 120; i++) nested = pb(18, nested);
  assert.match(err(nested), /nested too deep/);
  // Random bytes and mutated real bodies: a message or an error, never an exception.
  const bodies = base.events.map((e) => Buffer.from(e.body, 'base64'));
  let seed = 7;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  for (let i = 0; i < 3000; i++) {
    const b = i % 2 ? crypto.randomBytes(rand(64)) : Buffer.from(bodies[rand(bodies.length)]);
    if (i % 2 === 0) for (let k = 0; k < 1 + rand(4); k++) b[rand(b.length)] = rand(256);
    const r = DossierDecode.decode(base.schema, T('EventBody'), new Uint8Array(b));
    assert.ok(r.message || /^not a valid EventBody at byte \d+ \(/.test(r.error), JSON.stringify(r.error));
  }
  for (const schema of [null, {}, { messages: { [T('EventBody')]: 'x' } }, { messages: { [T('EventBody')]: [null, { number: 'x' }, f(1, 'event_id', 'nope')] } }]) {
    const r = DossierDecode.decode(schema, T('EventBody'), new Uint8Array(bodies[3]));
    assert.ok(r.message || r.error);
  }
});

// ---- The verifier --------------------------------------------------------------------------
test('the untampered dossier verifies, MATCH, with the witness cosignature checked', async () => {
  const r = await verify(fresh());
  expectOnly(r, []);
  assert.equal(r.settlement, 'MATCH');
  assert.deepEqual(Object.keys(r.items).sort(), [...ALL_ITEMS].sort());
  assert.deepEqual(Object.keys(r.nodes).sort(), ['grant', 'grant/a', 'grant/a/AMS-LOC-001', 'grant/a/AMS-LOC-002', 'grant/b', 'grant/c']);
  assert.ok(Object.values(r.nodes).every((n) => n.state === 'verified'));
  for (const e of base.events) assert.deepEqual(r.items['event:' + e.sequence].checks, allVerified);
  const lines = r.items.checkpoint.lines.map((l) => `${l.name} ${l.role} ${l.state}`);
  assert.deepEqual(lines, [`${LOG} checkpoint key verified`, `${W1} witness verified`, 'witness.example/w9 unknown key not checked']);
  assert.deepEqual(r.trust, { checkpoint_key: base.checkpoint.verifier_key, ministry_root_key: ministry.id });
});

test('why each event is here comes from what the page checks, not from cited_as', async () => {
  const d = fresh();
  for (const e of d.events) e.cited_as = ['the determination', 'anything at all'];
  const why = Object.fromEntries(Object.entries((await verify(d)).items).filter(([k]) => k.startsWith('event:')).map(([k, v]) => [k, v.why]));
  assert.deepEqual(why, {
    'event:0': ['registration of ' + ministry.id, 'record of the checkpoint key', 'the genesis'],
    'event:1': ['registration of ' + municipality.id],
    'event:2': ['rule goo_norm_per_place_day read from', 'rule goo_norm_per_place_day set by'],
    'event:3': ['source of grant/a/AMS-LOC-001'], 'event:4': ['source of grant/a/AMS-LOC-002'],
    'event:5': ['source of grant/b'], 'event:6': ['source of grant/c'], 'event:7': ['the determination'],
  });
});

test('(a) a byte of an event body flipped: that event fails', async () => {
  const d = fresh(); d.events[3].body = flipBase64(d.events[3].body, 12);
  const r = await verify(d);
  expectOnly(r, ['event:3'], { 'event:3': ['event #3', 'body hashes to leaf', 'signature does not verify with key ' + municipality.id + ' (registered by event #1)'] });
  assert.equal(r.settlement, 'MATCH');
});

test('(b) a byte of a signature flipped: that event fails', async () => {
  const d = fresh(); d.events[4].signature = flipBase64(d.events[4].signature, 20);
  const r = await verify(d);
  expectOnly(r, ['event:4'], { 'event:4': ['event #4', 'signature does not verify'] });
  assert.equal(r.items['event:4'].checks.proof, 'verified');
});

test('(c) a proof hash flipped: that event fails, naming the proof and both roots', async () => {
  const d = fresh(); d.events[5].proof[1] = flipHex(d.events[5].proof[1], 7);
  const r = await verify(d);
  const n = d.events[5].proof.length;
  expectOnly(r, ['event:5'], { 'event:5': ['event #5', `inclusion proof (${n} hashes) leads to root`, `the checkpoint's root is ${d.checkpoint.root.slice(0, 12)}`] });
  assert.deepEqual(r.items['event:5'].checks, { ...allVerified, proof: 'failed' });
});

test('a proof hash shared with other events\' proofs, changed in one: that event alone fails', async () => {
  // The page hashes each inner node once per dossier; every proof must still lead to the root itself.
  for (const i of [0, 5]) {  // the first proof to reach the shared node, and a later one
    const d = fresh(), ev = d.events[i], last = ev.proof.length - 1;
    assert.ok(d.events.filter((e) => e.proof.at(-1) === ev.proof[last]).length > 1, 'the last proof hash is shared');
    ev.proof[last] = flipHex(ev.proof[last], 3);
    expectOnly(await verify(d), ['event:' + ev.sequence], { ['event:' + ev.sequence]: [`event #${ev.sequence}`, 'leads to root'] });
  }
});

test('(d) a byte of the checkpoint signature flipped: the checkpoint fails', async () => {
  const d = fresh();
  const lines = d.checkpoint.note.split('\n');
  const at = lines.findIndex((l) => l.startsWith('\u2014 ' + LOG + ' '));
  const [dash, name, sig] = lines[at].split(' ');
  lines[at] = [dash, name, flipBase64(sig, 30)].join(' ');
  d.checkpoint.note = lines.join('\n');
  expectOnly(await verify(d), ['checkpoint'], { checkpoint: [`checkpoint: signature line by ${LOG} does not verify`] });
});

test('a flipped witness cosignature fails the checkpoint, naming the witness', async () => {
  const d = fresh();
  d.checkpoint.note = d.checkpoint.note.replace(/(\u2014 witness\.example\/w1 )(\S+)/, (_, head, sig) => head + flipBase64(sig, -3));
  expectOnly(await verify(d), ['checkpoint'], { checkpoint: [`cosignature line by ${W1} does not verify`, `cosignature by ${W1} missing or invalid`] });
});

test('a witness the writer saw cosign, whose line is missing, fails the checkpoint', async () => {
  const r = await verify(buildDossier({ noW1Line: true }));
  expectOnly(r, ['checkpoint'], { checkpoint: [`cosignature by ${W1} missing or invalid`] });
  assert.ok(r.items.checkpoint.lines.some((l) => l.name === W1 && l.state === 'absent'));
  const d = buildDossier({ noW1Line: true }); d.checkpoint.witness_cosigned_by = [];
  expectOnly(await verify(d), []);  // a witness that did not cosign, and nobody says it did
});

test('(e) a trace amount changed: only the trace fails, naming the node and its parent', async () => {
  const d = fresh(); d.trace.children[0].children[0].amount_cents = String(BigInt(d.trace.children[0].children[0].amount_cents) + 100n);
  const r = await verify(d);
  expectOnly(r, ['trace'], { trace: ['trace: node grant/a/AMS-LOC-001: its content hashes to', 'trace: node grant/a: amount € 511.280,00 is not the sum of its children € 511.281,00'] });
  assert.equal(r.nodes['grant/a/AMS-LOC-001'].state, 'failed');
  assert.equal(r.nodes['grant/a'].state, 'failed');
  assert.equal(r.nodes['grant'].state, 'verified');
  assert.equal(r.nodes['grant/a/AMS-LOC-002'].state, 'verified');
  assert.equal(r.settlement, 'MATCH');
});

test('a negative amount changed fails the node and the root', async () => {
  const d = fresh(); d.trace.children[2].amount_cents = '-1200001';
  const r = await verify(d);
  expectOnly(r, ['trace'], { trace: ['node grant/c:', 'node grant:'] });
});

test('a citation whose leaf hash is not the event\'s fails that event and the node', async () => {
  const d = fresh(); d.trace.children[1].sources[0].leaf_hash = flipHex(d.trace.children[1].sources[0].leaf_hash, 0);
  expectOnly(await verify(d), ['trace', 'event:5'], { 'event:5': ['trace node grant/b cites it as leaf'], trace: ['node grant/b:'] });
});

test('a rule\'s set_by citation (outside the digest) with a wrong leaf hash fails the amendment event only', async () => {
  const d = fresh(); const b = d.trace.children[0].children[1].rules[0].set_by[0];
  b.amendment_leaf_hash = flipHex(b.amendment_leaf_hash, 3);
  expectOnly(await verify(d), ['event:2'], { 'event:2': ['event #2: trace node grant/a/AMS-LOC-002 (rule goo_norm_per_place_day) cites it as leaf'] });
});

test('a MISMATCH dossier (the determination recorded another trace) verifies as MISMATCH', async () => {
  const other = hex(sha256('another trace'));
  const d = buildDossier({ amount: '54000000', digest: other });
  assert.equal(d.settlement.verdict, 'MISMATCH');
  const r = await verify(d);
  expectOnly(r, []);
  assert.equal(r.settlement, 'MISMATCH');
});

test('a MATCH claim over a differing digest fails the trace', async () => {
  const d = buildDossier({ digest: hex(sha256('another trace')), verdict: 'MATCH' });
  const r = await verify(d);
  expectOnly(r, ['trace'], { trace: ['the dossier declares MATCH', 'differs from the determination\'s signed body'] });
  assert.equal(r.settlement, 'MISMATCH');
});

test('a MISMATCH claim over a matching trace fails the trace', async () => {
  const d = fresh(); d.settlement.verdict = 'MISMATCH';
  const r = await verify(d);
  expectOnly(r, ['trace'], { trace: ['the dossier declares MISMATCH', 'equals the determination\'s signed body'] });
  assert.equal(r.settlement, 'MATCH');
});

test('a shown determination amount that is not the signed one fails the trace', async () => {
  const d = fresh(); d.settlement.determination.amount_cents = '1';
  expectOnly(await verify(d), ['trace'], { trace: ['signed body states amount'] });
});

test('a wrong trusted checkpoint key, or one its record does not hold, fails the checkpoint', async () => {
  const d = fresh(); d.checkpoint.key_record_sequence = 1;
  expectOnly(await verify(d), ['checkpoint'], { checkpoint: ['event #1 is a key_registered, which records no checkpoint key'] });
  const e = fresh(); e.checkpoint.verifier_key = e.checkpoint.verifier_key.replace(/\+[0-9a-f]{8}\+/, '+00000000+');
  expectOnly(await verify(e), ['checkpoint'], { checkpoint: ['states key hash 00000000'] });
});

test('a checkpoint re-signed by a fresh key that no event records fails', async () => {
  const forger = keyPair();
  const r = await verify(buildDossier({ signer: forger, record: null }));
  expectOnly(r, ['checkpoint'], { checkpoint: ['no event of this ledger records the key this dossier trusts'] });
  assert.deepEqual(r.items.checkpoint.lines[0], { name: LOG, role: 'checkpoint key', state: 'verified' });  // its signature is fine
  expectOnly(await verify(buildDossier({ signer: forger, record: 0 })), ['checkpoint'], { checkpoint: ['event #0 records checkpoint key'] });
});

test('a checkpoint key under another name than its record\'s fails', async () => {
  expectOnly(await verify(buildDossier({ name: 'another.example/key' })), ['checkpoint'],
    { checkpoint: [`event #0 names the checkpoint key ${LOG}, the trusted key is named another.example/key`] });
});

test('a note whose origin is not the genesis\'s fails the checkpoint', async () => {
  expectOnly(await verify(buildDossier({ origin: 'evil.example/log' })), ['checkpoint'],
    { checkpoint: [`the note's origin is evil.example/log, the genesis signs origin ${LOG}`] });
});

test('a key_registered signed by the key it registers, after the genesis, fails', async () => {
  const d = buildDossier({ extra: (add) => add('key-self', 'keys', 21,
    Buffer.concat([ps(1, stranger.id), pb(2, stranger.raw), pv(3, 1), ps(5, 'self-made ministry')]), stranger, { registration: 9 }) });
  const r = await verify(d);
  expectOnly(r, ['event:9'], { 'event:9': ['event #9: it registers its own signer: only the genesis may'] });
  assert.equal(r.items['event:9'].checks.signature, 'verified');  // the bytes are signed; the authority is not there
});

test('a grant_determined signed by a municipality key fails', async () => {
  const d = buildDossier({ extra: (add) => add('GM0363-determination-forged', 'municipality/' + GM, 36,
    Buffer.concat([ps(1, GM), pv(2, 2022), pv(3, 1), pb(4, Buffer.alloc(32))]), municipality) });
  expectOnly(await verify(d), ['event:9'], { 'event:9': [`signed by ${municipality.id}, a ROLE_MUNICIPALITY key: only a ministry key signs grant_determined`] });
});

test('a declaration signed by a municipality key for another municipality fails', async () => {
  const d = buildDossier({ extra: (add) => add('GM0599-goo-1', 'municipality/GM0599', 24,
    Buffer.concat([ps(1, 'GM0599'), ps(2, 'RTM-1'), pv(5, 10)]), municipality) });
  expectOnly(await verify(d), ['event:9'], { 'event:9': [`signed by ${municipality.id}, the key of GM0363, for municipality GM0599`] });
});

test('a ministry key signing a municipality\'s declaration, or an auditor key signing anything, fails', async () => {
  const d = buildDossier({ extra: (add) => {
    add('GM0363-goo-ministry', 'municipality/' + GM, 24, Buffer.concat([ps(1, GM), ps(2, 'AMS-LOC-009'), pv(5, 1)]), ministry);
    add('key-auditor', 'keys', 21, Buffer.concat([ps(1, stranger.id), pb(2, stranger.raw), pv(3, 3)]), ministry);
    add('GM0363-advance-auditor', 'municipality/' + GM, 31, Buffer.concat([ps(1, GM), pv(2, 2023), pv(3, 1)]), stranger, { registration: 10 });
  } });
  expectOnly(await verify(d), ['event:9', 'event:11'], {
    'event:9': [`signed by ${ministry.id}, a ROLE_MINISTRY key: only the municipality itself signs goo_places_declared`],
    'event:11': [`signed by ${stranger.id}, a ROLE_AUDITOR key, which signs nothing`] });
});

test('a checkpoint key rotated away before the tree\'s size fails the checkpoint', async () => {
  const next = keyPair();
  const d = buildDossier({ extra: (add) => add('rotate-1', 'keys', 41, Buffer.concat([pb(1, next.raw), ps(2, LOG)]), ministry) });
  expectOnly(await verify(d), ['checkpoint'], { checkpoint: ['event #9 rotated the checkpoint key after #0: a tree of 10 events is signed with the newer key'] });
  const e = buildDossier({ signer: next, record: 9, extra: (add) => add('rotate-1', 'keys', 41, Buffer.concat([pb(1, next.raw), ps(2, LOG)]), ministry) });
  expectOnly(await verify(e), []);
});

test('a body with two payloads fails its event when the schema names no oneof', async () => {
  const d = buildDossier({ extra: (add) => add('two', 'keys', 22, Buffer.concat([ps(1, 'ed25519:0000000000000000')]), ministry, {
    body: Buffer.concat([ps(1, 'two'), ps(2, 'keys'), ps(4, ministry.id), pb(21, Buffer.alloc(0)), pb(22, ps(1, 'ed25519:0000000000000000'))]) }) });
  expectOnly(await verify(d), []);  // with the oneof, the later payload (key_revoked) is the one
  const e = structuredClone(d);  // a new schema object: the decoder indexes each schema once
  for (const field of e.schema.messages[T('EventBody')]) delete field.oneof;
  expectOnly(await verify(e), ['event:9'], { 'event:9': ['body: it holds 2 payloads (fields 21, 22)'] });
});

test('an event signed after its signer\'s revocation fails; those before it stand', async () => {
  const d = buildDossier({ extra: (add) => {
    add('revoke-GM0363-1', 'keys', 22, Buffer.concat([ps(1, municipality.id), ps(2, 'lost')]), ministry, { revokes: municipality.id });
    add('GM0363-goo-late', 'municipality/' + GM, 24, Buffer.concat([ps(1, GM), ps(2, 'AMS-LOC-003'), pv(5, 1)]), municipality);
  } });
  assert.equal(d.events.find((e) => e.sequence === 3).signer_revocation, 9);
  const r = await verify(d);
  expectOnly(r, ['event:10'], { 'event:10': [`event #10: signed by ${municipality.id} after its revocation at #9`] });
  assert.deepEqual(r.items['event:9'].why, ['revocation of ' + municipality.id]);
  // Without signer_revocation the revocation in the dossier still counts.
  const e = structuredClone(d); e.events.find((x) => x.sequence === 10).signer_revocation = null;
  expectOnly(await verify(e), ['event:10'], { 'event:10': ['after its revocation at #9'] });
  // A signer_revocation that is not a revocation of that key fails the event.
  const g = fresh(); g.events[3].signer_revocation = 2;
  expectOnly(await verify(g), ['event:3'], { 'event:3': [`event #2 is not the revocation of ${municipality.id}`] });
});

test('a signed body that is garbage fails its event, naming the byte, without throwing', async () => {
  const garbage = Buffer.from([0x0a, 0x05, 0x61, 0x62, 0xff, 0x12]);  // event_id runs past the end
  const d = buildDossier({ extra: (add) => add('garbage', 'keys', 20, null, ministry, { body: garbage }) });
  const r = await verify(d);
  expectOnly(r, ['event:9'], { 'event:9': ['event #9: body: not a valid EventBody at byte 0'] });
  assert.equal(r.items['event:9'].checks.signature, 'verified');
  assert.equal(r.items['event:9'].checks.body, 'failed');
  const e = fresh(); e.events[5].body = Buffer.from('\u00ff\u00fe garbage').toString('base64');
  expectOnly(await verify(e), ['event:5'], { 'event:5': ['body: not a valid EventBody at byte'] });
});

test('a schema that does not agree with the fields the page checks fails the dossier', async () => {
  const d = fresh();
  const fields = d.schema.messages[T('KeyRegistered')];
  fields[2].number = 4; fields[3].number = 3;  // role and municipality_code swapped
  const r = await verify(d);
  assert.equal(r.verdict, 'failed');
  assert.match(r.failures[0], /^dossier: its schema does not match .*booo\.v1\.KeyRegistered field 3 is municipality_code string; this page reads it as role enum booo\.v1\.Role/);
});

test('sequences, hashes and trace keys out of shape fail the item holding them', async () => {
  const a = fresh(); a.trace.children[1].sources[0].sequence = 1.5;
  expectOnly(await verify(a), ['trace'], { trace: ['node grant/b: source sequence 1.5 is not a sequence in the tree'] });
  const b = fresh(); b.events[4].proof[0] = b.events[4].proof[0].slice(2);
  expectOnly(await verify(b), ['event:4'], { 'event:4': ['proof hash 1 is 31 bytes, not a 32-byte hash'] });
  const c = fresh(); c.trace.children[0].children[1].key = 'AMS-LOC-001'; redigest(c.trace);
  c.settlement.replayed_trace_digest = c.trace.digest; c.settlement.verdict = 'MISMATCH';
  const rc = await verify(c);
  assert.match(rc.items.trace.reason, /node grant\/a\/AMS-LOC-001: has the key of an earlier sibling/);
  assert.equal(rc.nodes['grant/a/AMS-LOC-001'].state, 'failed');
  const e = fresh(); e.trace.children[2].key = 'c/d'; redigest(e.trace); e.settlement.replayed_trace_digest = e.trace.digest; e.settlement.verdict = 'MISMATCH';
  assert.match((await verify(e)).items.trace.reason, /node grant\/c\/d: has a key with "\/"/);
  const g = fresh(); g.events[2].sequence = 2 ** 53;
  const rg = await verify(g);
  assert.match(rg.items['event:9007199254740992'].reason, /sequence 9007199254740992 is not a whole number below the tree size 9/);
  const h = fresh(); h.events[6].sequence = 9;  // not in the tree of 9
  assert.equal((await verify(h)).items['event:9'].state, 'failed');
});

test('a browser without Ed25519: verdict "unsupported", not "failed"', async () => {
  const subtle = globalThis.crypto.subtle;
  const limited = { subtle: { digest: (...a) => subtle.digest(...a), verify: (...a) => subtle.verify(...a),
    importKey: (fmt, key, alg, ...rest) => (alg && alg.name === 'Ed25519'
      ? Promise.reject(new DOMException('Ed25519 is not supported', 'NotSupportedError')) : subtle.importKey(fmt, key, alg, ...rest)) } };
  const Old = load(limited).DossierVerify;
  const r = await plain(Old.verifyDossier(fresh()));
  assert.equal(r.verdict, 'unsupported');
  assert.deepEqual(r.failures, []);
  assert.equal(r.items.trace.state, 'verified');
  assert.equal(r.items.checkpoint.state, 'unsupported');
  for (const e of base.events) assert.deepEqual(r.items['event:' + e.sequence], { ...r.items['event:' + e.sequence], state: 'unsupported', checks: { ...allVerified, signature: 'unsupported' } });
  // What it can check, it still checks.
  const d = fresh(); d.trace.children[2].amount_cents = '-1200001';
  const t = await plain(Old.verifyDossier(d));
  assert.equal(t.verdict, 'unsupported');
  assert.equal(t.items.trace.state, 'failed');
});

test('garbage never throws', async () => {
  for (const bad of [null, {}, { format: 'booo-dossier/1' }, { ...fresh(), events: 'x' }, { ...fresh(), schema: null }, { ...fresh(), events: [null] },
    { ...fresh(), checkpoint: { ...base.checkpoint, tree_size: 'x' } }, { ...fresh(), trace: { key: 'grant', children: [null] } }]) {
    const r = await verify(bad);
    assert.equal(r.verdict, 'failed');
    assert.ok(r.failures.length > 0);
  }
});

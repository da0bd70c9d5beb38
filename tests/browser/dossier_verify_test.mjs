// Tests tools/reports/assets/dossier_verify.js, the audit dossier's verifier, under Node 20 with
// no npm dependencies: node tests/browser/dossier_verify_test.mjs (exit 0 on pass).
// The test builds a small dossier from scratch with node:crypto, written from the format
// documents (DOSSIER_FORMAT.md, LEAF_FORMAT.md, TRACE_FORMAT.md, C2SP signed-note and
// tlog-cosignature), not from the verifier: its own protobuf writer, its own recursive RFC 9162
// Merkle tree and proofs, its own trace encoding. Then it tampers with one thing at a time and
// checks that exactly the item holding it fails, with a reason that names it.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import vm from 'node:vm';

const source = readFileSync(new URL('../../tools/reports/assets/dossier_verify.js', import.meta.url), 'utf8');
const context = vm.createContext({ crypto: globalThis.crypto, atob, btoa, TextEncoder, TextDecoder });
vm.runInContext(source, context, { filename: 'dossier_verify.js' });
const { DossierVerify } = context;
// Results are made in the context's realm: compare them as plain JSON.
const verify = async (data) => JSON.parse(JSON.stringify(await DossierVerify.verifyDossier(data)));

// ---- Helpers written for the test ------------------------------------------------------------
const sha256 = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest();
const hex = (b) => Buffer.from(b).toString('hex');
const be = (value, size) => { const b = Buffer.alloc(size); let v = BigInt.asUintN(size * 8, BigInt(value)); for (let i = size - 1; i >= 0; i--) { b[i] = Number(v & 255n); v >>= 8n; } return b; };

// Protobuf writer: varint, length-delimited; enough for EventBody.
const varint = (value) => { let v = BigInt.asUintN(64, BigInt(value)); const out = []; do { let b = Number(v & 0x7fn); v >>= 7n; if (v) b |= 0x80; out.push(b); } while (v); return Buffer.from(out); };
const pv = (num, v) => Buffer.concat([varint(num * 8), varint(v)]);
const pb = (num, bytes) => Buffer.concat([varint(num * 8 + 2), varint(bytes.length), Buffer.from(bytes)]);
const ps = (num, s) => pb(num, Buffer.from(s, 'utf8'));
const pdate = (num, [y, m, d]) => pb(num, Buffer.concat([pv(1, y), pv(2, m), pv(3, d)]));

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

// ---- The synthetic dossier -----------------------------------------------------------------
const ministry = keyPair(), municipality = keyPair(), checkpointKey = keyPair(), witness = keyPair(), stranger = keyPair();
const LOG = 'booo-ledger.example/test';
const GM = 'GM0363';

// opts: determination {amount, digest} as recorded (default: the trace's), declared verdict.
function buildDossier(opts = {}) {
  const events = [];
  const add = (eventId, stream, kind, num, payload, signer, fields) => {
    const sequence = events.length;
    const body = Buffer.concat([ps(1, eventId), ps(2, stream), ps(4, signer.id), pv(5, 1660000000000000n + BigInt(sequence)), pb(num, payload)]);
    events.push({ sequence, event_id: eventId, kind, stream, recorded_at_micros: String(1669000000000000n + BigInt(sequence) * 86400000000n),
      key_id: signer.id, body, signature: signer.sign(body), fields, signer_registration: signer === ministry ? 0 : 1 });
  };
  add('genesis', 'keys', 'genesis', 20, Buffer.concat([ps(1, LOG), pb(2, ministry.raw), pb(3, checkpointKey.raw), ps(4, LOG)]), ministry,
    { origin: LOG, checkpoint_key_name: LOG });
  add('key-GM0363-1', 'keys', 'key_registered', 21, Buffer.concat([ps(1, municipality.id), pb(2, municipality.raw), pv(3, 2), ps(4, GM), ps(5, 'Gemeente Amsterdam')]), ministry,
    { key_id: municipality.id, role: 'ROLE_MUNICIPALITY', municipality_code: GM, label: 'Gemeente Amsterdam' });
  const valueMsg = Buffer.concat([ps(1, 'goo_norm_per_place_day'), pdate(2, [2022, 1, 1]), pv(4, 8300), ps(8, 'Regeling BooO, art. 4')]);
  add('rules-2022-1', 'rules', 'rule_amended', 23, Buffer.concat([pb(1, valueMsg), pb(2, Buffer.concat([ps(1, 'Stcrt. 2022, 27515'), ps(2, 'https://zoek.officielebekendmakingen.nl/stcrt-2022-27515.html')])), pdate(3, [2022, 10, 14])]), ministry,
    { values: [{ parameter: 'goo_norm_per_place_day', valid_from: '2022-01-01', amount_cents: '8300' }], citation: { reference: 'Stcrt. 2022, 27515' } });
  const goo = (loc, places, first, last) => Buffer.concat([ps(1, GM), ps(2, loc), pv(3, 1), pb(4, Buffer.concat([pdate(1, first), pdate(2, last)])), pv(5, places), pdate(6, [2022, 11, 20])]);
  add('GM0363-goo-1', 'municipality/' + GM, 'goo_places_declared', 24, goo('AMS-LOC-001', 120, [2022, 10, 1], [2022, 10, 31]), municipality,
    { municipality_code: GM, location_id: 'AMS-LOC-001', places: '120' });
  add('GM0363-goo-2', 'municipality/' + GM, 'goo_places_declared', 24, goo('AMS-LOC-002', 40, [2022, 11, 1], [2022, 12, 31]), municipality,
    { municipality_code: GM, location_id: 'AMS-LOC-002', places: '40' });
  add('GM0363-poo-2022-11', 'municipality/' + GM, 'poo_person_months_declared', 25, Buffer.concat([ps(1, GM), pb(2, Buffer.concat([pv(1, 2022), pv(2, 11)])), pv(3, 35), pv(4, 30), pdate(5, [2022, 12, 2])]), municipality,
    { municipality_code: GM, month: '2022-11', registered_persons: '35', persons_with_provision: '30' });
  add('GM0363-late-2022', 'municipality/' + GM, 'late_accountability_decided', 35, Buffer.concat([ps(1, GM), pv(2, 2022), pv(3, 1200000), ps(4, 'NOO/LA/2023/0363'), pdate(5, [2023, 9, 1])]), ministry,
    { municipality_code: GM, spending_year: 2022, reduction_cents: '1200000' });

  const src = (e) => ({ sequence: e.sequence, leaf_hash: null, event_id: e.event_id, kind: e.kind });
  const node = (key, label, amount, extra = {}) => Object.assign({ key, label, amount_cents: String(amount), formula: '', rules: [], sources: [], notes: [], children: [] }, extra);
  const rule = { parameter: 'goo_norm_per_place_day', value: '€83.00', valid_first: [2022, 1, 1], valid_last: [0, 0, 0], amendment_sequence: 2, amendment_leaf_hash: null,
    citation: 'Stcrt. 2022, 27515', citation_url: 'https://zoek.officielebekendmakingen.nl/stcrt-2022-27515.html', source: 'Regeling BooO, art. 4',
    set_by: [{ amendment_sequence: 2, amendment_leaf_hash: null, citation: 'Stcrt. 2022, 27515', citation_url: 'https://zoek.officielebekendmakingen.nl/stcrt-2022-27515.html', source: 'Regeling BooO, art. 4' }] };
  const trace = node('grant', 'Grant GM0363 2022', 0, { formula: 'a + b + c', children: [
    node('a', 'GOO norm', 0, { children: [
      node('AMS-LOC-001', 'AMS-LOC-001', 120 * 31 * 8300, { formula: '120 places × 31 days × €83.00 = €308,760.00', rules: [rule], sources: [src(events[3])] }),
      node('AMS-LOC-002', 'AMS-LOC-002', 40 * 61 * 8300, { formula: '40 places × 61 days × €83.00 = €202,520.00', rules: [structuredClone(rule)], sources: [src(events[4])] })] }),
    node('b', 'POO norm', 4500000, { formula: '30 person-months × €1,500.00', sources: [src(events[5])], notes: ['35 registered, 30 with a provision'] }),
    node('c', 'Late accountability', -1200000, { formula: '−€12,000.00', sources: [src(events[6])] })] });

  // Leaves of the first 7 events, so the trace can cite their hashes.
  const leafOf = (e) => Buffer.concat([[1], be(e.sequence, 8), be(BigInt(e.recorded_at_micros), 8), be(e.key_id.length, 2), Buffer.from(e.key_id),
    be(e.body.length, 4), e.body, be(64, 2), e.signature].map((p) => Buffer.from(p)));
  const fill = (n) => { n.sources.forEach((s) => { s.leaf_hash = hex(sha256([0], leafOf(events[s.sequence]))); });
    n.rules.forEach((r) => { r.amendment_leaf_hash = hex(sha256([0], leafOf(events[r.amendment_sequence])));
      r.set_by.forEach((b) => { b.amendment_leaf_hash = hex(sha256([0], leafOf(events[b.amendment_sequence]))); }); });
    n.children.forEach(fill); };
  fill(trace);
  digestAll(trace, '');

  const recordedAmount = opts.amount ?? trace.amount_cents, recordedDigest = opts.digest ?? trace.digest;
  add('GM0363-determination-2022', 'municipality/' + GM, 'grant_determined', 36, Buffer.concat([ps(1, GM), pv(2, 2022), pv(3, BigInt(recordedAmount)), pb(4, Buffer.from(recordedDigest, 'hex')),
    pdate(5, [2023, 11, 30]), ps(6, 'NOO/VS/2023/0363'), pb(7, Buffer.concat([ps(1, 'grant'), pv(2, BigInt(recordedAmount)), pb(3, Buffer.from(recordedDigest, 'hex'))]))]), ministry,
    { municipality_code: GM, spending_year: 2022, amount_cents: recordedAmount, trace_digest: recordedDigest, decision_date: '2023-11-30', decision_reference: 'NOO/VS/2023/0363' });
  add('advance-2023', 'municipality/' + GM, 'advance_paid', 31, Buffer.concat([ps(1, GM), pv(2, 2023), pv(3, 100000000), pdate(4, [2023, 1, 5])]), ministry, {});

  const leafHashes = events.map((e) => sha256([0], leafOf(e)));
  const size = events.length, root = mth(leafHashes);
  const text = `${LOG}\n${size}\n${root.toString('base64')}\n`;
  const noteId = (name, type, key) => sha256(Buffer.from(name + '\n'), [type], key).subarray(0, 4);
  const time = be(1701360000n, 8);
  const cosig = witness.sign(Buffer.concat([Buffer.from('cosignature/v1\ntime 1701360000\n'), Buffer.from(text)]));
  const note = text + '\n' +
    `\u2014 ${LOG} ${Buffer.concat([noteId(LOG, 1, checkpointKey.raw), checkpointKey.sign(text)]).toString('base64')}\n` +
    `\u2014 witness.example/w1 ${Buffer.concat([noteId('witness.example/w1', 4, witness.raw), time, cosig]).toString('base64')}\n` +
    `\u2014 witness.example/w9 ${Buffer.concat([noteId('witness.example/w9', 4, stranger.raw), time, stranger.sign(text)]).toString('base64')}\n`;
  const vkey = (name, type, key) => `${name}+${hex(noteId(name, type, key))}+${Buffer.concat([[type], key].map((p) => Buffer.from(p))).toString('base64')}`;

  const verdict = opts.verdict ?? (recordedDigest === trace.digest ? 'MATCH' : 'MISMATCH');
  const cited = new Map([[3, ['source of grant/a/AMS-LOC-001']], [2, ['rule goo_norm_per_place_day']], [1, ['registration of ' + municipality.id]], [0, ['checkpoint key']], [7, ['the determination']]]);
  return {
    format: 'booo-dossier/1', generated_at: '2026-12-06T17:40:00Z', generated_by: 'ledgerctl', source: 'export file test.export (sha256 00)',
    settlement: { verdict, municipality_code: GM, spending_year: 2022, ledger_point: 7,
      determination: { sequence: 7, event_id: 'GM0363-determination-2022', amount_cents: String(recordedAmount), trace_digest: recordedDigest, decision_reference: 'NOO/VS/2023/0363', decision_date: '2023-11-30' },
      replayed_amount_cents: trace.amount_cents, replayed_trace_digest: trace.digest,
      reasons: verdict === 'MATCH' ? [] : ['the replayed trace differs from the determination'],
      differences: verdict === 'MATCH' ? [] : [{ path: 'grant', recorded_amount_cents: String(recordedAmount), replayed_amount_cents: trace.amount_cents, change: 'changed' }] },
    trace,
    events: events.slice(0, 8).map((e, i) => ({ ...e, recorded_at: new Date(Number(BigInt(e.recorded_at_micros) / 1000n)).toISOString().replace('.000', ''),
      body: e.body.toString('base64'), signature: e.signature.toString('base64'), leaf_hash: hex(leafHashes[i]),
      proof: path(i, leafHashes).map(hex), cited_as: cited.get(i) || [] })),
    checkpoint: { note, tree_size: size, root: hex(root), verifier_key: vkey(LOG, 1, checkpointKey.raw), key_provenance: 'pinned in the test trust store since 2022-01-01',
      key_record_sequence: 0, witness_keys: [{ name: 'w1', vkey: vkey('witness.example/w1', 4, witness.raw) }] },
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
  const f = DossierVerify.formatCents;
  assert.equal(f('123456789', 'nl'), '€ 1.234.567,89');
  assert.equal(f('123456789', 'en'), '€1,234,567.89');
  assert.equal(f('-1200000', 'nl'), '\u2212€ 12.000,00');
  assert.equal(f('-1200000', 'en'), '\u2212€12,000.00');
  assert.equal(f('7', 'nl'), '€ 0,07');
  assert.equal(f('-9223372036854775808', 'en'), '\u2212€92,233,720,368,547,758.08');
  assert.throws(() => f('', 'nl'));
});

test('the untampered dossier verifies, MATCH, with the witness cosignature checked', async () => {
  const r = await verify(fresh());
  expectOnly(r, []);
  assert.equal(r.settlement, 'MATCH');
  assert.deepEqual(Object.keys(r.items).sort(), [...ALL_ITEMS].sort());
  assert.deepEqual(Object.keys(r.nodes).sort(), ['grant', 'grant/a', 'grant/a/AMS-LOC-001', 'grant/a/AMS-LOC-002', 'grant/b', 'grant/c']);
  assert.ok(Object.values(r.nodes).every((n) => n.state === 'verified'));
  for (const e of base.events) assert.deepEqual(r.items['event:' + e.sequence].checks, { leaf: 'verified', fields: 'verified', citations: 'verified', signature: 'verified', proof: 'verified' });
  const lines = r.items.checkpoint.lines.map((l) => `${l.name} ${l.role} ${l.state}`);
  assert.deepEqual(lines, [`${LOG} checkpoint key verified`, 'witness.example/w1 witness verified', 'witness.example/w9 unknown key not checked']);
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
  assert.deepEqual(r.items['event:5'].checks, { leaf: 'verified', fields: 'verified', citations: 'verified', signature: 'verified', proof: 'failed' });
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
  expectOnly(await verify(d), ['checkpoint'], { checkpoint: ['cosignature line by witness.example/w1 does not verify'] });
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

test('garbage never throws', async () => {
  for (const bad of [null, {}, { format: 'booo-dossier/1' }, { ...fresh(), events: 'x' }]) {
    const r = await verify(bad);
    assert.equal(r.verdict, 'failed');
    assert.ok(r.failures.length > 0);
  }
});

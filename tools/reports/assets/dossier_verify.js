// The verifier of a booo-ledger audit dossier (tools/reports/DOSSIER_FORMAT.md). It checks the
// evidence embedded in the page with nothing but WebCrypto (SHA-256, Ed25519), offline, and is
// short so that an auditor can read all of it. It reads signed bodies with DossierDecode
// (dossier_decode.js, loaded first) and touches no DOM, so the same file runs in the page and
// under Node 20 (tests/browser/dossier_verify_test.mjs). Its one global is DossierVerify;
// verifyDossier(data) never throws: every problem becomes a failure reason.
'use strict';

globalThis.DossierVerify = (function () {
  const subtle = globalThis.crypto.subtle, D = globalThis.DossierDecode;
  const utf8 = new TextEncoder();
  const INT64_MAX = 2n ** 63n - 1n;

  // ---- What this page knows of proto/booo/v1/events.proto ------------------------------------
  // It reads the fields it checks by these numbers. The dossier's schema labels everything the
  // page shows, so it must agree with them (schemaProblems), or the dossier fails.
  // EventBody's payload oneof, field numbers 20..41 in order.
  const KINDS = ['genesis', 'key_registered', 'key_revoked', 'rule_amended', 'goo_places_declared',
    'poo_person_months_declared', 'living_allowance_paid', 'transition_cost_requested',
    'transition_cost_decided', 'exception_claim_filed', 'exception_claim_decided', 'advance_paid',
    'voluntary_repayment_received', 'accountability_report_filed', 'hardship_decided',
    'late_accountability_decided', 'grant_determined', 'location_registered',
    'transition_costs_declared', 'advance_requested', 'budget_line_set', 'checkpoint_key_rotated'];
  // The payloads a municipality key signs (payload option signer MUNICIPALITY): its own
  // declarations. A ministry key signs every other payload but the genesis, which the ministry
  // root key it records signs.
  const MUNICIPALITY_SIGNS = new Set([24, 25, 26, 27, 29, 32, 33, 37, 38, 39]);
  const ROLE_MINISTRY = 1, ROLE_MUNICIPALITY = 2;
  const T = (name) => 'booo.v1.' + name, DATE = T('CivilDate');
  const PINNED = {  // message: [number, name, type, type name, repeated]
    [T('EventBody')]: [[1, 'event_id', 'string'], [2, 'stream', 'string'], [4, 'signer_key_id', 'string'],
      ...[[20, 'LedgerGenesis'], [21, 'KeyRegistered'], [22, 'KeyRevoked'], [23, 'RuleAmended'],
        [36, 'GrantDetermined'], [41, 'CheckpointKeyRotated']].map(([n, m]) => [n, KINDS[n - 20], 'message', T(m)])],
    [T('LedgerGenesis')]: [[1, 'origin', 'string'], [2, 'ministry_root_public_key', 'bytes'],
      [3, 'checkpoint_public_key', 'bytes'], [4, 'checkpoint_key_name', 'string']],
    [T('KeyRegistered')]: [[1, 'key_id', 'string'], [2, 'public_key', 'bytes'], [3, 'role', 'enum', T('Role')],
      [4, 'municipality_code', 'string']],
    [T('KeyRevoked')]: [[1, 'key_id', 'string']],
    [T('CheckpointKeyRotated')]: [[1, 'checkpoint_public_key', 'bytes'], [2, 'checkpoint_key_name', 'string']],
    [T('RuleAmended')]: [[1, 'values', 'message', T('ParameterValue'), true], [2, 'citation', 'message', T('Citation')]],
    [T('ParameterValue')]: [[1, 'parameter', 'string'], [2, 'valid_from', 'message', DATE], [8, 'source', 'string']],
    [T('Citation')]: [[1, 'reference', 'string'], [2, 'url', 'string']],
    [T('GrantDetermined')]: [[1, 'municipality_code', 'string'], [2, 'spending_year', 'int32'],
      [3, 'amount_cents', 'int64'], [4, 'trace_digest', 'bytes'], [5, 'decision_date', 'message', DATE],
      [6, 'decision_reference', 'string']],
    [DATE]: [[1, 'year', 'int32'], [2, 'month', 'int32'], [3, 'day', 'int32']],
  };
  function schemaProblems(schema) {
    const bad = [], messages = (schema && schema.messages) || {};
    const spell = (f) => f && [f.name, f.type, ['message', 'enum'].includes(f.type) ? f.type_name : '',
      f.repeated === true ? 'repeated' : ''].filter(Boolean).join(' ');
    const fieldOf = (type, n) => (Array.isArray(messages[type]) ? messages[type].find((f) => f && f.number === n) : null);
    for (const [type, pins] of Object.entries(PINNED)) {
      for (const [n, name, t, typeName, repeated] of pins) {
        const want = spell({ name, type: t, type_name: typeName, repeated }), got = spell(fieldOf(type, n));
        if (got !== want) bad.push(`${type} field ${n} is ${got || 'missing'}; this page reads it as ${want}`);
      }
    }
    KINDS.forEach((kind, i) => {  // every payload the schema has: its name, and for a
      const f = fieldOf(T('EventBody'), 20 + i);  // municipality's payloads its municipality_code
      if (f && (f.name !== kind || f.type !== 'message')) bad.push(`EventBody field ${20 + i} is ${spell(f)}, not the payload ${kind}`);
      const code = f && MUNICIPALITY_SIGNS.has(20 + i) && fieldOf(f.type_name, 1);
      if (code && spell(code) !== 'municipality_code string') bad.push(`${f.type_name} field 1 is ${spell(code)}, not municipality_code`);
    });
    for (const [n, name] of [[ROLE_MINISTRY, 'ROLE_MINISTRY'], [ROLE_MUNICIPALITY, 'ROLE_MUNICIPALITY']]) {
      if (D.enumName(schema, T('Role'), n) !== name) bad.push(`booo.v1.Role ${n} is not ${name}`);
    }
    return bad;
  }

  // ---- Bytes, hex, base64, integers ---------------------------------------------------------
  // Hex by table: a dossier holds hundreds of thousands of hashes.
  const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
  const NIBBLE = new Int8Array(128).fill(-1);
  for (let i = 0; i < 16; i++) NIBBLE['0123456789abcdef'.charCodeAt(i)] = i;
  function hexToBytes(hex) {
    // Lowercase only: the format writes lowercase, and one spelling per hash keeps comparing exact.
    const bad = () => new Error('not lowercase hex: ' + String(hex).slice(0, 80));
    if (typeof hex !== 'string' || hex.length % 2) throw bad();
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) {
      const hi = NIBBLE[hex.charCodeAt(2 * i)], lo = NIBBLE[hex.charCodeAt(2 * i + 1)];
      if (!(hi >= 0 && lo >= 0)) throw bad();  // undefined (beyond ASCII) fails too
      out[i] = (hi << 4) | lo;
    }
    return out;
  }
  function hash32(hex, what) {  // every hash in the format is SHA-256: 32 bytes
    const bytes = hexToBytes(hex);
    if (bytes.length !== 32) throw new Error(`${what} is ${bytes.length} bytes, not a 32-byte hash`);
    return bytes;
  }
  // The same check, the hash kept as hex (an inclusion proof is 22 of them).
  const hashHex = (hex, what) => (typeof hex === 'string' && /^[0-9a-f]{64}$/.test(hex) ? hex : toHex(hash32(hex, what)));
  function toHex(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
    return s;
  }
  function fromBase64(text) {
    const s = atob(text), out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  // Hashes in reasons: enough hex to tell two apart, short enough to read.
  const short = (hex) => (hex && hex.length > 12 ? hex.slice(0, 12) + '…' : hex || '(none)');
  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }
  // Bytes written one after another into a buffer that grows: big-endian integers (u64 takes an
  // i64 as the same bits, and only a whole number: BigInt refuses 1.5), bytes, and strings.
  function writer() {
    let buf = new Uint8Array(512), view = new DataView(buf.buffer), n = 0;
    const room = (k) => {
      if (n + k <= buf.length) return;
      const grown = new Uint8Array(Math.max(2 * buf.length, n + k));
      grown.set(buf.subarray(0, n));
      buf = grown; view = new DataView(buf.buffer);
    };
    const w = {
      u16(x) { room(2); view.setUint16(n, x); n += 2; },
      u32(x) { room(4); view.setUint32(n, x); n += 4; },
      u64(x) { const v = BigInt.asUintN(64, BigInt(x)); room(8); view.setBigUint64(n, v); n += 8; },
      bytes(b) { room(b.length); buf.set(b, n); n += b.length; },
      str(b) { w.u32(b.length); w.bytes(b); },  // u32 length ‖ bytes
      txt(s) {  // u32 length ‖ UTF-8 (ASCII by hand, the rest by TextEncoder)
        const text = String(s || '');
        room(4 + 3 * text.length);  // UTF-8 takes at most 3 bytes per UTF-16 unit
        let at = n + 4, i = 0;
        for (let c; i < text.length && (c = text.charCodeAt(i)) < 0x80; i++) buf[at++] = c;
        if (i < text.length) at += utf8.encodeInto(text.slice(i), buf.subarray(at)).written;
        view.setUint32(n, at - n - 4); n = at;
      },
      done: () => buf.subarray(0, n),
    };
    return w;
  }
  // A sequence: a whole number in the checkpoint's tree (0 <= n < its size).
  const inTree = (n, size) => Number.isSafeInteger(n) && n >= 0 && n < size;
  // Cents travel as decimal strings (they may pass 2^53). BigInt('') is 0n: check the text first.
  function cents(text) {
    if (typeof text !== 'string' || !/^-?[0-9]+$/.test(text)) throw new Error('not cents: ' + JSON.stringify(text));
    const value = BigInt(text);
    if (value !== BigInt.asIntN(64, value)) throw new Error('amount outside int64: ' + text);
    return value;
  }
  // "123456789" -> nl "€ 1.234.567,89", en "€1,234,567.89"; a negative leads with U+2212.
  function formatCents(value, notation) {
    const v = typeof value === 'bigint' ? value : cents(String(value));
    const digits = (v < 0n ? -v : v).toString().padStart(3, '0');
    const nl = notation !== 'en';
    const euros = digits.slice(0, -2).replace(/\B(?=(?:[0-9]{3})+$)/g, nl ? '.' : ',');
    return (v < 0n ? '\u2212' : '') + (nl ? '€ ' + euros + ',' : '€' + euros + '.') + digits.slice(-2);
  }
  const sha256 = async (bytes) => new Uint8Array(await subtle.digest('SHA-256', bytes));
  // A function of bytes computed once per distinct input (its result may be a promise). For
  // what ten thousand events share: a few signing keys, and the upper nodes of the tree.
  function once(f) {
    const done = new Map();
    return (bytes) => {
      const key = typeof bytes === 'string' ? bytes : toHex(bytes);
      if (!done.has(key)) done.set(key, f(bytes));
      return done.get(key);
    };
  }
  // A key id as the ledger spells it: "ed25519:" + 16 hex of SHA-256(public key).
  const keyIdOf = once(async (publicKey) => 'ed25519:' + toHex(await sha256(publicKey)).slice(0, 16));

  // ---- Ed25519, and browsers without it ----------------------------------------------------
  // RFC 8032 §7.1 test 1 (its key, the empty message, its signature): if this browser cannot
  // verify it, every signature check becomes "unsupported", not "failed".
  const PROBE = ['d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'];
  let ed25519Works = null;
  const probeEd25519 = () => (ed25519Works = ed25519Works || subtle.importKey('raw', hexToBytes(PROBE[0]), { name: 'Ed25519' }, false, ['verify'])
    .then((key) => subtle.verify({ name: 'Ed25519' }, key, hexToBytes(PROBE[1]), new Uint8Array(0))).catch(() => false));
  const UNSUPPORTED = new Error('this browser cannot check Ed25519 signatures');
  const importEd25519 = once((publicKey) => subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']).catch(() => null));
  async function ed25519Verify(publicKey, signature, message) {
    if (!(await probeEd25519())) throw UNSUPPORTED;
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    const key = await importEd25519(publicKey);
    return !!key && subtle.verify({ name: 'Ed25519' }, key, signature, message);
  }

  // ---- Signed bodies ------------------------------------------------------------------------
  // Each event's body decoded once: { msg, p: its payload {num, kind, msg} } or { error }.
  function readBody(ev, schema) {
    let bytes;
    try { bytes = fromBase64(ev.body); } catch (e) { return { error: 'not base64' }; }
    const r = D.decode(schema, T('EventBody'), bytes);
    if (r.error) return { error: r.error };
    const set = [...r.message.fields.keys()].filter((n) => n >= 20 && n <= 41);
    if (set.length > 1) return { error: `it holds ${set.length} payloads (fields ${set.join(', ')})` };
    const num = set[0] || 0, p = D.get(r.message, num);
    return { msg: r.message, p: { num, kind: num ? KINDS[num - 20] : '(no payload)', msg: D.isMessage(p) ? p : null } };
  }
  // A field of a decoded message by number, or protobuf's default when absent.
  const one = (msg, n, absent) => { const v = D.get(msg, n); return v === undefined ? absent : v; };
  const str = (msg, n) => one(msg, n, ''), raw = (msg, n) => one(msg, n, new Uint8Array(0));
  // The signing key a registration records: the genesis's ministry root key, or key_registered's.
  function registered(rec) {
    const m = rec && !rec.error && rec.p.msg;
    if (!m) return null;
    if (rec.p.num === 20) return { key: raw(m, 2), role: ROLE_MINISTRY, code: '' };
    if (rec.p.num === 21) return { key: raw(m, 2), id: str(m, 1), role: one(m, 3, 0), code: str(m, 4) };
    return null;
  }

  // ---- Leaves and the Merkle tree (ledger/core/LEAF_FORMAT.md, RFC 9162) ----------------------
  async function leafHash(event, body, signature) {  // SHA-256(0x00 ‖ leaf)
    const w = writer(), keyId = utf8.encode(event.key_id);
    w.bytes([0, 1]); w.u64(event.sequence); w.u64(cents(event.recorded_at_micros));
    w.u16(keyId.length); w.bytes(keyId); w.u32(body.length); w.bytes(body); w.u16(signature.length); w.bytes(signature);
    return toHex(await sha256(w.done()));
  }
  // An inner node's hash from its children's (hex): SHA-256(0x01 ‖ left ‖ right).
  const innerNode = async (left, right) => toHex(await sha256(concat([1], hexToBytes(left), hexToBytes(right))));
  // The same, each distinct pair hashed once: the proofs of a dossier's events share their upper
  // nodes. Every proof is still walked to the root, and a node is the hash of the very bytes given.
  function innerNodeOnce() {
    const byLeft = new Map();  // left -> Map(right -> the node's hash, a promise)
    return (left, right) => {
      let byRight = byLeft.get(left);
      if (!byRight) byLeft.set(left, (byRight = new Map()));
      let node = byRight.get(right);
      if (!node) byRight.set(right, (node = innerNode(left, right)));
      return node;
    };
  }
  // RFC 9162 §2.1.3.2: the root (hex) an inclusion proof (hex hashes) leads to from leaf
  // `index` in a tree of `size`, or null when the proof's length does not fit that position.
  async function rootFromProof(index, size, leaf, proof, node) {
    if (!(index >= 0 && index < size)) return null;
    let fn = index, sn = size - 1, r = leaf;
    for (const p of proof) {
      if (sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await node(p, r);
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await node(r, p);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }
  // The same with bytes, as RFC 9162's test vectors give them.
  async function rootFromInclusionProof(index, size, leaf, proof) {
    const r = await rootFromProof(index, size, toHex(leaf), proof.map(toHex), innerNode);
    return r && hexToBytes(r);
  }

  // ---- Signed notes (C2SP signed-note, tlog-checkpoint, tlog-cosignature) ---------------------
  function parseNote(note) {
    // The text ends at the last blank line and keeps its final newline; signature lines follow.
    const cut = note.lastIndexOf('\n\n');
    if (cut < 0 || !note.endsWith('\n')) throw new Error('not a signed note (no blank line before signatures)');
    const lines = note.slice(cut + 2, -1).split('\n').map((line) => {
      const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
      if (!m) throw new Error('not a signature line: ' + JSON.stringify(line.slice(0, 60)));
      const sig = fromBase64(m[2]);
      if (sig.length < 4) throw new Error(`signature line by ${m[1]} is too short`);
      return { name: m[1], id: toHex(sig.subarray(0, 4)), sig: sig.subarray(4) };
    });
    return { text: note.slice(0, cut + 1), lines };
  }
  // A vkey, "name+hash+base64(type ‖ key)". Base64 may hold '+', so split at the first two only.
  async function parseVkey(vkey, type) {
    const a = vkey.indexOf('+'), b = vkey.indexOf('+', a + 1);
    const name = vkey.slice(0, a), id = vkey.slice(a + 1, b);
    if (a < 1 || b < 0 || !/^[0-9a-f]{8}$/.test(id)) throw new Error('malformed verifier key ' + vkey);
    const raw = fromBase64(vkey.slice(b + 1));
    if (raw.length !== 33 || raw[0] !== type) throw new Error(`verifier key ${name} is not an Ed25519 key of type ${type}`);
    const key = raw.subarray(1);
    const want = toHex((await sha256(concat(utf8.encode(name + '\n'), [type], key))).subarray(0, 4));
    if (want !== id) throw new Error(`verifier key ${name} states key hash ${id}, its key hashes to ${want}`);
    return { name, id, key };
  }
  // A line's check: 'verified', 'failed', or 'unsupported' (this browser cannot check Ed25519).
  const lineState = (check) => check.then((ok) => (ok ? 'verified' : 'failed'), (e) => {
    if (e === UNSUPPORTED) return 'unsupported';
    throw e;
  });

  async function verifyCheckpoint(cp, ctx) {
    const bad = [], lines = [], seen = new Set(), cosigned = new Set();
    if (!Number.isSafeInteger(cp.tree_size) || cp.tree_size < 1) bad.push(`tree size ${cp.tree_size} is not a whole number above 0`);
    hash32(cp.root, 'the root');
    const note = parseNote(cp.note);
    const [origin, size, rootB64] = note.text.split('\n');
    if (size !== String(cp.tree_size)) bad.push(`the note states tree size ${size}, the dossier ${cp.tree_size}`);
    const noteRoot = toHex(fromBase64(rootB64 || ''));
    if (noteRoot !== cp.root) bad.push(`the note states root ${short(noteRoot)}, the dossier ${short(cp.root)}`);
    // The log is the one whose genesis this dossier holds: the note's origin is the one it signs.
    const g = ctx.genesis;
    if (!g) bad.push('the genesis is not in the dossier, so the note\'s origin cannot be checked');
    else if (str(g.p.msg, 1) !== origin) bad.push(`the note's origin is ${origin}, the genesis signs origin ${str(g.p.msg, 1)}`);
    const own = await parseVkey(cp.verifier_key, 0x01), message = utf8.encode(note.text);
    for (const line of note.lines.filter((l) => l.name === own.name && l.id === own.id)) {
      seen.add(line);
      const state = await lineState(ed25519Verify(own.key, line.sig, message));
      lines.push({ name: line.name, role: 'checkpoint key', state });
      if (state === 'failed') bad.push(`signature line by ${own.name} does not verify`);
    }
    if (!seen.size) bad.push(`no signature line by ${own.name} (key hash ${own.id})`);
    // The key this dossier trusts must be one the ledger records: the genesis's or a rotation's.
    const n = cp.key_record_sequence, rec = ctx.record(n);
    if (n === null || n === undefined) bad.push('no event of this ledger records the key this dossier trusts');
    else if (!inTree(n, ctx.size)) bad.push(`key_record_sequence ${n} is not a sequence in the tree`);
    else if (!rec) bad.push(`the key's record, event #${n}, is not in the dossier`);
    else if (rec.error) bad.push(`the key's record, event #${n}, cannot be read: ${rec.error}`);
    else {
      const m = rec.p.msg, [key, name] = rec.p.num === 20 ? [raw(m, 3), str(m, 4)] : rec.p.num === 41 ? [raw(m, 1), str(m, 2)] : [];
      if (!key) bad.push(`event #${n} is a ${rec.p.kind}, which records no checkpoint key`);
      else if (toHex(key) !== toHex(own.key)) bad.push(`event #${n} records checkpoint key ${short(toHex(key))}, not the trusted ${short(toHex(own.key))}`);
      else if (name !== own.name) bad.push(`event #${n} names the checkpoint key ${name}, the trusted key is named ${own.name}`);
      // A tree that holds a later rotation is signed with the rotated key.
      for (const [s, r] of ctx.bodies) {
        if (!r.error && r.p.num === 41 && s > n && s < cp.tree_size) bad.push(`event #${s} rotated the checkpoint key after #${n}: a tree of ${cp.tree_size} events is signed with the newer key`);
      }
    }
    for (const w of cp.witness_keys || []) {
      const wk = await parseVkey(w.vkey, 0x04);
      const mine = note.lines.filter((l) => l.name === wk.name && l.id === wk.id);
      if (!mine.length) lines.push({ name: wk.name, role: 'witness', state: 'absent' });
      for (const line of mine) {
        seen.add(line);
        // timestamped_signature: u64 big-endian POSIX time ‖ 64-byte Ed25519 signature, over
        // "cosignature/v1\ntime <t>\n" and the note text.
        const time = line.sig.length !== 72 ? -1n
          : line.sig.subarray(0, 8).reduce((t, b) => (t << 8n) | BigInt(b), 0n);
        const signed = concat(utf8.encode(`cosignature/v1\ntime ${time}\n`), message);
        const state = time < 0n || time > INT64_MAX ? 'failed' : await lineState(ed25519Verify(wk.key, line.sig.subarray(8), signed));
        lines.push({ name: wk.name, role: 'witness', state, time: time >= 0n ? String(time) : null });
        if (state === 'failed') bad.push(`cosignature line by ${wk.name} does not verify`);
        if (state !== 'failed') cosigned.add(w.name).add(wk.name);
      }
    }
    // The witnesses the writer's trust store saw cosign: each line must verify here too.
    for (const name of cp.witness_cosigned_by || []) {
      if (!cosigned.has(name)) bad.push(`cosignature by ${name} missing or invalid`);
    }
    for (const line of note.lines) if (!seen.has(line)) lines.push({ name: line.name, role: 'unknown key', state: 'not checked' });
    return { bad, lines, unsupported: lines.some((l) => l.state === 'unsupported') };
  }

  // ---- The trace (replay/TRACE_FORMAT.md) ---------------------------------------------------
  const TRACE_NODE_V1 = utf8.encode('booo-trace-node-v1\0');
  function traceEncoding(node, size) {
    const w = writer(), txt = w.txt, str = w.str;
    const list = (xs, each) => { w.u32((xs || []).length); (xs || []).forEach(each); };
    const date = (d) => (d || [0, 0, 0]).forEach((x) => w.u32(x >>> 0));
    const seq = (n, what) => { if (!inTree(n, size)) throw new Error(`${what} ${n} is not a sequence in the tree`); return n; };
    w.bytes(TRACE_NODE_V1);
    txt(node.key); txt(node.label); w.u64(cents(node.amount_cents)); txt(node.formula);
    list(node.rules, (r) => {
      txt(r.parameter); txt(r.value); date(r.valid_first); date(r.valid_last);
      // A rule value read from no amendment has sequence 0 and no leaf hash.
      w.u64(r.amendment_leaf_hash ? seq(r.amendment_sequence, 'amendment sequence') : r.amendment_sequence || 0);
      str(r.amendment_leaf_hash ? hash32(r.amendment_leaf_hash, 'an amendment leaf hash') : new Uint8Array(0));
      txt(r.citation); txt(r.citation_url);
      for (const b of r.set_by || []) { seq(b.amendment_sequence, 'set_by sequence'); hash32(b.amendment_leaf_hash, 'a set_by leaf hash'); }
    });
    list(node.sources, (s) => {
      w.u64(seq(s.sequence, 'source sequence')); str(hash32(s.leaf_hash, 'a source leaf hash')); txt(s.event_id); txt(s.kind);
    });
    list(node.notes, (note) => txt(note));
    list(node.children, (c) => str(hash32(c.digest, `the digest of child ${c.key}`)));  // as given
    return w.done();
  }
  // Each node on its own: its digest from its own content and its children's stated digests,
  // so a changed node fails where it was changed; and a parent's amount is its children's sum.
  async function verifyTraceNode(node, path, nodes, cited, size) {
    const bad = [], kids = node.children || [], keys = new Set(), badKids = [];
    try {
      const digest = toHex(await sha256(traceEncoding(node, size)));
      if (digest !== node.digest) bad.push(`node ${path}: its content hashes to ${short(digest)}, the trace states ${short(node.digest)}`);
      const sum = kids.reduce((s, c) => s + cents(c.amount_cents), 0n);
      if (kids.length && sum !== cents(node.amount_cents)) {
        bad.push(`node ${path}: amount ${formatCents(node.amount_cents)} is not the sum of its children ${formatCents(sum)}`);
      }
      // Citations, checked against the events: sources, the amendments rule values were read
      // from, and those that set them (set_by is outside the digest, so this is its only check).
      for (const s of node.sources || []) cited.push({ seq: s.sequence, hash: s.leaf_hash, by: path, why: 'source of ' + path });
      for (const r of node.rules || []) {
        const by = `${path} (rule ${r.parameter})`;
        if (r.amendment_leaf_hash) cited.push({ seq: r.amendment_sequence, hash: r.amendment_leaf_hash, by, why: `rule ${r.parameter} read from` });
        for (const o of r.set_by || []) cited.push({ seq: o.amendment_sequence, hash: o.amendment_leaf_hash, by, why: `rule ${r.parameter} set by` });
      }
    } catch (e) { bad.push(`node ${path}: ${e.message}`); }
    // A path joins keys with "/": a key holds none, and no two siblings share one.
    for (const c of kids) {
      const why = typeof c.key !== 'string' || !c.key ? 'has no key' : c.key.includes('/') ? 'has a key with "/"'
        : keys.has(c.key) ? 'has the key of an earlier sibling' : null;
      keys.add(c.key);
      if (why) { badKids.push([`${path}/${c.key}`, why]); bad.push(`node ${path}/${c.key}: ${why}`); }
    }
    nodes[path] = { state: bad.length ? 'failed' : 'verified', reason: bad.join('; ') };
    for (const c of kids) bad.push(...await verifyTraceNode(c, path + '/' + c.key, nodes, cited, size));
    for (const [p, why] of badKids) nodes[p] = { state: 'failed', reason: `node ${p}: ${why}` };
    return bad;
  }
  // The root against the determination's signed body: the page derives MATCH or MISMATCH itself.
  // What the page shows of the determination must be what its body signs.
  function settle(data, root, ctx, bad) {
    const st = data.settlement, det = st.determination, ev = ctx.bySeq.get(det.sequence), rec = ctx.record(det.sequence);
    if (!ev || !rec) { bad.push(`the determination, event #${det.sequence}, is not in the dossier`); return 'MISMATCH'; }
    if (rec.error) { bad.push(`the determination, event #${det.sequence}, cannot be read: ${rec.error}`); return 'MISMATCH'; }
    if (rec.p.num !== 36) { bad.push(`event #${det.sequence} is a ${rec.p.kind}, not a grant_determined`); return 'MISMATCH'; }
    const m = rec.p.msg, amount = one(m, 3, 0n), digest = toHex(raw(m, 4)), d = one(m, 5, null);
    const date = [1, 2, 3].map((i) => String(one(d, i, 0)).padStart(i === 1 ? 4 : 2, '0')).join('-');
    const rootAmount = cents(root.amount_cents);
    for (const [what, signed, shown] of [
      ['municipality', str(m, 1), st.municipality_code], ['spending year', one(m, 2, 0), st.spending_year],
      ['amount', formatCents(amount), formatCents(det.amount_cents)], ['trace digest', digest, det.trace_digest],
      ['decision reference', str(m, 6), det.decision_reference], ['decision date', date, det.decision_date],
      ['event id', str(rec.msg, 1), det.event_id]]) {
      if (String(signed) !== String(shown)) bad.push(`the determination's signed body states ${what} ${signed}, the dossier shows ${shown}`);
    }
    if (cents(st.replayed_amount_cents) !== rootAmount) {
      bad.push(`the replayed amount shown, ${formatCents(st.replayed_amount_cents)}, is not the trace root's ${formatCents(rootAmount)}`);
    }
    if (st.replayed_trace_digest !== root.digest) {
      bad.push(`the replayed trace digest shown, ${short(st.replayed_trace_digest)}, is not the trace root's ${short(root.digest)}`);
    }
    const derived = rootAmount === amount && root.digest === digest ? 'MATCH' : 'MISMATCH';
    if (st.verdict !== derived) {
      bad.push(`the dossier declares ${st.verdict}, but the trace root (${formatCents(rootAmount)}, digest ` +
        `${short(root.digest)}) ${derived === 'MATCH' ? 'equals' : 'differs from'} the determination's signed ` +
        `body (${formatCents(amount)}, digest ${short(digest)})`);
    }
    return derived;
  }

  // ---- Events -------------------------------------------------------------------------------
  // Who may sign this event: the genesis is event #0 and signed by the root key it records;
  // every other signer registered earlier, with the role the payload needs, and not revoked yet.
  function authority(ev, rec, ctx) {
    if (rec.error) return 'who signed it cannot be checked without a readable body';
    const bad = [], seq = ev.sequence, n = ev.signer_registration, { num, kind } = rec.p;
    if (num === 20 || seq === 0) {
      if (num !== 20) bad.push('event #0 is not a genesis');
      else if (seq !== 0) bad.push(`a genesis at #${seq}: the genesis is event #0`);
      else if (n !== 0) bad.push(`the genesis is not its own signer's registration (#${n})`);
    } else if (n === seq) bad.push('it registers its own signer: only the genesis may');
    else if (Number.isSafeInteger(n) && n > seq) bad.push(`its signer is registered by a later event, #${n}`);
    const reg = registered(ctx.record(n));
    if (reg && num !== 20) {
      const role = D.enumName(ctx.schema, T('Role'), reg.role) || `role ${reg.role}`;
      if (reg.role === ROLE_MUNICIPALITY) {
        // A municipality key signs its own municipality's declarations only.
        const f = rec.p.msg && D.fieldNamed(ctx.schema, rec.p.msg.type, 'municipality_code');
        const code = f ? one(rec.p.msg, f.number, '') : null;
        if (!MUNICIPALITY_SIGNS.has(num)) bad.push(`signed by ${ev.key_id}, a ${role} key: only a ministry key signs ${kind}`);
        else if (code === null) bad.push(`${kind} names no municipality_code`);
        else if (code !== reg.code) bad.push(`signed by ${ev.key_id}, the key of ${reg.code}, for municipality ${code}`);
      } else if (reg.role === ROLE_MINISTRY) {
        if (MUNICIPALITY_SIGNS.has(num)) bad.push(`signed by ${ev.key_id}, a ${role} key: only the municipality itself signs ${kind}`);
      } else bad.push(`signed by ${ev.key_id}, a ${role} key, which signs nothing`);
    }
    // A key signs nothing after its revocation (the revocation itself may be its last event).
    const at = ev.signer_revocation, revoked = new Set(ctx.revocations.get(ev.key_id) || []);
    if (at !== null && at !== undefined) {
      const r = ctx.record(at);
      if (!inTree(at, ctx.size)) bad.push(`signer_revocation ${at} is not a sequence in the tree`);
      else if (!r) bad.push(`its signer's revocation, event #${at}, is not in the dossier`);
      else if (r.error || r.p.num !== 22 || str(r.p.msg, 1) !== ev.key_id) bad.push(`event #${at} is not the revocation of ${ev.key_id}`);
      else revoked.add(at);
    }
    for (const r of [...revoked].sort((a, b) => a - b)) if (seq > r) bad.push(`signed by ${ev.key_id} after its revocation at #${r}`);
    return bad.join(', ');
  }

  async function verifyEvent(ev, ctx) {
    const checks = {}, reasons = [], rec = ctx.record(ev.sequence);
    const check = async (name, run) => {
      let problem;
      try { problem = await run(); } catch (e) { problem = e === UNSUPPORTED ? e : `${name}: ${e.message}`; }
      checks[name] = problem === UNSUPPORTED ? 'unsupported' : problem ? 'failed' : 'verified';
      if (problem && problem !== UNSUPPORTED) reasons.push(`event #${ev.sequence}: ${problem}`);
    };
    const body = fromBase64(ev.body), signature = fromBase64(ev.signature);
    await check('leaf', async () => {
      const h = await leafHash(ev, body, signature);
      hash32(ev.leaf_hash, 'the leaf hash');
      return h === ev.leaf_hash ? null : `body hashes to leaf ${short(h)}, the ledger states ${short(ev.leaf_hash)}`;
    });
    // The id, stream, signer and kind shown come from the signed body, not from the page's say-so.
    await check('body', () => (rec.error ? `body: ${rec.error}` : [
      ['event id', str(rec.msg, 1), ev.event_id], ['stream', str(rec.msg, 2), ev.stream],
      ['signer', str(rec.msg, 4), ev.key_id], ['kind', rec.p.kind, ev.kind]]
      .filter(([, signed, shown]) => signed !== shown)
      .map(([what, signed, shown]) => `the signed body's ${what} is ${signed}, the dossier shows ${shown}`).join(', ')));
    await check('citations', () => (ctx.citations.get(ev.sequence) || [])
      .filter((c) => c.hash !== ev.leaf_hash)
      .map((c) => `trace node ${c.by} cites it as leaf ${short(c.hash)}, the ledger states ${short(ev.leaf_hash)}`).join(', '));
    await check('signature', async () => {
      const n = ev.signer_registration, reg = ctx.record(n), key = registered(reg);
      if (n === null || n === undefined) return `no registration of key ${ev.key_id} in the dossier`;
      if (!inTree(n, ctx.size)) return `signer_registration ${n} is not a sequence in the tree`;
      if (!reg) return `the registration of key ${ev.key_id}, event #${n}, is not in the dossier`;
      if (reg.error) return `the registration of key ${ev.key_id}, event #${n}, cannot be read: ${reg.error}`;
      if (!key) return `event #${n} is a ${reg.p.kind}, which registers no signing key`;
      const id = await keyIdOf(key.key);
      if (id !== ev.key_id) return `event #${n} registers key ${id}, not ${ev.key_id}`;
      if (key.id !== undefined && key.id !== id) return `event #${n} states key id ${key.id} for key ${id}`;
      if (await ed25519Verify(key.key, signature, body)) return null;
      return `signature does not verify with key ${ev.key_id} (registered by event #${n})`;
    });
    await check('authority', () => authority(ev, rec, ctx));
    await check('proof', async () => {
      const proof = ev.proof.map((h, i) => hashHex(h, `proof hash ${i + 1}`)), size = ctx.size, root = ctx.root;
      const r = await rootFromProof(ev.sequence, size, hashHex(ev.leaf_hash, 'the leaf hash'), proof, ctx.innerNode);
      if (!r) return `inclusion proof of ${proof.length} hashes does not fit leaf ${ev.sequence} of a tree of ${size}`;
      if (r === root) return null;
      return `inclusion proof (${proof.length} hashes) leads to root ${short(r)}, the checkpoint's root is ${short(root)}`;
    });
    const state = reasons.length ? 'failed' : Object.values(checks).includes('unsupported') ? 'unsupported' : 'verified';
    return { state, reason: reasons.join('; '), checks };
  }

  // Why each event is in the dossier, from what the page checks (the JSON's cited_as is not read).
  function whyEach(data, ctx, cited) {
    const why = new Map();
    const add = (seq, text) => { const l = why.get(seq) || []; if (!l.includes(text)) l.push(text); why.set(seq, l); };
    add(data.settlement.determination.sequence, 'the determination');
    for (const c of cited) add(c.seq, c.why);
    for (const ev of data.events) {
      if (ev.signer_registration !== ev.sequence) add(ev.signer_registration, 'registration of ' + ev.key_id);
    }
    for (const [seq, r] of ctx.bodies) if (!r.error && r.p.num === 22) add(seq, 'revocation of ' + str(r.p.msg, 1));
    add(data.checkpoint.key_record_sequence, 'record of the checkpoint key');
    if (ctx.genesis) add(0, 'the genesis');
    return why;
  }

  // ---- The whole dossier --------------------------------------------------------------------
  // Events are checked a batch at a time, the batch's checks interleaved (each check still whole);
  // between batches a browser may draw the page and answer its reader (under Node: no wait).
  const BATCH = 256;
  const pause = () => (globalThis.scheduler && typeof globalThis.scheduler.yield === 'function' ? globalThis.scheduler.yield()
    : new Promise((resolve) => (typeof globalThis.setTimeout === 'function' ? globalThis.setTimeout(resolve, 0) : resolve())));

  // options.progress(checked, total), if given, hears how many events are checked so far.
  async function verifyDossier(data, options) {
    const progress = (options && options.progress) || (() => {});
    const items = {}, nodes = {}, trust = { checkpoint_key: null, ministry_root_key: null };
    let settlement = 'MISMATCH';
    const item = (name, bad, extra) => {
      const reason = bad.map((b) => `${name}: ${b}`).join('; ');
      items[name] = Object.assign({ state: bad.length ? 'failed' : 'verified', reason }, extra);
    };
    const supported = await probeEd25519();
    try {
      if (!data || data.format !== 'booo-dossier/1') throw new Error('not a booo-dossier/1 document');
      if (!Array.isArray(data.events) || !data.checkpoint || !data.trace || !data.settlement) throw new Error('events, trace, settlement or checkpoint missing');
      trust.checkpoint_key = String(data.checkpoint.verifier_key);
      const schemaBad = schemaProblems(data.schema);
      if (schemaBad.length) throw new Error('its schema does not match the events this page checks: ' + schemaBad.join('; '));
      const cp = data.checkpoint, size = Number.isSafeInteger(cp.tree_size) ? cp.tree_size : 0;
      const bySeq = new Map(), bodies = new Map(), revocations = new Map();  // bySeq: null marks a duplicate
      for (const ev of data.events) bySeq.set(ev.sequence, bySeq.has(ev.sequence) ? null : ev);
      for (const [seq, ev] of bySeq) if (ev && inTree(seq, size)) bodies.set(seq, readBody(ev, data.schema));
      for (const [seq, r] of bodies) {
        if (!r.error && r.p.num === 22) revocations.set(str(r.p.msg, 1), (revocations.get(str(r.p.msg, 1)) || []).concat(seq));
      }
      const g = bodies.get(0), genesis = g && !g.error && g.p.num === 20 ? g : null;
      if (genesis) trust.ministry_root_key = await keyIdOf(raw(genesis.p.msg, 2));
      const ctx = { schema: data.schema, bySeq, bodies, revocations, genesis, size, root: cp.root,
        record: (n) => (inTree(n, size) && bodies.get(n)) || null, citations: new Map(), innerNode: innerNodeOnce() };
      // The trace first: its citations feed the events' checks.
      const cited = [], traceBad = [];
      if (!inTree(data.settlement.determination.sequence, size)) traceBad.push(`the determination's sequence ${data.settlement.determination.sequence} is not in the tree`);
      traceBad.push(...await verifyTraceNode(data.trace, String(data.trace.key), nodes, cited, size));
      if (typeof data.trace.key !== 'string' || !data.trace.key || data.trace.key.includes('/')) traceBad.push('the root node has no key, or one with "/"');
      try { settlement = settle(data, data.trace, ctx, traceBad); } catch (e) { traceBad.push('the determination: ' + e.message); }
      const point = data.settlement.ledger_point;
      if (!Number.isSafeInteger(point) || point < 1 || point > size) traceBad.push(`the ledger point ${point} is not a tree size up to ${size}`);
      for (const c of cited) {
        if (!bySeq.get(c.seq)) traceBad.push(`node ${c.by} cites event #${c.seq}, which is not in the dossier`);
        else if (!(c.seq < point)) traceBad.push(`node ${c.by} cites event #${c.seq}, past the ledger point (first ${point} events)`);
        if (!ctx.citations.has(c.seq)) ctx.citations.set(c.seq, []);
        ctx.citations.get(c.seq).push(c);  // one amendment may be cited by every node
      }
      item('trace', traceBad);
      const why = whyEach(data, ctx, cited);
      const eventItem = async (ev) => {
        const fail = (w) => ({ state: 'failed', reason: `event #${ev.sequence}: ${w}`, checks: {}, why: [] });
        if (!inTree(ev.sequence, size)) return fail(`sequence ${ev.sequence} is not a whole number below the tree size ${cp.tree_size}`);
        if (bySeq.get(ev.sequence) === null) return fail('appears more than once');
        try { return Object.assign(await verifyEvent(ev, ctx), { why: why.get(ev.sequence) || [] }); } catch (e) { return fail(e.message); }
      };
      for (let i = 0; i < data.events.length; i += BATCH) {
        const batch = data.events.slice(i, i + BATCH), checked = await Promise.all(batch.map(eventItem));
        batch.forEach((ev, j) => { items['event:' + ev.sequence] = checked[j]; });  // in the dossier's order
        progress(i + batch.length, data.events.length);
        await pause();
      }
      try {
        const r = await verifyCheckpoint(cp, ctx);
        item('checkpoint', r.bad, { lines: r.lines });
        if (!r.bad.length && r.unsupported) items.checkpoint.state = 'unsupported';
      } catch (e) { item('checkpoint', [e.message], { lines: [] }); }
    } catch (e) {
      return { verdict: supported ? 'failed' : 'unsupported', settlement, failures: ['dossier: ' + e.message], items, nodes, trust };
    }
    const failures = Object.values(items).filter((i) => i.state === 'failed').map((i) => i.reason);
    const verdict = !supported ? 'unsupported' : failures.length ? 'failed' : 'verified';
    return { verdict, settlement, failures, items, nodes, trust };
  }

  return Object.freeze({ verifyDossier, formatCents, rootFromInclusionProof });
})();

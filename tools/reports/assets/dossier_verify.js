// The verifier of a booo-ledger audit dossier (tools/reports/DOSSIER_FORMAT.md). It checks the
// evidence embedded in the page with nothing but WebCrypto (SHA-256, Ed25519), offline, and is
// short so that an auditor can read all of it. It touches no DOM, so the same file runs in the
// page and under Node 20 (tests/browser/dossier_verify_test.mjs). Its one global is
// DossierVerify; verifyDossier(data) never throws: every problem becomes a failure reason.
'use strict';

globalThis.DossierVerify = (function () {
  const subtle = globalThis.crypto.subtle;
  const utf8 = new TextEncoder();
  const INT64_MAX = 2n ** 63n - 1n;
  // EventBody's payload oneof, field numbers 20..41 in order (proto/booo/v1/events.proto).
  const KINDS = ['genesis', 'key_registered', 'key_revoked', 'rule_amended', 'goo_places_declared',
    'poo_person_months_declared', 'living_allowance_paid', 'transition_cost_requested',
    'transition_cost_decided', 'exception_claim_filed', 'exception_claim_decided', 'advance_paid',
    'voluntary_repayment_received', 'accountability_report_filed', 'hardship_decided',
    'late_accountability_decided', 'grant_determined', 'location_registered',
    'transition_costs_declared', 'advance_requested', 'budget_line_set', 'checkpoint_key_rotated'];

  // ---- Bytes, hex, base64, integers ---------------------------------------------------------
  function hexToBytes(hex) {
    // Lowercase only: the format writes lowercase, and one spelling per hash keeps comparing exact.
    if (typeof hex !== 'string' || !/^(?:[0-9a-f]{2})*$/.test(hex)) throw new Error('not lowercase hex: ' + hex);
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return out;
  }
  const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  // Hashes in reasons: enough hex to tell two apart, short enough to read.
  const short = (hex) => (hex && hex.length > 12 ? hex.slice(0, 12) + '…' : hex || '(none)');
  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }
  function bigEndian(value, size) {  // a BigInt as `size` bytes, unsigned
    const out = new Uint8Array(size);
    for (let i = size - 1; i >= 0; i--) { out[i] = Number(value & 0xffn); value >>= 8n; }
    return out;
  }
  const u16 = (n) => bigEndian(BigInt(n), 2), u32 = (n) => bigEndian(BigInt(n), 4);
  const u64 = (n) => bigEndian(BigInt.asUintN(64, BigInt(n)), 8);  // an i64 as the same bits
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
  async function ed25519Verify(publicKey, signature, message) {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    const key = await subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']).catch((e) => {
      // Older browsers lack Ed25519 in WebCrypto: say so rather than blame the evidence.
      throw e.name === 'NotSupportedError' ? new Error('this browser cannot check Ed25519 signatures; open the dossier in a current browser') : e;
    });
    return subtle.verify({ name: 'Ed25519' }, key, signature, message);
  }
  // A key id as the ledger spells it: "ed25519:" + 16 hex of SHA-256(public key).
  const keyIdOf = async (publicKey) => 'ed25519:' + toHex(await sha256(publicKey)).slice(0, 16);

  // ---- Protobuf: just enough to read a few fields of a signed body ---------------------------
  function varint(buf, pos) {
    let value = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) throw new Error('protobuf: truncated varint');
      const b = buf[pos++];
      value |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (!(b & 0x80)) return [BigInt.asUintN(64, value), pos];
    }
    throw new Error('protobuf: varint longer than 10 bytes');
  }
  // The fields of one message in order, {num, value}: a BigInt (varint) or bytes (length-
  // delimited). Fixed32/64 fields are skipped: none of the fields read here is one.
  function fields(buf) {
    const out = [];
    for (let pos = 0, tag, len; pos < buf.length;) {
      [tag, pos] = varint(buf, pos);
      const num = Number(tag >> 3n), wire = Number(tag & 7n);
      if (num === 0) throw new Error('protobuf: field number 0');
      if (wire === 0) {
        let v; [v, pos] = varint(buf, pos); out.push({ num, value: v });
      } else if (wire === 2) {
        [len, pos] = varint(buf, pos);
        if (len > BigInt(buf.length - pos)) throw new Error(`protobuf: field ${num} runs past the end`);
        out.push({ num, value: buf.subarray(pos, pos + Number(len)) });
        pos += Number(len);
      } else if (wire === 1 || wire === 5) {
        pos += wire === 1 ? 8 : 4;
        if (pos > buf.length) throw new Error(`protobuf: truncated fixed field ${num}`);
      } else throw new Error('protobuf: unexpected wire type ' + wire);
    }
    return out;
  }
  function asBytes(v, what) {
    if (!(v instanceof Uint8Array)) throw new Error(`protobuf: ${what} is not length-delimited`);
    return v;
  }
  // A field path's value as a protobuf parser sets it: the last occurrence of a scalar wins,
  // occurrences of a message merge, which is the same as parsing their concatenation.
  function read(buf, path) {
    const found = fields(buf).filter((f) => f.num === path[0]);
    if (!found.length) return undefined;
    if (path.length === 1) return found[found.length - 1].value;
    return read(concat(...found.map((f) => asBytes(f.value, 'field ' + path[0]))), path.slice(1));
  }
  // The body's payload (oneof 20..41): a later member clears an earlier one, equal ones merge.
  function payload(body) {
    let num = 0, parts = [];
    for (const f of fields(body)) {
      if (f.num < 20 || f.num > 41) continue;
      if (f.num !== num) { num = f.num; parts = []; }
      parts.push(asBytes(f.value, 'payload ' + f.num));
    }
    return { num, kind: num ? KINDS[num - 20] : '(no payload)', bytes: concat(...parts) };
  }
  const text = (v) => (v === undefined ? ''
    : new TextDecoder('utf-8', { fatal: true }).decode(asBytes(v, 'a string')));
  const bytesOf = (v) => (v === undefined ? new Uint8Array(0) : asBytes(v, 'a bytes field'));
  const int = (v, bits) => BigInt.asIntN(bits, v === undefined ? 0n : v);

  // ---- Leaves and the Merkle tree (ledger/core/LEAF_FORMAT.md, RFC 9162) ----------------------
  async function leafHash(event, body, signature) {
    const keyId = utf8.encode(event.key_id);
    const leaf = concat([1], u64(event.sequence), u64(cents(event.recorded_at_micros)),
      u16(keyId.length), keyId, u32(body.length), body, u16(signature.length), signature);
    return toHex(await sha256(concat([0], leaf)));
  }
  // RFC 9162 §2.1.3.2: the root an inclusion proof leads to from leaf `index` in a tree of
  // `size`, or null when the proof's length does not fit that position.
  async function rootFromInclusionProof(index, size, leaf, proof) {
    if (!(index >= 0 && index < size)) return null;
    let fn = index, sn = size - 1, r = leaf;
    for (const p of proof) {
      if (sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(concat([1], p, r));
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await sha256(concat([1], r, p));
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
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

  async function verifyCheckpoint(cp, bySeq) {
    const bad = [], lines = [], seen = new Set();
    const note = parseNote(cp.note);
    const [, size, rootB64] = note.text.split('\n');
    if (size !== String(cp.tree_size)) bad.push(`the note states tree size ${size}, the dossier ${cp.tree_size}`);
    const noteRoot = toHex(fromBase64(rootB64 || ''));
    if (noteRoot !== cp.root) bad.push(`the note states root ${short(noteRoot)}, the dossier ${short(cp.root)}`);
    const own = await parseVkey(cp.verifier_key, 0x01), message = utf8.encode(note.text);
    for (const line of note.lines.filter((l) => l.name === own.name && l.id === own.id)) {
      seen.add(line);
      const ok = await ed25519Verify(own.key, line.sig, message);
      lines.push({ name: line.name, role: 'checkpoint key', state: ok ? 'verified' : 'failed' });
      if (!ok) bad.push(`signature line by ${own.name} does not verify`);
    }
    if (!seen.size) bad.push(`no signature line by ${own.name} (key hash ${own.id})`);
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
        const ok = time >= 0n && time <= INT64_MAX && await ed25519Verify(wk.key, line.sig.subarray(8), signed);
        lines.push({ name: wk.name, role: 'witness', state: ok ? 'verified' : 'failed', time: time >= 0n ? String(time) : null });
        if (!ok) bad.push(`cosignature line by ${wk.name} does not verify`);
      }
    }
    for (const line of note.lines) if (!seen.has(line)) lines.push({ name: line.name, role: 'unknown key', state: 'not checked' });
    const n = cp.key_record_sequence;
    if (n !== null && n !== undefined) {
      const ev = bySeq.get(n), p = ev && payload(fromBase64(ev.body));
      const recorded = !p ? null : p.num === 20 ? read(p.bytes, [3]) : p.num === 41 ? read(p.bytes, [1]) : null;
      if (!ev) bad.push(`the key's record, event #${n}, is not in the dossier`);
      else if (!recorded) bad.push(`event #${n} is a ${p.kind}, which records no checkpoint key`);
      else if (toHex(bytesOf(recorded)) !== toHex(own.key)) {
        bad.push(`event #${n} records checkpoint key ${short(toHex(bytesOf(recorded)))}, not the trusted ${short(toHex(own.key))}`);
      }
    }
    return { bad, lines };
  }

  // ---- The trace (replay/TRACE_FORMAT.md) ---------------------------------------------------
  function traceEncoding(node) {
    const parts = [utf8.encode('booo-trace-node-v1'), [0]];
    const str = (bytes) => parts.push(u32(bytes.length), bytes);
    const txt = (s) => str(utf8.encode(s || ''));
    const list = (xs, each) => { parts.push(u32((xs || []).length)); (xs || []).forEach(each); };
    const date = (d) => (d || [0, 0, 0]).forEach((x) => parts.push(u32(x >>> 0)));
    txt(node.key); txt(node.label); parts.push(u64(cents(node.amount_cents))); txt(node.formula);
    list(node.rules, (r) => {
      txt(r.parameter); txt(r.value); date(r.valid_first); date(r.valid_last);
      parts.push(u64(r.amendment_sequence || 0)); str(hexToBytes(r.amendment_leaf_hash || ''));
      txt(r.citation); txt(r.citation_url);
    });
    list(node.sources, (s) => {
      parts.push(u64(s.sequence)); str(hexToBytes(s.leaf_hash)); txt(s.event_id); txt(s.kind);
    });
    list(node.notes, txt);
    list(node.children, (c) => str(hexToBytes(c.digest)));  // the children's digests as given
    return concat(...parts);
  }
  // Each node on its own: its digest from its own content and its children's stated digests,
  // so a changed node fails where it was changed; and a parent's amount is its children's sum.
  async function verifyTraceNode(node, path, nodes, cited) {
    const bad = [];
    try {
      const digest = toHex(await sha256(traceEncoding(node)));
      if (digest !== node.digest) bad.push(`node ${path}: its content hashes to ${short(digest)}, the trace states ${short(node.digest)}`);
      const kids = node.children || [];
      const sum = kids.reduce((s, c) => s + cents(c.amount_cents), 0n);
      if (kids.length && sum !== cents(node.amount_cents)) {
        bad.push(`node ${path}: amount ${formatCents(node.amount_cents)} is not the sum of its children ${formatCents(sum)}`);
      }
      // Citations, checked against the events: sources, the amendments rule values were read
      // from, and those that set them (set_by is outside the digest, so this is its only check).
      for (const s of node.sources || []) cited.push({ seq: s.sequence, hash: s.leaf_hash, by: path });
      for (const r of node.rules || []) {
        const by = `${path} (rule ${r.parameter})`;
        for (const o of [r, ...(r.set_by || [])]) {
          if (o.amendment_leaf_hash) cited.push({ seq: o.amendment_sequence, hash: o.amendment_leaf_hash, by });
        }
      }
    } catch (e) { bad.push(`node ${path}: ${e.message}`); }
    nodes[path] = { state: bad.length ? 'failed' : 'verified', reason: bad.join('; ') };
    for (const c of node.children || []) bad.push(...await verifyTraceNode(c, path + '/' + c.key, nodes, cited));
    return bad;
  }
  // The root against the determination's signed body: the page derives MATCH or MISMATCH itself.
  // What the page shows of the determination must be what its body signs.
  function settle(data, root, bySeq, bad) {
    const st = data.settlement, det = st.determination, ev = bySeq.get(det.sequence);
    if (!ev) { bad.push(`the determination, event #${det.sequence}, is not in the dossier`); return 'MISMATCH'; }
    const p = payload(fromBase64(ev.body)), f = (...path) => read(p.bytes, path);
    if (p.num !== 36) { bad.push(`event #${det.sequence} is a ${p.kind}, not a grant_determined`); return 'MISMATCH'; }
    const amount = int(f(3), 64), digest = toHex(bytesOf(f(4)));
    const date = [1, 2, 3].map((i) => String(int(f(5, i), 32)).padStart(i === 1 ? 4 : 2, '0')).join('-');
    const rootAmount = cents(root.amount_cents);
    for (const [what, signed, shown] of [
      ['municipality', text(f(1)), st.municipality_code], ['spending year', int(f(2), 32), st.spending_year],
      ['amount', formatCents(amount), formatCents(det.amount_cents)], ['trace digest', digest, det.trace_digest],
      ['decision reference', text(f(6)), det.decision_reference], ['decision date', date, det.decision_date],
      ['event id', ev.event_id, det.event_id]]) {
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
  async function verifyEvent(ev, bySeq, citations, cp) {
    const checks = {}, reasons = [];
    const check = async (name, run) => {
      let problem;
      try { problem = await run(); } catch (e) { problem = `${name}: ${e.message}`; }
      checks[name] = problem ? 'failed' : 'verified';
      if (problem) reasons.push(`event #${ev.sequence}: ${problem}`);
    };
    const body = fromBase64(ev.body), signature = fromBase64(ev.signature);
    await check('leaf', async () => {
      const h = await leafHash(ev, body, signature);
      return h === ev.leaf_hash ? null : `body hashes to leaf ${short(h)}, the ledger states ${short(ev.leaf_hash)}`;
    });
    // The id, stream, signer and kind shown come from the signed body, not from the page's say-so.
    await check('fields', () => [
      ['event id', text(read(body, [1])), ev.event_id], ['stream', text(read(body, [2])), ev.stream],
      ['signer', text(read(body, [4])), ev.key_id], ['kind', payload(body).kind, ev.kind]]
      .filter(([, signed, shown]) => signed !== shown)
      .map(([what, signed, shown]) => `the signed body's ${what} is ${signed}, the dossier shows ${shown}`).join(', '));
    await check('citations', () => (citations.get(ev.sequence) || [])
      .filter((c) => c.hash !== ev.leaf_hash)
      .map((c) => `trace node ${c.by} cites it as leaf ${short(c.hash)}, the ledger states ${short(ev.leaf_hash)}`).join(', '));
    await check('signature', async () => {
      const n = ev.signer_registration, reg = bySeq.get(n);
      if (n === null || n === undefined) return `no registration of key ${ev.key_id} in the dossier`;
      if (!reg) return `the registration of key ${ev.key_id}, event #${n}, is not in the dossier`;
      if (n > ev.sequence) return `key ${ev.key_id} is registered by a later event, #${n}`;
      const p = payload(fromBase64(reg.body));
      // key_registered.public_key or genesis.ministry_root_public_key: both field 2.
      if (p.num !== 21 && p.num !== 20) return `event #${n} is a ${p.kind}, which registers no signing key`;
      const key = bytesOf(read(p.bytes, [2])), id = await keyIdOf(key);
      if (id !== ev.key_id) return `event #${n} registers key ${id}, not ${ev.key_id}`;
      if (await ed25519Verify(key, signature, body)) return null;
      return `signature does not verify with key ${ev.key_id} (registered by event #${n})`;
    });
    await check('proof', async () => {
      const proof = ev.proof.map(hexToBytes);
      const root = await rootFromInclusionProof(ev.sequence, cp.tree_size, hexToBytes(ev.leaf_hash), proof);
      if (!root) return `inclusion proof of ${proof.length} hashes does not fit leaf ${ev.sequence} of a tree of ${cp.tree_size}`;
      if (toHex(root) === cp.root) return null;
      return `inclusion proof (${proof.length} hashes) leads to root ${short(toHex(root))}, the checkpoint's root is ${short(cp.root)}`;
    });
    return { state: reasons.length ? 'failed' : 'verified', reason: reasons.join('; '), checks };
  }

  // ---- The whole dossier --------------------------------------------------------------------
  async function verifyDossier(data) {
    const items = {}, nodes = {};
    let settlement = 'MISMATCH';
    const item = (name, bad, extra) => {
      const reason = bad.map((b) => `${name}: ${b}`).join('; ');
      items[name] = Object.assign({ state: bad.length ? 'failed' : 'verified', reason }, extra);
    };
    try {
      if (!data || data.format !== 'booo-dossier/1') throw new Error('not a booo-dossier/1 document');
      const bySeq = new Map();  // null marks a sequence that appears twice
      for (const ev of data.events) bySeq.set(ev.sequence, bySeq.has(ev.sequence) ? null : ev);
      // The trace first: its citations feed the events' checks.
      const cited = [], traceBad = await verifyTraceNode(data.trace, data.trace.key, nodes, cited);
      try { settlement = settle(data, data.trace, bySeq, traceBad); }
      catch (e) { traceBad.push('the determination: ' + e.message); }
      const citations = new Map(), point = data.settlement.ledger_point;
      for (const c of cited) {
        if (!bySeq.get(c.seq)) traceBad.push(`node ${c.by} cites event #${c.seq}, which is not in the dossier`);
        else if (c.seq >= point) traceBad.push(`node ${c.by} cites event #${c.seq}, past the ledger point (first ${point} events)`);
        citations.set(c.seq, (citations.get(c.seq) || []).concat(c));
      }
      item('trace', traceBad);
      for (const ev of data.events) {
        const name = 'event:' + ev.sequence, fail = (why) => ({ state: 'failed', reason: `event #${ev.sequence}: ${why}`, checks: {} });
        if (bySeq.get(ev.sequence) === null) { items[name] = fail('appears more than once'); continue; }
        try { items[name] = await verifyEvent(ev, bySeq, citations, data.checkpoint); }
        catch (e) { items[name] = fail(e.message); }
      }
      try {
        const cp = await verifyCheckpoint(data.checkpoint, bySeq);
        item('checkpoint', cp.bad, { lines: cp.lines });
      } catch (e) { item('checkpoint', [e.message], { lines: [] }); }
    } catch (e) {
      return { verdict: 'failed', settlement, failures: ['dossier: ' + e.message], items, nodes };
    }
    const failures = Object.values(items).filter((i) => i.state === 'failed').map((i) => i.reason);
    return { verdict: failures.length ? 'failed' : 'verified', settlement, failures, items, nodes };
  }

  return Object.freeze({ verifyDossier, formatCents, rootFromInclusionProof });
})();

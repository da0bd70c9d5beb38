// The protobuf reader of the audit dossier page (tools/reports/DOSSIER_FORMAT.md). It decodes a
// signed EventBody from its bytes with the schema the dossier carries (field numbers, names and
// types, generated from the .proto descriptors) the way a protobuf parser does: the last value of
// a scalar wins, occurrences of a message merge, repeated fields collect (packed or not), a later
// member of a oneof clears an earlier one, fields the schema does not know (or whose wire type is
// not the schema's) are kept as unknown. The schema gives names and types only: every value comes
// from the bytes. It touches no DOM, so it runs under Node too. Its one global is DossierDecode;
// nothing in it throws on bad bytes or a bad schema: decode() returns an error naming the byte.
'use strict';

globalThis.DossierDecode = (function () {
  // The wire type each protobuf type is written with (packed repeated scalars: 2 as well).
  const WIRE = { int32: 0, int64: 0, uint32: 0, uint64: 0, sint32: 0, sint64: 0, bool: 0, enum: 0,
    fixed64: 1, sfixed64: 1, double: 1, fixed32: 5, sfixed32: 5, float: 5, string: 2, bytes: 2, message: 2 };
  const MAX_DEPTH = 100;  // protobuf's default recursion limit
  // Strings as protobuf keeps them: invalid UTF-8 is an error, a leading U+FEFF stays.
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  class Invalid extends Error {  // a problem at an absolute byte offset of the decoded bytes
    constructor(at, why) { super(why); this.at = at; }
  }

  // ---- The schema: one index per message type, built once per schema object (not re-read) ---
  const indexes = new WeakMap();
  function index(schema, type) {
    if (!indexes.has(schema)) indexes.set(schema, new Map());
    const cache = indexes.get(schema);
    if (!cache.has(type)) {
      const byNumber = new Map();
      const fields = schema && schema.messages && schema.messages[type];
      // A malformed field description is left out: its field then reads as unknown.
      for (const f of Array.isArray(fields) ? fields : []) {
        if (!f || !Number.isSafeInteger(f.number) || f.number < 1 || typeof f.name !== 'string' ||
            !Object.hasOwn(WIRE, f.type) || byNumber.has(f.number)) continue;
        const known = f.type !== 'message' || Array.isArray(schema.messages[f.type_name]);
        // A message type missing from the schema reads as bytes rather than guessed at.
        byNumber.set(f.number, Object.assign({}, f, { type: known ? f.type : 'bytes', repeated: f.repeated === true }));
      }
      cache.set(type, byNumber);
    }
    return cache.get(type);
  }
  const fieldNamed = (schema, type, name) => [...index(schema, type).values()].find((f) => f.name === name);

  // ---- The wire format ------------------------------------------------------------------------
  function varint(buf, pos, end) {
    const at = pos;
    let small = 0, value = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw new Invalid(at, 'a varint runs past the end');
      const b = buf[pos++];
      // The first four bytes (28 bits) in plain arithmetic: most varints end there.
      if (i < 4) small |= (b & 0x7f) << (7 * i);
      else value |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (!(b & 0x80)) return [BigInt.asUintN(64, value | BigInt(small)), pos];
    }
    throw new Invalid(at, 'a varint longer than 10 bytes');
  }
  function fixedBytes(buf, pos, size, end) {
    if (pos + size > end) throw new Invalid(pos, `a ${size * 8}-bit value runs past the end`);
    return buf.subarray(pos, pos + size);
  }
  // One value of a varint or fixed-size type at pos: [value, next pos]. 64-bit integers are
  // BigInt, the others Number; int32 and enum are the low 32 bits, signed (two's complement).
  function scalar(type, buf, pos, end) {
    if (WIRE[type] === 0) {
      const [v, next] = varint(buf, pos, end);
      const n32 = BigInt.asUintN(32, v);
      const value = type === 'int64' ? BigInt.asIntN(64, v) : type === 'uint64' ? v
        : type === 'sint64' ? (v >> 1n) ^ -(v & 1n)
          : type === 'sint32' ? Number((n32 >> 1n) ^ -(n32 & 1n))
            : type === 'uint32' ? Number(n32) : type === 'bool' ? v !== 0n : Number(BigInt.asIntN(32, v));
      return [value, next];
    }
    const size = WIRE[type] === 1 ? 8 : 4, bytes = fixedBytes(buf, pos, size, end);
    const view = new DataView(bytes.buffer, bytes.byteOffset, size);
    const value = { fixed64: () => view.getBigUint64(0, true), sfixed64: () => view.getBigInt64(0, true),
      double: () => view.getFloat64(0, true), fixed32: () => view.getUint32(0, true),
      sfixed32: () => view.getInt32(0, true), float: () => view.getFloat32(0, true) }[type]();
    return [value, pos + size];
  }

  // A message of `type` from buf[pos, end): { type, fields: Map(number -> {def, values}), unknown }.
  function message(schema, type, buf, pos, end, depth) {
    if (depth > MAX_DEPTH) throw new Invalid(pos, 'messages nested too deep');
    const defs = index(schema, type), out = { type, fields: new Map(), unknown: [] };
    while (pos < end) {
      const at = pos;
      let tag; [tag, pos] = varint(buf, pos, end);
      const number = Number(tag >> 3n), wire = Number(tag & 7n), def = defs.get(number);
      if (tag > 0xffffffffn || number === 0) throw new Invalid(at, `field number ${tag >> 3n}`);
      if (def && wire === WIRE[def.type] && wire !== 2) {  // a varint or fixed-size field
        let v; [v, pos] = scalar(def.type, buf, pos, end);
        add(out, def, v);
        continue;
      }
      let raw, start = pos;  // for wire type 2: where the field's bytes start
      if (wire === 0) [raw, pos] = varint(buf, pos, end);
      else if (wire === 1 || wire === 5) { raw = fixedBytes(buf, pos, wire === 1 ? 8 : 4, end); pos += raw.length; }
      else if (wire === 2) {
        let len; [len, start] = varint(buf, pos, end);
        if (len > BigInt(end - start)) throw new Invalid(at, `field ${number} runs past the end`);
        pos = start + Number(len);
        raw = buf.subarray(start, pos);
      } else throw new Invalid(at, `wire type ${wire} (field ${number})`);
      if (def && wire === 2 && def.type === 'message') {
        add(out, def, message(schema, def.type_name, buf, start, pos, depth + 1));
      } else if (def && wire === 2 && def.type === 'string') {
        try { add(out, def, utf8.decode(raw)); } catch (e) { throw new Invalid(start, `field ${number} is not UTF-8`); }
      } else if (def && wire === 2 && def.type === 'bytes') {
        add(out, def, raw.slice());
      } else if (def && wire === 2 && def.repeated) {  // packed: values back to back
        for (let p = start, v; p < pos;) { [v, p] = scalar(def.type, buf, p, pos); add(out, def, v); }
      } else {
        out.unknown.push({ number, wire, value: typeof raw === 'bigint' ? raw : raw.slice() });
      }
    }
    return out;
  }
  const isMessage = (v) => !!v && typeof v === 'object' && v.fields instanceof Map;
  // Set a field as a parser does; a member of a oneof clears the oneof's other members.
  function add(msg, def, v) {
    if (def.oneof) {
      for (const [n, f] of msg.fields) if (n !== def.number && f.def.oneof === def.oneof) msg.fields.delete(n);
    }
    const have = msg.fields.get(def.number);
    if (have && def.repeated) have.values.push(v);
    else if (have && isMessage(v) && isMessage(have.values[0])) merge(have.values[0], v);
    else msg.fields.set(def.number, { def, values: [v] });
  }
  function merge(into, from) {
    for (const f of from.fields.values()) for (const v of f.values) add(into, f.def, v);
    into.unknown.push(...from.unknown);
  }

  // ---- The public functions --------------------------------------------------------------------
  // { message } or { error: "not a valid EventBody at byte K (why)", at: K }.
  function decode(schema, type, bytes) {
    const name = String(type).split('.').pop();
    try {
      if (!(ArrayBuffer.isView(bytes) && bytes.BYTES_PER_ELEMENT === 1)) throw new Invalid(0, 'no bytes');
      return { message: message(schema, type, bytes, 0, bytes.length, 0) };
    } catch (e) {
      const at = e instanceof Invalid ? e.at : 0;
      return { error: `not a valid ${name} at byte ${at} (${e instanceof Invalid ? e.message : 'the schema cannot be read'})`, at };
    }
  }
  // A field's value by number (the last of a repeated one), or undefined; all its values.
  const get = (msg, number) => { const f = isMessage(msg) && msg.fields.get(number); return f ? f.values[f.values.length - 1] : undefined; };
  const all = (msg, number) => { const f = isMessage(msg) && msg.fields.get(number); return f ? f.values.slice() : []; };
  const enumName = (schema, type, n) => {
    const names = schema && schema.enums && schema.enums[type];
    return names && Object.hasOwn(names, String(n)) ? String(names[String(n)]) : null;
  };

  // What the page shows of a message: rows { label, number, value }, in the schema's order and
  // then the unknown fields by number. A value is { text, code? }, { cents } (an amount: the page
  // formats it), { rows } (a nested message) or { list: [value, ...] } (repeated).
  const words = (name) => { const w = name.replace(/_/g, ' '); return w.charAt(0).toUpperCase() + w.slice(1); };
  function bytesText(bytes) {
    if (bytes.length <= 64) return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return 'base64 ' + btoa(s);
  }
  const pad = (n, width) => String(n).padStart(width, '0');
  function valueOf(schema, def, v) {
    if (def.type === 'message' && isMessage(v)) {
      const f = (n) => get(v, n) || 0;
      if (def.type_name === 'booo.v1.CivilDate') return { text: `${pad(f(1), 4)}-${pad(f(2), 2)}-${pad(f(3), 2)}` };
      if (def.type_name === 'booo.v1.YearMonth') return { text: `${pad(f(1), 4)}-${pad(f(2), 2)}` };
      return { rows: describe(schema, v) };
    }
    if (def.type === 'bytes') return { text: bytesText(v), code: true };
    if (def.type === 'enum') return { text: enumName(schema, def.type_name, v) || `${v} (not a value of ${def.type_name})` };
    if (/_cents$/.test(def.name) && (typeof v === 'bigint' || Number.isInteger(v))) return { cents: String(v) };
    return { text: String(v) };
  }
  function unknownValue(u) {
    if (u.wire === 0) return { text: String(u.value) };
    return { text: (u.wire === 2 ? '' : 'fixed ') + bytesText(u.value), code: true };
  }
  function describe(schema, msg) {
    const rows = [], order = [...index(schema, msg.type).keys()];
    const known = [...msg.fields.values()].sort((a, b) => order.indexOf(a.def.number) - order.indexOf(b.def.number));
    for (const { def, values } of known) {
      const shown = values.map((v) => valueOf(schema, def, v));
      rows.push({ label: words(def.name), number: def.number, value: def.repeated ? { list: shown } : shown[0] });
    }
    const unknown = [...new Set(msg.unknown.map((u) => u.number))].sort((a, b) => a - b);
    for (const number of unknown) {
      const shown = msg.unknown.filter((u) => u.number === number).map(unknownValue);
      rows.push({ label: `field ${number}`, number, value: shown.length === 1 ? shown[0] : { list: shown } });
    }
    return rows;
  }

  return Object.freeze({ decode, get, all, isMessage, enumName, fieldNamed, describe, words });
})();

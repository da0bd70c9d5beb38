// The ledger's .proto files, loaded at run time with protobufjs, and the two conversions the
// library needs: a caller's plain object to the exact bytes the official protobuf runtimes
// write (encode), and bytes to a plain object with fixed conventions (decode).
//
// Why not protobufjs's own fromObject/toObject alone:
// - Deterministic bytes. The C++ and Python sides serialize with the official runtimes, which
//   leave out a proto3 implicit-presence field at its default (0, "", false, empty bytes,
//   enum 0) and write fields in field-number order. protobufjs writes every field that is an
//   own property, so `places: 0` would add two bytes and the signature would cover other bytes
//   than the C++ and Python libraries sign. `prepare` drops such defaults, recursively; fields
//   with explicit presence (proto3 `optional`, oneof members, sub-messages) are kept.
// - 64-bit integers. protobufjs's verify() and fromObject() disagree about strings, and a JS
//   number past 2^53 silently loses digits. `prepare` takes a safe-integer number, a bigint or
//   a decimal string and refuses anything else by name; decode gives every int64/uint64 as a
//   bigint (exact, and `<` compares correctly, unlike decimal strings).
// - Unknown keys. fromObject ignores a misspelled field; `prepare` refuses it.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const PROTOBUFJS_DIR = path.dirname(require.resolve('protobufjs/package.json'));
const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const PROTO_FILES = [
  'booo/v1/types.proto', 'booo/v1/events.proto', 'booo/v1/ledger_service.proto',
  'booo/v1/grants_service.proto', 'booo/v1/controls_service.proto',
];

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const UNSIGNED = new Set(['uint64', 'fixed64', 'uint32', 'fixed32']);
const INT32_TYPES = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

/** Where the .proto files are: the option, $BOOO_PROTO_DIR, the package's own copy (what
 *  pack.sh puts in the tarball), or the repository's proto/ two levels up. */
export function findProtoDir(protoDir) {
  const candidates = protoDir ? [protoDir]
    : [process.env.BOOO_PROTO_DIR, path.join(PACKAGE_DIR, 'proto'),
       path.join(PACKAGE_DIR, '..', '..', 'proto')].filter(Boolean);
  for (const dir of candidates) {
    if (fs.existsSync(path.join(dir, 'booo', 'v1', 'events.proto'))) return path.resolve(dir);
  }
  throw new Error(`booo-ledger: no booo/v1/events.proto under ${candidates.join(', ')} ` +
                  '(set the protoDir option or BOOO_PROTO_DIR)');
}

const cache = new Map();

/** The protos of one directory, loaded once. */
export function loadProtos(protoDir) {
  const dir = findProtoDir(protoDir);
  if (!cache.has(dir)) cache.set(dir, new Protos(dir));
  return cache.get(dir);
}

export class Protos {
  constructor(dir) {
    this.dir = dir;
    this.root = new protobuf.Root();
    // google/protobuf/descriptor.proto (imported for the custom payload option) ships with
    // protobufjs; everything else comes from the ledger's proto directory.
    this.root.resolvePath = (_origin, target) => target.startsWith('google/protobuf/')
      ? path.join(PROTOBUFJS_DIR, target) : path.join(dir, target);
    this.root.loadSync(PROTO_FILES, { keepCase: false });
    this.root.resolveAll();
    this._fieldMaps = new Map();
  }

  // "AppendRequest", "booo.v1.AppendRequest" or ".booo.v1.AppendRequest".
  type(name) {
    return this.root.lookupType(qualified(name));
  }

  service(name) {
    return this.root.lookupService(qualified(name));
  }

  /** A plain object (camelCase or snake_case keys) as the bytes the official runtimes write. */
  encode(typeName, object) {
    const type = typeof typeName === 'string' ? this.type(typeName) : typeName;
    const clean = this.prepare(type, object, '');
    return Buffer.from(type.encode(type.fromObject(clean)).finish());
  }

  decode(typeName, bytes) {
    const type = typeof typeName === 'string' ? this.type(typeName) : typeName;
    return toPlain(type, type.decode(bytes));
  }

  // Field by camelCase name or by its .proto (snake_case) name.
  _fields(type) {
    let map = this._fieldMaps.get(type);
    if (!map) {
      map = new Map();
      for (const field of type.fieldsArray) {
        map.set(field.name, field);
        map.set(snakeCase(field.name), field);
      }
      this._fieldMaps.set(type, map);
    }
    return map;
  }

  /** Checks and normalizes `object` for `type`.fromObject, leaving out implicit-presence
   *  defaults. `where` names the field in errors, as the ledger does ("period.first_day"). */
  prepare(type, object, where) {
    if (object === null || typeof object !== 'object' || Array.isArray(object)) {
      throw new TypeError(`${where || type.name}: expected an object for ${type.fullName.slice(1)}`);
    }
    const fields = this._fields(type);
    const out = {};
    for (const [key, value] of Object.entries(object)) {
      if (value === undefined || value === null) continue;
      const field = fields.get(key);
      const name = where ? `${where}.${snakeCase(field ? field.name : key)}` : snakeCase(field ? field.name : key);
      if (!field) throw new TypeError(`${name}: no such field in ${type.fullName.slice(1)}`);
      if (field.map) throw new TypeError(`${name}: map fields are not supported`);
      if (field.repeated) {
        if (!Array.isArray(value)) throw new TypeError(`${name}: expected an array`);
        if (value.length) out[field.name] = value.map((v, i) => this._value(field, v, `${name}[${i}]`));
        continue;
      }
      const converted = this._value(field, value, name);
      // Explicit presence: a oneof member (proto3 `optional` is a one-member oneof) or a
      // sub-message is written even at its default; any other field only when not default.
      const explicit = field.partOf || field.resolvedType instanceof protobuf.Type;
      if (explicit || !isDefault(field, converted)) out[field.name] = converted;
    }
    return out;
  }

  _value(field, value, name) {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type) return this.prepare(resolved, shorthand(resolved, value, name), name);
    if (resolved instanceof protobuf.Enum) return enumNumber(resolved, value, name);
    if (LONG_TYPES.has(field.type)) return int64String(value, UNSIGNED.has(field.type), name);
    if (INT32_TYPES.has(field.type)) return int32Number(value, UNSIGNED.has(field.type), name);
    switch (field.type) {
      case 'string':
        if (typeof value !== 'string') throw new TypeError(`${name}: expected a string`);
        return value;
      case 'bool':
        if (typeof value !== 'boolean') throw new TypeError(`${name}: expected a boolean`);
        return value;
      case 'bytes':
        if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
        if (typeof value === 'string') return Buffer.from(value, 'base64');
        throw new TypeError(`${name}: expected a Buffer, Uint8Array or base64 string`);
      case 'double': case 'float':
        if (typeof value !== 'number') throw new TypeError(`${name}: expected a number`);
        return value;
      default:
        throw new TypeError(`${name}: unsupported field type ${field.type}`);
    }
  }
}

function qualified(name) {
  return name.startsWith('.') ? name : `.${name.startsWith('booo.') ? name : `booo.v1.${name}`}`;
}

export function snakeCase(name) {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function isDefault(field, value) {
  if (LONG_TYPES.has(field.type)) return value === '0';
  if (field.type === 'bytes') return value.length === 0;
  return value === 0 || value === '' || value === false;
}

// The ledger's value types also take their plain spellings: "2023-03-01" for a CivilDate,
// [first, last] for a DateRange (both days included), [2023, 3] or "2023-03" for a YearMonth.
function shorthand(type, value, name) {
  switch (type.fullName) {
    case '.booo.v1.CivilDate': return typeof value === 'string' ? civilDate(value, name) : value;
    case '.booo.v1.DateRange':
      return Array.isArray(value) ? { firstDay: value[0], lastDay: value[1] } : value;
    case '.booo.v1.YearMonth': return Array.isArray(value) || typeof value === 'string' ? yearMonth(value, name) : value;
    default: return value;
  }
}

/** "YYYY-MM-DD" (a real day) as a CivilDate; a {year, month, day} object as it is. No JS Date:
 *  a Date is an instant, and its day depends on the time zone. */
export function civilDate(day, name = 'date') {
  if (day !== null && typeof day === 'object' && !(day instanceof Date)) return day;
  const found = typeof day === 'string' && /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!found) throw new TypeError(`${name}: expected "YYYY-MM-DD" or {year, month, day}, not ${String(day)}`);
  const [year, month, d] = found.slice(1).map(Number);
  const check = new Date(Date.UTC(year, month - 1, d));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== d) {
    throw new RangeError(`${name}: ${day} is not a day of the calendar`);
  }
  return { year, month, day: d };
}

/** [year, month], "YYYY-MM" or {year, month} as a YearMonth. */
export function yearMonth(month, name = 'month') {
  if (Array.isArray(month)) return { year: month[0], month: month[1] };
  if (typeof month === 'string') {
    const found = /^(\d{4})-(\d{2})$/.exec(month);
    if (!found) throw new TypeError(`${name}: expected "YYYY-MM", not ${month}`);
    return { year: Number(found[1]), month: Number(found[2]) };
  }
  if (month !== null && typeof month === 'object') return month;
  throw new TypeError(`${name}: expected [year, month], "YYYY-MM" or {year, month}`);
}

function enumNumber(enumType, value, name) {
  if (typeof value === 'string') {
    if (!(value in enumType.values)) {
      throw new TypeError(`${name}: ${value} is not a value of ${enumType.fullName.slice(1)}`);
    }
    return enumType.values[value];
  }
  if (Number.isInteger(value)) return value;
  throw new TypeError(`${name}: expected an enum name or number`);
}

/** An int64/uint64 value as a decimal string, exactly: a safe-integer number, a bigint, a
 *  decimal string or a protobufjs Long. Anything else, or a value out of range, throws. */
export function int64String(value, unsigned, name = 'value') {
  let big;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`${name}: ${value} is not a safe integer (beyond 2^53 a number loses ` +
                           'digits): give a bigint or a decimal string');
    }
    big = BigInt(value);
  } else if (typeof value === 'string') {
    if (!/^-?\d+$/.test(value)) throw new TypeError(`${name}: "${value}" is not a decimal integer`);
    big = BigInt(value);
  } else if (value && typeof value === 'object' && 'low' in value && 'high' in value) {
    big = BigInt(value.toString());
  } else {
    throw new TypeError(`${name}: expected an integer (number, bigint or decimal string)`);
  }
  if (unsigned ? big < 0n || big > UINT64_MAX : big < INT64_MIN || big > INT64_MAX) {
    throw new RangeError(`${name}: ${big} is out of range for ${unsigned ? 'uint64' : 'int64'}`);
  }
  return big.toString();
}

function int32Number(value, unsigned, name) {
  const n = typeof value === 'bigint' ? Number(value)
    : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (!Number.isInteger(n)) throw new TypeError(`${name}: expected an integer`);
  if (unsigned ? n < 0 || n > 0xffffffff : n < -0x80000000 || n > 0x7fffffff) {
    throw new RangeError(`${name}: ${n} is out of range for ${unsigned ? 'uint32' : 'int32'}`);
  }
  return n;
}

/** A decoded message as a plain object: camelCase keys; every field present (its default when
 *  not on the wire) except unset oneof members and proto3 `optional` fields (undefined); an
 *  absent sub-message is null; int64/uint64 as bigint; enums by name; bytes as Buffer. */
export function toPlain(type, message) {
  const out = {};
  for (const field of type.fieldsArray) {
    const has = Object.prototype.hasOwnProperty.call(message, field.name);
    if (field.partOf && !has) continue;
    const value = message[field.name];
    if (field.repeated) {
      out[field.name] = (value || []).map((v) => plainValue(field, v));
    } else if (field.resolvedType instanceof protobuf.Type) {
      out[field.name] = has && value != null ? plainValue(field, value) : null;
    } else {
      out[field.name] = plainValue(field, value ?? field.typeDefault);
    }
  }
  return out;
}

function plainValue(field, value) {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return toPlain(resolved, value);
  if (resolved instanceof protobuf.Enum) return resolved.valuesById[value] ?? value;
  if (LONG_TYPES.has(field.type)) {
    if (typeof value === 'number') return BigInt(value);
    const big = BigInt(protobuf.util.Long.fromValue(value).toString());
    return UNSIGNED.has(field.type) && big < 0n ? big + (1n << 64n) : big;
  }
  if (field.type === 'bytes') return Buffer.from(value || []);
  return value;
}

// JSON for what this library returns: JSON.stringify refuses a bigint, and writes a Buffer as
// {"type":"Buffer","data":[...]}. With this replacer a bigint is a decimal string (the proto3
// JSON mapping's form of an int64) and bytes are lowercase hex.
export function jsonReplacer(key, value) {
  const original = this[key];  // before Buffer's own toJSON ran
  if (original instanceof Uint8Array) return Buffer.from(original).toString('hex');
  if (typeof value === 'bigint') return value.toString();
  return value;
}

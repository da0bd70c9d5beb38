// The known-answer test shared by the C++, Node and Python libraries: each case names a helper
// and its arguments; the body bytes, the signature and the leaf hash must be exactly the
// expected ones. With BOOO_KNOWN_ANSWERS_OUT set, what this library computed is written to
// $BOOO_KNOWN_ANSWERS_OUT/node.json for ledgerctl to compare across the three.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as bl from '../src/index.js';
import { SOURCE_DIR } from './server.js';

const CASES = process.env.BOOO_KNOWN_ANSWERS_CASES || path.join(SOURCE_DIR, 'clients/known-answers/cases.json');

// JSON numbers past 2^53 would lose digits in JSON.parse: read every long integer literal as a
// decimal string (strings are matched first, so digits inside them are left alone).
function parseExactJson(text) {
  return JSON.parse(text.replace(/"(?:[^"\\]|\\.)*"|-?\d{16,}/g, (token) => (token.startsWith('"') ? token : `"${token}"`)));
}

const camelCase = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

/** The Node helper's EventBody for a case: Python's keyword names as camelCase options. */
export function bodyFor(helper, args) {
  if (helper === 'determination_from_grant') {
    const { answer, get_grant_answer: alias, decision_date: date, decision_reference: reference, event_id: eventId } = args;
    return bl.determinationFromGrant(answer ?? alias, date, reference, { eventId });
  }
  const build = bl[camelCase(helper)];
  if (typeof build !== 'function') throw new Error(`no Node helper for ${helper}`);
  return build(Object.fromEntries(Object.entries(args).map(([k, v]) => [camelCase(k), v])));
}

test('known answers: the same bytes, signature and leaf hash as the C++ and Python libraries', async (t) => {
  if (!fs.existsSync(CASES)) {
    t.skip(`${CASES} does not exist (yet)`);
    return;
  }
  const file = parseExactJson(fs.readFileSync(CASES, 'utf8'));
  const key = bl.loadSigningKey(path.resolve(path.dirname(CASES), file.signing_key));
  const computed = [];
  const failures = [];
  for (const c of file.cases) {
    try {
      const body = bodyFor(c.helper, c.args);
      // Set on the body after the helper, before signing, as the other libraries do.
      if (c.client_time_micros != null) body.clientTimeMicros = c.client_time_micros;
      if (c.expected_stream_version != null) body.expectedStreamVersion = c.expected_stream_version;
      const signed = bl.sign(body, key);
      const keyId = bl.decodeEventBody(signed.body).signerKeyId;
      const leaf = bl.encodeLeaf(c.leaf.sequence, c.leaf.recorded_at_micros, keyId, signed.body, signed.signature);
      const got = { name: c.name, body_hex: signed.body.toString('hex'), signature_hex: signed.signature.toString('hex'),
                    leaf_hash_hex: bl.leafHash(leaf).toString('hex') };
      computed.push(got);
      for (const field of ['body_hex', 'signature_hex', 'leaf_hash_hex']) {
        if (got[field] !== c.expected[field]) failures.push(`${c.name}: ${field} ${got[field]} != expected ${c.expected[field]}`);
      }
    } catch (error) {
      failures.push(`${c.name}: ${error.stack}`);
    }
  }
  if (process.env.BOOO_KNOWN_ANSWERS_OUT) {
    fs.mkdirSync(process.env.BOOO_KNOWN_ANSWERS_OUT, { recursive: true });
    fs.writeFileSync(path.join(process.env.BOOO_KNOWN_ANSWERS_OUT, 'node.json'),
                     JSON.stringify({ library: 'node', cases: computed }, null, 2) + '\n');
  }
  assert.ok(file.cases.length > 0, 'no cases');
  assert.deepEqual(failures, []);
});

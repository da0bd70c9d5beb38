// Building events: one helper per payload, the derivable fields filled in, signed once.
//
// Every helper returns an EventBody as a plain object (camelCase keys, as protobufjs names
// them) with its payload and, when given, the event id; `sign` fills what follows from the
// payload and the key (the stream, the signer's key id; an event id and the client time when
// the caller gave no event id), serializes the body once and signs exactly those bytes. With an
// event id of the caller's, the bytes depend on the input alone, so a retry, or a rerun of a
// whole job, signs the same bytes and the ledger answers with the original receipt.
//
// Input conventions: days "YYYY-MM-DD" (or {year, month, day}); a period [first, last], both
// days included; a month [year, month] or "YYYY-MM"; enums by name ("ACCOMMODATION_TYPE_HOTEL")
// or number; money in integer cents, and every int64 as a safe-integer number, a bigint or a
// decimal string.
import crypto from 'node:crypto';
import { civilDate, loadProtos, yearMonth } from './proto.js';

export { civilDate, yearMonth };

/** A DateRange with both days included. */
export function dateRange(first, last) {
  if (Array.isArray(first)) [first, last] = first;
  return { firstDay: civilDate(first, 'period.first_day'), lastDay: civilDate(last, 'period.last_day') };
}

// The stream each payload's events belong to, read from the (booo.v1.payload) option the
// ledger itself derives it from: "keys" for genesis, key_registered, key_revoked and
// checkpoint_key_rotated, "rules" for rule_amended, "budget" for budget_line_set, else
// "municipality/" + the payload's municipality_code.
const STREAM_NAMES = { PAYLOAD_STREAM_KEYS: 'keys', PAYLOAD_STREAM_RULES: 'rules', PAYLOAD_STREAM_BUDGET: 'budget' };
const rulesCache = new WeakMap();

function payloadRules(protos) {
  let rules = rulesCache.get(protos);
  if (!rules) {
    rules = new Map();
    for (const field of protos.type('EventBody').oneofs.payload.fieldsArray) {
      const option = (field.parsedOptions || []).find((o) => '(booo.v1.payload)' in o);
      if (!option) throw new Error(`EventBody.${field.name} has no (booo.v1.payload) option`);
      const rule = option['(booo.v1.payload)'];
      rules.set(field.name, {
        stream: STREAM_NAMES[rule.stream],
        municipalityField: rule.municipality_field ? camelCase(rule.municipality_field) : '',
      });
    }
    rulesCache.set(protos, rules);
  }
  return rules;
}

function camelCase(name) {
  return name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/** [name, payload] of the body's payload (camelCase name), or throws when there is none or
 *  more than one. */
export function payloadOf(body, { protos } = {}) {
  const rules = payloadRules(protos ?? loadProtos());
  const set = [];
  for (const name of rules.keys()) {
    const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    if (body[name] != null) set.push([name, body[name]]);
    else if (body[snake] != null) set.push([name, body[snake]]);
  }
  if (set.length === 0) throw new TypeError('the event has no payload');
  if (set.length > 1) throw new TypeError(`the event has ${set.length} payloads: ${set.map((s) => s[0]).join(', ')}`);
  return set[0];
}

/** The stream the body's payload implies. */
export function streamFor(body, { protos } = {}) {
  protos ??= loadProtos();
  const [name, payload] = payloadOf(body, { protos });
  const rule = payloadRules(protos).get(name);
  if (rule.stream) return rule.stream;
  const code = payload[rule.municipalityField] ?? payload[rule.municipalityField.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
  if (!code) throw new TypeError(`${name}: no municipality code to derive the stream from`);
  return `municipality/${code}`;
}

/** Fills the derivable fields (on a copy), serializes once and signs those bytes: the
 *  SignedEvent {body, signature} the ledger stores verbatim. */
export function sign(body, key, { protos } = {}) {
  protos ??= loadProtos();
  const filled = { ...body };
  if (!filled.eventId && !filled.event_id) {
    delete filled.event_id;
    filled.eventId = 'evt-' + crypto.randomBytes(12).toString('hex');
    const time = filled.clientTimeMicros ?? filled.client_time_micros ?? 0;
    if (BigInt(time) === 0n) {
      delete filled.client_time_micros;
      filled.clientTimeMicros = BigInt(Date.now()) * 1000n;
    }
  }
  if (!filled.signerKeyId && !filled.signer_key_id) {
    delete filled.signer_key_id;
    filled.signerKeyId = key.keyId;
  }
  if (!filled.stream) filled.stream = streamFor(filled, { protos });
  const bytes = protos.encode('booo.v1.EventBody', filled);
  return { body: bytes, signature: key.sign(bytes) };
}

/** The serialized EventBody of a SignedEvent or StoredEvent, as a plain object (int64 as
 *  bigint, enums by name, bytes as Buffer). */
export function decodeEventBody(bytes, { protos } = {}) {
  return (protos ?? loadProtos()).decode('booo.v1.EventBody', bytes);
}

/** Any payload by its name ("locationRegistered" or "location_registered") and fields, for the
 *  payloads without a helper of their own. */
export function eventBody(payloadName, payload, { eventId = '' } = {}) {
  return { eventId, [camelCase(payloadName)]: payload };
}

// Checks a helper's options: each required one given, and no other name than those it knows.
// A name it does not know is refused rather than dropped: a misspelt or snake_case `event_id`
// would otherwise vanish, and with it the caller's own event id, which makes retries safe.
function required(helper, options, names, optional = []) {
  if (options === null || typeof options !== 'object') throw new TypeError(`${helper}: expected an options object`);
  const known = new Set([...names, ...optional, 'eventId']);
  for (const name of Object.keys(options)) {
    if (!known.has(name)) {
      const camel = camelCase(name);
      throw new TypeError(`${helper}: unknown option ${name}` +
                          (known.has(camel) ? ` (options are camelCase: ${camel})` : ''));
    }
  }
  for (const name of names) {
    if (options[name] === undefined || options[name] === null) throw new TypeError(`${helper}: ${name} is required`);
  }
}

/** Realised places on each day of `period` (both days included) at one GOO location. */
export function gooPlacesDeclared(options) {
  required('gooPlacesDeclared', options, ['municipalityCode', 'locationId', 'accommodationType', 'period', 'places', 'receivedDate']);
  const { municipalityCode, locationId, accommodationType, period, places, receivedDate, eventId = '' } = options;
  return { eventId, gooPlacesDeclared: {
    municipalityCode, locationId, accommodationType, period: dateRange(period), places,
    receivedDate: civilDate(receivedDate, 'received_date') } };
}

/** Registered persons in private reception in `month`, and how many had a provision. */
export function pooPersonMonthsDeclared(options) {
  required('pooPersonMonthsDeclared', options, ['municipalityCode', 'month', 'registeredPersons', 'personsWithProvision', 'receivedDate'], ['personRefs']);
  const { municipalityCode, month, registeredPersons, personsWithProvision, receivedDate, personRefs, eventId = '' } = options;
  return { eventId, pooPersonMonthsDeclared: {
    municipalityCode, month: yearMonth(month), registeredPersons, personsWithProvision,
    receivedDate: civilDate(receivedDate, 'received_date'), personRefs } };
}

/** A living allowance the municipality paid over `period` (both days included), in cents. */
export function livingAllowancePaid(options) {
  required('livingAllowancePaid', options, ['municipalityCode', 'receptionKind', 'component', 'period', 'amountCents', 'receivedDate']);
  const { municipalityCode, receptionKind, component, period, amountCents, receivedDate, eventId = '' } = options;
  return { eventId, livingAllowancePaid: {
    municipalityCode, receptionKind, component, period: dateRange(period), amountCents,
    receivedDate: civilDate(receivedDate, 'received_date') } };
}

/** The ministry's payment of an advance (a ministry key signs it). */
export function advancePaid(options) {
  required('advancePaid', options, ['municipalityCode', 'spendingYear', 'amountCents', 'paymentDate'], ['paymentReference']);
  const { municipalityCode, spendingYear, amountCents, paymentDate, paymentReference = '', eventId = '' } = options;
  return { eventId, advancePaid: {
    municipalityCode, spendingYear, amountCents, paymentDate: civilDate(paymentDate, 'payment_date'),
    paymentReference } };
}

/** Money the municipality sent back of its own accord. */
export function voluntaryRepaymentReceived(options) {
  required('voluntaryRepaymentReceived', options, ['municipalityCode', 'spendingYear', 'amountCents', 'receivedDate'], ['paymentReference']);
  const { municipalityCode, spendingYear, amountCents, receivedDate, paymentReference = '', eventId = '' } = options;
  return { eventId, voluntaryRepaymentReceived: {
    municipalityCode, spendingYear, amountCents, receivedDate: civilDate(receivedDate, 'received_date'),
    paymentReference } };
}

export function transitionCostRequested(options) {
  required('transitionCostRequested', options, ['municipalityCode', 'locationId', 'description', 'amountCents', 'period', 'allocationMethod', 'receivedDate']);
  const { municipalityCode, locationId, description, amountCents, period, allocationMethod, receivedDate, eventId = '' } = options;
  return { eventId, transitionCostRequested: {
    municipalityCode, locationId, description, amountCents, period: dateRange(period),
    allocationMethod, receivedDate: civilDate(receivedDate, 'received_date') } };
}

// A trace node's fields, whether from this library's decode (camelCase, bigint, Buffer) or
// from proto3 JSON (camelCase, decimal strings, base64).
const get = (object, camel, snake) => object[camel] ?? object[snake];

function summarize(node, path, depth, out) {
  out.push({ path, amountCents: get(node, 'amountCents', 'amount_cents') ?? 0n, digest: node.digest ?? Buffer.alloc(0) });
  if (depth === 2) return;
  for (const child of node.children ?? []) summarize(child, `${path}/${child.key ?? ''}`, depth + 1, out);
}

/** The ministry's determination of the grant a GetGrant answer computed (the whole trace, or
 *  traceDepth 2 at least): its amount and trace digest, the trace's top three levels as the
 *  trace summary, and the stream version the answer was computed at, so that the ledger
 *  refuses it (Aborted) if the municipality's stream moved on meanwhile. */
export function determinationFromGrant(answer, decisionDate, decisionReference, { eventId = '' } = {}) {
  const trace = answer.trace;
  if (!trace) throw new TypeError('determinationFromGrant: the answer holds no trace');
  const traceSummary = [];
  summarize(trace, trace.key ?? '', 0, traceSummary);
  return {
    eventId,
    expectedStreamVersion: get(answer, 'streamVersion', 'stream_version') ?? 0n,
    grantDetermined: {
      municipalityCode: get(answer, 'municipalityCode', 'municipality_code'),
      spendingYear: get(answer, 'spendingYear', 'spending_year'),
      amountCents: get(answer, 'computedGrantCents', 'computed_grant_cents') ?? 0n,
      traceDigest: get(answer, 'traceDigest', 'trace_digest') ?? Buffer.alloc(0),
      decisionDate: civilDate(decisionDate, 'decision_date'),
      decisionReference,
      traceSummary,
    },
  };
}

// The evidence embedded in a dossier page (the <script type="application/json" id="dossier-data">
// of DOSSIER_FORMAT.md), for pages_test.mjs: read it, write a copy of the page with other
// evidence in its place, and the tampered copies (one byte of an event's body or signature, one
// hex digit of its inclusion proof, one character of the checkpoint's signature, one digit of a
// trace node's amount), each with what the page must then say.
import fs from 'node:fs';
import { fail } from './browser_session.mjs';

const DATA_ELEMENT = /(<script\b[^>]*\bid=["']dossier-data["'][^>]*>)([\s\S]*?)(<\/script>)/i;

export function readDossier(file) {
  const html = fs.readFileSync(file, 'utf8');
  const match = DATA_ELEMENT.exec(html);
  if (!match) fail(`${file}: no <script type="application/json" id="dossier-data">`);
  if (!/type=["']application\/json["']/i.test(match[1])) {
    fail(`${file}: #dossier-data is not a <script type="application/json">: ${match[1]}`);
  }
  let evidence;
  try {
    evidence = JSON.parse(match[2]);  // "<\/" is the JSON escape of "</"
  } catch (error) {
    fail(`${file}: #dossier-data is not JSON: ${error.message}`);
  }
  if (evidence.format !== 'booo-dossier/1') fail(`${file}: format ${JSON.stringify(evidence.format)}`);
  const start = match.index + match[1].length;
  return { html, evidence, start, end: start + match[2].length };
}

// The page of DOSSIER with EVIDENCE in place of its own, written to FILE.
export function writeDossier(dossier, evidence, file) {
  const json = JSON.stringify(evidence)
    .replace(/<\//g, '<\\/')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  fs.writeFileSync(file, dossier.html.slice(0, dossier.start) + json + dossier.html.slice(dossier.end));
  return file;
}

const clone = (value) => JSON.parse(JSON.stringify(value));

function flipByte(base64, index) {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) fail(`cannot tamper with an empty value`);
  const at = Math.min(index, bytes.length - 1);
  bytes[at] ^= 0x01;
  return { value: bytes.toString('base64'), at };
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const nextBase64 = (c) => BASE64[(BASE64.indexOf(c) + 1) % 64];
const otherHex = (c) => (parseInt(c, 16) ^ 1).toString(16);

// The event to tamper with: in the tree with a proof, and not one whose bytes other items read
// (a signer's registration, the checkpoint key's record, the determination), so that changing
// it must fail that event alone. Sources of the trace first.
export function pickEvent(evidence) {
  const readByOthers = new Set();
  for (const e of evidence.events) {
    if (e.signer_registration != null) readByOthers.add(e.signer_registration);
    if (e.signer_revocation != null) readByOthers.add(e.signer_revocation);
  }
  if (evidence.checkpoint.key_record_sequence != null) readByOthers.add(evidence.checkpoint.key_record_sequence);
  readByOthers.add(evidence.settlement.determination.sequence);
  const candidates = evidence.events.filter((e) => !readByOthers.has(e.sequence) &&
    Array.isArray(e.proof) && e.proof.length > 0 && e.body && e.signature);
  const event = candidates.find((e) => (e.cited_as || []).some((c) => c.startsWith('source of'))) ||
                candidates[0];
  if (!event) fail('the dossier has no event that only its own item depends on, with a proof');
  return event;
}

function walk(node, visit, depth = 0) {
  visit(node, depth);
  for (const child of node.children || []) walk(child, visit, depth + 1);
}

// The paths of all the nodes of TRACE, root first (the root's key if it has no path).
export function tracePaths(trace) {
  const paths = [];
  walk(trace, (node) => paths.push(node.path || node.key));
  return paths;
}

// ---------------------------------------------------------------------------------------------
// The tampered copies. Each returns { evidence, name, label, expect }: the tampered evidence,
// the file name for it, a label for the test's lines, and what the page must say (checkTampered's
// target, verdictNames, detailNames, node).

// The names the page gives a failed item in #verdict ("event #14: ...", "checkpoint: ...",
// "trace: node grant/a: ..."): a bare number would be found in hashes and key ids ("a14d").
const eventNamed = (n) => new RegExp(`\\bevent #${n}(?![0-9])`, 'i');

// One byte in the middle of event N's body.
export function tamperBody(evidence, n) {
  const copy = clone(evidence);
  const e = copy.events.find((x) => x.sequence === n);
  const { value, at } = flipByte(e.body, Math.floor(Buffer.from(e.body, 'base64').length / 2));
  e.body = value;
  return { evidence: copy, name: `tampered-event-${n}-body.html`, label: `tampered body of event ${n} (byte ${at})`,
           expect: { target: `event:${n}`, verdictNames: eventNamed(n) } };
}

// Byte 10 of event N's signature.
export function tamperSignature(evidence, n) {
  const copy = clone(evidence);
  const e = copy.events.find((x) => x.sequence === n);
  const { value, at } = flipByte(e.signature, 10);
  e.signature = value;
  return { evidence: copy, name: `tampered-event-${n}-signature.html`,
           label: `tampered signature of event ${n} (byte ${at})`,
           expect: { target: `event:${n}`, verdictNames: eventNamed(n) } };
}

// The first hex digit of the hash nearest the root in event N's inclusion proof.
export function tamperProof(evidence, n) {
  const copy = clone(evidence);
  const e = copy.events.find((x) => x.sequence === n);
  const step = e.proof.length - 1;  // the hash nearest the root
  e.proof[step] = otherHex(e.proof[step][0]) + e.proof[step].slice(1);
  return { evidence: copy, name: `tampered-event-${n}-proof.html`,
           label: `tampered inclusion proof of event ${n} (hash ${step})`,
           expect: { target: `event:${n}`, verdictNames: eventNamed(n), detailNames: /proof/i } };
}

// One character of the signature in the checkpoint note's signature line.
export function tamperCheckpoint(evidence) {
  const copy = clone(evidence);
  const lines = copy.checkpoint.note.split('\n');
  const keyName = String(copy.checkpoint.verifier_key || '').split('+')[0];
  let index = lines.findLastIndex((l) => l.startsWith(`\u2014 ${keyName} `));
  if (index < 0) index = lines.findLastIndex((l) => l.startsWith('\u2014 '));
  if (index < 0) fail('dossier: the checkpoint note has no signature line ("— name signature")');
  const line = lines[index];
  const sigStart = line.lastIndexOf(' ') + 1;
  // 4 bytes of key hash are the first 6 characters; character 10 is in the signature itself.
  const at = sigStart + 10;
  if (at >= line.length - 2 || !BASE64.includes(line[at])) fail(`dossier: unexpected signature line ${JSON.stringify(line)}`);
  lines[index] = line.slice(0, at) + nextBase64(line[at]) + line.slice(at + 1);
  copy.checkpoint.note = lines.join('\n');
  return { evidence: copy, name: 'tampered-checkpoint.html', label: 'tampered checkpoint signature',
           expect: { target: 'checkpoint', verdictNames: /\bcheckpoint:/i, detailNames: /signature line/i } };
}

// The last digit of the amount of a trace node with children, one below the root if there is one.
export function tamperTrace(evidence) {
  const copy = clone(evidence);
  let tampered = null;
  walk(copy.trace, (node, depth) => {
    if (!tampered && depth === 1 && (node.children || []).length > 0) tampered = node;
  });
  if (!tampered) walk(copy.trace, (node, depth) => { if (!tampered && depth > 0 && (node.children || []).length > 0) tampered = node; });
  if (!tampered) fail('dossier: the trace has no node with children below its root');
  const amount = String(tampered.amount_cents);
  const last = amount.length - 1;
  const before = amount;
  tampered.amount_cents = amount.slice(0, last) + String((Number(amount[last]) + 1) % 10);
  const nodePath = tampered.path;
  // The node's path whole: not a prefix of a longer path ("grant/a" in "grant/a/norm").
  const named = `(?<![\\w/])${nodePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w/])`;
  return { evidence: copy, name: `tampered-trace-${nodePath.replace(/[^A-Za-z0-9_-]+/g, '_')}.html`,
           label: `tampered trace node ${nodePath} (amount ${before} -> ${tampered.amount_cents})`,
           expect: { target: 'trace', verdictNames: new RegExp(`\\btrace:|${named}`, 'i'),
                     detailNames: new RegExp(named), node: nodePath } };
}

#!/usr/bin/env node
// The pages of `ledgerctl dossier` and `ledgerctl report` in a real browser: Debian's chromium,
// headless, driven by puppeteer-core. Every page is opened from a file:// URL with the network
// cut off: a request for anything but file:, data: or blob: is aborted and fails the test.
//
//   node pages_test.mjs --dossier D.html --mismatch M.html --balances B.html --rules R.html
//                       --pdf P.pdf --artefacts DIR [--offline O.html] [--rulebook BOOK.json]
//
// The dossier verifies itself (DOSSIER_FORMAT.md); tampered copies (one byte of an event's body
// or signature, one hex digit of its inclusion proof, one character of the checkpoint's
// signature, one digit of a trace node's amount) must fail exactly the item tampered with, and
// say what failed. The MISMATCH dossier says MISMATCH. The balances table sorts and switches
// notation; the rule timeline has its charts, citations and retroactive marks. axe-core finds
// no serious or critical violation on any page. Screenshots and the PDF's first page are
// judged by pixel statistics computed in the browser. Tampered copies and screenshots are
// written to DIR. One line per check passed; exit 1 at the first failure.
//
// Environment: CHROMIUM (default /usr/bin/chromium), PAGE_TIMEOUT_MS (default 60000).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const AXE = path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js');
const TIMEOUT = Number(process.env.PAGE_TIMEOUT_MS || 60000);
// Screenshots and the PDF page must show something: this share of pixels off the background
// colour, and more than this many distinct colours (anti-aliased text, charts).
const MIN_CONTENT_SHARE = 0.02;
const MIN_COLOURS = 20;

class CheckFailed extends Error {}
function fail(message) { throw new CheckFailed(message); }
function pass(message) { console.log(`ok - ${message}`); }
function note(message) { console.log(`  note: ${message}`); }

// ---------------------------------------------------------------------------------------------
// Arguments.

const USAGE = 'usage: node pages_test.mjs --dossier D.html --mismatch M.html --balances B.html ' +
              '--rules R.html --pdf P.pdf --artefacts DIR [--offline O.html] [--rulebook BOOK.json]';
let args;
try {
  ({ values: args } = parseArgs({
    options: {
      dossier: { type: 'string' },
      mismatch: { type: 'string' },
      offline: { type: 'string' },
      balances: { type: 'string' },
      rules: { type: 'string' },
      pdf: { type: 'string' },
      artefacts: { type: 'string' },
      rulebook: { type: 'string',
                  default: path.join(HERE, '..', '..', 'replay', 'rulebook', 'booo-2022-2025.json') },
    },
    strict: true,
  }));
} catch (error) {
  console.error(`${error.message}\n${USAGE}`);
  process.exit(2);
}
for (const name of ['dossier', 'mismatch', 'balances', 'rules', 'pdf', 'artefacts']) {
  if (!args[name]) {
    console.error(`--${name} is missing\n${USAGE}`);
    process.exit(2);
  }
}
for (const name of ['dossier', 'mismatch', 'offline', 'balances', 'rules', 'pdf']) {
  if (args[name] && !fs.existsSync(args[name])) {
    console.error(`FAIL: --${name} ${args[name]}: no such file`);
    process.exit(1);
  }
}
if (!fs.existsSync(AXE)) {
  console.error(`FAIL: ${AXE} is missing: run npm ci in ${HERE}`);
  process.exit(1);
}
const ART = path.resolve(args.artefacts);
fs.mkdirSync(ART, { recursive: true });

// ---------------------------------------------------------------------------------------------
// The browser: one chromium for the whole run, one page open at a time.

let browser;

// Opens FILE in a new page with the network cut off. Returns the page and what it tried:
// `blocked` (URLs aborted), `errors` (uncaught exceptions in the page), `consoleErrors`.
async function open(file, { bypassCSP = false } = {}) {
  const page = await browser.newPage();
  const seen = { blocked: [], errors: [], consoleErrors: [] };
  await page.setViewport({ width: 1280, height: 900 });
  if (bypassCSP) await page.setBypassCSP(true);  // for axe's script only (see axeCheck)
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    const url = request.url();
    if (/^(file|data|blob):/i.test(url)) {
      request.continue().catch(() => {});
    } else {
      seen.blocked.push(url);
      request.abort('blockedbyclient').catch(() => {});
    }
  });
  page.on('pageerror', (error) => seen.errors.push(String(error?.message ?? error)));
  page.on('console', (message) => {
    if (message.type() === 'error') seen.consoleErrors.push(message.text());
  });
  const url = pathToFileURL(path.resolve(file)).href;
  try {
    await page.goto(url, { waitUntil: 'load', timeout: TIMEOUT });
  } catch (error) {
    await page.close();
    fail(`${file}: did not load: ${error.message}`);
  }
  return { page, seen, file };
}

// After a page's checks: nothing was fetched and no script threw.
function settled(opened, label) {
  const { seen } = opened;
  if (seen.blocked.length > 0) {
    fail(`${label}: the page tried to load from the network: ${seen.blocked.join(', ')}`);
  }
  if (seen.errors.length > 0) {
    fail(`${label}: uncaught error in the page: ${seen.errors.join(' | ')}`);
  }
  for (const message of seen.consoleErrors) note(`${label}: console error: ${message}`);
}

async function closeAll(opened, label) {
  settled(opened, label);
  await opened.page.close();
}

async function waitForVerification(opened, label) {
  try {
    await opened.page.waitForSelector('body[data-verification="done"]', { timeout: TIMEOUT });
  } catch {
    const state = await opened.page.evaluate(() => document.body?.dataset.verification ?? null)
      .catch(() => 'unknown');
    const errors = opened.seen.errors.length ? `; page errors: ${opened.seen.errors.join(' | ')}` : '';
    fail(`${label}: body[data-verification] never became "done" within ${TIMEOUT} ms ` +
         `(it is ${JSON.stringify(state)})${errors}`);
  }
}

// What the dossier page says about itself.
async function dossierState(page) {
  return page.evaluate(() => {
    const text = (element) => (element ? element.textContent.replace(/\s+/g, ' ').trim() : '');
    const verdict = document.querySelector('#verdict');
    const settlement = document.querySelector('#settlement');
    return {
      verdictState: verdict ? verdict.getAttribute('data-state') : null,
      verdictText: text(verdict),
      settlementVerdict: settlement ? settlement.getAttribute('data-verdict') : null,
      settlementText: text(settlement),
      headerText: Array.from(document.querySelectorAll('header, h1')).map(text).join(' | '),
      items: Array.from(document.querySelectorAll('[data-item]')).map((element) => ({
        item: element.getAttribute('data-item'),
        state: element.getAttribute('data-state'),
        reason: Array.from(element.querySelectorAll('.reason')).map(text).filter(Boolean).join(' | '),
      })),
      nodes: Array.from(document.querySelectorAll('[data-node]')).map((element) => ({
        node: element.getAttribute('data-node'),
        state: element.getAttribute('data-state'),
        reason: Array.from(element.querySelectorAll(':scope > .reason, :scope > * > .reason'))
          .map(text).filter(Boolean).join(' | '),
      })),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// The evidence embedded in a dossier, read and written back.

const DATA_ELEMENT = /(<script\b[^>]*\bid=["']dossier-data["'][^>]*>)([\s\S]*?)(<\/script>)/i;

function readDossier(file) {
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

// The page with EVIDENCE in place of its own, written to the artefacts as NAME.
function writeDossier(dossier, evidence, name) {
  const json = JSON.stringify(evidence)
    .replace(/<\//g, '<\\/')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  const file = path.join(ART, name);
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
const mentionsNumber = (text, n) => new RegExp(`(^|[^0-9])${n}([^0-9]|$)`).test(text);

// The event to tamper with: in the tree with a proof, and not one whose bytes other items read
// (a signer's registration, the checkpoint key's record, the determination), so that changing
// it must fail that event alone. Sources of the trace first.
function pickEvent(evidence) {
  const readByOthers = new Set();
  for (const e of evidence.events) if (e.signer_registration != null) readByOthers.add(e.signer_registration);
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

// ---------------------------------------------------------------------------------------------
// Pixel statistics, computed in the browser: the PNG drawn on a canvas.

async function pixelStats(png) {
  const page = await browser.newPage();
  try {
    const data = `data:image/png;base64,${fs.readFileSync(png).toString('base64')}`;
    return await page.evaluate(async (source) => {
      const image = new Image();
      image.src = source;
      await image.decode();
      const width = image.naturalWidth, height = image.naturalHeight;
      // At most 16 megapixels on the canvas (nearest neighbour: no new colours made).
      const scale = Math.min(1, Math.sqrt(16e6 / (width * height)), 32000 / height, 32000 / width);
      const w = Math.max(1, Math.floor(width * scale)), h = Math.max(1, Math.floor(height * scale));
      const canvas = document.createElement('canvas');
      canvas.width = w; canvas.height = h;
      const context = canvas.getContext('2d', { willReadFrequently: true });
      context.imageSmoothingEnabled = false;
      context.drawImage(image, 0, 0, w, h);
      const rgba = context.getImageData(0, 0, w, h).data;
      const pixels = new Uint32Array(rgba.buffer, rgba.byteOffset, rgba.byteLength / 4);
      const counts = new Map();
      for (let i = 0; i < pixels.length; ++i) counts.set(pixels[i], (counts.get(pixels[i]) || 0) + 1);
      let background = 0, most = -1;
      for (const [colour, count] of counts) if (count > most) { most = count; background = colour; }
      const channel = (colour, shift) => (colour >>> shift) & 0xff;
      let off = 0;
      for (const [colour, count] of counts) {
        const distance = Math.max(...[0, 8, 16].map((s) => Math.abs(channel(colour, s) - channel(background, s))));
        if (distance > 8) off += count;
      }
      const b = [0, 8, 16].map((s) => channel(background, s).toString(16).padStart(2, '0')).join('');
      return { width, height, share: off / pixels.length, colours: counts.size, background: `#${b}` };
    }, data);
  } finally {
    await page.close();
  }
}

async function checkContent(png, label) {
  const stats = await pixelStats(png);
  const summary = `${stats.width}x${stats.height}, ${(stats.share * 100).toFixed(1)}% off the ` +
                  `background ${stats.background}, ${stats.colours} colours`;
  if (stats.share <= MIN_CONTENT_SHARE || stats.colours <= MIN_COLOURS) {
    fail(`${label}: ${path.basename(png)} looks empty (${summary}; needs more than ` +
         `${MIN_CONTENT_SHARE * 100}% and ${MIN_COLOURS} colours)`);
  }
  pass(`${label}: ${path.basename(png)} has content (${summary})`);
}

async function screenshot(opened, name, label) {
  const file = path.join(ART, name);
  await opened.page.screenshot({ path: file, fullPage: true });
  await checkContent(file, `${label} screenshot`);
}

// ---------------------------------------------------------------------------------------------
// axe-core.

async function axeCheck(file, label, { dossier = false } = {}) {
  // CSP bypassed so that axe's script can be added whatever the page's policy allows.
  const opened = await open(file, { bypassCSP: true });
  if (dossier) await waitForVerification(opened, label);
  await opened.page.addScriptTag({ path: AXE });
  const violations = await opened.page.evaluate(async () => {
    const result = await globalThis.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 160),
                                   summary: (n.failureSummary || '').replace(/\s+/g, ' ') })),
    }));
  });
  await closeAll(opened, label);
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const lesser = violations.filter((v) => !serious.includes(v));
  if (lesser.length > 0) {
    note(`${label}: axe, minor or moderate: ${lesser.map((v) => `${v.id} (${v.impact}, ${v.nodes.length})`).join(', ')}`);
  }
  if (serious.length > 0) {
    for (const v of serious) {
      console.error(`axe ${label}: ${v.impact} ${v.id}: ${v.help} (${v.helpUrl})`);
      for (const n of v.nodes.slice(0, 10)) {
        console.error(`    ${n.target}: ${n.summary}\n      ${n.html}`);
      }
      if (v.nodes.length > 10) console.error(`    ... and ${v.nodes.length - 10} more`);
    }
    fail(`${label}: axe-core found ${serious.length} serious or critical violation(s): ` +
         serious.map((v) => v.id).join(', '));
  }
  pass(`${label}: axe-core finds no serious or critical violation`);
}

// ---------------------------------------------------------------------------------------------
// Amounts in Dutch and English notation (DOSSIER_FORMAT.md: "€ 1.234.567,89", "€1,234,567.89").

function expectedAmount(cents, notation) {
  const digits = cents.replace(/^-/, '').replace(/^0+/, '').padStart(3, '0');
  const euros = digits.slice(0, -2), fraction = digits.slice(-2);
  const grouped = euros.replace(/\B(?=(?:[0-9]{3})+$)/g, notation === 'nl' ? '.' : ',');
  return notation === 'nl' ? `€ ${grouped},${fraction}` : `€${grouped}.${fraction}`;
}
// The text without its sign, spaces as plain spaces.
const unsigned = (text) => text.replace(/[\u00a0\u202f]/g, ' ').replace(/[-\u2212]/g, '').trim();

// Clicks #format-toggle and back: an amount goes from Dutch to English notation and back.
async function checkFormatToggle(page, label, scope = 'body') {
  const amount = await page.evaluate((scopeSelector) => {
    const spans = Array.from(document.querySelectorAll(`${scopeSelector} span.amount[data-cents]`))
      .filter((s) => /^-?[0-9]+$/.test(s.dataset.cents));
    const big = spans.find((s) => !s.dataset.cents.startsWith('-') && s.dataset.cents.replace(/^0+/, '').length >= 6) ||
                spans.find((s) => s.dataset.cents.replace(/^-?0*/, '').length >= 6) || spans[0];
    if (!big) return null;
    big.setAttribute('data-test-amount', '');
    return { cents: big.dataset.cents, text: big.textContent, amounts: document.body.dataset.amounts ?? null };
  }, scope);
  if (!amount) fail(`${label}: no span.amount[data-cents] to check the notation on`);
  const read = () => page.evaluate(() => ({
    text: document.querySelector('[data-test-amount]').textContent,
    amounts: document.body.dataset.amounts ?? null,
  }));
  const nl = expectedAmount(amount.cents, 'nl'), en = expectedAmount(amount.cents, 'en');
  if (unsigned(amount.text) !== nl) {
    fail(`${label}: amount ${amount.cents} reads ${JSON.stringify(amount.text)}, expected Dutch ${JSON.stringify(nl)}`);
  }
  if (amount.amounts !== null && amount.amounts !== 'nl') {
    fail(`${label}: body[data-amounts] is ${JSON.stringify(amount.amounts)} before the toggle, expected "nl"`);
  }
  if (!(await page.$('#format-toggle'))) fail(`${label}: no #format-toggle`);
  await page.click('#format-toggle');
  const after = await read();
  if (unsigned(after.text) !== en) {
    fail(`${label}: after #format-toggle amount ${amount.cents} reads ${JSON.stringify(after.text)}, ` +
         `expected English ${JSON.stringify(en)}`);
  }
  if (amount.amounts !== null && after.amounts !== 'en') {
    fail(`${label}: body[data-amounts] is ${JSON.stringify(after.amounts)} after the toggle, expected "en"`);
  }
  await page.click('#format-toggle');
  const back = await read();
  if (unsigned(back.text) !== nl) {
    fail(`${label}: a second click on #format-toggle leaves ${JSON.stringify(back.text)}, expected ${JSON.stringify(nl)}`);
  }
  pass(`${label}: #format-toggle switches ${JSON.stringify(amount.text)} to ${JSON.stringify(after.text)} and back`);
}

// ---------------------------------------------------------------------------------------------
// The dossier.

function expectedItems(evidence) {
  return ['checkpoint', 'trace', ...evidence.events.map((e) => `event:${e.sequence}`)];
}

function summarise(state) {
  const failed = state.items.filter((i) => i.state !== 'verified');
  return `#verdict ${state.verdictState} "${state.verdictText.slice(0, 300)}"; not verified: ` +
    (failed.length ? failed.map((i) => `${i.item}=${i.state} (${i.reason.slice(0, 200)})`).join('; ') : 'none');
}

// A dossier that must verify whole: every item verified, the verdict verified, MATCH.
async function checkVerifies(file, label, evidence, { shot = null, toggle = false } = {}) {
  const opened = await open(file);
  await waitForVerification(opened, label);
  const state = await dossierState(opened.page);
  const present = new Set(state.items.map((i) => i.item));
  const missing = expectedItems(evidence).filter((item) => !present.has(item));
  if (missing.length > 0) fail(`${label}: no [data-item] for ${missing.join(', ')}`);
  const notVerified = state.items.filter((i) => i.state !== 'verified');
  if (notVerified.length > 0 || state.verdictState !== 'verified') {
    fail(`${label}: does not verify: ${summarise(state)}`);
  }
  const root = evidence.trace.path || evidence.trace.key;
  if (!state.nodes.some((n) => n.node === root)) fail(`${label}: no [data-node="${root}"] for the trace's root`);
  const badNodes = state.nodes.filter((n) => n.state !== 'verified');
  if (badNodes.length > 0) {
    fail(`${label}: trace nodes not verified: ${badNodes.slice(0, 10).map((n) => `${n.node}=${n.state}`).join(', ')}`);
  }
  if (state.settlementVerdict !== 'MATCH') {
    fail(`${label}: #settlement[data-verdict] is ${JSON.stringify(state.settlementVerdict)}, expected MATCH`);
  }
  pass(`${label}: verification done; #verdict verified, all ${state.items.length} items ` +
       `(${evidence.events.length} events, checkpoint, trace) and ${state.nodes.length} trace nodes verified, ` +
       `#settlement MATCH`);
  if (shot) await screenshot(opened, shot, label);
  if (toggle) {
    if (await opened.page.$('#format-toggle')) await checkFormatToggle(opened.page, label);
    else note(`${label}: no #format-toggle on the dossier`);
  }
  await closeAll(opened, label);
  pass(`${label}: no request left the page (file: and data: only) and no script error`);
}

// A tampered copy: exactly TARGET fails, every other item stays verified, the verdict fails and
// its text (with the item's reasons) names what failed.
async function checkTampered(file, label, evidence, { target, verdictNames, detailNames, node = null }) {
  const opened = await open(file);
  await waitForVerification(opened, label);
  const state = await dossierState(opened.page);
  const problems = [];
  const targets = state.items.filter((i) => i.item === target);
  if (targets.length === 0) problems.push(`no [data-item="${target}"]`);
  for (const t of targets) if (t.state !== 'failed') problems.push(`${target} is ${JSON.stringify(t.state)}, expected failed`);
  const others = state.items.filter((i) => i.item !== target && i.state !== 'verified');
  if (others.length > 0) {
    problems.push(`other items are not verified: ${others.map((i) => `${i.item}=${i.state} (${i.reason.slice(0, 160)})`).join('; ')}`);
  }
  const present = new Set(state.items.map((i) => i.item));
  const missing = expectedItems(evidence).filter((item) => !present.has(item));
  if (missing.length > 0) problems.push(`no [data-item] for ${missing.join(', ')}`);
  if (state.verdictState !== 'failed') problems.push(`#verdict is ${JSON.stringify(state.verdictState)}, expected failed`);
  if (!verdictNames.test(state.verdictText)) {
    problems.push(`#verdict text does not name ${verdictNames}: "${state.verdictText.slice(0, 300)}"`);
  }
  const told = `${state.verdictText} | ${targets.map((t) => t.reason).join(' | ')}`;
  if (detailNames && !detailNames.test(told)) {
    problems.push(`neither #verdict nor ${target}'s .reason names ${detailNames}: "${told.slice(0, 400)}"`);
  }
  if (node) {
    const shown = state.nodes.filter((n) => n.node === node);
    if (shown.length === 0) problems.push(`no [data-node="${node}"]`);
    for (const n of shown) if (n.state !== 'failed') problems.push(`[data-node="${node}"] is ${JSON.stringify(n.state)}, expected failed`);
  }
  if (problems.length > 0) {
    await opened.page.screenshot({ path: path.join(ART, `${path.basename(file, '.html')}-failure.png`), fullPage: true })
      .catch(() => {});
    fail(`${label}: ${problems.join('; ')}`);
  }
  await closeAll(opened, label);
  const reason = targets.map((t) => t.reason).filter(Boolean)[0] || state.verdictText;
  pass(`${label}: only ${target} fails, #verdict failed: "${reason.slice(0, 140)}"`);
}

async function checkDossier() {
  const dossier = readDossier(args.dossier);
  const { evidence } = dossier;
  if (evidence.settlement.verdict !== 'MATCH') fail(`${args.dossier}: the evidence says ${evidence.settlement.verdict}, expected MATCH`);
  if (!Array.isArray(evidence.events) || evidence.events.length === 0) fail(`${args.dossier}: no events in the evidence`);
  pass(`dossier: evidence booo-dossier/1 for ${evidence.settlement.determination.event_id} with ` +
       `${evidence.events.length} events, checkpoint at size ${evidence.checkpoint.tree_size}`);

  await checkVerifies(args.dossier, 'dossier', evidence, { shot: 'dossier.png', toggle: true });
  await axeCheck(args.dossier, 'dossier', { dossier: true });

  // The evidence written back unchanged still verifies: the failures below are the tampering's.
  const unchanged = writeDossier(dossier, evidence, 'tampered-none.html');
  await checkVerifies(unchanged, 'dossier rewritten unchanged', evidence);

  const event = pickEvent(evidence);
  const n = event.sequence;
  const eventNamed = new RegExp(`(^|[^0-9])${n}([^0-9]|$)`);
  {
    const copy = clone(evidence);
    const e = copy.events.find((x) => x.sequence === n);
    const { value, at } = flipByte(e.body, Math.floor(Buffer.from(e.body, 'base64').length / 2));
    e.body = value;
    const file = writeDossier(dossier, copy, `tampered-event-${n}-body.html`);
    await checkTampered(file, `tampered body of event ${n} (byte ${at})`, evidence,
                        { target: `event:${n}`, verdictNames: eventNamed });
  }
  {
    const copy = clone(evidence);
    const e = copy.events.find((x) => x.sequence === n);
    const { value, at } = flipByte(e.signature, 10);
    e.signature = value;
    const file = writeDossier(dossier, copy, `tampered-event-${n}-signature.html`);
    await checkTampered(file, `tampered signature of event ${n} (byte ${at})`, evidence,
                        { target: `event:${n}`, verdictNames: eventNamed });
  }
  {
    const copy = clone(evidence);
    const e = copy.events.find((x) => x.sequence === n);
    const step = e.proof.length - 1;  // the hash nearest the root
    e.proof[step] = otherHex(e.proof[step][0]) + e.proof[step].slice(1);
    const file = writeDossier(dossier, copy, `tampered-event-${n}-proof.html`);
    await checkTampered(file, `tampered inclusion proof of event ${n} (hash ${step})`, evidence,
                        { target: `event:${n}`, verdictNames: eventNamed, detailNames: /proof/i });
  }
  {
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
    const file = writeDossier(dossier, copy, 'tampered-checkpoint.html');
    await checkTampered(file, 'tampered checkpoint signature', evidence,
                        { target: 'checkpoint', verdictNames: /checkpoint/i });
  }
  {
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
    const file = writeDossier(dossier, copy, `tampered-trace-${nodePath.replace(/[^A-Za-z0-9_-]+/g, '_')}.html`);
    const escaped = nodePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await checkTampered(file, `tampered trace node ${nodePath} (amount ${before} -> ${tampered.amount_cents})`, evidence,
                        { target: 'trace', verdictNames: new RegExp(`trace|${escaped}`, 'i'),
                          detailNames: new RegExp(escaped), node: nodePath });
  }
}

async function checkMismatch() {
  const { evidence } = readDossier(args.mismatch);
  const label = 'MISMATCH dossier';
  const opened = await open(args.mismatch);
  await waitForVerification(opened, label);
  const state = await dossierState(opened.page);
  if (state.settlementVerdict !== 'MISMATCH') {
    fail(`${label}: #settlement[data-verdict] is ${JSON.stringify(state.settlementVerdict)}, expected MISMATCH`);
  }
  if (!/MISMATCH/.test(state.headerText)) {
    fail(`${label}: the header does not say MISMATCH: "${state.headerText.slice(0, 300)}"`);
  }
  await closeAll(opened, label);
  pass(`${label}: ${evidence.settlement.determination.event_id}: #settlement MISMATCH, the header says so ` +
       `(#verdict ${state.verdictState})`);
}

async function checkOffline() {
  const { evidence } = readDossier(args.offline);
  await checkVerifies(args.offline, 'offline dossier', evidence);
}

// ---------------------------------------------------------------------------------------------
// The balances report.

const collator = new Intl.Collator('nl');
function compare(a, b, kind) {
  const integer = /^-?[0-9]+$/;
  if (kind === 'number' && integer.test(a) && integer.test(b)) {
    const x = BigInt(a), y = BigInt(b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (kind === 'number' && !Number.isNaN(Number(a)) && !Number.isNaN(Number(b))) return Math.sign(Number(a) - Number(b));
  return Math.sign(collator.compare(a, b));
}
const isSorted = (values, kind, descending) =>
  values.every((v, i) => i === 0 || (descending ? -1 : 1) * compare(values[i - 1], v, kind) <= 0);

async function checkBalances() {
  const label = 'balances';
  const opened = await open(args.balances);
  const { page } = opened;
  const shape = await page.evaluate(() => {
    const table = document.querySelector('table#balances');
    const chart = document.querySelector('svg#balances-chart');
    const totals = document.querySelector('#totals');
    return {
      table: !!table,
      rows: table ? Array.from(table.tBodies).reduce((n, b) => n + b.rows.length, 0) : 0,
      chartShapes: chart ? chart.querySelectorAll('rect, path, line, polyline, circle').length : -1,
      totals: totals ? totals.textContent.replace(/\s+/g, ' ').trim() : null,
      amounts: document.querySelectorAll('span.amount[data-cents]').length,
    };
  });
  if (!shape.table) fail(`${label}: no table#balances`);
  if (shape.rows < 2) fail(`${label}: table#balances has ${shape.rows} row(s); at least 2 are needed to check sorting`);
  if (shape.chartShapes < 0) fail(`${label}: no svg#balances-chart`);
  if (shape.chartShapes === 0) fail(`${label}: svg#balances-chart draws nothing`);
  if (shape.totals === null) fail(`${label}: no #totals`);
  if (!shape.totals.includes('€')) fail(`${label}: #totals shows no amount: "${shape.totals.slice(0, 200)}"`);
  if (shape.amounts === 0) fail(`${label}: no span.amount[data-cents]`);
  pass(`${label}: table#balances (${shape.rows} rows), svg#balances-chart (${shape.chartShapes} shapes), ` +
       `#totals, ${shape.amounts} amounts`);
  await screenshot(opened, 'balances.png', label);

  // Sorting: a column whose rows differ, clicked twice.
  const columns = await page.evaluate(() => {
    const table = document.querySelector('table#balances');
    return Array.from(table.tHead ? table.tHead.rows[0].cells : [])
      .map((th) => ({ index: th.cellIndex, kind: th.dataset.sort || null, hasButton: !!th.querySelector('button'),
                      name: th.textContent.trim() }))
      .filter((c) => c.hasButton);
  });
  if (columns.length === 0) fail(`${label}: no header cell of table#balances has a button`);
  const read = (index) => page.evaluate((column) => {
    const table = document.querySelector('table#balances');
    const th = table.tHead.rows[0].cells[column];
    const rows = Array.from(table.tBodies).flatMap((b) => Array.from(b.rows));
    const valueOf = (cell) => {
      if (!cell) return '';
      if (cell.hasAttribute('data-value')) return cell.getAttribute('data-value');
      const inner = cell.querySelector('[data-value]');
      return inner ? inner.getAttribute('data-value') : cell.textContent.trim();
    };
    return {
      ariaSort: th.getAttribute('aria-sort'),
      others: Array.from(table.tHead.rows[0].cells).filter((c) => c !== th)
        .map((c) => c.getAttribute('aria-sort')).filter((s) => s && s !== 'none'),
      values: rows.map((r) => valueOf(r.cells[column])),
      rows: rows.map((r) => Array.from(r.cells).map((c) => c.textContent.trim()).join('\t')),
    };
  }, index);
  let column = null, before = null;
  for (const c of [...columns.filter((x) => x.kind === 'number'), ...columns.filter((x) => x.kind !== 'number')]) {
    const now = await read(c.index);
    if (new Set(now.values).size > 1) { column = c; before = now; break; }
  }
  if (!column) fail(`${label}: every sortable column has the same value in every row`);
  const kind = column.kind === 'number' || column.kind === 'text' ? column.kind
    : (before.values.every((v) => /^-?[0-9.]+$/.test(v)) ? 'number' : 'text');
  const button = async () => {
    const handles = await page.$$('table#balances thead tr:first-child > *');
    const b = await handles[column.index].$('button');
    await b.click();
  };
  const clicks = [];
  for (let i = 0; i < 2; ++i) {
    await button();
    const now = await read(column.index);
    if (now.ariaSort !== 'ascending' && now.ariaSort !== 'descending') {
      fail(`${label}: after a click on "${column.name}" its aria-sort is ${JSON.stringify(now.ariaSort)}`);
    }
    if (now.others.length > 0) fail(`${label}: after a click on "${column.name}" other headers keep aria-sort ${now.others.join(', ')}`);
    if (!isSorted(now.values, kind, now.ariaSort === 'descending')) {
      fail(`${label}: "${column.name}" is aria-sort=${now.ariaSort} but its data-value order is ${JSON.stringify(now.values)}`);
    }
    // Whole rows move: the same rows as before, in another order.
    if (JSON.stringify([...now.rows].sort()) !== JSON.stringify([...before.rows].sort())) {
      fail(`${label}: sorting changed the rows themselves, not only their order`);
    }
    clicks.push(now);
  }
  if (clicks[0].ariaSort === clicks[1].ariaSort) {
    fail(`${label}: a second click on "${column.name}" keeps aria-sort=${clicks[1].ariaSort}`);
  }
  if (JSON.stringify(clicks[0].values) === JSON.stringify(before.values) &&
      JSON.stringify(clicks[1].values) === JSON.stringify(before.values)) {
    fail(`${label}: clicking "${column.name}" never changed the order of ${JSON.stringify(before.values)}`);
  }
  pass(`${label}: "${column.name}" sorts: ${JSON.stringify(before.values)} -> ${clicks[0].ariaSort} ` +
       `${JSON.stringify(clicks[0].values)} -> ${clicks[1].ariaSort} ${JSON.stringify(clicks[1].values)}`);

  await checkFormatToggle(page, label, 'table#balances');
  await closeAll(opened, label);
  pass(`${label}: no request left the page (file: and data: only) and no script error`);
  await axeCheck(args.balances, label);
}

// ---------------------------------------------------------------------------------------------
// The rule timeline.

function citations() {
  try {
    const book = JSON.parse(fs.readFileSync(args.rulebook, 'utf8'));
    return (book.amendments || []).map((a) => a.citation?.reference).filter(Boolean);
  } catch (error) {
    fail(`rules: cannot read the rule book ${args.rulebook}: ${error.message}`);
  }
  return [];
}

async function checkRules() {
  const label = 'rules';
  const references = [...new Set(citations())];
  if (references.length === 0) fail(`${label}: the rule book ${args.rulebook} has no citations`);
  const opened = await open(args.rules);
  const { page } = opened;
  const shape = await page.evaluate(() => {
    const figures = Array.from(document.querySelectorAll('figure.rule-chart'));
    return {
      figures: figures.length,
      withSvg: figures.filter((f) => f.querySelector('svg')).length,
      titles: figures.flatMap((f) => Array.from(f.querySelectorAll('svg title')).map((t) => t.textContent)),
      markers: document.querySelectorAll('.publication-marker').length,
      retroactive: document.querySelectorAll('.retroactive').length,
      retroactiveInCharts: document.querySelectorAll('figure.rule-chart svg .retroactive').length,
    };
  });
  if (shape.figures === 0) fail(`${label}: no figure.rule-chart`);
  if (shape.withSvg !== shape.figures) fail(`${label}: ${shape.figures - shape.withSvg} figure.rule-chart without an svg`);
  const cited = shape.titles.filter((t) => references.some((r) => t.includes(r)));
  if (cited.length === 0) {
    fail(`${label}: no <title> in a rule chart cites the rule book (e.g. "${references[0]}"); ` +
         `titles: ${JSON.stringify(shape.titles.slice(0, 5))}`);
  }
  if (shape.markers === 0) fail(`${label}: no .publication-marker`);
  if (shape.retroactive === 0) fail(`${label}: no .retroactive marker`);
  pass(`${label}: ${shape.figures} figure.rule-chart, ${cited.length} of ${shape.titles.length} <title>s cite ` +
       `the rule book (e.g. "${references.find((r) => cited[0].includes(r))}"), ${shape.markers} .publication-marker, ` +
       `${shape.retroactive} .retroactive (${shape.retroactiveInCharts} in the charts)`);
  await screenshot(opened, 'rules.png', label);
  await closeAll(opened, label);
  pass(`${label}: no request left the page (file: and data: only) and no script error`);
  await axeCheck(args.rules, label);
}

// ---------------------------------------------------------------------------------------------
// The PDF.

async function checkPdf() {
  const label = 'dossier PDF';
  let info;
  try {
    info = execFileSync('pdfinfo', [args.pdf], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    fail(`${label}: pdfinfo ${args.pdf} failed: ${(error.stderr || error.message).toString().trim()}`);
  }
  const pages = Number((/^Pages:\s+(\d+)/m.exec(info) || [])[1] || 0);
  const size = /^Page size:\s+([\d.]+) x ([\d.]+) pts/m.exec(info);
  if (pages < 1) fail(`${label}: pdfinfo reports ${pages} pages:\n${info}`);
  if (!size) fail(`${label}: pdfinfo reports no page size:\n${info}`);
  const [width, height] = [Number(size[1]), Number(size[2])];
  if (Math.abs(width - 595) > 1 || Math.abs(height - 842) > 1) {
    fail(`${label}: page size ${width} x ${height} pts, expected A4 (595 x 842)`);
  }
  pass(`${label}: ${pages} page(s), ${width} x ${height} pts (A4)`);
  const prefix = path.join(ART, 'dossier-pdf-page1');
  try {
    execFileSync('pdftoppm', ['-r', '40', '-png', '-f', '1', '-l', '1', '-singlefile', args.pdf, prefix],
                 { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    fail(`${label}: pdftoppm failed: ${(error.stderr || error.message).toString().trim()}`);
  }
  await checkContent(`${prefix}.png`, `${label} page 1`);
}

// ---------------------------------------------------------------------------------------------

async function main() {
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // CI runs as root: no sandbox.
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--no-default-browser-check',
           '--disable-extensions', '--disable-background-networking', '--disable-sync'],
    protocolTimeout: Math.max(180000, 3 * TIMEOUT),
  });
  pass(`browser: ${await browser.version()} (puppeteer-core, headless)`);
  try {
    await checkDossier();
    await checkMismatch();
    if (args.offline) await checkOffline();
    await checkBalances();
    await checkRules();
    await checkPdf();
  } finally {
    await browser.close();
  }
  console.log('pages_test: all checks passed');
}

main().catch((error) => {
  if (error instanceof CheckFailed) {
    console.error(`FAIL: ${error.message}`);
  } else {
    console.error(`FAIL: ${error?.stack || error}`);
  }
  if (browser) browser.close().catch(() => {});
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 5000).unref();
});

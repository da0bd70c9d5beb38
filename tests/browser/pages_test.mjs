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
// Helpers: browser_session.mjs (chromium, the cut-off network, verification, axe-core, pixel
// statistics) and evidence_edit.mjs (the embedded evidence, read, rewritten and tampered with).
//
// Environment: CHROMIUM (default /usr/bin/chromium), PAGE_TIMEOUT_MS (default 60000).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AXE, CheckFailed, axeCheck, checkContent, closeAll, closeQuietly, dossierState, fail, launch,
         open, pass, screenshotTo, waitForVerification } from './browser_session.mjs';
import { pickEvent, readDossier, tamperBody, tamperCheckpoint, tamperProof, tamperSignature, tamperTrace,
         tracePaths, writeDossier } from './evidence_edit.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

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

// A full-page screenshot, written to the artefacts as NAME, that must show something.
const screenshot = (opened, name, label) => screenshotTo(opened, path.join(ART, name), label);

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
  if (amount.amounts !== 'nl') {
    fail(`${label}: body[data-amounts] is ${JSON.stringify(amount.amounts)} before the toggle, expected "nl"`);
  }
  if (!(await page.$('#format-toggle'))) fail(`${label}: no #format-toggle`);
  await page.click('#format-toggle');
  const after = await read();
  if (unsigned(after.text) !== en) {
    fail(`${label}: after #format-toggle amount ${amount.cents} reads ${JSON.stringify(after.text)}, ` +
         `expected English ${JSON.stringify(en)}`);
  }
  if (after.amounts !== 'en') {
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
  const shown = new Set(state.nodes.map((n) => n.node));
  const unshown = tracePaths(evidence.trace).filter((p) => !shown.has(p));
  if (unshown.length > 0) {
    fail(`${label}: no [data-node] for ${unshown.length} trace node(s): ${unshown.slice(0, 10).join(', ')}`);
  }
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
  if (toggle) await checkFormatToggle(opened.page, label);
  await closeAll(opened, label);
  pass(`${label}: no request left the page (file: and data: only) and no script error`);
  return state;
}

// A tampered copy: exactly TARGET fails, every other item stays verified, the verdict fails and
// its text (with the item's reasons) names what failed. UNTOUCHED is the verdict text of the
// copy that verifies: a name found there too would tell nothing about what failed.
async function checkTampered(file, label, evidence, { target, verdictNames, detailNames, node = null }, untouched) {
  for (const names of [verdictNames, detailNames].filter(Boolean)) {
    if (names.test(untouched)) {
      fail(`${label}: ${names} is found in the verdict of the copy that verifies too: "${untouched}"`);
    }
  }
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
  const unchanged = writeDossier(dossier, evidence, path.join(ART, 'tampered-none.html'));
  const untouched = (await checkVerifies(unchanged, 'dossier rewritten unchanged', evidence)).verdictText;

  // One change at a time, each in a copy of its own: a byte of an event's body and of its
  // signature, a digit of its inclusion proof, the checkpoint's signature, a trace node's amount.
  const n = pickEvent(evidence).sequence;
  const tamperings = [() => tamperBody(evidence, n), () => tamperSignature(evidence, n),
                      () => tamperProof(evidence, n), () => tamperCheckpoint(evidence), () => tamperTrace(evidence)];
  for (const tamper of tamperings) {
    const tampered = tamper();
    const file = writeDossier(dossier, tampered.evidence, path.join(ART, tampered.name));
    await checkTampered(file, tampered.label, evidence, tampered.expect, untouched);
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
  // The page's own words, #settlement in the header: the header also quotes the verdict the
  // dossier declares, which says MISMATCH whatever the page derives.
  if (!(await opened.page.$('header #settlement'))) fail(`${label}: no #settlement in the header`);
  if (!/MISMATCH/.test(state.settlementText)) {
    fail(`${label}: the header's #settlement does not say MISMATCH: "${state.settlementText.slice(0, 300)}"`);
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
  const browser = await launch();
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
  closeQuietly();
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 5000).unref();
});

// The browser side of pages_test.mjs: Debian's chromium launched headless through
// puppeteer-core, pages opened from file:// URLs with the network cut off (request interception),
// waiting for a dossier's verification and reading what it says, axe-core, and screenshots judged
// by pixel statistics computed in the browser. Also the test's pass/fail/note lines.
//
// Environment: CHROMIUM (default /usr/bin/chromium), PAGE_TIMEOUT_MS (default 60000).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const AXE = path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js');
export const TIMEOUT = Number(process.env.PAGE_TIMEOUT_MS || 60000);
// Screenshots and the PDF page must show something: this share of pixels off the background
// colour, and more than this many distinct colours (anti-aliased text, charts).
const MIN_CONTENT_SHARE = 0.02;
const MIN_COLOURS = 20;

export class CheckFailed extends Error {}
export function fail(message) { throw new CheckFailed(message); }
export function pass(message) { console.log(`ok - ${message}`); }
export function note(message) { console.log(`  note: ${message}`); }

// ---------------------------------------------------------------------------------------------
// The browser: one chromium for the whole run, one page open at a time.

let browser;

export async function launch() {
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // CI runs as root: no sandbox.
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--no-default-browser-check',
           '--disable-extensions', '--disable-background-networking', '--disable-sync'],
    protocolTimeout: Math.max(180000, 3 * TIMEOUT),
  });
  return browser;
}

// After a failure: close the browser if there is one, without waiting or complaining.
export function closeQuietly() {
  if (browser) browser.close().catch(() => {});
}

// Opens FILE in a new page with the network cut off. Returns the page and what it tried:
// `blocked` (URLs aborted), `errors` (uncaught exceptions in the page), `consoleErrors`.
export async function open(file, { bypassCSP = false } = {}) {
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

export async function closeAll(opened, label) {
  settled(opened, label);
  await opened.page.close();
}

export async function waitForVerification(opened, label) {
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
export async function dossierState(page) {
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

// The PNG shows something: enough pixels off the background, enough colours.
export async function checkContent(png, label) {
  const stats = await pixelStats(png);
  const summary = `${stats.width}x${stats.height}, ${(stats.share * 100).toFixed(1)}% off the ` +
                  `background ${stats.background}, ${stats.colours} colours`;
  if (stats.share <= MIN_CONTENT_SHARE || stats.colours <= MIN_COLOURS) {
    fail(`${label}: ${path.basename(png)} looks empty (${summary}; needs more than ` +
         `${MIN_CONTENT_SHARE * 100}% and ${MIN_COLOURS} colours)`);
  }
  pass(`${label}: ${path.basename(png)} has content (${summary})`);
}

// A full-page screenshot of the open page, written to FILE and judged by checkContent.
export async function screenshotTo(opened, file, label) {
  await opened.page.screenshot({ path: file, fullPage: true });
  await checkContent(file, `${label} screenshot`);
}

// ---------------------------------------------------------------------------------------------
// axe-core.

export async function axeCheck(file, label, { dossier = false } = {}) {
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

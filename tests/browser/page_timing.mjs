// How long a page takes in Debian's chromium: from navigation to the dossier's verification done
// (body[data-verification="done"]), or to "load" for the reports. For tools/bench/pages.sh.
// Usage: node page_timing.mjs FILE.html [...]   prints one line per page: file, ms, verdict.
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
  protocolTimeout: 600000,
});
try {
  for (const file of process.argv.slice(2)) {
    const page = await browser.newPage();
    const started = performance.now();
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 600000 });
    const dossier = await page.evaluate(() => document.body.dataset.verification !== undefined);
    if (dossier) {
      await page.waitForSelector('body[data-verification="done"]', { timeout: 600000 });
    }
    const ms = performance.now() - started;
    const verdict = dossier
      ? await page.evaluate(() => document.querySelector('#verdict')?.getAttribute('data-state'))
      : 'report';
    console.log(`${file}\t${ms.toFixed(0)}\t${verdict}`);
    await page.close();
  }
} finally {
  await browser.close();
}

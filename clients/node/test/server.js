// A real ledgerd for the tests: a fresh ledger made with ledgerctl, served on a port the kernel
// picks (`--listen 127.0.0.1:0`; ledgerd names it in its "ledgerd serving" log line). As
// clients/python/tests/conftest.py does. Each test file (its own process under `node --test`)
// starts its own.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SOURCE_DIR = process.env.BOOO_SOURCE_DIR || path.resolve(PACKAGE_DIR, '..', '..');
export const LEDGERD = process.env.LEDGERD || path.join(SOURCE_DIR, 'build/services/ledgerd');
export const LEDGERCTL = process.env.LEDGERCTL || path.join(SOURCE_DIR, 'build/tools/ledgerctl');
export const EXAMPLES = path.join(PACKAGE_DIR, 'examples');

export function ctl(args, { env } = {}) {
  return execFileSync(LEDGERCTL, args, { encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Starts ledgerd with `args` and resolves to its process and port, read from the JSON line it
 *  logs once it serves (lines that are not JSON, a sanitizer's say, are skipped). The rest of
 *  its log keeps being copied to `logFile`, so that a full pipe never stalls it. */
export function startLedgerd(args, logFile) {
  const child = spawn(LEDGERD, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  const lines = readline.createInterface({ input: child.stderr });
  return new Promise((resolve, reject) => {
    let port = null;
    lines.on('line', (line) => {
      log.write(line + '\n');
      if (port !== null) return;
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (entry.msg === 'ledgerd serving') {
        port = entry.port;
        resolve({ child, port });
      }
    });
    child.on('exit', (code, signal) => {
      if (port === null) reject(new Error(`ledgerd stopped before it served (${code ?? signal}); see ${logFile}`));
    });
    child.on('error', reject);
  });
}

export function stopProcess(child, signal = 'SIGTERM') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

export class Server {
  constructor(work, origin) {
    this.work = work;
    this.origin = origin;
    this.data = path.join(work, 'ledger');
    this.child = null;
    this.port = 0;
  }

  get address() {
    return `127.0.0.1:${this.port}`;
  }

  file(name) {
    return path.join(this.work, name);
  }

  ctl(...args) {
    return ctl(['--server', this.address, ...args], { env: { BOOO_TRUST_STORE: this.file('ctl-trust') } });
  }

  async start(port = 0) {
    const { child, port: serving } = await startLedgerd(
      ['--data-dir', this.data, '--listen', `127.0.0.1:${port}`, '--plaintext-for-development',
       '--max-requests-per-second', '0'], this.file('ledgerd.log'));
    this.child = child;
    this.port = serving;
  }

  kill() {
    return stopProcess(this.child, 'SIGKILL');
  }

  /** Stops ledgerd and removes the work directory (kept with BOOO_KEEP_TEST_DIRS=1, for its
   *  ledgerd.log). */
  async stop() {
    await stopProcess(this.child);
    if (!process.env.BOOO_KEEP_TEST_DIRS) fs.rmSync(this.work, { recursive: true, force: true });
  }
}

/** A ledger with the keys ministry, ams (GM0363) and utr (GM0344) and the rule book loaded. */
export async function startServer(origin = 'test/node') {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'booo-node-'));
  const server = new Server(work, origin);
  for (const name of ['ministry', 'ams', 'utr']) ctl(['keygen', '--out', server.file(name)]);
  ctl(['init', '--data-dir', server.data, '--root-key', server.file('ministry.key'), '--origin', origin,
       '--checkpoint-key-name', 'test']);
  await server.start();
  server.ctl('register-key', '--signer', server.file('ministry.key'), '--public-key', server.file('ams.pub'),
             '--role', 'municipality', '--municipality', 'GM0363');
  server.ctl('register-key', '--signer', server.file('ministry.key'), '--public-key', server.file('utr.pub'),
             '--role', 'municipality', '--municipality', 'GM0344');
  server.ctl('load-rules', '--key', server.file('ministry.key'), '--rulebook',
             path.join(SOURCE_DIR, 'replay/rulebook/booo-2022-2025.json'));
  return server;
}

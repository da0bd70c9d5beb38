// The three examples, run as a user runs them (child processes), against the test's ledgerd: a
// month as one batch with inclusion proved against a kept checkpoint (and a rerun that changes
// nothing), every balance as known on a date to CSV, and an auditor following the log live.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import * as bl from '../src/index.js';
import { EXAMPLES, startServer } from './server.js';

let server;

before(async () => {
  server = await startServer('test/node-examples');
});

after(async () => {
  await server?.stop();
});

async function run(name, ...args) {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(EXAMPLES, name), ...args], { timeout: 120_000 });
  return stdout;
}

const vkey = () => path.join(server.data, 'checkpoint.vkey');

const monthBatch = (month, receipts) => run('month-batch.js', '--server', server.address, '--key', server.file('ams.key'),
  '--verifier-key', vkey(), '--trust-dir', server.file('trust-muni'), '--municipality', 'GM0363',
  '--location', 'AMS-EX-1', '--month', month, '--places', '75', '--receipts', receipts);

function csvRows(file) {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const names = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [names[i], v])));
}

test('every example answers --help', async () => {
  for (const name of ['month-batch.js', 'balances-csv.js', 'audit-follow.js']) {
    assert.match(await run(name, '--help'), /^usage: /);
  }
});

test('month-batch, then a rerun that changes nothing', async () => {
  const first = await monthBatch('2024-02', server.file('r1.json'));  // a leap February
  assert.match(first, /^appended 29 events \(0 duplicates\), sequences \d+\.\.\d+, all included in checkpoint of size \d+\n$/);
  const again = await monthBatch('2024-02', server.file('r2.json'));
  assert.match(again, /^appended 29 events \(29 duplicates\)/);
  const [one, two] = ['r1.json', 'r2.json'].map((f) => JSON.parse(fs.readFileSync(server.file(f), 'utf8')));
  assert.deepEqual(one.receipts.map((r) => r.sequence), two.receipts.map((r) => r.sequence));
  assert.equal(one.receipts.at(-1).event_id, 'GM0363-AMS-EX-1-goo-2024-02-29');
  assert.equal(one.receipts[0].leaf_hash.length, 64);
});

test('balances-csv as known on a date', async () => {
  const client = new bl.LedgerClient(server.address);
  try {
    await client.append(bl.advancePaid({ municipalityCode: 'GM0344', spendingYear: 2025, amountCents: 123_456_78,
      paymentDate: '2025-02-03', paymentReference: 'EX-CSV', eventId: 'node-ex-csv-advance' }),
    bl.loadSigningKey(server.file('ministry.key')));
  } finally {
    client.close();
  }
  const out = server.file('balances.csv');
  const said = await run('balances-csv.js', '--server', server.address, '--year', '2025', '--known-on', '2025-12-31', '--out', out);
  const rows = csvRows(out);
  assert.equal(fs.readFileSync(out, 'utf8').split('\n')[0],
    'municipality_code,spending_year,computed_grant_eur,determined,determined_grant_eur,advances_eur,repayments_eur,balance_eur,direction,vat_fund_contribution_eur,flags');
  assert.ok(said.startsWith(`wrote ${rows.length} rows as known on 2025-12-31 (tree size `), said);
  const utrecht = rows.find((r) => r.municipality_code === 'GM0344');
  assert.equal(utrecht.advances_eur, '123456.78');
  assert.ok(['to_reclaim', 'settled', 'to_pay'].includes(utrecht.direction), utrecht.direction);
  assert.ok(rows.every((r) => /^-?\d+\.\d\d$/.test(r.balance_eur)));
  assert.ok(rows.every((r) => r.municipality_code !== 'TOTAL'));
  // Known on a day before the payment: the advance is not there yet.
  await run('balances-csv.js', '--server', server.address, '--year', '2025', '--known-on', '2025-02-02', '--out', out);
  assert.ok(csvRows(out).every((r) => r.advances_eur !== '123456.78'));
});

test('audit-follow follows the log live and exits at --until-size', { timeout: 120_000 }, async () => {
  const client = new bl.LedgerClient(server.address);
  const start = await client.checkpoint(bl.loadVerifierKey(vkey()), new bl.TrustStore(server.file('probe')));
  client.close();
  const auditor = spawn(process.execPath, [path.join(EXAMPLES, 'audit-follow.js'), '--server', server.address,
    '--verifier-key', vkey(), '--trust-dir', server.file('trust-auditor'), '--origin', 'test/node-examples',
    '--until-size', String(start.treeSize + 30n), '--max-seconds', '90'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  auditor.stderr.on('data', (chunk) => { stderr += chunk; });
  const exited = new Promise((resolve) => auditor.on('exit', (code) => resolve(code)));
  const lines = [];
  const reader = readline.createInterface({ input: auditor.stdout });
  const first = new Promise((resolve) => reader.once('line', resolve));
  reader.on('line', (line) => lines.push(line));
  assert.match(await first, /^following from checkpoint \d+ \(verified\)$/);
  await monthBatch('2024-04', server.file('r3.json'));  // 30 events, one commit
  assert.equal(await exited, 0, stderr);
  assert.equal(lines.at(-1), `checkpoint ${start.treeSize + 30n} verified: consistent with ${start.treeSize}, 30 new events included`);
});

test('audit-follow exits non-zero, with a message, when a checkpoint does not verify', async () => {
  const stranger = new bl.VerifierKey('test', Buffer.alloc(32, 1));  // the right name, another key
  fs.writeFileSync(server.file('stranger.vkey'), `${stranger}\n`);
  const failed = await promisify(execFile)(process.execPath, [path.join(EXAMPLES, 'audit-follow.js'), '--server', server.address,
    '--verifier-key', server.file('stranger.vkey'), '--trust-dir', server.file('trust-stranger'), '--max-seconds', '5'])
    .then(() => null, (error) => error);
  assert.ok(failed, 'audit-follow accepted a checkpoint it cannot have verified');
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /^audit-follow: checkpoint: no valid signature by test\+[0-9a-f]{8} /);
});

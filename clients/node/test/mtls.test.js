// The Node client over mutual TLS: a registered municipality's certificate (over its own
// ledger key) appends and reads, and checks its receipt's inclusion; no client certificate is
// UNAUTHENTICATED. As clients/python/tests/test_mtls.py.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as bl from '../src/index.js';
import { ctl, startLedgerd, stopProcess } from './server.js';

let work;
let child;
let address;
const file = (name) => path.join(work, name);

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'booo-node-mtls-'));
  for (const name of ['ministry', 'ams']) ctl(['keygen', '--out', file(name)]);
  ctl(['init', '--data-dir', file('ledger'), '--root-key', file('ministry.key'), '--origin', 'test/node-mtls',
       '--checkpoint-key-name', 'test']);
  ctl(['tls', 'init-ca', '--out-dir', file('ca')]);
  ctl(['tls', 'server-cert', '--ca-dir', file('ca'), '--host', '127.0.0.1', '--out-dir', file('server')]);
  for (const name of ['ministry', 'ams']) {
    ctl(['tls', 'client-cert', '--ca-dir', file('ca'), '--key', file(`${name}.key`), '--out', file(`${name}.crt`)]);
  }
  let port;
  ({ child, port } = await startLedgerd(['--data-dir', file('ledger'), '--listen', '127.0.0.1:0',
    '--tls-cert', file('server/server.crt'), '--tls-key', file('server/server.key'),
    '--tls-client-ca', file('ca/ca.crt')], file('ledgerd.log')));
  address = `127.0.0.1:${port}`;
  ctl(['--server', address, '--tls-ca', file('ca/ca.crt'), '--tls-cert', file('ministry.crt'), '--tls-key', file('ministry.key'),
       'register-key', '--signer', file('ministry.key'), '--public-key', file('ams.pub'), '--role', 'municipality',
       '--municipality', 'GM0363'], { env: { BOOO_TRUST_STORE: file('trust') } });
});

after(async () => {
  await stopProcess(child);
  if (work && !process.env.BOOO_KEEP_TEST_DIRS) fs.rmSync(work, { recursive: true, force: true });
});

test('a municipality appends and reads over mutual TLS', async () => {
  const client = new bl.LedgerClient(address, {
    caCertificate: fs.readFileSync(file('ca/ca.crt')),
    clientCertificate: fs.readFileSync(file('ams.crt')),
    clientKey: fs.readFileSync(file('ams.key')),
  });
  try {
    const key = bl.loadSigningKey(file('ams.key'));
    const { receipt } = await client.append(bl.pooPersonMonthsDeclared({
      municipalityCode: 'GM0363', month: [2023, 4], registeredPersons: 20, personsWithProvision: 18,
      receivedDate: '2023-05-02', eventId: 'node-mtls-1' }), key);
    const head = await client.checkpoint(bl.loadVerifierKey(file('ledger/checkpoint.vkey')),
                                         new bl.TrustStore(file('node-trust')), { origin: 'test/node-mtls' });
    await client.verifyInclusion(receipt, head);
    assert.equal((await client.getEvent({ eventId: 'node-mtls-1' })).sequence, receipt.sequence);
  } finally {
    client.close();
  }
});

test('the server name can be given apart from the address', async () => {
  // The certificate names 127.0.0.1; reached as "localhost", the name to check is given.
  const client = new bl.LedgerClient(address.replace('127.0.0.1', 'localhost'), {
    caCertificate: fs.readFileSync(file('ca/ca.crt')), clientCertificate: fs.readFileSync(file('ams.crt')),
    clientKey: fs.readFileSync(file('ams.key')), serverName: '127.0.0.1',
  });
  try {
    assert.equal((await client.getEvent({ eventId: 'node-mtls-1' })).eventId, 'node-mtls-1');
  } finally {
    client.close();
  }
});

test('without a client certificate: UNAUTHENTICATED', async () => {
  const anonymous = new bl.LedgerClient(address, { caCertificate: fs.readFileSync(file('ca/ca.crt')) });
  try {
    await assert.rejects(anonymous.getEvent({ eventId: 'node-mtls-1' }), bl.Unauthenticated);
  } finally {
    anonymous.close();
  }
});

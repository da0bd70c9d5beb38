// The install route the guide gives: pack.sh makes the tarball (writing nothing in the
// checkout), a fresh ES-module project installs it from npm's cache, and imports it: the
// package finds the .proto files it carries, not the repository's.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PACKAGE = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

test('packs without touching the checkout, installs into a fresh project and imports', { timeout: 120_000 }, async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'booo-node-package-'));
  try {
    const before = fs.readdirSync(PACKAGE).sort();
    await run(path.join(PACKAGE, 'pack.sh'), [work]);
    assert.deepEqual(fs.readdirSync(PACKAGE).sort(), before, 'pack.sh wrote into the checkout');
    const [tarball] = fs.readdirSync(work).filter((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'no tarball');
    const project = path.join(work, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'p', private: true, type: 'module' }));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', path.join(work, tarball)],
              { cwd: project });
    fs.writeFileSync(path.join(project, 'main.js'), [
      "import * as bl from 'booo-ledger';",
      'const body = bl.gooPlacesDeclared({ municipalityCode: "GM0363", locationId: "L", accommodationType: "ACCOMMODATION_TYPE_HOTEL",',
      '  period: ["2024-02-29", "2024-02-29"], places: 3, receivedDate: "2024-03-01", eventId: "e" });',
      'console.log(JSON.stringify({ dir: bl.findProtoDir(), stream: bl.streamFor(body) }));',
    ].join('\n'));
    const { stdout } = await run(process.execPath, ['main.js'], { cwd: project, env: { ...process.env, BOOO_PROTO_DIR: '' } });
    const said = JSON.parse(stdout);
    assert.equal(said.stream, 'municipality/GM0363');
    assert.equal(said.dir, path.join(project, 'node_modules', 'booo-ledger', 'proto'));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

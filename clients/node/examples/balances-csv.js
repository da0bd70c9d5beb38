#!/usr/bin/env node
// Example 2: the ministry's tool writes every municipality's balance for a year, as known on a
// date, to CSV.
//
// Amounts are exact: integer cents from the ledger (bigints), written as euros with two
// decimals by integer arithmetic, never through a float. Against the demo server:
//
//   node examples/balances-csv.js --server 127.0.0.1:50551 --year 2023 --known-on 2024-12-31 --out balances.csv
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import * as bl from 'booo-ledger';

const USAGE = `usage: balances-csv.js --server HOST:PORT --year YYYY --known-on YYYY-MM-DD --out FILE.csv

Every municipality's grant and balance for a spending year, as known on a date, to CSV.

  --server    ledgerd's HOST:PORT (plaintext: a --plaintext-for-development server)
  --year      the spending year
  --known-on  YYYY-MM-DD: the business date
  --out       the CSV file to write`;

const HEADER = ['municipality_code', 'spending_year', 'computed_grant_eur', 'determined',
  'determined_grant_eur', 'advances_eur', 'repayments_eur', 'balance_eur', 'direction',
  'vat_fund_contribution_eur', 'flags'];

/** -1234n -> "-12.34": the integer's digits, never a float. */
function euros(cents) {
  cents = BigInt(cents);
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

const direction = (name) => String(name).replace(/^BALANCE_DIRECTION_/, '').toLowerCase();
const csvField = (value) => (/[",\n]/.test(String(value)) ? `"${String(value).replace(/"/g, '""')}"` : String(value));

async function main() {
  const { values: args } = parseArgs({
    options: {
      help: { type: 'boolean', short: 'h' }, server: { type: 'string' }, year: { type: 'string' },
      'known-on': { type: 'string' }, out: { type: 'string' },
    },
  });
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  for (const name of ['server', 'year', 'known-on', 'out']) {
    if (args[name] === undefined) {
      console.error(`${USAGE}\n\nbalances-csv: --${name} is required`);
      return 2;
    }
  }
  const client = new bl.LedgerClient(args.server);
  let answer;
  try {
    answer = await client.balances(Number(args.year), { knownOn: args['known-on'] });
  } finally {
    client.close();
  }
  const lines = [HEADER.join(',')];
  for (const row of answer.rows) {
    lines.push([row.municipalityCode, row.spendingYear, euros(row.computedGrantCents), String(row.determined),
      euros(row.determinedGrantCents), euros(row.advancesCents), euros(row.repaymentsCents),
      euros(row.balanceCents), direction(row.direction), euros(row.vatFundContributionCents), row.flags]
      .map(csvField).join(','));
  }
  fs.writeFileSync(args.out, lines.join('\n') + '\n');
  console.log(`wrote ${answer.rows.length} rows as known on ${args['known-on']} (tree size ${answer.treeSize}) to ${args.out}`);
  return 0;
}

main().then((code) => process.exit(code), (error) => {
  console.error(`balances-csv: ${error instanceof bl.LedgerError ? error.message : error.stack}`);
  process.exit(1);
});

// Tests the pure helpers of tools/reports/assets/report.js (amount formatting, sort order).
// No npm dependencies: the script is loaded into a fresh node:vm context, where there is no
// document, so only globalThis.ReportFormat is defined. Run: node tests/browser/report_js_test.mjs
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import vm from 'node:vm';

const source = readFileSync(new URL('../../tools/reports/assets/report.js', import.meta.url), 'utf8');
const context = vm.createContext({});
vm.runInContext(source, context, { filename: 'report.js' });
const { formatCents, compareValues, sortedIndices } = context.ReportFormat;
const MINUS = '\u2212';
// Errors and arrays made inside the context belong to its realm: use its RangeError, copy arrays.
const ContextRangeError = vm.runInContext('RangeError', context);
const isRangeError = (error) => error instanceof ContextRangeError;
const plain = (array) => Array.from(array);

test('the script defines one global, and no DOM code runs without a document', () => {
  assert.deepEqual(Object.keys(context), ['ReportFormat']);
  assert.ok(Object.isFrozen(context.ReportFormat));
});

test('formatCents at the boundaries, Dutch and English notation', () => {
  const cases = [
    // cents, nl, en
    ['0', '€ 0,00', '€0.00'],
    ['1', '€ 0,01', '€0.01'],
    ['-1', `${MINUS}€ 0,01`, `${MINUS}€0.01`],
    ['99', '€ 0,99', '€0.99'],
    ['100', '€ 1,00', '€1.00'],
    ['99999', '€ 999,99', '€999.99'],
    ['100000', '€ 1.000,00', '€1,000.00'],
    ['123456789', '€ 1.234.567,89', '€1,234,567.89'],
    ['-1200000', `${MINUS}€ 12.000,00`, `${MINUS}€12,000.00`],
    ['9223372036854775807', '€ 92.233.720.368.547.758,07', '€92,233,720,368,547,758.07'],
    ['-9223372036854775808', `${MINUS}€ 92.233.720.368.547.758,08`, `${MINUS}€92,233,720,368,547,758.08`],
    ['-0', '€ 0,00', '€0.00'],
    ['007', '€ 0,07', '€0.07'],
  ];
  for (const [cents, nl, en] of cases) {
    assert.equal(formatCents(cents, 'nl'), nl, `${cents} nl`);
    assert.equal(formatCents(cents, 'en'), en, `${cents} en`);
  }
});

test('formatCents refuses what is not integer cents or not a notation', () => {
  for (const bad of ['', '-', '1.5', '1,5', '12e3', ' 1', '+1', 'abc', '1\n']) {
    assert.throws(() => formatCents(bad, 'nl'), isRangeError, JSON.stringify(bad));
  }
  assert.throws(() => formatCents('1', 'de'), isRangeError);
  assert.throws(() => formatCents('1'), isRangeError);
});

test('compareValues on numbers beyond 2^53 is exact', () => {
  // As doubles these two are equal; as cents they are not.
  assert.equal(Number('9007199254740993'), Number('9007199254740992'));
  assert.equal(compareValues('9007199254740993', '9007199254740992', 'number'), 1);
  assert.equal(compareValues('9007199254740992', '9007199254740993', 'number'), -1);
  assert.equal(compareValues('9223372036854775807', '9223372036854775807', 'number'), 0);
  assert.equal(compareValues('-9223372036854775808', '-9223372036854775807', 'number'), -1);
  // Numerically, not as text: "10" after "9", "-10" before "-9".
  assert.equal(compareValues('10', '9', 'number'), 1);
  assert.equal(compareValues('-10', '-9', 'number'), -1);
  // A value that is not an integer sorts before every number.
  assert.equal(compareValues('', '-9223372036854775808', 'number'), -1);
  assert.equal(compareValues('', '', 'number'), 0);
});

test('sortedIndices sorts numbers beyond 2^53, both ways, stably', () => {
  const values = ['9007199254740993', '0', '9223372036854775807', '9007199254740992',
                  '-9223372036854775808', '0', '18446744073709551616', '-1'];
  const ascending = sortedIndices(values, 'number', false);
  assert.deepEqual(plain(ascending).map((i) => values[i]),
                   ['-9223372036854775808', '-1', '0', '0', '9007199254740992',
                    '9007199254740993', '9223372036854775807', '18446744073709551616']);
  assert.deepEqual(plain(ascending).slice(2, 4), [1, 5]);  // equal values: page order
  const descending = sortedIndices(values, 'number', true);
  assert.deepEqual(plain(descending).map((i) => values[i]),
                   ['18446744073709551616', '9223372036854775807', '9007199254740993',
                    '9007199254740992', '0', '0', '-1', '-9223372036854775808']);
  assert.deepEqual(plain(descending).slice(4, 6), [1, 5]);  // still page order
});

test('text sorts with Dutch collation', () => {
  const values = ['Zwolle', 'GM0363', 'Ede', 'amsterdam', 'Émmen', 'GM0014', 'Almere'];
  assert.deepEqual(plain(sortedIndices(values, 'text', false)).map((i) => values[i]),
                   ['Almere', 'amsterdam', 'Ede', 'Émmen', 'GM0014', 'GM0363', 'Zwolle']);
  assert.deepEqual(plain(sortedIndices(values, 'text', true)).map((i) => values[i]),
                   ['Zwolle', 'GM0363', 'GM0014', 'Émmen', 'Ede', 'amsterdam', 'Almere']);
  assert.equal(compareValues('GM0363', 'GM0363', 'text'), 0);
});

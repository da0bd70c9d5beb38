// Shared script of the `ledgerctl report` pages (balances, rules), inlined by the C++.
// Pure helpers first: globalThis.ReportFormat, the only global, so that a Node test can load
// this file with node:vm. The DOM wiring below runs only where there is a document.
'use strict';

globalThis.ReportFormat = (function () {
  const MINUS = '\u2212';           // U+2212 MINUS SIGN, as the C++ writes it
  const INTEGER = /^-?[0-9]+$/;     // cents and sort values: decimal integers, any size
  const collator = new Intl.Collator('nl');  // what 'a'.localeCompare(b, 'nl') uses

  // "123456789", 'nl' -> "€ 1.234.567,89"; 'en' -> "€1,234,567.89"; negatives lead with U+2212.
  // Works on the decimal string, so any int64 (and beyond) is exact. Throws on anything else.
  function formatCents(cents, notation) {
    const text = String(cents);
    if (!INTEGER.test(text)) throw new RangeError('not an amount in cents: ' + JSON.stringify(text));
    if (notation !== 'nl' && notation !== 'en') throw new RangeError('notation: ' + notation);
    const digits = text.replace(/^-/, '').replace(/^0+/, '').padStart(3, '0');
    const negative = text.startsWith('-') && /[1-9]/.test(digits);  // "-0" is € 0,00
    const euros = digits.slice(0, -2);
    const fraction = digits.slice(-2);
    const nl = notation === 'nl';
    const grouped = euros.replace(/\B(?=(?:[0-9]{3})+$)/g, nl ? '.' : ',');
    return (negative ? MINUS : '') + (nl ? '€ ' + grouped + ',' + fraction : '€' + grouped + '.' + fraction);
  }

  // -1, 0 or 1. kind 'number': decimal integers compared exactly (BigInt); a value that is not
  // an integer (empty, say) sorts before every number. kind 'text': Dutch collation.
  function compareValues(a, b, kind) {
    if (kind === 'number') {
      const x = INTEGER.test(a) ? BigInt(a) : null;
      const y = INTEGER.test(b) ? BigInt(b) : null;
      if (x === null || y === null) return x === y ? 0 : (x === null ? -1 : 1);
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    return Math.sign(collator.compare(String(a), String(b)));
  }

  // The order (indices into `values`) that sorts them; equal values keep their order in
  // `values`, in both directions, so repeated clicks always give the same table.
  function sortedIndices(values, kind, descending) {
    const sign = descending ? -1 : 1;
    return values.map((value, index) => index)
      .sort((i, j) => sign * compareValues(values[i], values[j], kind) || i - j);
  }

  return Object.freeze({ formatCents, compareValues, sortedIndices });
})();

if (typeof document !== 'undefined') {
  (function () {
    const { formatCents, sortedIndices } = globalThis.ReportFormat;

    // Sortable tables: <table class="sortable">, header cells
    // <th scope="col" aria-sort="none" data-sort="text|number"><button type="button">.
    // Rows are sorted on their cell's data-value (its text when there is none); ties keep the
    // order the page was generated in.
    function makeSortable(table) {
      const original = new Map();
      for (const body of table.tBodies) {
        Array.from(body.rows).forEach((row, index) => original.set(row, index));
      }
      const headers = Array.from(table.querySelectorAll('thead th[data-sort]'));
      for (const th of headers) {
        const button = th.querySelector('button');
        if (!button) continue;
        button.addEventListener('click', () => {
          const descending = th.getAttribute('aria-sort') === 'ascending';
          for (const other of headers) other.setAttribute('aria-sort', 'none');
          th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
          sortTable(table, th.cellIndex, th.dataset.sort === 'number' ? 'number' : 'text',
                    descending, original);
        });
      }
    }

    function sortTable(table, column, kind, descending, original) {
      for (const body of table.tBodies) {
        // Back to the generated order first, so that ties fall in that order.
        const rows = Array.from(body.rows).sort((a, b) => original.get(a) - original.get(b));
        const values = rows.map((row) => {
          const cell = row.cells[column];
          if (!cell) return '';
          return cell.hasAttribute('data-value') ? cell.dataset.value : cell.textContent.trim();
        });
        const fragment = document.createDocumentFragment();
        for (const index of sortedIndices(values, kind, descending)) fragment.append(rows[index]);
        body.append(fragment);
      }
    }

    // The amounts: every <span class="amount" data-cents="…"> in Dutch ('nl', the default) or
    // English ('en') notation; <body data-amounts>; #format-toggle says what it switches to.
    const TOGGLE_TEXT = {
      nl: 'Show amounts in English notation (€1,234.56)',
      en: 'Show amounts in Dutch notation (€ 1.234,56)',
    };

    function showAmounts(notation) {
      for (const amount of document.querySelectorAll('.amount[data-cents]')) {
        try {
          amount.textContent = formatCents(amount.dataset.cents, notation);
        } catch (error) {
          // Not cents: the text the page was generated with stays.
        }
      }
      document.body.dataset.amounts = notation;
      const toggle = document.getElementById('format-toggle');
      if (toggle) {
        toggle.setAttribute('aria-pressed', notation === 'en' ? 'true' : 'false');
        toggle.textContent = TOGGLE_TEXT[notation];
      }
    }

    function start() {
      for (const table of document.querySelectorAll('table.sortable')) makeSortable(table);
      const notation = document.body.dataset.amounts === 'en' ? 'en' : 'nl';
      showAmounts(notation);
      const toggle = document.getElementById('format-toggle');
      if (toggle) {
        toggle.addEventListener('click', () => {
          showAmounts(document.body.dataset.amounts === 'en' ? 'nl' : 'en');
        });
      }
    }

    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', start);
    } else {
      start();
    }
  })();
}

// Draws the audit dossier page from the evidence embedded in it (#dossier-data), then runs
// DossierVerify.verifyDossier on that same evidence and marks every item with what it found
// (the DOM contract is in tools/reports/DOSSIER_FORMAT.md). Evidence only ever enters the page
// as text (textContent, attribute values), never as HTML, so no string in it can become markup.
'use strict';

(function () {
  if (typeof document === 'undefined') return;  // loaded for tests without a DOM: nothing to do
  const V = globalThis.DossierVerify;
  let notation = 'nl';

  // ---- Small builders ---------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v; else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }
  function amount(cents) {
    try { return el('span', { class: 'amount', 'data-cents': cents }, V.formatCents(cents, notation)); }
    catch (e) { return el('span', { class: 'amount-invalid' }, `(not an amount: ${cents})`); }
  }
  // A link only to http(s) addresses: a citation URL from the data must not run script.
  function extLink(url, text) {
    try {
      const u = new URL(url);
      if (u.protocol === 'https:' || u.protocol === 'http:') return el('a', { href: u.href }, text || u.href);
    } catch (e) { /* not a URL: shown as text below */ }
    return el('span', null, text || url || '');
  }
  let events = new Map();
  const eventLink = (seq, text) => (events.has(seq)
    ? el('a', { href: '#event-' + seq }, text || `event #${seq}`)
    : el('span', null, `${text || 'event #' + seq} (not in this dossier)`));
  const MARKS = { verified: '✓ verified', failed: '✗ failed', running: '… checking', 'not checked': '– not checked', absent: '– no line' };
  const mark = (state) => el('span', { class: 'mark mark-' + state.replace(' ', '-') }, MARKS[state] || state);
  function setMark(container, state) {
    const m = container.querySelector('.mark');
    if (m) m.replaceWith(mark(state));
  }
  // "municipality_code" or "municipalityCode" -> "Municipality code".
  const words = (key) => {
    const w = key.replace(/_/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
    return w.charAt(0).toUpperCase() + w.slice(1);
  };
  const facts = (pairs, cls) => el('dl', { class: cls || 'facts' },
    pairs.filter((p) => p).map(([k, ...v]) => el('div', null, el('dt', null, k), el('dd', null, v))));
  const code = (t) => el('code', null, t);
  const dateText = (d) => (d && d[0] ? `${d[0]}-${String(d[1]).padStart(2, '0')}-${String(d[2]).padStart(2, '0')}` : null);
  // Recorded-at from the microseconds in the leaf (verified), not from the display string.
  function recordedAt(micros) {
    try {
      const m = BigInt(micros), iso = new Date(Number(m / 1000n)).toISOString().slice(0, 19);
      const frac = String(((m % 1000000n) + 1000000n) % 1000000n).padStart(6, '0');
      return iso.replace('T', ' ') + (frac === '000000' ? '' : '.' + frac) + ' UTC';
    } catch (e) { return String(micros); }
  }
  function section(id, title, ...content) {
    return el('section', { id, 'aria-labelledby': id + '-title' }, el('h2', { id: id + '-title' }, title), content);
  }

  // ---- Header -------------------------------------------------------------------------------
  function header(d) {
    const s = d.settlement, det = s.determination;
    const toggle = el('button', { type: 'button', id: 'format-toggle', 'aria-pressed': 'false' }, 'English amount notation (€1,234.56)');
    toggle.addEventListener('click', () => setNotation(notation === 'nl' ? 'en' : 'nl'));
    return el('header', { class: 'dossier-header' },
      el('h1', null, `Audit dossier: grant determination ${s.municipality_code}, spending year ${s.spending_year}`),
      facts([
        ['Municipality', s.municipality_code],
        ['Spending year', String(s.spending_year)],
        ['Determined amount', amount(det.amount_cents)],
        ['Decision', `${det.decision_reference}, dated ${det.decision_date} (`, eventLink(det.sequence, 'event #' + det.sequence), ')'],
        ['Settlement replay', el('span', { id: 'settlement' }, '… checking'), `, declared in the dossier as ${s.verdict}`],
        ['Replayed amount', amount(s.replayed_amount_cents)],
        ['Ledger point', `the first ${s.ledger_point} events`],
        ['Trace digest (determination)', code(det.trace_digest)],
        s.replayed_trace_digest !== det.trace_digest && ['Trace digest (replay)', code(s.replayed_trace_digest)],
        ['Source', d.source],
        ['Generated', `${d.generated_at} by ${d.generated_by}`],
      ]),
      toggle);
  }

  function verdictSection() {
    return section('verification', 'Verification',
      el('div', { id: 'verdict', role: 'status', 'aria-live': 'polite' }, el('p', null, '… Checking the evidence in this page.')),
      el('p', { class: 'explain' }, 'This page checks its own evidence in your browser, offline: each event\'s leaf hash, ' +
        'signature and inclusion proof against the signed checkpoint; the checkpoint\'s signature by the trusted key; ' +
        'and every node of the trace against its digest and its children\'s sum. The trace root is compared with ' +
        'the determination\'s signed body to derive MATCH or MISMATCH.'));
  }

  function settlementSection(s) {
    const diffs = s.differences || [];
    return section('settlement-detail', 'Settlement',
      el('p', null, `The settlement replay declares ${s.verdict}.`),
      (s.reasons || []).length ? el('ul', null, s.reasons.map((r) => el('li', null, r))) : null,
      diffs.length ? el('table', null,
        el('caption', null, 'Nodes that differ between the determination and the replay'),
        el('thead', null, el('tr', null, ['Node', 'Recorded', 'Replayed', 'Change'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', null, diffs.map((x) => el('tr', null,
          el('td', null, code(x.path)), el('td', { class: 'num' }, x.recorded_amount_cents ? amount(x.recorded_amount_cents) : '—'),
          el('td', { class: 'num' }, x.replayed_amount_cents ? amount(x.replayed_amount_cents) : '—'), el('td', null, x.change))))) : null);
  }

  // ---- The trace --------------------------------------------------------------------------
  function ruleItem(r) {
    const valid = [dateText(r.valid_first), dateText(r.valid_last)];
    return el('li', null,
      el('span', { class: 'rule' }, `${r.parameter} = ${r.value}`),
      valid[0] || valid[1] ? ` (valid ${valid[0] || '…'} to ${valid[1] || 'open-ended'})` : null,
      '; citation: ', r.citation || r.citation_url ? extLink(r.citation_url, r.citation || r.citation_url) : 'none',
      r.amendment_leaf_hash ? ['; amended by ', eventLink(r.amendment_sequence)] : null,
      r.source ? `; ${r.source}` : null,
      (r.set_by || []).length ? el('ul', { class: 'set-by' }, r.set_by.map((b) => el('li', null, 'Legal basis, set by ',
        extLink(b.citation_url, b.citation || b.citation_url || 'an amendment'), ' (', eventLink(b.amendment_sequence), ')',
        b.source ? `: ${b.source}` : null))) : null);
  }
  function traceNode(node, path, depth) {
    const kids = node.children || [];
    const details = el('details', { 'data-node': path, open: depth < 2 },
      el('summary', null, mark('running'), ' ', el('span', { class: 'node-label' }, node.label || node.key), ' ', amount(node.amount_cents)),
      el('div', { class: 'node-body' },
        el('p', { class: 'reason' }),
        facts([['Path', code(path)], node.formula && ['Formula', node.formula], ['Digest', code(node.digest)]]),
        (node.rules || []).length ? [el('p', { class: 'sub' }, 'Rule values'), el('ul', null, node.rules.map(ruleItem))] : null,
        (node.sources || []).length ? [el('p', { class: 'sub' }, 'Source events'), el('ul', null, node.sources.map((s) =>
          el('li', null, eventLink(s.sequence), `: ${s.kind}, ${s.event_id}`)))] : null,
        (node.notes || []).length ? [el('p', { class: 'sub' }, 'Notes'), el('ul', null, node.notes.map((n) => el('li', null, n)))] : null,
        kids.length ? el('ul', { class: 'tree' }, kids.map((c) => el('li', null, traceNode(c, path + '/' + c.key, depth + 1)))) : null));
    return details;
  }
  function traceSection(trace) {
    return section('trace', 'Derivation (trace)',
      el('div', { 'data-item': 'trace', class: 'item' },
        el('p', null, mark('running'), ' The trace: every node\'s digest and sum, and the root against the determination.'),
        el('p', { class: 'reason' }),
        el('ul', { class: 'tree' }, el('li', null, traceNode(trace, trace.key, 0)))));
  }

  // ---- Checkpoint ---------------------------------------------------------------------------
  function checkpointSection(cp) {
    return section('checkpoint', 'Checkpoint',
      el('div', { 'data-item': 'checkpoint', class: 'item' },
        el('p', null, mark('running'), ' The signed checkpoint every inclusion proof leads to.'),
        el('p', { class: 'reason' }),
        // key_provenance is the writer's own words (whole sentences), quoted as they are.
        el('p', null, 'This dossier trusts checkpoint key ', code(cp.verifier_key), ' because, in the words of its writer:'),
        el('blockquote', { class: 'provenance' }, cp.key_provenance),
        cp.key_record_sequence === null || cp.key_record_sequence === undefined ? null
          : el('p', null, 'The event recording this key, checked to hold the same public key: ', eventLink(cp.key_record_sequence), '.'),
        facts([['Tree size', String(cp.tree_size)], ['Root', code(cp.root)]]),
        el('p', { class: 'sub' }, 'The note, verbatim'),
        el('pre', { class: 'note' }, cp.note),
        el('h3', null, 'Signature lines'),
        el('ul', { class: 'sig-lines' }, el('li', null, '… checking'))));
  }

  // ---- Events -------------------------------------------------------------------------------
  function value(v, key) {
    if (Array.isArray(v)) return v.length ? el('ul', null, v.map((x) => el('li', null, value(x, key)))) : '(none)';
    // CivilDate {year, month, day} and YearMonth {year, month} read as dates, not as lists.
    if (v && typeof v === 'object' && 'year' in v && Object.keys(v).every((k) => ['year', 'month', 'day'].includes(k))) {
      return [v.year, v.month, v.day].filter((x) => x !== undefined).map((x, i) => String(x).padStart(i ? 2 : 4, '0')).join('-');
    }
    if (v && typeof v === 'object') return facts(Object.entries(v).map(([k, x]) => [words(k), value(x, k)]), 'fields');
    if (/(_c|C)ents$/.test(key || '') && /^-?[0-9]+$/.test(String(v))) return amount(String(v));
    return String(v);
  }
  const CHECKS = [['leaf', 'Leaf hash'], ['fields', 'Id, stream, signer and kind as signed'], ['citations', 'Trace citations'],
    ['signature', 'Signature'], ['proof', 'Inclusion proof']];
  function eventArticle(ev) {
    const reg = ev.signer_registration;
    return el('article', { id: 'event-' + ev.sequence, 'data-item': 'event:' + ev.sequence, class: 'item event', 'aria-labelledby': 'event-' + ev.sequence + '-title' },
      el('h3', { id: 'event-' + ev.sequence + '-title' }, `Event #${ev.sequence}: ${ev.kind}`),
      el('p', null, mark('running')),
      el('p', { class: 'reason' }),
      el('ul', { class: 'checks' }, CHECKS.map(([k, label]) => el('li', { 'data-check': k }, mark('running'), ' ', label))),
      facts([
        ['Event id', code(ev.event_id)],
        ['Stream', ev.stream],
        (ev.cited_as || []).length && ['Cited as', ev.cited_as.join('; ')],
        ['Signed by', code(ev.key_id), reg === null || reg === undefined ? ' (no registration in this dossier)'
          : [', registered by ', eventLink(reg)]],
        ['Recorded at', recordedAt(ev.recorded_at_micros)],
        ['Leaf hash', code(ev.leaf_hash)],
      ]),
      el('h4', null, 'Contents'),
      value(ev.fields || {}),
      el('details', { class: 'bytes' }, el('summary', null, 'Signed body and signature (base64)'),
        el('p', { class: 'sub' }, 'Body'), el('pre', null, ev.body),
        el('p', { class: 'sub' }, 'Signature'), el('pre', null, ev.signature)),
      el('details', { class: 'proof' }, el('summary', null, `Inclusion proof (${(ev.proof || []).length} hashes)`),
        el('ol', null, (ev.proof || []).map((h, i) => el('li', null, `step ${i + 1}: `, code(h))))));
  }

  // ---- Marks --------------------------------------------------------------------------------
  function setItem(container, item) {
    const state = item ? item.state : 'failed';
    container.setAttribute('data-state', state);
    setMark(container, state);
    container.querySelector('.reason').textContent = item ? item.reason : 'not checked by the verifier';
    for (const li of container.querySelectorAll('[data-check]')) setMark(li, (item && item.checks[li.dataset.check]) || 'not checked');
  }
  function apply(result) {
    const main = document.getElementById('dossier');
    for (const c of main.querySelectorAll('[data-item]')) setItem(c, result.items[c.dataset.item]);
    for (const n of main.querySelectorAll('[data-node]')) {
      const r = result.nodes[n.dataset.node] || { state: 'failed', reason: 'not checked by the verifier' };
      n.setAttribute('data-state', r.state);
      setMark(n.querySelector('summary'), r.state);
      n.querySelector('.node-body > .reason').textContent = r.reason;
    }
    const cp = result.items.checkpoint;
    const list = main.querySelector('.sig-lines');
    if (list && cp) {
      list.replaceChildren(...(cp.lines || []).map((l) => el('li', null, mark(l.state), ' ', code(l.name), ` (${l.role})`,
        l.time ? `, cosigned at ${new Date(Number(l.time) * 1000).toISOString().replace('.000Z', 'Z')}` : '',
        l.state === 'not checked' ? ': not a key this dossier checks' : l.state === 'absent' ? ': this witness did not cosign' : '')));
    }
    const settlement = document.getElementById('settlement');
    settlement.setAttribute('data-verdict', result.settlement);
    settlement.textContent = result.settlement === 'MATCH'
      ? 'MATCH: the replayed trace is the one the determination signed'
      : 'MISMATCH: the replayed trace is not the one the determination signed';
    const verdict = document.getElementById('verdict');
    verdict.setAttribute('data-state', result.verdict);
    const events = Object.keys(result.items).filter((k) => k.startsWith('event:')).length;
    const n = result.failures.length;
    verdict.replaceChildren(...[result.verdict === 'verified'
      ? el('p', { class: 'verdict-line' }, `✓ Verified: the checkpoint, the trace and all ${events} events check out.`)
      : el('p', { class: 'verdict-line' }, `✗ Verification failed: ${n} item${n === 1 ? '' : 's'} did not check out.`),
    n ? el('ul', null, result.failures.map((f) => el('li', null, f))) : null,
    result.settlement === 'MISMATCH' ? el('p', null, 'Settlement: MISMATCH. The replayed trace is not the one the determination signed.') : null,
    ].filter(Boolean));
    document.body.setAttribute('data-verification', 'done');
  }

  function setNotation(next) {
    notation = next;
    document.body.setAttribute('data-amounts', next);
    document.getElementById('format-toggle').setAttribute('aria-pressed', String(next === 'en'));
    for (const a of document.querySelectorAll('.amount[data-cents]')) a.textContent = V.formatCents(a.dataset.cents, next);
  }

  // <details> that are closed do not print: open them all for printing, close them again after.
  let openedForPrint = [];
  window.addEventListener('beforeprint', () => {
    openedForPrint = [...document.querySelectorAll('details:not([open])')];
    for (const d of openedForPrint) d.open = true;
  });
  window.addEventListener('afterprint', () => { for (const d of openedForPrint) d.open = false; openedForPrint = []; });

  async function start() {
    const main = document.getElementById('dossier');
    document.body.setAttribute('data-verification', 'running');
    document.body.setAttribute('data-amounts', notation);
    let data;
    try {
      data = JSON.parse(document.getElementById('dossier-data').textContent);
      events = new Map((data.events || []).map((e) => [e.sequence, e]));
      document.body.insertBefore(header(data), main);
      main.replaceChildren(verdictSection(), settlementSection(data.settlement), traceSection(data.trace),
        checkpointSection(data.checkpoint),
        section('events', `Events (${data.events.length})`, data.events.map(eventArticle)));
    } catch (e) {
      // Evidence the page cannot even draw is evidence that failed.
      main.replaceChildren(el('h1', null, 'Audit dossier'), el('div', { id: 'verdict', role: 'status', 'data-state': 'failed' },
        el('p', { class: 'verdict-line' }, '✗ Verification failed: the evidence in this page cannot be read (' + e.message + ').')));
      document.body.setAttribute('data-verification', 'done');
      return;
    }
    apply(await V.verifyDossier(data));
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();

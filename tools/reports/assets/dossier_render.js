// Draws the audit dossier page from the evidence embedded in it (#dossier-data), then runs
// DossierVerify.verifyDossier on that same evidence and marks every item with what it found
// (the DOM contract is in tools/reports/DOSSIER_FORMAT.md). Event contents are decoded from the
// signed bytes (DossierDecode), never taken from the JSON; what the page shows but does not
// check says so. Evidence only ever enters the page as text (textContent, attribute values),
// never as HTML, so no string in it can become markup.
//
// A national dossier holds some 10,000 events and as many trace nodes. So every item's marks,
// state and reason are drawn at once, but what is behind a closed <details> (an event's
// contents and evidence, a trace node's rules and sources) is drawn when it is first opened, and
// all of it before printing; and the browser lays out only the events near the screen (CSS).
'use strict';

(function () {
  if (typeof document === 'undefined') return;  // loaded for tests without a DOM: nothing to do
  const V = globalThis.DossierVerify, D = globalThis.DossierDecode;
  let notation = 'nl', schema = null;

  // ---- Small builders ---------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const k in attrs) {
      const v = attrs[k];
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v; else e.setAttribute(k, v === true ? '' : String(v));
    }
    appendAll(e, children);
    return e;
  }
  function appendAll(e, children) {  // nested arrays flattened; null, undefined and false left out
    for (const c of children) {
      if (Array.isArray(c)) appendAll(e, c);
      else if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
    }
  }
  // What a closed <details> holds is drawn when it is first opened (or printed): build(details)
  // appends it, once.
  const unbuilt = new Map();  // details -> function drawing its contents
  function later(details, draw) {
    if (details.open) draw(details); else unbuilt.set(details, draw);
    return details;
  }
  function build(details) {
    const draw = unbuilt.get(details);
    if (draw) { unbuilt.delete(details); draw(details); }
  }
  // "toggle" does not bubble: heard on its way down.
  document.addEventListener('toggle', (e) => { if (e.target.open) build(e.target); }, true);
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
  const bodies = new Map();  // sequence -> its signed body decoded, when first needed
  function body(seq) {
    if (!bodies.has(seq)) bodies.set(seq, events.has(seq) ? decodeBody(events.get(seq)) : null);
    return bodies.get(seq);
  }
  const eventLink = (seq, text) => (events.has(seq)
    ? el('a', { href: '#event-' + seq }, text || `event #${seq}`)
    : el('span', null, `${text || 'event #' + seq} (not in this dossier)`));
  const MARKS = { verified: '✓ verified', failed: '✗ failed', running: '… checking', 'not checked': '– not checked', absent: '– no line',
    unsupported: '– not checked (no Ed25519 in this browser)' };
  function markAs(m, state) {
    m.className = 'mark mark-' + state.replace(' ', '-');
    if (m.firstChild) m.firstChild.data = MARKS[state] || state; else m.textContent = MARKS[state] || state;
    return m;
  }
  const mark = (state) => markAs(document.createElement('span'), state);
  function setMark(container, state) {
    const m = container.querySelector('.mark');
    if (m) markAs(m, state);
  }
  // What the page shows but does not check, marked where it is shown.
  const unchecked = () => el('span', { class: 'unchecked' }, ' (stated by ledgerctl when it wrote this dossier; not checked by this page)');
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
        ['Trace and determination', el('span', { id: 'settlement' }, '… checking'), `; the dossier declares ${s.verdict}`],
        ['Amount of this trace', amount(s.replayed_amount_cents)],
        ['Trace digest (determination)', code(det.trace_digest)],
        s.replayed_trace_digest !== det.trace_digest && ['Trace digest (this trace)', code(s.replayed_trace_digest)],
        ['Ledger point', `the first ${s.ledger_point} events`, unchecked()],
        ['Source', d.source, unchecked()],
        ['Generated', `${d.generated_at} by ${d.generated_by}`, unchecked()],
      ]),
      toggle);
  }

  function verdictSection() {
    return section('verification', 'Verification',
      // Busy while checking: a screen reader announces the verdict, not each step of the progress.
      el('div', { id: 'verdict', role: 'status', 'aria-live': 'polite', 'aria-busy': 'true' }, el('p', null, '… Checking the evidence in this page.')),
      el('p', { class: 'print-only' }, 'A printed mark is not a verification: keep the HTML file and open it to check the evidence again.'),
      el('p', { class: 'explain' }, 'This page checks its own evidence in your browser, offline: each event\'s leaf hash, ' +
        'signature, signer (registered earlier, with the role its payload needs, not revoked) and inclusion proof against ' +
        'the signed checkpoint; the checkpoint\'s signature by the trusted key, which an event of this ledger must record; ' +
        'and every node of the trace against its digest and its children\'s sum. Event contents are decoded from the signed ' +
        'bytes. The trace root is compared with the determination\'s signed body: MATCH or MISMATCH.'));
  }

  function settlementSection(s) {
    const diffs = s.differences || [];
    return section('settlement-detail', 'Settlement',
      el('p', null, 'This page does not re-run the calculation: it checks that the trace in this dossier is the one the ' +
        'determination signed (its root\'s digest and amount against the determination\'s signed body). ',
      code('ledgerctl replay-settlement'), ' re-runs the calculation from the ledger.'),
      el('p', null, `The dossier declares ${s.verdict}; the page checks that against the trace and the determination's signed body.`),
      (s.reasons || []).length ? [el('p', { class: 'sub' }, 'Reasons given by ledgerctl', unchecked()),
        el('ul', null, s.reasons.map((r) => el('li', null, r)))] : null,
      diffs.length ? el('table', null,
        el('caption', null, 'Nodes that differ between the determination and the replay', unchecked()),
        el('thead', null, el('tr', null, ['Node', 'Recorded', 'Replayed', 'Change'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', null, diffs.map((x) => el('tr', null,
          el('td', null, code(x.path)), el('td', { class: 'num' }, x.recorded_amount_cents ? amount(x.recorded_amount_cents) : '—'),
          el('td', { class: 'num' }, x.replayed_amount_cents ? amount(x.replayed_amount_cents) : '—'), el('td', null, x.change))))) : null);
  }

  // ---- The trace --------------------------------------------------------------------------
  // A rule value's source and set_by are outside the trace digest: what the page shows of them
  // is read from the amendment's signed body (rule_amended 23: values 1 {parameter 1,
  // valid_from 2, source 8}, citation 2 {reference 1, url 2}), or marked as not checked.
  function amendment(seq) {
    const b = body(seq), p = b && b.message && D.get(b.message, 23);
    return D.isMessage(p) ? p : null;
  }
  const sameDay = (date, triple) => [1, 2, 3].every((i) => (D.get(date, i) || 0) === (triple || [])[i - 1]);
  function signedSource(seq, parameter, validFirst, claimed) {
    const m = amendment(seq);
    const sources = !m ? [] : D.all(m, 1).filter((v) => D.get(v, 1) === parameter && (!validFirst || sameDay(D.get(v, 2), validFirst)))
      .map((v) => D.get(v, 8) || '');
    const text = sources.includes(claimed) ? claimed : new Set(sources).size === 1 ? sources[0] : null;
    if (text !== null) return text ? [`; source, as event #${seq} signs it: `, text] : null;
    return claimed ? ['; source: ', claimed, unchecked()] : null;
  }
  function signedCitation(seq) {
    const c = amendment(seq) && D.get(amendment(seq), 2);
    if (!D.isMessage(c)) return el('span', null, `(event #${seq} signs no citation)`);
    const reference = D.get(c, 1) || '', url = D.get(c, 2) || '';
    return extLink(url, reference || url || 'an amendment');
  }
  function ruleItem(r) {
    const valid = [dateText(r.valid_first), dateText(r.valid_last)];
    return el('li', null,
      el('span', { class: 'rule' }, `${r.parameter} = ${r.value}`),
      valid[0] || valid[1] ? ` (valid ${valid[0] || '…'} to ${valid[1] || 'open-ended'})` : null,
      '; citation: ', r.citation || r.citation_url ? extLink(r.citation_url, r.citation || r.citation_url) : 'none',
      r.amendment_leaf_hash ? ['; read from ', eventLink(r.amendment_sequence)] : null,
      r.amendment_leaf_hash ? signedSource(r.amendment_sequence, r.parameter, r.valid_first, r.source) : r.source ? ['; ', r.source, unchecked()] : null,
      (r.set_by || []).length ? el('ul', { class: 'set-by' }, r.set_by.map((b) => el('li', null,
        'Legal basis, as ledgerctl traced it (outside the trace digest): set by ', eventLink(b.amendment_sequence),
        ', which cites ', signedCitation(b.amendment_sequence), signedSource(b.amendment_sequence, r.parameter, null, b.source)))) : null);
  }
  // A node: its mark, label, amount and reason, and its children, always (one skeleton, cloned
  // for each); the rest when opened.
  let nodeSkeleton = null;
  function traceNode(node, path, depth) {
    nodeSkeleton = nodeSkeleton || el('details', null,
      el('summary', null, mark('running'), ' ', el('span', { class: 'node-label' }), ' '),
      el('div', { class: 'node-body' }, el('p', { class: 'reason' })));
    const details = nodeSkeleton.cloneNode(true), summary = details.firstChild, reason = details.lastChild.firstChild;
    details.setAttribute('data-node', path);
    details.open = depth < 2;
    summary.querySelector('.node-label').textContent = node.label || node.key;
    summary.append(amount(node.amount_cents));
    const kids = node.children || [];
    if (kids.length) details.lastChild.append(el('ul', { class: 'tree' }, kids.map((c) => el('li', null, traceNode(c, path + '/' + c.key, depth + 1)))));
    return later(details, () => reason.after(...[
      facts([['Path', code(path)], node.formula && ['Formula', node.formula], ['Digest', code(node.digest)]]),
      (node.rules || []).length ? [el('p', { class: 'sub' }, 'Rule values'), el('ul', null, node.rules.map(ruleItem))] : null,
      (node.sources || []).length ? [el('p', { class: 'sub' }, 'Source events'), el('ul', null, node.sources.map((s) =>
        el('li', null, eventLink(s.sequence), `: ${s.kind}, ${s.event_id}`)))] : null,
      (node.notes || []).length ? [el('p', { class: 'sub' }, 'Notes'), el('ul', null, node.notes.map((n) => el('li', null, n)))] : null,
    ].flat().filter(Boolean)));
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
        el('p', null, 'This dossier trusts checkpoint key ', code(cp.verifier_key), '.'),
        cp.key_record_sequence === null || cp.key_record_sequence === undefined
          ? el('p', null, 'No event of this ledger records this key, so the checkpoint cannot verify.')
          : el('p', null, 'The event recording this key, checked to hold the same public key and name: ', eventLink(cp.key_record_sequence), '.'),
        el('p', null, 'The note\'s origin line is checked against the origin the genesis signs.'),
        facts([['Tree size', String(cp.tree_size)], ['Root', code(cp.root)],
          cp.witness_quorum && ['Witness policy', `${cp.witness_quorum}, the writer's policy`, unchecked()],
          (cp.witness_cosigned_by || []).length && ['Cosigned by', (cp.witness_cosigned_by || []).join(', '),
            ' (the writer\'s trust store saw these cosign; each line is checked again here)']]),
        el('p', { class: 'sub' }, 'The note, verbatim'),
        el('pre', { class: 'note' }, cp.note),
        el('h3', null, 'Signature lines'),
        el('ul', { class: 'sig-lines' }, el('li', null, '… checking'))));
  }

  // ---- Events -------------------------------------------------------------------------------
  // A body decoded from its signed bytes, drawn from DossierDecode.describe's rows.
  function shown(v) {
    if (v.cents !== undefined) return amount(v.cents);
    if (v.rows) return facts(v.rows.map((r) => [r.label, shown(r.value)]), 'fields');
    if (v.list) return v.list.length ? el('ul', null, v.list.map((x) => el('li', null, shown(x)))) : '(none)';
    return v.code ? code(v.text) : v.text;
  }
  function decodeBody(ev) {
    try { return D.decode(schema, 'booo.v1.EventBody', Uint8Array.from(atob(ev.body), (c) => c.charCodeAt(0))); }
    catch (e) { return { error: 'not base64' }; }
  }
  function contents(ev) {
    const b = body(ev.sequence);
    if (!b || !b.message) return el('p', { class: 'unreadable' }, `The signed body cannot be read: ${b ? b.error : 'no body'}.`);
    return shown({ rows: D.describe(schema, b.message) });
  }
  const CHECKS = [['leaf', 'Leaf hash'], ['body', 'Id, stream, signer and kind as signed'], ['citations', 'Trace citations'],
    ['signature', 'Signature'], ['authority', 'Signer: registered before, role, not revoked'], ['proof', 'Inclusion proof']];
  // What every event shows at once (its marks, reason and why it is here) is one skeleton, cloned
  // for each; its contents and evidence are drawn when its <details> is first opened.
  let skeleton = null;
  function eventArticle(ev) {
    skeleton = skeleton || el('article', { class: 'item event' },
      el('h3'),
      el('p', null, mark('running')),
      el('p', { class: 'reason' }),
      el('p', { class: 'why' }, 'Why it is here: ', el('span', { class: 'why-text' }, '… checking')),
      el('ul', { class: 'checks' }, CHECKS.map(([k, label]) => el('li', { 'data-check': k }, mark('running'), ' ' + label))),
      el('details', { class: 'event-detail' }, el('summary')));
    const article = skeleton.cloneNode(true), id = 'event-' + ev.sequence;
    article.id = id;
    article.setAttribute('data-item', 'event:' + ev.sequence);
    article.setAttribute('aria-labelledby', id + '-title');
    const title = article.querySelector('h3'), details = article.querySelector('details.event-detail');
    title.id = id + '-title';
    title.textContent = `Event #${ev.sequence}: ${ev.kind}`;
    details.firstChild.textContent = `Contents and evidence of ${ev.event_id}`;
    later(details, () => details.append(...eventDetail(ev)));
    return article;
  }
  function eventDetail(ev) {
    const reg = ev.signer_registration, rev = ev.signer_revocation;
    return [
      facts([
        ['Event id', code(ev.event_id)],
        ['Stream', ev.stream],
        ['Signed by', code(ev.key_id), reg === null || reg === undefined ? ' (no registration in this dossier)'
          : [', registered by ', eventLink(reg)], rev === null || rev === undefined ? null : [', revoked by ', eventLink(rev)]],
        ['Recorded at', recordedAt(ev.recorded_at_micros)],
        ['Leaf hash', code(ev.leaf_hash)],
      ]),
      el('h4', null, 'Contents, decoded from the signed body'),
      contents(ev),
      el('details', { class: 'bytes' }, el('summary', null, 'Signed body and signature (base64)'),
        el('p', { class: 'sub' }, 'Body'), el('pre', null, ev.body),
        el('p', { class: 'sub' }, 'Signature'), el('pre', null, ev.signature)),
      el('details', { class: 'proof' }, el('summary', null, `Inclusion proof (${(ev.proof || []).length} hashes)`),
        el('ol', null, (ev.proof || []).map((h, i) => el('li', null, `step ${i + 1}: `, code(h))))),
    ];
  }

  // ---- Marks --------------------------------------------------------------------------------
  function setItem(container, item) {
    const state = item ? item.state : 'failed';
    container.setAttribute('data-state', state);
    setMark(container, state);
    container.querySelector('.reason').textContent = item ? item.reason : 'not checked by the verifier';
    for (const li of container.querySelectorAll('[data-check]')) setMark(li, (item && item.checks[li.getAttribute('data-check')]) || 'not checked');
    // Why an event is here, as the verifier derived it from what it checked.
    const why = container.querySelector('.why-text');
    if (why) why.textContent = item && item.why && item.why.length ? item.why.join('; ') : 'nothing this page checks cites it';
  }
  function apply(result, data) {
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
      ? 'MATCH: the trace in this dossier is the one the determination signed (digests equal)'
      : 'MISMATCH: the trace in this dossier is not the one the determination signed';
    const verdict = document.getElementById('verdict');
    verdict.setAttribute('data-state', result.verdict);
    verdict.removeAttribute('aria-busy');
    const events = Object.keys(result.items).filter((k) => k.startsWith('event:')).length;
    const n = result.failures.length, trust = result.trust || {};
    const line = {
      verified: `✓ Verified: the checkpoint, the trace and all ${events} events check out.`,
      failed: `✗ Verification failed: ${n} item${n === 1 ? '' : 's'} did not check out.`,
      unsupported: '– Not verified: this browser cannot check Ed25519 signatures; open the dossier in a current browser.',
    }[result.verdict];
    verdict.replaceChildren(...[el('p', { class: 'verdict-line' }, line),
      result.verdict === 'unsupported' && n ? el('p', null, 'It found these problems all the same:') : null,
      n ? el('ul', null, result.failures.map((f) => el('li', null, f))) : null,
      result.settlement === 'MISMATCH' ? el('p', null, 'Settlement: MISMATCH. The trace in this dossier is not the one the determination signed.') : null,
      // What the verification rests on: keys anyone can make, unless compared with the ministry's.
      el('p', { class: 'trust' }, 'This verification trusts the checkpoint key ', code(trust.checkpoint_key || '(none)'),
        ' and the ministry root key ', code(trust.ministry_root_key || '(none: no readable genesis in this dossier)'),
        '. Compare them with the keys the ministry publishes: anyone who can make keys can make a dossier that verifies.'),
      el('p', { class: 'trust' }, 'About the checkpoint key, the writer says: ', el('q', null, String(data.checkpoint.key_provenance || '(nothing)'))),
    ].filter(Boolean));
    document.body.setAttribute('data-verification', 'done');
  }

  function setNotation(next) {
    notation = next;
    document.body.setAttribute('data-amounts', next);
    document.getElementById('format-toggle').setAttribute('aria-pressed', String(next === 'en'));
    for (const a of document.querySelectorAll('.amount[data-cents]')) a.textContent = V.formatCents(a.dataset.cents, next);
  }

  // <details> that are closed do not print: draw and open them all for printing, close them
  // again after.
  let openedForPrint = [];
  window.addEventListener('beforeprint', () => {
    for (const details of [...unbuilt.keys()]) build(details);
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
      schema = data.schema;
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
    // How far the checks are, about once a second (each change redraws the page).
    const status = document.querySelector('#verdict > p');
    let shown = performance.now();
    const progress = (checked, total) => {
      if (performance.now() - shown < 1000) return;
      shown = performance.now();
      status.textContent = `… Checking the evidence in this page: ${checked} of ${total} events checked.`;
    };
    apply(await V.verifyDossier(data, { progress }), data);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();

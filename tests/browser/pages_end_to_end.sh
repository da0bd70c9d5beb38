#!/usr/bin/env bash
# The HTML pages of ledgerctl end to end, in a real browser: the grant story of
# tests/cli/grants_end_to_end.sh (the demo's events, a determination that replays to MATCH and
# a made-up one that does not), then the auditor's dossier (online with its PDF, offline from
# the export and a kept checkpoint, and for the MISMATCH), the balances report and the rule
# timeline, all checked by pages_test.mjs in Debian's chromium through puppeteer-core
# (verification, tampering, accessibility, sorting, notation, screenshots, the PDF).
# Usage: pages_end_to_end.sh LEDGERD LEDGERCTL ARTEFACT_DIR
# The pages, the tampered copies, the screenshots and the PDF stay in ARTEFACT_DIR.
# Needs node (18 or newer) and npm, chromium, and pdfinfo and pdftoppm (poppler-utils).
set -euo pipefail
LEDGERD="$1"; CTL="$2"; ART="$3"
source "$(dirname "$0")/../cli/common.sh"
BROWSER="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RULEBOOK="$here/../../replay/rulebook/booo-2022-2025.json"

for tool in node npm pdfinfo pdftoppm; do
  command -v "$tool" >/dev/null || fail "$tool is missing (tools/install-deps.sh installs it)"
done
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || fail "no chromium at ${CHROMIUM:-/usr/bin/chromium}"
mkdir -p "$ART"
ART="$(cd "$ART" && pwd)"
# Only what this test writes there, so that an older run's pages are never checked.
rm -f "$ART"/dossier.html "$ART"/dossier.pdf "$ART"/dossier-mismatch.html \
  "$ART"/dossier-offline.html "$ART"/balances.html "$ART"/rules.html "$ART"/tampered-*.html \
  "$ART"/*.png

# The grant story, as in tests/cli/grants_end_to_end.sh.
for k in ministry ams utr checkpoint-2027; do ctl keygen --out "$WORK/$k" >/dev/null; done
ctl init --data-dir "$WORK/ledger" --root-key "$WORK/ministry.key" --origin e2e/pages \
  --checkpoint-key-name e2e >/dev/null
# Both checkpoint keys from the start: the ministry rotates to the second one below.
start_ledgerd --checkpoint-key "$WORK/ledger/checkpoint.key" \
  --checkpoint-key "$WORK/checkpoint-2027.key"
ctl register-key --signer "$WORK/ministry.key" --public-key "$WORK/ams.pub" --role municipality \
  --municipality GM0363 >/dev/null
ctl register-key --signer "$WORK/ministry.key" --public-key "$WORK/utr.pub" --role municipality \
  --municipality GM0344 >/dev/null
ctl load-rules --key "$WORK/ministry.key" --rulebook "$RULEBOOK" >/dev/null
append_amsterdam_2022
# Utrecht in 2022 too (not in the demo), so that the balances table has two rows to sort:
# 25 hotel places for the second half year and an advance (grant €426,850.00, balance to pay).
cat >"$WORK/utr-goo-2022.json" <<'JSON'
{"event_id": "GM0344-goo-2022", "goo_places_declared": {"municipality_code": "GM0344",
  "location_id": "UTR-LOC-001", "accommodation_type": "ACCOMMODATION_TYPE_HOTEL",
  "period": {"first_day": {"year": 2022, "month": 7, "day": 1},
             "last_day": {"year": 2022, "month": 12, "day": 31}},
  "places": "25", "received_date": {"year": 2023, "month": 1, "day": 20}}}
JSON
cat >"$WORK/utr-advance-2022.json" <<'JSON'
{"event_id": "GM0344-advance-2022-1", "advance_paid": {"municipality_code": "GM0344",
  "spending_year": 2022, "amount_cents": "40000000",
  "payment_date": {"year": 2022, "month": 8, "day": 1}, "payment_reference": "NOO/2022/0344/1"}}
JSON
ctl append --key "$WORK/utr.key" --event "$WORK/utr-goo-2022.json" >/dev/null
ctl append --key "$WORK/ministry.key" --event "$WORK/utr-advance-2022.json" >/dev/null

ctl determine --key "$WORK/ministry.key" --municipality GM0363 --year 2022 \
  --decision-date 2023-11-30 --reference NOO/VS/2023/0363 --event-id det-2022 >/dev/null
ctl replay-settlement --event-id det-2022 | has '^MATCH' || fail "settlement did not match"
# The made-up determination of tests/cli/grants_end_to_end.sh: it replays to MISMATCH.
append_made_up_determination
if out=$(ctl replay-settlement --event-id det-2022-wrong 2>/dev/null); then
  fail "made-up determination matched"
fi
grep -q '^MISMATCH' <<<"$out" || fail "no MISMATCH: $out"
# The checkpoint key rotates after the determinations: the dossiers' checkpoint is signed by the
# new key, which the rotation event (in the dossier) records.
ctl rotate-checkpoint-key --signer "$WORK/ministry.key" --public-key "$WORK/checkpoint-2027.pub" \
  --key-name e2e/2027 --reason "yearly rotation" --event-id rotate-2027 >/dev/null
ctl checkpoint >/dev/null

# The pages, from the server.
ctl dossier --determination det-2022 --out "$ART/dossier.html" --pdf "$ART/dossier.pdf" \
  >/dev/null || fail "dossier det-2022"
ctl dossier --determination det-2022-wrong --out "$ART/dossier-mismatch.html" >/dev/null \
  || fail "dossier det-2022-wrong (a MISMATCH is still written)"
ctl report balances --year 2022 --known-on 2024-12-31 --out "$ART/balances.html" >/dev/null \
  || fail "report balances"
ctl report rules --out "$ART/rules.html" >/dev/null || fail "report rules"
for f in dossier.html dossier.pdf dossier-mismatch.html balances.html rules.html; do
  [ -s "$ART/$f" ] || fail "$f was not written"
done
grep -q 'e2e/2027+' "$ART/dossier.html" || fail "the dossier does not trust the rotated key"
# An unknown determination: refused, and no page written.
refused NOT_FOUND no-such-event ctl dossier --determination no-such-event --out "$WORK/x.html"
[ ! -e "$WORK/x.html" ] || fail "a refused dossier wrote $WORK/x.html"
# An event that is not a determination, and a PDF without a browser: refused, nothing written.
refused FAILED_PRECONDITION GM0344-goo-2022 \
  ctl dossier --determination GM0344-goo-2022 --out "$WORK/x.html"
BOOO_CHROMIUM=/nonexistent refused FAILED_PRECONDITION "--pdf: no Chromium" \
  ctl dossier --determination det-2022 --out "$WORK/x.html" --pdf "$WORK/x.pdf"
[ ! -e "$WORK/x.html" ] && [ ! -e "$WORK/x.pdf" ] || fail "a refused dossier wrote a file"
echo "pages written (dossier, its PDF, the MISMATCH dossier, balances, rules); an unknown determination, an event that is not one and a PDF without a browser refused"

# Offline: the export (ledgerd holds the data directory: stopped first, as in
# grants_end_to_end.sh) and the last checkpoint, kept while the server ran.
ctl checkpoint --out "$WORK/latest.note" >/dev/null 2>&1 || fail "no checkpoint to keep"
kill -TERM "$PID"; wait "$PID"; PID=""
ctl export --data-dir "$WORK/ledger" --out "$WORK/ledger.export" >/dev/null
ctl dossier --export "$WORK/ledger.export" --checkpoint "$WORK/latest.note" \
  --determination det-2022 --out "$ART/dossier-offline.html" >/dev/null \
  || fail "offline dossier det-2022"
# The same determination and replayed trace: the digests ("trace_digest" of the determination;
# "replayed_trace_digest") embedded in both pages.
digests() { grep -Eo '"(replayed_)?trace_digest" *: *"[0-9a-f]{64}"' "$1" | tr -d ' ' | sort -u; }
online=$(digests "$ART/dossier.html")
offline=$(digests "$ART/dossier-offline.html")
[ "$(wc -l <<<"$online")" -eq 2 ] || fail "the online dossier lacks the two trace digests: $online"
[ "$online" = "$offline" ] || fail "offline dossier differs: online $online, offline $offline"
echo "offline dossier: the same trace digests as the online one"

# The browser checks. npm packages from package-lock.json, the first time (or when it changed).
if [ ! -d "$BROWSER/node_modules" ] || \
   [ "$BROWSER/package-lock.json" -nt "$BROWSER/node_modules/.package-lock.json" ]; then
  (cd "$BROWSER" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error \
     >"$WORK/npm.log" 2>&1) || { cat "$WORK/npm.log" >&2; fail "npm ci in $BROWSER"; }
fi
node "$BROWSER/pages_test.mjs" --dossier "$ART/dossier.html" \
  --mismatch "$ART/dossier-mismatch.html" --offline "$ART/dossier-offline.html" \
  --balances "$ART/balances.html" --rules "$ART/rules.html" --pdf "$ART/dossier.pdf" \
  --artefacts "$ART" || fail "pages_test.mjs"
# The pages' scripts on their own, under Node: both must be there (a missing one fails, not skips).
for t in dossier_verify_test.mjs report_js_test.mjs; do
  [ -f "$BROWSER/$t" ] || fail "$BROWSER/$t is missing"
  node "$BROWSER/$t" || fail "$t"
done
echo "1 passed, 0 failed"

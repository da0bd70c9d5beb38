#!/usr/bin/env bash
# The ministry's controls end to end with the real binaries and the demo's events: thresholds and
# budget loaded through ledgerctl, a refused citizen service number, signals with exact figures
# (text, JSON, CSV), SiSa figures, budget execution and the accommodation mix; and the same
# signals re-derived offline from the export.
# Usage: controls_end_to_end.sh LEDGERD LEDGERCTL
set -euo pipefail
LEDGERD="$1"; CTL="$2"
source "$(dirname "$0")/common.sh"
BOOKS="$here/../../replay/rulebook"

for k in ministry ams utr; do ctl keygen --out "$WORK/$k" >/dev/null; done
ctl init --data-dir "$WORK/ledger" --root-key "$WORK/ministry.key" --origin e2e/controls \
  --checkpoint-key-name e2e >/dev/null
start_ledgerd
ctl register-key --signer "$WORK/ministry.key" --public-key "$WORK/ams.pub" --role municipality \
  --municipality GM0363 >/dev/null
ctl register-key --signer "$WORK/ministry.key" --public-key "$WORK/utr.pub" --role municipality \
  --municipality GM0344 >/dev/null
for book in booo-2022-2025 controls-2022-2025; do
  ctl load-rules --key "$WORK/ministry.key" --rulebook "$BOOKS/$book.json" >/dev/null
done
ctl load-budget --key "$WORK/ministry.key" --book "$BOOKS/budget-2022-2027.json" >/dev/null
[ "$(ctl load-budget --key "$WORK/ministry.key" --book "$BOOKS/budget-2022-2027.json" \
     | grep -c 'already recorded')" -ge 1 ] || fail "budget reload was not idempotent"

# A BSN where a pseudonym belongs: refused, the value named nowhere, nothing written.
size_before=$(ctl checkpoint | sed -n 2p)
out=$(ctl append --key "$WORK/ams.key" --event "$EVENTS/98-refused-bsn.json" 2>&1) \
  && fail "BSN accepted"
grep -q "INVALID_ARGUMENT: poo_person_months_declared.person_refs\[0\]: looks like a citizen service number" <<<"$out" \
  || fail "unexpected refusal: $out"
grep -q 123456782 <<<"$out" && fail "the refusal echoes the BSN"
grep -q 123456782 "$WORK/ledgerd.log" && fail "the server log holds the BSN"
[ "$(ctl checkpoint | sed -n 2p)" = "$size_before" ] || fail "the refused BSN wrote something"

append ams 17-ams-location-001 18-ams-location-003-hotel 40-ams-goo-2023-2024 \
  44-ams-goo-hotel-2023-h1 45-ams-poo-2023-05
append utr 50-utr-goo-2023 52-utr-poo-2023-05
append ministry 51-min-advance-utr-2023

out=$(ctl signals --as-of 2024-01-01 --municipality GM0363 --rule places_above_capacity)
grep -q "Location AMS-LOC-003 declares 60 realised places on 2023-01-01..2023-06-30, above its registered capacity of 50 (1,810 place-days too many)." <<<"$out" \
  || fail "capacity signal: $out"
ctl signals --as-of 2024-01-01 --rule person_counted_twice --format json \
  | grep -c '"rule": "person_counted_twice"' | has -x 2 || fail "double counting signals"
ctl signals --as-of 2024-01-01 --format csv >"$WORK/signals.csv"
head -n 1 "$WORK/signals.csv" | has '^case,rule,severity,municipality' \
  || fail "CSV header"
# Utrecht: advances €1,500,000 against 40 × 365 × €83 + 2 × €210 = €1,212,220.
ctl signals --as-of 2024-01-01 --municipality GM0344 --rule advances_exceed_grant \
  | has '€287,780.00 will have to be reclaimed' || fail "advances signal"
ctl sisa --municipality GM0363 --year 2023 --format csv | has '^goo_place_days,.*,51010,place-days,' \
  || fail "SiSa place-days (110 × 365 + 60 × 181)"
ctl budget --year 2024 | has 'budget €3,271,000,000.00' || fail "budget 2024"
ctl mix --year 2023 --municipality GM0363 | has '^GM0363,2023-01,3410,1860,0,0,0,5270,3529$' \
  || fail "accommodation mix"
ctl signals --as-of 2026-01-01 --format json >"$WORK/online.json"
# JSON for people: a figure of 0 is printed (GM0363 received no advance), and every hash is
# hex, as `ledgerctl get` prints it.
grep -q '"name": "advances paid"' "$WORK/online.json" || fail "no deadline evidence in JSON"
python3 - "$WORK/online.json" <<'PY' || fail "JSON zero figures or hex hashes"
import json, re, sys
r = json.load(open(sys.argv[1]))
zero = [f for s in r["signals"] for f in s["figures"] if f["value"] == "0"]
assert zero, "no zero-valued figure printed"
hashes = [src["leaf_hash"] for s in r["signals"] for src in s["sources"]]
hashes += [rule["amendment_leaf_hash"] for s in r["signals"] for rule in s["rules"]]
assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes), hashes[:3]
assert r["cases"] and all(s["case_id"] for s in r["signals"])
PY
leaf=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signals"][0]["sources"][0]["leaf_hash"])' "$WORK/online.json")
seq=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signals"][0]["sources"][0]["sequence"])' "$WORK/online.json")
ctl get --sequence "$seq" | has "$leaf" || fail "signal leaf hash is not the one ledgerctl get prints"
# A day after today is refused, not judged.
out=$(ctl signals --as-of 2099-01-01 2>&1) && fail "a future --as-of was judged"
grep -q "OUT_OF_RANGE: as_of: 2099-01-01 is in the future" <<<"$out" || fail "future as-of: $out"
out=$(ctl signals --known-on 2099-01-01 2>&1) && fail "a future --known-on was judged"
grep -q "OUT_OF_RANGE: known_at.business_date: 2099-01-01 is in the future" <<<"$out" \
  || fail "future known-on: $out"

kill -TERM "$PID"; wait "$PID"; PID=""
ctl export --data-dir "$WORK/ledger" --out "$WORK/ledger.export" >/dev/null
ctl signals --export "$WORK/ledger.export" --as-of 2026-01-01 --format json >"$WORK/offline.json" \
  2>"$WORK/first.err"
cmp -s "$WORK/online.json" "$WORK/offline.json" || fail "offline signals differ"
# The first offline query verified the export and left its index; the next one uses it.
grep -q "verified; index written to $WORK/ledger.export.verified" "$WORK/first.err" \
  || fail "first offline query: $(cat "$WORK/first.err")"
grep -q "^export-sha256 $(sha256sum "$WORK/ledger.export" | cut -d' ' -f1)$" \
  "$WORK/ledger.export.verified" || fail "the index is not bound to the export's SHA-256"
grep -Eq "^verifier (build-id|sha256):[0-9a-f]+$" "$WORK/ledger.export.verified" \
  || fail "the index does not name the ledgerctl that verified"
# An index written by another ledgerctl (another verifier line) is not trusted: verified again.
sed -i 's/^verifier .*/verifier build-id:00/' "$WORK/ledger.export.verified"
ctl signals --export "$WORK/ledger.export" --as-of 2026-01-01 >/dev/null 2>"$WORK/other.err"
grep -q "verified; index written" "$WORK/other.err" || fail "another verifier's index was trusted"
ctl signals --export "$WORK/ledger.export" --as-of 2026-01-01 --format json >"$WORK/again.json" \
  2>"$WORK/again.err"
grep -q "verified before" "$WORK/again.err" || fail "second offline query: $(cat "$WORK/again.err")"
cmp -s "$WORK/online.json" "$WORK/again.json" || fail "the indexed answer differs"
ctl signals --export "$WORK/ledger.export" --as-of 2026-01-01 --reverify >/dev/null 2>"$WORK/re.err"
grep -q "verified; index written" "$WORK/re.err" || fail "--reverify did not verify"
# A changed export (one byte of a signature, the index beside it unchanged) is verified again,
# and fails.
cp "$WORK/ledger.export.verified" "$WORK/tampered.export.verified"
python3 - "$WORK/ledger.export" "$WORK/tampered.export" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
data[len(data) - 10] ^= 0x01  # inside the last leaf's signature
open(sys.argv[2], "wb").write(data)
PY
out=$(ctl signals --export "$WORK/tampered.export" --as-of 2026-01-01 2>&1) \
  && fail "a changed export was answered from the old index"
grep -q "verified before" <<<"$out" && fail "a changed export used the old index"
grep -qi "signature" <<<"$out" || fail "changed export: $out"
echo "1 passed, 0 failed"

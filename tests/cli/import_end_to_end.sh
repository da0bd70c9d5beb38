#!/usr/bin/env bash
# ledgerctl import end to end, against a real ledgerd: a clean import of Dutch and English
# spreadsheets (one row byte-identical to the demo's hand-written event, and the grant it
# yields), a re-import that changes nothing, a file with bad rows in the middle and a row for a
# municipality the key may not sign for (nothing written, every refused row named), an edited
# row refused with ALREADY_EXISTS while a new row is appended, a dry run that writes nothing,
# the ministry's kind refused to a municipality's key, and an import that survives ledgerd being
# killed under it (the same bytes resent: every row exactly once).
# Usage: import_end_to_end.sh LEDGERD LEDGERCTL
set -euo pipefail
LEDGERD="$1"; CTL="$2"
source "$(dirname "$0")/common.sh"
RULEBOOK="$here/../../replay/rulebook/booo-2022-2025.json"
size() { ctl checkpoint | sed -n 2p; }
# outcome REPORT ROW: the outcome column of a report's data row.
outcome() { awk -F, -v r="$2" 'NR > 1 && $1 == r { print $4 }' "$1"; }
count() { awk -F, -v o="$2" 'NR > 1 && $4 == o' "$1" | wc -l; }

for k in ministry ams utr; do ctl keygen --out "$WORK/$k" >/dev/null; done
ctl init --data-dir "$WORK/ledger" --root-key "$WORK/ministry.key" --origin e2e/import \
  --checkpoint-key-name e2e >/dev/null
start_ledgerd
ctl register-key --signer "$WORK/ministry.key" --public-key "$WORK/ams.pub" --role municipality \
  --municipality GM0363 >/dev/null
ctl register-key --signer "$WORK/ministry.key" --public-key "$WORK/utr.pub" --role municipality \
  --municipality GM0344 >/dev/null
ctl load-rules --key "$WORK/ministry.key" --rulebook "$RULEBOOK" >/dev/null

# 1. A clean import: Dutch Excel (';', a byte order mark, day-first dates, "1.200" places, CRLF).
printf '\xEF\xBB\xBFGebeurtenis-ID;Gemeentecode;Locatie;Type opvang;Periode van;Periode t/m;Plaatsen;Ontvangstdatum\r\n' >"$WORK/plaatsen.csv"
printf 'GM0363-goo-2022-h1;GM0363;AMS-LOC-001;Regulier;01-03-2022;30-06-2022;120;15-07-2022\r\n' >>"$WORK/plaatsen.csv"
before=$(size)
ctl import --kind goo-places --csv "$WORK/plaatsen.csv" --key "$WORK/ams.key" >"$WORK/out" \
  || fail "clean import: $(cat "$WORK/out")"
has "1 rows: 1 appended" "$WORK/out" || fail "clean import: $(cat "$WORK/out")"
[ "$(size)" -eq $((before + 1)) ] || fail "clean import: one event expected"
# The row is byte for byte the demo's hand-written event: appending that is a duplicate.
ctl append --key "$WORK/ams.key" --event "$EVENTS/10-ams-goo-2022-h1.json" \
  | has '"duplicate":true' || fail "the imported row is not the demo's event"
# 120 places x 122 days x EUR 100, as known on 30 Sep 2022.
[ "$(ctl grant --format digest --municipality GM0363 --year 2022 --known-on 2022-09-30 | cut -d' ' -f1)" \
  = 146400000 ] || fail "the imported places do not make the grant"

# English headers, ',' and amounts with a euro sign: POO person-months and advances.
cat >"$WORK/persons.csv" <<'CSV'
municipality_code,month,registered_persons,persons_with_provision,received_date
GM0363,2022-06,300,296,2022-07-10
GM0363,oktober 2022,310,300,2022-11-10
CSV
ctl import --kind poo-person-months --csv "$WORK/persons.csv" --key "$WORK/ams.key" >/dev/null \
  || fail "person-months import"
[ "$(count "$WORK/persons.csv.report.csv" appended)" -eq 2 ] || fail "person-months report"
cat >"$WORK/advances.csv" <<'CSV'
Gemeente;Jaar;Bedrag (€);Betaaldatum;Betalingskenmerk
GM0363;2022;€ 1.500.000,00;1-6-2022;BETALING 1
GM0344;2022;"€ 750.000,50";1-6-2022;BETALING 2
CSV
ctl import --kind advances --csv "$WORK/advances.csv" --key "$WORK/ministry.key" >/dev/null \
  || fail "advances import: $(cat "$WORK/advances.csv.report.txt")"
seq_first=$(awk -F, 'NR == 2 { print $5 }' "$WORK/advances.csv.report.csv")
ctl get --sequence "$seq_first" | has '"amount_cents": "150000000"' || fail "advance amount"

# 2. A re-import changes nothing: every row already recorded, at its original sequence.
cp "$WORK/advances.csv.report.csv" "$WORK/first-report.csv"
before=$(size)
ctl import --kind advances --csv "$WORK/advances.csv" --key "$WORK/ministry.key" | \
  has "2 rows: 2 already-recorded" || fail "re-import was not a no-op"
[ "$(size)" -eq "$before" ] || fail "re-import wrote"
diff <(cut -d, -f1-3,5 "$WORK/first-report.csv") <(cut -d, -f1-3,5 "$WORK/advances.csv.report.csv") \
  || fail "re-import: other ids or sequences"

# 3. Bad rows in the middle and a municipality the key may not sign for: nothing is written.
cat >"$WORK/bad.csv" <<'CSV'
municipality_code;location_id;accommodation_type;period_from;period_to;places;received_date
GM0363;L2;hotel;2023-01-01;2023-01-31;10;2023-02-01
GM0363;L2;hotel;2023-02-01;2023-02-29;10;2023-03-01
GM0363;L2;hotel;2023-03-01;2023-03-31;12,5;2023-04-01
GM0344;L2;hotel;2023-03-01;2023-03-31;5;2023-04-01
GM0363;L2;hotel;2023-04-01;2023-04-30;10;2023-05-01
CSV
before=$(size)
refused INVALID_ARGUMENT "3 of 5 rows refused; row 2 (line 3): period_to" \
  ctl import --kind goo-places --csv "$WORK/bad.csv" --key "$WORK/ams.key"
[ "$(size)" -eq "$before" ] || fail "a file with refused rows was written"
report="$WORK/bad.csv.report.csv"
[ "$(outcome "$report" 1)" = not-written ] && [ "$(outcome "$report" 5)" = not-written ] \
  || fail "valid rows: $(cat "$report")"
has '^2,3,.*,refused,,INVALID_ARGUMENT,goo_places_declared.period.last_day,.*not a day of the calendar' "$report" \
  || fail "row 2: $(cat "$report")"
has '^3,4,.*,refused,,INVALID_ARGUMENT,goo_places_declared.places,.*is not a whole number' "$report" \
  || fail "row 3: $(cat "$report")"
has '^4,5,.*,refused,,PERMISSION_DENIED,goo_places_declared.municipality_code,.*may not sign for GM0344' "$report" \
  || fail "row 4: $(cat "$report")"
has 'not written: 3 of 5 rows are refused: nothing of the file is written' "$WORK/bad.csv.report.txt" \
  || fail "text report: $(cat "$WORK/bad.csv.report.txt")"
# The ministry's kind with a municipality's key: refused before anything is written.
refused PERMISSION_DENIED "advance_paid" \
  ctl import --kind advances --csv "$WORK/advances.csv" --key "$WORK/ams.key" --source other.csv
# A header the kind does not have is refused, naming it.
printf 'gemeente;jaar;bedragg;betaaldatum\nGM0363;2022;5;1-6-2022\n' >"$WORK/typo.csv"
refused INVALID_ARGUMENT '"bedragg" is no column of kind advances' \
  ctl import --kind advances --csv "$WORK/typo.csv" --key "$WORK/ministry.key"

# 4. An edited row is refused (ALREADY_EXISTS), never changed; a row added at the end goes in.
sed -i 's/GM0363;2022;€ 1.500.000,00/GM0363;2022;€ 1.600.000,00/' "$WORK/advances.csv"
echo 'GM0363;2023;€ 900.000;2-1-2023;BETALING 3' >>"$WORK/advances.csv"
before=$(size)
ctl import --kind advances --csv "$WORK/advances.csv" --key "$WORK/ministry.key" --dry-run \
  >/dev/null 2>&1 && fail "dry run of an edited file succeeded"
[ "$(size)" -eq "$before" ] || fail "the dry run wrote"
[ "$(outcome "$WORK/advances.csv.report.csv" 1)" = refused ] \
  && [ "$(outcome "$WORK/advances.csv.report.csv" 2)" = already-recorded ] \
  && [ "$(outcome "$WORK/advances.csv.report.csv" 3)" = would-append ] \
  || fail "dry run report: $(cat "$WORK/advances.csv.report.csv")"
refused ALREADY_EXISTS "1 of 3 rows refused; row 1 (line 2)" \
  ctl import --kind advances --csv "$WORK/advances.csv" --key "$WORK/ministry.key"
[ "$(size)" -eq $((before + 1)) ] || fail "the new row was not appended"
[ "$(outcome "$WORK/advances.csv.report.csv" 3)" = appended ] || fail "row 3"
ctl get --sequence "$seq_first" | has '"amount_cents": "150000000"' || fail "the edit changed the ledger"

# 5. ledgerd killed during an import and started again: the import resends the same bytes and
# every row is in the ledger exactly once.
python3 - "$WORK/many.csv" <<'PY'
import datetime, sys
with open(sys.argv[1], "w") as f:
    f.write("municipality_code,location_id,accommodation_type,period_from,period_to,places,received_date\n")
    day = datetime.date(2023, 1, 1)
    for i in range(20000):
        d = day + datetime.timedelta(days=i % 700)
        f.write(f"GM0363,LOC-{i // 700},ship,{d},{d},{1 + i % 50},{d + datetime.timedelta(days=1)}\n")
PY
before=$(size)
"$CTL" --server "$ADDR" import --kind goo-places --csv "$WORK/many.csv" --key "$WORK/ams.key" \
  --batch 20 >"$WORK/many.out" 2>&1 &
importer=$!
for _ in $(seq 1 200); do [ "$(size)" -gt "$before" ] && break; sleep 0.05; done
killed_at=$(size)
kill -9 "$PID"; wait "$PID" 2>/dev/null || true
[ "$killed_at" -lt $((before + 20000)) ] || fail "the import ended before ledgerd was killed"
sleep 0.5
start_ledgerd
wait "$importer" || fail "the import did not survive the restart: $(cat "$WORK/many.out")"
[ "$(size)" -eq $((before + 20000)) ] || fail "after the restart: $(( $(size) - before )) of 20000 rows"
[ "$(count "$WORK/many.csv.report.csv" appended)" -gt 0 ] || fail "nothing appended"
[ $(( $(count "$WORK/many.csv.report.csv" appended) + $(count "$WORK/many.csv.report.csv" already-recorded) )) \
  -eq 20000 ] || fail "the report: $(head -3 "$WORK/many.csv.report.txt")"
echo "import end to end: OK (ledgerd killed after $((killed_at - before)) of 20000 rows)"

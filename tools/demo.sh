#!/usr/bin/env bash
# The run command: installs dependencies, builds, and runs the main job on the embedded default
# (a local RocksDB directory, no other server). It tells the whole story, step by step:
#   the ledger:  keys, genesis, signed appends and refusals, a kept checkpoint, a checkpoint key
#                rotation, proofs;
#   the grant:   the real rule book loaded as signed amendments (and a retroactive lowering
#                refused), Amsterdam's 2022-2024 history with a correction, advances, transition
#                costs approved and rejected, an exception claim, an accountability report with
#                fout/onzeker and a hardship decision; its grant as known before and after the
#                retroactive €210 POO norm; the trace; the determination and a settlement replay
#                that matches; balances across municipalities; a what-if amendment;
#   the kits:    the Python and Node.js libraries' examples (clients/): a month as one batch
#                proved against a kept checkpoint while an auditor follows the log, balances
#                to CSV;
#   the audit:   graceful stop, offline verification, and the same grant re-derived offline from
#                the export file alone.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/tools/install-deps.sh"
"$root/tools/build.sh" ledgerd ledgerctl python_client_gen

LEDGERD="$root/build/services/ledgerd"
CTL="$root/build/tools/ledgerctl"
DEMO="${BOOO_DEMO_DIR:-$root/demo-data}"
# The auditor's trust store (pinned keys, the latest checkpoint) lives with the demo.
export BOOO_TRUST_STORE="$DEMO/trust"
PORT="${BOOO_DEMO_PORT:-50551}"
ADDR="127.0.0.1:$PORT"
TILES="127.0.0.1:${BOOO_DEMO_TILES_PORT:-50552}"
METRICS="127.0.0.1:${BOOO_DEMO_METRICS_PORT:-50553}"
HEALTH="127.0.0.1:${BOOO_DEMO_HEALTH_PORT:-50554}"
EVENTS="$root/tools/demo/events"
PROPOSALS="$root/tools/demo/proposals"
RULEBOOK="$root/replay/rulebook/booo-2022-2025.json"
CONTROLS="$root/replay/rulebook/controls-2022-2025.json"
BUDGET="$root/replay/rulebook/budget-2022-2027.json"
ctl() { "$CTL" --server "$ADDR" "$@"; }
step() { printf '\n== %s\n' "$*"; }
append() {  # append KEY EVENT-FILE...: each event, one receipt line each
  local key="$1"; shift
  for f in "$@"; do ctl append --key "$DEMO/keys/$key.key" --event "$EVENTS/$f.json"; done
}

rm -rf "$DEMO"
mkdir -p "$DEMO/keys"

step "1. Keys: the ministry's root key, Amsterdam (GM0363), Utrecht (GM0344), an auditor, and the server's next checkpoint key"
for k in ministry gm0363 gm0344 auditor checkpoint-2027; do ctl keygen --out "$DEMO/keys/$k"; done

step "2. Initialise the ledger: the genesis event, signed by the ministry root key"
ctl init --data-dir "$DEMO/ledger" --root-key "$DEMO/keys/ministry.key" \
  --origin booo-ledger.demo/ledger --checkpoint-key-name booo-ledger.demo

step "3. Start ledgerd on $ADDR (structured logs in $DEMO/ledgerd.log), holding its checkpoint key and the next; the log as C2SP tiles on http://$TILES, metrics on http://$METRICS/metrics, probes on $HEALTH"
"$LEDGERD" --data-dir "$DEMO/ledger" --listen "$ADDR" --plaintext-for-development \
  --tiles-listen "$TILES" --metrics-listen "$METRICS" --health-listen "$HEALTH" \
  --checkpoint-key "$DEMO/ledger/checkpoint.key" --checkpoint-key "$DEMO/keys/checkpoint-2027.key" \
  2>"$DEMO/ledgerd.log" &
LEDGERD_PID=$!
trap 'kill -TERM $LEDGERD_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  ctl checkpoint >/dev/null 2>&1 && break
  sleep 0.1
done

step "4. The ministry registers the municipality and auditor keys (signed key events)"
ctl register-key --signer "$DEMO/keys/ministry.key" --public-key "$DEMO/keys/gm0363.pub" \
  --role municipality --municipality GM0363 --label "Gemeente Amsterdam" --event-id key-gm0363
ctl register-key --signer "$DEMO/keys/ministry.key" --public-key "$DEMO/keys/gm0344.pub" \
  --role municipality --municipality GM0344 --label "Gemeente Utrecht" --event-id key-gm0344
ctl register-key --signer "$DEMO/keys/ministry.key" --public-key "$DEMO/keys/auditor.pub" \
  --role auditor --label "ADR" --event-id key-adr

step "5. The rule book 2022-2025 as signed amendments, each with its citation and publication date"
ctl load-rules --key "$DEMO/keys/ministry.key" --rulebook "$RULEBOOK"
echo "... the control thresholds (ceilings, deadlines, bands) and the budget lines 2022-2027:"
ctl load-rules --key "$DEMO/keys/ministry.key" --rulebook "$CONTROLS" | wc -l | xargs echo "amendments:"
ctl load-budget --key "$DEMO/keys/ministry.key" --book "$BUDGET" | wc -l | xargs echo "budget lines:"

step "6. A retroactive downward revision is refused (norms are never lowered retroactively)"
if ctl load-rules --key "$DEMO/keys/ministry.key" \
     --rulebook "$PROPOSALS/refused-lowering-2023.json"; then
  echo "demo: that amendment should have been refused" >&2; exit 1
fi

step "7. Amsterdam's 2022 declarations and requests; the ministry's advances and decisions"
append gm0363 10-ams-goo-2022-h1 11-ams-goo-2022-h2 12-ams-poo-2022-06 13-ams-poo-2022-10 \
  14-ams-leefgeld-poo-2022-10 15-ams-transition-request-office 16-ams-transition-request-hotel \
  17-ams-location-001
append ministry 30-min-advance-2022-1 31-min-advance-2022-2 32-min-transition-approved \
  33-min-transition-rejected

step "8. Refusals: Amsterdam's key signing for Utrecht, a citizen service number (BSN) where only a pseudonym may go, and the auditor's key writing anything"
if append gm0363 98-refused-bsn; then
  echo "demo: the BSN should have been refused" >&2; exit 1
fi
if append gm0363 99-refused-other-municipality; then
  echo "demo: that append should have been refused" >&2; exit 1
fi
if ctl append --key "$DEMO/keys/auditor.key" --event "$EVENTS/12-ams-poo-2022-06.json" \
     --event-id auditor-attempt; then
  echo "demo: the auditor's append should have been refused" >&2; exit 1
fi
echo "(all three refused, nothing written)"

step "9. The auditor keeps a signed checkpoint (C2SP signed note); anyone reads it, and the tree's tiles, over HTTP without an account"
ctl checkpoint --out "$DEMO/checkpoint-kept.note"
curl -sf "http://$TILES/checkpoint" | head -n 3
size=$(curl -sf "http://$TILES/checkpoint" | sed -n 2p)
echo "GET /tile/0/000.p/$size: $(curl -sf "http://$TILES/tile/0/000.p/$size" | wc -c) bytes ($size leaf hashes)"

step "10. A correction supersedes the second-half 2022 declaration; a retry returns the original receipt"
append gm0363 20-ams-goo-2022-h2-correction 20-ams-goo-2022-h2-correction
ctl get --event-id GM0363-goo-2022-h2 | grep -E '"(sequence|event_id|superseded_by_sequence)"'

step "11. Amsterdam 2022 as known on 30 Sep 2022: no POO norm yet (published 14 Oct 2022)"
ctl grant --municipality GM0363 --year 2022 --known-on 2022-09-30 | sed -n '1,12p'
ctl grant --municipality GM0363 --year 2022 --known-on 2022-09-30 | grep -A3 '  2022-06$'

step "12. ... and as known on 31 Dec 2022: the €210 norm applies retroactively from March"
ctl grant --municipality GM0363 --year 2022 --known-on 2022-12-31 | sed -n '4,5p'
ctl grant --municipality GM0363 --year 2022 --known-on 2022-12-31 | grep -A3 '  2022-06$'

step "13. The exception claim, the accountability report (fout/onzeker) and the decisions on them"
append gm0363 21-ams-exception-claim-2022 22-ams-accountability-2022
append ministry 34-min-exception-decision 35-min-hardship

step "14. Amsterdam 2022 as known now: the full trace (text; JSON and CSV saved)"
ctl grant --municipality GM0363 --year 2022
ctl grant --municipality GM0363 --year 2022 --format json >"$DEMO/grant-GM0363-2022.json"
ctl grant --municipality GM0363 --year 2022 --format csv >"$DEMO/grant-GM0363-2022.csv"
echo "saved $DEMO/grant-GM0363-2022.json and .csv ($(wc -l <"$DEMO/grant-GM0363-2022.csv") CSV lines)"

step "15. The ministry determines the 2022 grant; the settlement replays to a MATCH"
ctl determine --key "$DEMO/keys/ministry.key" --municipality GM0363 --year 2022 \
  --decision-date 2023-11-30 --reference NOO/VS/2023/0363 --event-id GM0363-determination-2022
ctl replay-settlement --event-id GM0363-determination-2022

step "16. Later: a voluntary repayment, 2023-2024 declarations, Utrecht's 2023 facts"
append gm0363 23-ams-repayment-2022 40-ams-goo-2023-2024 41-ams-leefgeld-goo-2024-01 \
  42-ams-poo-2024-01 18-ams-location-003-hotel 44-ams-goo-hotel-2023-h1 45-ams-poo-2023-05 \
  46-ams-transition-costs-2023 47-ams-advance-request-2024 48-ams-leefgeld-poo-2024-01
append gm0344 50-utr-goo-2023 52-utr-poo-2023-05
append ministry 43-min-advance-2024 51-min-advance-utr-2023
echo "The determination still replays as it was recorded:"
ctl replay-settlement --event-id GM0363-determination-2022
ctl grant --municipality GM0363 --year 2022 | sed -n '1,12p'

step "17. Balances of every municipality and year, with totals and the VAT-fund contribution"
ctl balances

step "18. What-if: a €70 GOO norm for 2024 instead of €61 (simulated, never written)"
ctl simulate --amendment "$PROPOSALS/goo-norm-2024-at-70.json"

step "19. The ministry's controls: signals of warning or worse, each with its figures and events"
ctl signals --min-severity warning
ctl signals --format csv >"$DEMO/signals.csv"
echo "saved $DEMO/signals.csv"

step "20. SiSa accountability figures, budget execution, and the accommodation mix"
ctl sisa --municipality GM0363 --year 2023
ctl sisa --municipality GM0363 --year 2023 --format csv >"$DEMO/sisa-GM0363-2023.csv"
ctl budget --year 2023
ctl budget --year 2024
ctl mix --year 2023 --municipality GM0363 >"$DEMO/mix.csv"; head -n 7 "$DEMO/mix.csv"

step "20b. Operating it: the readiness probe, a few live metrics, and who read Amsterdam's data"
printf 'readiness: %s\n' "$("$CTL" --server "$HEALTH" health --service booo.readiness)"
curl -s "http://$METRICS/metrics" | grep -E '^(booo_log_tree_size|booo_appended_events_total|booo_projection_lag_events|booo_checkpoint_age_seconds|booo_access_records_total|grpc_server_handled_total\{grpc_code="OK",grpc_method="GetGrant")' \
  | sed 's/^/  /'
printf 'append durable write (WAL + fsync), mean: '
curl -s "http://$METRICS/metrics" | awk '/^booo_append_fsync_seconds_(sum|count) /{v[$1]=$2} END{if (v["booo_append_fsync_seconds_count"]>0) printf "%.2f ms over %d group commits\n", 1000*v["booo_append_fsync_seconds_sum"]/v["booo_append_fsync_seconds_count"], v["booo_append_fsync_seconds_count"]}'
ctl access-log --municipality GM0363 | tail -n 4 | sed -E \
  's/.*"trace_id":"([0-9a-f]{8})[^"]*".*"name":"([^"]*)","status_code":"STATUS_CODE_([A-Z]*)".*"processing_activity_id":"([^"]*)","municipality_code":"([^"]*)","caller_key_id":"([^"]*)".*/  read \2: \3, municipality \5, by \6, trace \1..., activity \4/'

step "20c. The integrator kits (clients/): a municipality's month as one batch, proved against a checkpoint it kept; an auditor following the log live meanwhile; the ministry's balances as known on a date, to CSV"
export PYTHONPATH="$root/clients/python:$root/build/clients/python/gen"
PYEX="$root/clients/python/examples"
size=$(curl -sf "http://$TILES/checkpoint" | sed -n 2p)
/usr/bin/python3 "$PYEX/audit_follow.py" --server "$ADDR" --verifier-key "$DEMO/ledger/checkpoint.vkey" \
  --trust-dir "$DEMO/trust-auditor-py" --until-size $((size + 31)) --max-seconds 60 >"$DEMO/audit-follow.txt" &
AUDITOR=$!
for _ in $(seq 1 100); do [ -s "$DEMO/audit-follow.txt" ] && break; sleep 0.1; done
/usr/bin/python3 "$PYEX/month_batch.py" --server "$ADDR" --key "$DEMO/keys/gm0363.key" \
  --verifier-key "$DEMO/ledger/checkpoint.vkey" --trust-dir "$DEMO/trust-gm0363-py" \
  --municipality GM0363 --location AMS-LOC-KIT --month 2024-03 --places 95 \
  --receipts "$DEMO/receipts-GM0363-2024-03.json"
wait $AUDITOR
sed 's/^/auditor: /' "$DEMO/audit-follow.txt"
/usr/bin/python3 "$PYEX/balances_csv.py" --server "$ADDR" --year 2023 --known-on 2024-12-31 \
  --out "$DEMO/balances-2023.csv"
head -n 3 "$DEMO/balances-2023.csv"
echo "... and the same with the Node.js kit (its npm dependencies installed as its lock file pins them):"
NODEKIT="$root/clients/node"
if [ ! -d "$NODEKIT/node_modules" ] || [ "$NODEKIT/package-lock.json" -nt "$NODEKIT/node_modules" ]; then
  (cd "$NODEKIT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
size=$(curl -sf "http://$TILES/checkpoint" | sed -n 2p)
node "$NODEKIT/examples/audit-follow.js" --server "$ADDR" --verifier-key "$DEMO/ledger/checkpoint.vkey" \
  --trust-dir "$DEMO/trust-auditor-node" --until-size $((size + 30)) --max-seconds 60 >"$DEMO/audit-follow-node.txt" &
AUDITOR=$!
for _ in $(seq 1 100); do [ -s "$DEMO/audit-follow-node.txt" ] && break; sleep 0.1; done
node "$NODEKIT/examples/month-batch.js" --server "$ADDR" --key "$DEMO/keys/gm0363.key" \
  --verifier-key "$DEMO/ledger/checkpoint.vkey" --trust-dir "$DEMO/trust-gm0363-node" \
  --municipality GM0363 --location AMS-LOC-KIT --month 2024-04 --places 90 \
  --receipts "$DEMO/receipts-GM0363-2024-04.json"
wait $AUDITOR
sed 's/^/auditor: /' "$DEMO/audit-follow-node.txt"
node "$NODEKIT/examples/balances-csv.js" --server "$ADDR" --year 2024 --known-on 2024-12-31 \
  --out "$DEMO/balances-2024.csv"

step "21. The ministry rotates the server's checkpoint key; later checkpoints are signed with the new one"
ctl rotate-checkpoint-key --signer "$DEMO/keys/ministry.key" \
  --public-key "$DEMO/keys/checkpoint-2027.pub" --key-name booo-ledger.demo/2027 \
  --reason "yearly rotation" --event-id rotate-checkpoint-2027 | tee "$DEMO/rotation.json"
# The new key's verifier key, for clients that pin one (clients/python, clients/node).
/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["checkpoint_verifier_key"])' \
  "$DEMO/rotation.json" >"$DEMO/checkpoint-2027.vkey"
ctl checkpoint --out "$DEMO/checkpoint-rotated.note" >/dev/null
tail -n 2 "$DEMO/checkpoint-rotated.note"

step "22. Proofs, checked locally: the correction is in the tree; the tree extends the kept checkpoint (signed with the old key)"
SEQ=$(ctl get --event-id GM0363-goo-2022-h2-fix | grep '"sequence"' | tr -dc '0-9')
ctl prove --sequence "$SEQ" --old-checkpoint "$DEMO/checkpoint-kept.note"
ctl grant --municipality GM0363 --year 2022 --format digest >"$DEMO/online-digest.txt"

step "23. Graceful stop (SIGTERM): in-flight appends finish, the store closes cleanly"
kill -TERM $LEDGERD_PID
wait $LEDGERD_PID
trap - EXIT
tail -n 2 "$DEMO/ledgerd.log"

step "24. Offline verification of the data directory, against the kept checkpoint and the one after the rotation (each key chosen by the checkpoint's size)"
ctl verify --data-dir "$DEMO/ledger" --checkpoint "$DEMO/checkpoint-kept.note" \
  --checkpoint-key "$DEMO/ledger/checkpoint.vkey"
ctl verify --data-dir "$DEMO/ledger" --checkpoint "$DEMO/checkpoint-rotated.note"

step "25. Export; verify it; re-derive the grant and replay the settlement from the file alone"
ctl export --data-dir "$DEMO/ledger" --out "$DEMO/ledger.export"
ctl verify --export "$DEMO/ledger.export" --checkpoint "$DEMO/checkpoint-kept.note" \
  --checkpoint-key "$DEMO/ledger/checkpoint.vkey"
ctl grant --export "$DEMO/ledger.export" --municipality GM0363 --year 2022 --format digest \
  >"$DEMO/offline-digest.txt"
echo "server:  $(cat "$DEMO/online-digest.txt")"
echo "offline: $(cat "$DEMO/offline-digest.txt")"
cmp -s "$DEMO/online-digest.txt" "$DEMO/offline-digest.txt" \
  || { echo "demo: the offline derivation differs from the server's" >&2; exit 1; }
ctl replay-settlement --export "$DEMO/ledger.export" --event-id GM0363-determination-2022
ctl signals --export "$DEMO/ledger.export" --min-severity high --as-of 2026-01-01 >"$DEMO/signals.txt"; head -n 1 "$DEMO/signals.txt"

step "26. The auditor's dossier of the determination (one HTML file that verifies itself in a browser, from the export alone) and the ministry's pages"
ctl dossier --export "$DEMO/ledger.export" --checkpoint "$DEMO/checkpoint-rotated.note" \
  --determination GM0363-determination-2022 --out "$DEMO/dossier-GM0363-2022.html"
ctl report balances --export "$DEMO/ledger.export" --year 2022 --known-on 2024-12-31 \
  --out "$DEMO/balances-2022.html"
ctl report rules --export "$DEMO/ledger.export" --out "$DEMO/rules.html"
echo "open them in a browser: file://$DEMO/dossier-GM0363-2022.html, balances-2022.html, rules.html"

printf '\nDemo complete. Run the server yourself (with the checkpoint key now in force) with:\n  %s --data-dir %s --listen %s --checkpoint-key %s --plaintext-for-development\n' \
  "$LEDGERD" "$DEMO/ledger" "$ADDR" "$DEMO/keys/checkpoint-2027.key"

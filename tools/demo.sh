#!/usr/bin/env bash
# The run command: installs dependencies, builds, and runs the main job on the embedded default
# (a local RocksDB directory, no other server). It tells the ledger's story step by step:
# keys made, the ledger initialised, keys registered, signed events appended (and one refused),
# a checkpoint kept, proofs checked, the server stopped gracefully, and the whole ledger
# verified offline against the kept checkpoint.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/tools/install-deps.sh"
"$root/tools/build.sh" ledgerd ledgerctl

LEDGERD="$root/build/services/ledgerd"
CTL="$root/build/tools/ledgerctl"
DEMO="${BOOO_DEMO_DIR:-$root/demo-data}"
PORT="${BOOO_DEMO_PORT:-50551}"
ADDR="127.0.0.1:$PORT"
EVENTS="$root/tools/demo/events"
ctl() { "$CTL" --server "$ADDR" "$@"; }
step() { printf '\n== %s\n' "$*"; }

rm -rf "$DEMO"
mkdir -p "$DEMO/keys"

step "1. Keys: the ministry's root key, a key for Amsterdam (GM0363), one for an auditor"
ctl keygen --out "$DEMO/keys/ministry"
ctl keygen --out "$DEMO/keys/gm0363"
ctl keygen --out "$DEMO/keys/auditor"

step "2. Initialise the ledger: the genesis event, signed by the ministry root key"
ctl init --data-dir "$DEMO/ledger" --root-key "$DEMO/keys/ministry.key" \
  --origin booo-ledger.demo/ledger --checkpoint-key-name booo-ledger.demo

step "3. Start ledgerd on $ADDR (structured logs in $DEMO/ledgerd.log)"
"$LEDGERD" --data-dir "$DEMO/ledger" --listen "$ADDR" 2>"$DEMO/ledgerd.log" &
LEDGERD_PID=$!
trap 'kill -TERM $LEDGERD_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  ctl checkpoint >/dev/null 2>&1 && break
  sleep 0.1
done

step "4. The ministry registers the municipality and auditor keys (signed key events)"
ctl register-key --signer "$DEMO/keys/ministry.key" --public-key "$DEMO/keys/gm0363.pub" \
  --role municipality --municipality GM0363 --label "Gemeente Amsterdam" --event-id key-gm0363
ctl register-key --signer "$DEMO/keys/ministry.key" --public-key "$DEMO/keys/auditor.pub" \
  --role auditor --label "ADR" --event-id key-adr

step "5. Amsterdam appends signed declarations; the ministry records an advance"
ctl append --key "$DEMO/keys/gm0363.key" --event "$EVENTS/01-goo-places-oct-first-half.json"
ctl append --key "$DEMO/keys/gm0363.key" --event "$EVENTS/02-goo-places-oct-second-half.json"
ctl append --key "$DEMO/keys/gm0363.key" --event "$EVENTS/03-poo-person-months.json"
ctl append --key "$DEMO/keys/gm0363.key" --event "$EVENTS/04-living-allowance.json"
ctl append --key "$DEMO/keys/ministry.key" --event "$EVENTS/05-advance-paid.json"

step "6. Refusals: Amsterdam's key signing for Utrecht, and the auditor's key writing anything"
if ctl append --key "$DEMO/keys/gm0363.key" --event "$EVENTS/99-refused-other-municipality.json"; then
  echo "demo: that append should have been refused" >&2; exit 1
fi
if ctl append --key "$DEMO/keys/auditor.key" --event "$EVENTS/03-poo-person-months.json" \
     --event-id auditor-attempt; then
  echo "demo: the auditor's append should have been refused" >&2; exit 1
fi
echo "(both refused, nothing written)"

step "7. The auditor keeps a signed checkpoint (C2SP signed note)"
ctl checkpoint --out "$DEMO/checkpoint-kept.note"

step "8. A correction supersedes an earlier declaration; a retry returns the original receipt"
ctl append --key "$DEMO/keys/gm0363.key" --event "$EVENTS/06-correction.json"
ctl append --key "$DEMO/keys/gm0363.key" --event "$EVENTS/06-correction.json"
ctl get --event-id GM0363-goo-2022-10b | grep -E '"(sequence|event_id|superseded_by_sequence)"'

step "9. Proofs, checked locally: the correction is in the tree; the tree extends the kept checkpoint"
SEQ=$(ctl get --event-id GM0363-goo-2022-10b-fix | grep '"sequence"' | tr -dc '0-9')
ctl prove --sequence "$SEQ" --old-checkpoint "$DEMO/checkpoint-kept.note"

step "10. The log as a subscriber sees it (Subscribe: catch-up from sequence 0)"
ctl tail --from 0 --count "$((SEQ + 1))" >"$DEMO/tail.jsonl"
wc -l <"$DEMO/tail.jsonl" | xargs echo "events streamed:"

step "11. Graceful stop (SIGTERM): in-flight appends finish, the store closes cleanly"
kill -TERM $LEDGERD_PID
wait $LEDGERD_PID
trap - EXIT
tail -n 2 "$DEMO/ledgerd.log"

step "12. Offline verification of the data directory, against the kept checkpoint"
ctl verify --data-dir "$DEMO/ledger" --checkpoint "$DEMO/checkpoint-kept.note" \
  --checkpoint-key "$DEMO/ledger/checkpoint.vkey"

step "13. Export, and verify the export file alone"
ctl export --data-dir "$DEMO/ledger" --out "$DEMO/ledger.export"
ctl verify --export "$DEMO/ledger.export" --checkpoint "$DEMO/checkpoint-kept.note" \
  --checkpoint-key "$DEMO/ledger/checkpoint.vkey"

printf '\nDemo complete. Run the server yourself with:\n  %s --data-dir %s --listen %s\n' \
  "$LEDGERD" "$DEMO/ledger" "$ADDR"

#!/usr/bin/env bash
# Backup and restore end to end with the real binaries: a backup taken while appends go on is
# complete and verified against the head the server signed for it; a restore verifies it again
# (against the latest checkpoint when given), refuses a backup older than that checkpoint or one
# changed on disk, and the restored directory serves the same ledger.
# Usage: backup_end_to_end.sh LEDGERD LEDGERCTL TAMPER_TOOL
set -euo pipefail
LEDGERD="$1"; CTL="$2"; TAMPER="$3"
source "$(dirname "$0")/common.sh"

ctl keygen --out "$WORK/ministry" >/dev/null
ctl keygen --out "$WORK/city" >/dev/null
ctl init --data-dir "$WORK/ledger" --root-key "$WORK/ministry.key" --origin e2e/backup \
  --checkpoint-key-name e2e >/dev/null
cp "$WORK/ledger/checkpoint.key" "$WORK/checkpoint.key"  # kept apart: a backup has no keys
start_ledgerd
ctl register-key --signer "$WORK/ministry.key" --public-key "$WORK/city.pub" --role municipality \
  --municipality GM0363 >/dev/null
append city 10-ams-goo-2022-h1 11-ams-goo-2022-h2 12-ams-poo-2022-06

# Appends go on while the backup is taken.
( for i in $(seq 1 40); do
    ctl append --key "$WORK/city.key" --event "$EVENTS/13-ams-poo-2022-10.json" \
      --event-id "during-$i" >/dev/null || exit 1
  done ) &
writer=$!
out=$(ctl backup --out "$WORK/backup" --checkpoint-key "$WORK/ledger/checkpoint.vkey")
wait "$writer"
grep -q '"verified":true' <<<"$out" || fail "backup not verified: $out"
events=$(echo "$out" | sed -E 's/.*"events":([0-9]+).*/\1/')
[ "$events" -ge 5 ] || fail "backup holds $events events"
[ -f "$WORK/backup/head.checkpoint" ] || fail "no head checkpoint in the backup"
if ls "$WORK/backup/store" | has '\.key$'; then fail "a key file is in the backup"; fi
# A second backup to the same place is refused; nothing is overwritten.
if ctl backup --out "$WORK/backup" 2>/dev/null; then fail "backup over an existing one"; fi

# The latest checkpoint handed out is past the backup: restoring it would drop events.
ctl checkpoint --out "$WORK/latest.note" >/dev/null 2>&1
out=$(ctl restore --from "$WORK/backup" --data-dir "$WORK/restored-old" \
        --checkpoint "$WORK/latest.note" --checkpoint-key "$WORK/ledger/checkpoint.vkey" 2>&1) \
  && fail "a backup older than the latest checkpoint was restored"
grep -q "restore: the backup does not verify against" <<<"$out" || fail "unexpected: $out"
[ ! -e "$WORK/restored-old" ] || fail "a refused restore left a data directory"

# A backup taken now holds the latest checkpoint; the restore checks it against it.
ctl backup --out "$WORK/backup2" --checkpoint-key "$WORK/ledger/checkpoint.vkey" >/dev/null
out=$(ctl restore --from "$WORK/backup2" --data-dir "$WORK/restored" \
        --checkpoint "$WORK/latest.note" --checkpoint-key "$WORK/ledger/checkpoint.vkey" 2>/dev/null)
grep -q '"verified":true' <<<"$out" || fail "restore not verified: $out"
root_live=$(ctl checkpoint 2>&1 >/dev/null | sed -E 's/.*root ([0-9a-f]+).*/\1/')
kill -TERM "$PID"; wait "$PID"; PID=""

# The restored directory serves the same ledger.
"$LEDGERD" --data-dir "$WORK/restored" --checkpoint-key "$WORK/checkpoint.key" --listen "$ADDR" --plaintext-for-development \
  2>"$WORK/restored.log" &
PID=$!
for _ in $(seq 1 100); do ctl checkpoint >/dev/null 2>&1 && break; sleep 0.1; done
root_restored=$(ctl checkpoint --checkpoint-key "$WORK/ledger/checkpoint.vkey" 2>&1 >/dev/null \
  | sed -E 's/.*root ([0-9a-f]+).*/\1/')
[ "$root_restored" = "$root_live" ] || fail "restored root $root_restored, live $root_live"
ctl prove --old-checkpoint "$WORK/latest.note" --checkpoint-key "$WORK/ledger/checkpoint.vkey" \
  | has '"consistency":"verified"' || fail "the restored ledger does not extend the checkpoint"
kill -TERM "$PID"; wait "$PID"; PID=""

# A backup changed on disk is not restored.
"$TAMPER" "$WORK/backup2/store" 4 70 >/dev/null
out=$(ctl restore --from "$WORK/backup2" --data-dir "$WORK/restored-bad" 2>&1) \
  && fail "a tampered backup was restored"
grep -q "DATA_LOSS: restore: the backup does not verify against its own head: sequence 4:" <<<"$out" \
  || fail "unexpected: $out"
[ ! -e "$WORK/restored-bad" ] || fail "a refused restore left a data directory"
echo "1 passed, 0 failed"

#!/usr/bin/env bash
# End to end with the real binaries: init, serve, register, append, refuse, checkpoint, prove,
# revoke, rotate the checkpoint key, graceful stop, offline verify; then the tamper drill: one flipped byte in one stored event
# makes `ledgerctl verify` fail naming exactly that sequence.
# Usage: end_to_end.sh LEDGERD LEDGERCTL TAMPER_TOOL
set -euo pipefail
LEDGERD="$1"; CTL="$2"; TAMPER="$3"
source "$(dirname "$0")/common.sh"

ctl keygen --out "$WORK/ministry" >/dev/null
CITY_ID=$(ctl keygen --out "$WORK/city" | sed -E 's/.*"key_id":"([^"]+)".*/\1/')
# keygen makes the folder its prefix names, and never overwrites a key.
ctl keygen --out "$WORK/keys/spare" >/dev/null || fail "keygen into a new folder"
cp "$WORK/keys/spare.key" "$WORK/spare.before"
err=$(ctl keygen --out "$WORK/keys/spare" 2>&1) && fail "keygen overwrote a key"
has "ALREADY_EXISTS: --out: $WORK/keys/spare.key exists" <<<"$err" || fail "keygen twice: $err"
cmp -s "$WORK/keys/spare.key" "$WORK/spare.before" || fail "keygen changed the existing key"
ctl init --data-dir "$WORK/ledger" --root-key "$WORK/ministry.key" --origin e2e/ledger \
  --checkpoint-key-name e2e >/dev/null
# A second init on the same directory is refused.
if ctl init --data-dir "$WORK/ledger" --root-key "$WORK/ministry.key" 2>/dev/null; then
  fail "second init accepted"
fi

start_ledgerd

ctl register-key --signer "$WORK/ministry.key" --public-key "$WORK/city.pub" --role municipality \
  --municipality GM0363 >/dev/null
ctl append --key "$WORK/city.key" --event "$EVENTS/10-ams-goo-2022-h1.json" >/dev/null
# Several events as one batch: a receipt each, in the order given, sequences one after another.
batch=$(ctl append --key "$WORK/city.key" --event "$EVENTS/11-ams-goo-2022-h2.json" \
          --event "$EVENTS/12-ams-poo-2022-06.json" --event "$EVENTS/14-ams-leefgeld-poo-2022-10.json")
[ "$(echo "$batch" | grep -o '"sequence":[0-9]*' | tr '\n' ' ')" = '"sequence":3 "sequence":4 "sequence":5 ' ] \
  || fail "batch receipts: $batch"
# A batch with one refused event is refused whole, naming that event; nothing of it is written.
out=$(ctl append --key "$WORK/city.key" --event "$EVENTS/13-ams-poo-2022-10.json" \
        --event "$EVENTS/99-refused-other-municipality.json" 2>&1) && fail "batch with a foreign declaration accepted"
grep -q "PERMISSION_DENIED: events\[1\]: goo_places_declared.municipality_code" <<<"$out" \
  || fail "unexpected batch refusal: $out"
ctl append --key "$WORK/ministry.key" --event "$EVENTS/30-min-advance-2022-1.json" >/dev/null

# Refusals carry the exact code and name the field.
out=$(ctl append --key "$WORK/city.key" --event "$EVENTS/99-refused-other-municipality.json" 2>&1) \
  && fail "foreign declaration accepted"
grep -q "PERMISSION_DENIED: goo_places_declared.municipality_code" <<<"$out" \
  || fail "unexpected refusal: $out"

ctl checkpoint --out "$WORK/kept.note" >/dev/null 2>&1
ctl append --key "$WORK/city.key" --event "$EVENTS/20-ams-goo-2022-h2-correction.json" >/dev/null
retry=$(ctl append --key "$WORK/city.key" --event "$EVENTS/20-ams-goo-2022-h2-correction.json")
grep -q '"duplicate":true' <<<"$retry" || fail "retry was not recognised: $retry"
ctl prove --sequence 3 --old-checkpoint "$WORK/kept.note" | has '"consistency":"verified"' \
  || fail "proofs did not verify"
[ "$(ctl read --all | wc -l)" -eq 8 ] || fail "expected 8 events"
[ "$(ctl tail --from 2 --count 6 | wc -l)" -eq 6 ] || fail "tail returned the wrong count"

# Revocation: from its ledger point on the key signs nothing; its earlier events stay.
ctl revoke-key --signer "$WORK/ministry.key" --key-id "$CITY_ID" --reason "e2e" >/dev/null \
  || fail "revocation refused"
out=$(ctl append --key "$WORK/city.key" --event "$EVENTS/12-ams-poo-2022-06.json" \
        --event-id after-revocation 2>&1) && fail "revoked key accepted"
grep -q "PERMISSION_DENIED: signer_key_id: key $CITY_ID was revoked" <<<"$out" \
  || fail "unexpected refusal: $out"

# Checkpoint key rotation. A server without the new key refuses to rotate to it; restarted with
# both keys it accepts, and signs every later checkpoint with the new key, which ledgerctl
# picks by the checkpoint's size from the keys stream; the kept checkpoint, signed with the old
# key, still proves consistent with the new tree.
ctl keygen --out "$WORK/checkpoint-2027" >/dev/null
out=$(ctl rotate-checkpoint-key --signer "$WORK/ministry.key" --public-key "$WORK/checkpoint-2027.pub" \
        --key-name e2e-2027 2>&1) && fail "rotation to a key the server does not hold accepted"
grep -q "FAILED_PRECONDITION: checkpoint_key_rotated.checkpoint_public_key" <<<"$out" \
  || fail "unexpected rotation refusal: $out"
kill -TERM "$PID"; wait "$PID"; PID=""
start_ledgerd --checkpoint-key "$WORK/ledger/checkpoint.key" --checkpoint-key "$WORK/checkpoint-2027.key"
ctl rotate-checkpoint-key --signer "$WORK/ministry.key" --public-key "$WORK/checkpoint-2027.pub" \
  --key-name e2e-2027 | has '"checkpoint_verifier_key":"e2e-2027+' || fail "rotation refused"
ctl checkpoint --out "$WORK/rotated.note" >/dev/null || fail "checkpoint after rotation did not verify"
grep -q "^— e2e-2027 " "$WORK/rotated.note" || fail "not signed with the new key: $(cat "$WORK/rotated.note")"
ctl prove --sequence 3 --old-checkpoint "$WORK/kept.note" | has '"consistency":"verified"' \
  || fail "the old checkpoint does not prove consistent after the rotation"

# Graceful stop on SIGTERM.
kill -TERM "$PID"; wait "$PID"; PID=""
grep -q '"msg":"ledgerd stopped"' "$WORK/ledgerd.log" || fail "no clean stop logged"

ctl verify --data-dir "$WORK/ledger" --checkpoint "$WORK/kept.note" | has '"verified":true' \
  || fail "clean ledger did not verify"
ctl verify --data-dir "$WORK/ledger" --checkpoint "$WORK/rotated.note" | has '"verified":true' \
  || fail "clean ledger did not verify against the checkpoint signed with the rotated key"
ctl export --data-dir "$WORK/ledger" --out "$WORK/ledger.export" >/dev/null
ctl verify --export "$WORK/ledger.export" --checkpoint "$WORK/kept.note" \
  --checkpoint-key "$WORK/ledger/checkpoint.vkey" | has '"verified":true' \
  || fail "export did not verify"

# The tamper drill: one byte of event 4's body, then verify must name sequence 4.
"$TAMPER" "$WORK/ledger" 4 70 >/dev/null
if out=$(ctl verify --data-dir "$WORK/ledger" 2>&1); then fail "tampered ledger verified"; fi
grep -q '"first_bad_sequence":4' <<<"$out" || fail "verify did not name sequence 4: $out"
grep -q 'DATA_LOSS: sequence 4:' <<<"$out" || fail "verify did not report DATA_LOSS: $out"
echo "1 passed, 0 failed"

#!/usr/bin/env bash
# Witnessing end to end (C2SP tlog-witness, tlog-cosignature, tlog-policy): ledgerd against two
# `ledgerctl witness serve`, 2-of-2. A cosigned checkpoint; a witness restarted mid-stream; a
# witness behind (restored from an older state: the 409 path); a checkpoint-key rotation the
# witnesses learn without being reconfigured; and a log that forks (two ledgers under one key):
# the witnesses refuse it with 422, and ledgerctl, holding the first history in its trust
# store, reports the fork naming both checkpoints.
# Usage: witness_end_to_end.sh LEDGERD LEDGERCTL
set -euo pipefail
LEDGERD="$1"; CTL="$2"
source "$(dirname "$0")/common.sh"
declare -A WPORT WPID
# Only the witnesses running now: a stopped one's pid may belong to another process by then.
trap 'cleanup; for w in "${!WPID[@]}"; do kill -9 "${WPID[$w]}" 2>/dev/null; done; true' EXIT
TPORT=$(free_port)
T="http://127.0.0.1:$TPORT"
ORIGIN=e2e.example/witnessed

ctl keygen --out "$WORK/ministry" >/dev/null
ctl init --data-dir "$WORK/ledger" --root-key "$WORK/ministry.key" --origin "$ORIGIN" >/dev/null
VKEY=$(cat "$WORK/ledger/checkpoint.vkey")
case "$VKEY" in "$ORIGIN+"*) ;; *) fail "the checkpoint key is not named after the origin: $VKEY" ;; esac

# Two witnesses, each with a key, a name and a state directory.
for w in w1 w2; do
  ctl keygen --out "$WORK/$w" >/dev/null
  WPORT[$w]=$(free_port)
done
start_witness() {  # start_witness NAME
  "$CTL" witness serve --key "$WORK/$1.key" --name "$1.witness.example" \
    --state-dir "$WORK/$1-state" --listen "127.0.0.1:${WPORT[$1]}" --log "$ORIGIN" "$VKEY" \
    >"$WORK/$1.out" 2>>"$WORK/$1.log" &
  WPID[$1]=$!
  for _ in $(seq 1 50); do has verifier_key "$WORK/$1.out" 2>/dev/null && return; sleep 0.1; done
  fail "witness $1 did not start: $(cat "$WORK/$1.log")"
}
stop_witness() { kill "${WPID[$1]}"; wait "${WPID[$1]}" 2>/dev/null || true; }
start_witness w1
start_witness w2
{
  echo "# the log and its two witnesses; both must cosign"
  echo "log $VKEY $T"
  for w in w1 w2; do
    echo "witness $w $("$CTL" witness vkey --key "$WORK/$w.key" --name "$w.witness.example") http://127.0.0.1:${WPORT[$w]}"
  done
  echo "group both all w1 w2"
  echo "quorum both"
} >"$WORK/policy"

start_ledgerd --tiles-listen "127.0.0.1:$TPORT" --witness-policy "$WORK/policy"
grow() {  # grow N: N more events
  for _ in $(seq 1 "$1"); do
    n=$((n + 1))
    ctl keygen --out "$WORK/k$n" >/dev/null
    ctl register-key --signer "$WORK/ministry.key" --public-key "$WORK/k$n.pub" --role auditor \
      >/dev/null
  done
}
n=0
# wait_cosigned SIZE [WITNESS...]: /checkpoint reaches SIZE with a cosignature of each witness.
wait_cosigned() {
  local size="$1"; shift
  for _ in $(seq 1 100); do
    note=$(curl -sf "$T/checkpoint" || true)
    if [ -n "$note" ] && [ "$(sed -n 2p <<<"$note")" -ge "$size" ]; then
      local all=1
      for w in "$@"; do has "^— $w.witness.example " <<<"$note" || all=0; done
      [ "$all" = 1 ] && return 0
    fi
    sleep 0.1
  done
  fail "no checkpoint of size >= $size cosigned by $*: $note"
}

# 1. A cosigned checkpoint; ledgerctl with the policy requires both cosignatures.
grow 3
wait_cosigned 4 w1 w2
ctl --witness-policy "$WORK/policy" checkpoint --out "$WORK/cosigned.note" 2>"$WORK/cp.err" \
  >/dev/null || fail "ledgerctl refused the cosigned checkpoint: $(cat "$WORK/cp.err")"
has "quorum 2 of (w1, w2) met" "$WORK/cp.err" || fail "no witness status: $(cat "$WORK/cp.err")"

# 2. A witness restarted mid-stream: while it is down the checkpoint lacks the quorum (visible
#    in GetCheckpoint and the log); back up, the next checkpoints are cosigned by both again.
stop_witness w1
grow 2
wait_cosigned 6 w2
has "checkpoint below the witness quorum" "$WORK/ledgerd.log" || fail "no quorum warning"
# The policy is pinned in the trust store: without --witness-policy now, one cosignature is
# still not enough.
if ctl checkpoint >/dev/null 2>"$WORK/below.err"; then fail "accepted below the quorum"; fi
has "NOT met" "$WORK/below.err" || fail "GetCheckpoint does not say NOT met: $(cat "$WORK/below.err")"
has "the witness policy needs 2 of (w1, w2)" "$WORK/below.err" \
  || fail "no quorum refusal: $(cat "$WORK/below.err")"
start_witness w1
grow 1
wait_cosigned 7 w1 w2

# 3. A witness behind: w2's state restored from an older copy. ledgerd submits from the size it
#    believes, gets 409 with the size w2 holds, and resubmits from there.
cp -r "$WORK/w2-state" "$WORK/w2-state-old"
grow 2
wait_cosigned 9 w1 w2
stop_witness w2
rm -rf "$WORK/w2-state" && mv "$WORK/w2-state-old" "$WORK/w2-state"
start_witness w2
grow 1
wait_cosigned 10 w1 w2
has '"status":409' "$WORK/w2.log" || fail "w2 never answered 409: $(cat "$WORK/w2.log")"

# 4. A checkpoint-key rotation: ledgerd holds both keys, the checkpoints under the new key carry
#    "key-rotation <new vkey>" and both signatures; the witnesses (and ledgerctl's trust store)
#    move to the new key, so checkpoints signed by it alone are still cosigned afterwards.
ctl keygen --out "$WORK/checkpoint-2" >/dev/null
kill "$PID"; wait "$PID" 2>/dev/null || true
start_ledgerd --tiles-listen "127.0.0.1:$TPORT" --witness-policy "$WORK/policy" \
  --checkpoint-key "$WORK/ledger/checkpoint.key" --checkpoint-key "$WORK/checkpoint-2.key"
rotated=$(ctl rotate-checkpoint-key --signer "$WORK/ministry.key" \
  --public-key "$WORK/checkpoint-2.pub" --reason "yearly")
NEW_VKEY=$(sed -E 's/.*"checkpoint_verifier_key":"([^"]+)".*/\1/' <<<"$rotated")
case "$NEW_VKEY" in "$ORIGIN+"*) ;; *) fail "the new key is not named after the origin: $NEW_VKEY" ;; esac
grow 1
wait_cosigned 12 w1 w2
curl -sf "$T/checkpoint" | has "^key-rotation $NEW_VKEY$" || fail "no key-rotation line"
ctl checkpoint >/dev/null 2>&1 || fail "the trust store did not follow the rotation"
for w in w1 w2; do has "$NEW_VKEY" "$WORK/$w-state"/*.json || fail "$w did not learn the new key"; done
kill "$PID"; wait "$PID" 2>/dev/null || true
start_ledgerd --tiles-listen "127.0.0.1:$TPORT" --witness-policy "$WORK/policy" \
  --checkpoint-key "$WORK/checkpoint-2.key"
grow 1
wait_cosigned 13 w1 w2
curl -sf "$T/checkpoint" | has '^key-rotation ' && fail "the rotation line outlived the old key"
ctl checkpoint >/dev/null 2>&1 || fail "checkpoint under the new key alone"

# 5. A fork: a copy of the ledger, under the same key, grows differently from the original.
kill "$PID"; wait "$PID" 2>/dev/null || true
cp -r "$WORK/ledger" "$WORK/fork"
start_ledgerd --tiles-listen "127.0.0.1:$TPORT" --witness-policy "$WORK/policy" \
  --checkpoint-key "$WORK/checkpoint-2.key"
grow 1
wait_cosigned 14 w1 w2
ctl checkpoint --out "$WORK/original.note" >/dev/null 2>&1
kill "$PID"; wait "$PID" 2>/dev/null || true
"$LEDGERD" --data-dir "$WORK/fork" --listen "$ADDR" --plaintext-for-development \
  --tiles-listen "127.0.0.1:$TPORT" --witness-policy "$WORK/policy" \
  --checkpoint-key "$WORK/checkpoint-2.key" 2>"$WORK/fork.log" &
PID=$!
for _ in $(seq 1 100); do curl -sf "$T/checkpoint" >/dev/null && break; sleep 0.1; done
ctl keygen --out "$WORK/forked" >/dev/null
ctl register-key --signer "$WORK/ministry.key" --public-key "$WORK/forked.pub" --role auditor \
  --event-id forked >/dev/null
for _ in $(seq 1 50); do
  has '"status":422' "$WORK/w1.log" && has '"status":422' "$WORK/w2.log" \
    && has "inconsistent with the one it holds" "$WORK/fork.log" && break
  sleep 0.1
done
has '"status":422' "$WORK/w1.log" || fail "w1 did not refuse the fork with 422"
has '"status":422' "$WORK/w2.log" || fail "w2 did not refuse the fork with 422"
[ -s "$WORK/w1-state/evidence.log" ] || fail "w1 kept no evidence: $(tail -n 4 "$WORK/w1.log")"
has "inconsistent with the one it holds" "$WORK/fork.log" || fail "the fork's ledgerd did not log it"
curl -sf "$T/checkpoint" | has "^— w1" && fail "the fork got a cosignature"
# ledgerctl holds the original's checkpoint of the same size: the fork, both checkpoints named.
if ctl checkpoint >"$WORK/fork.out" 2>&1; then fail "ledgerctl accepted the fork"; fi
has "FORK" "$WORK/fork.out" || fail "no fork reported: $(cat "$WORK/fork.out")"
[ "$(grep -c "^$ORIGIN$" "$WORK/fork.out")" -ge 2 ] || fail "not both checkpoints: $(cat "$WORK/fork.out")"
curl -sf "$T/checkpoint" >"$WORK/fork.note"
kill "$PID"; wait "$PID" 2>/dev/null || true
PID=""
# Offline too: `verify` of the fork's data directory against its own signed checkpoint.
if ctl verify --data-dir "$WORK/fork" --checkpoint "$WORK/fork.note" >"$WORK/verify.out" 2>&1; then
  fail "verify accepted the fork"
fi
has "FORK" "$WORK/verify.out" || fail "verify reported no fork: $(cat "$WORK/verify.out")"
# ... and an offline query on the fork's export with its checkpoint.
ctl export --data-dir "$WORK/fork" --out "$WORK/fork.export" >/dev/null
if ctl signals --export "$WORK/fork.export" --checkpoint "$WORK/fork.note" --as-of 2026-01-01 \
     >"$WORK/query.out" 2>&1; then
  fail "an offline query accepted the fork"
fi
has "FORK" "$WORK/query.out" || fail "the offline query reported no fork: $(cat "$WORK/query.out")"
# A checkpoint key the ledger never recorded (another ledger's, under the same name) is named
# as such.
ctl init --data-dir "$WORK/other" --root-key "$WORK/ministry.key" --origin "$ORIGIN" >/dev/null
ctl verify --data-dir "$WORK/ledger" --checkpoint-key "$WORK/other/checkpoint.vkey" \
  >"$WORK/stranger.out" 2>&1 || true
has '"checkpoint_key_recorded":false' "$WORK/stranger.out" \
  || fail "verify did not say the key is unrecorded: $(cat "$WORK/stranger.out")"
has "was never recorded by this ledger" "$WORK/stranger.out" || fail "no plain warning"
echo "witness end to end: passed"

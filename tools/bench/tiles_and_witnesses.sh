#!/usr/bin/env bash
# The tiles and witness figures (tools/bench.sh calls it last; it runs alone too):
#   - tiles served per second by ledgerd, warm, for a full hash tile, a partial one, a full
#     entry bundle and the checkpoint (wrk, 2 threads, 16 connections, 10 s each);
#   - the bytes a client fetches to verify one inclusion proof through tiles (tlogcheck,
#     the independent Go checker), against the gRPC proof with its checkpoint and event;
#   - the witness round trip per checkpoint with two local witnesses (ledgerd's round_ms);
#   - the append rate with witnessing off and on, in the same run (booo_bench --appends-only),
#     to show that appends do not wait for witnesses.
# Usage: tools/bench/tiles_and_witnesses.sh DATA_DIR   (a generated ledger: ledger_loadgen)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
data="$1"
B="$root/build"
work="$(mktemp -d /tmp/booo-tiles-bench.XXXXXX)"
pids=()
trap 'for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
export BOOO_TRUST_STORE="$work/trust"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
( cd "$root" && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$work/gocache" \
    go build -o "$work/tlogcheck" ./tests/interop/tlogcheck )

GPORT=$(free_port); TPORT=$(free_port)
T="http://127.0.0.1:$TPORT"
ctl() { "$B/tools/ledgerctl" --server "127.0.0.1:$GPORT" "$@"; }
start_ledgerd() {
  "$B/services/ledgerd" --data-dir "$data" --listen "127.0.0.1:$GPORT" --plaintext-for-development \
    --tiles-listen "127.0.0.1:$TPORT" --tiles-requests-per-second 0 "$@" 2>>"$work/ledgerd.log" &
  LEDGERD=$!
  pids+=("$LEDGERD")
  for _ in $(seq 1 1200); do curl -sf "$T/checkpoint" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "ledgerd did not start: $(tail -3 "$work/ledgerd.log")" >&2; exit 1
}
start_ledgerd
size=$(curl -sf "$T/checkpoint" | sed -n 2p)
echo "## Tiles and witnesses ($size entries)"
echo
echo "| figure | value |"
echo "|---|---|"
rate() {  # rate PATH: requests per second, warm
  curl -sf "$T/$1" -o /dev/null
  wrk -t2 -c16 -d10s -H 'Accept-Encoding: gzip' "$T/$1" | awk '/Requests\/sec/ {printf "%.0f", $2}'
}
tile_index() {  # the spec's path encoding of N: 3-digit elements, all but the last "x"-prefixed
  local n="$1" out
  out=$(printf '%03d' $((n % 1000))); n=$((n / 1000))
  while [ "$n" -gt 0 ]; do out="x$(printf '%03d' $((n % 1000)))/$out"; n=$((n / 1000)); done
  echo "$out"
}
partial="tile/0/$(tile_index $((size / 256))).p/$((size % 256))"
[ $((size % 256)) -ne 0 ] || partial="tile/1/$(tile_index $((size / 65536))).p/$(((size / 256) % 256))"
echo "| tiles served per second, full hash tile (8,192 B), warm, 16 connections | $(rate tile/0/000) |"
echo "| tiles served per second, partial hash tile ($partial), warm | $(rate "$partial") |"
echo "| entry bundles served per second, full, gzip, warm | $(rate tile/entries/000) |"
echo "| checkpoints served per second | $(rate checkpoint) |"

# One inclusion proof through tiles, against the same over gRPC.
index=$((size / 3))
tiles=$("$work/tlogcheck" -url "$T" -vkey-file "$data/checkpoint.vkey" -inclusion-bytes "$index")
body=$(sed -E 's/.*"bytes_fetched":([0-9]+).*/\1/' <<<"$tiles")
wire=$(sed -E 's/.*"wire_bytes_fetched":([0-9]+).*/\1/' <<<"$tiles")
hashes=$(ctl prove --sequence "$index" --checkpoint-key "$data/checkpoint.vkey" \
           | sed -E 's/.*"proof_hashes":([0-9]+).*/\1/')
note=$(curl -sf "$T/checkpoint" | wc -c)
event=$(ctl get --sequence "$index" | wc -c)
echo "| bytes to verify one inclusion proof through tiles (leaf $index: checkpoint, tiles, its bundle) | $body ($wire gzipped on the wire) |"
echo "| the same through gRPC: proof ($hashes hashes), checkpoint, the event as JSON | $((hashes * 32 + note + event)) |"

# Witnessing: two local witnesses, 2 of 2.
vkey=$(cat "$data/checkpoint.vkey")
origin=$(curl -sf "$T/checkpoint" | head -n 1)
start_witnesses() {  # start_witnesses DIR: two witnesses of `origin`, a policy in DIR/policy
  local dir="$1"
  mkdir -p "$dir"
  echo "quorum both" >"$dir/tail"
  : >"$dir/policy"
  for w in w1 w2; do
    "$B/tools/ledgerctl" keygen --out "$dir/$w" >/dev/null
    local port; port=$(free_port)
    "$B/tools/ledgerctl" witness serve --key "$dir/$w.key" --name "$w.bench" --state-dir "$dir/$w" \
      --listen "127.0.0.1:$port" --log "$origin" "$vkey" >/dev/null 2>&1 &
    pids+=("$!")
    echo "witness $w $("$B/tools/ledgerctl" witness vkey --key "$dir/$w.key" --name "$w.bench") http://127.0.0.1:$port" >>"$dir/policy"
  done
  { echo "group both all w1 w2"; echo "quorum both"; } >>"$dir/policy"
  sleep 0.5
}
start_witnesses "$work/witnesses"
kill "$LEDGERD"; wait "$LEDGERD" 2>/dev/null || true
: >"$work/ledgerd.log"
start_ledgerd --witness-policy "$work/witnesses/policy"
for i in $(seq 1 30); do
  ctl keygen --out "$work/k$i" >/dev/null
  ctl register-key --signer "$data/ministry.key" --public-key "$work/k$i.pub" --role auditor \
    >/dev/null
  sleep 0.25
done
sleep 1
grep '"checkpoint witnessed"' "$work/ledgerd.log" | sed -E 's/.*"round_ms":([0-9.]+).*/\1/' \
  | sort -n >"$work/rounds"
rounds=$(wc -l <"$work/rounds")
if [ "$rounds" -gt 1 ]; then
  p50=$(awk -v n="$rounds" 'NR==int((n+1)/2) {printf "%.1f", $1}' "$work/rounds")
  max=$(tail -n 1 "$work/rounds")
  echo "| witness round trip per checkpoint, 2 local witnesses (sign, both add-checkpoint calls in parallel, verify), p50 / max over $rounds rounds | $p50 ms / $(printf '%.1f' "$max") ms |"
fi
kill "$LEDGERD"; wait "$LEDGERD" 2>/dev/null || true

# Appends with witnessing off and on, the same workload, one after the other. booo_bench makes a
# fresh national ledger for each; the witnesses of the second are new (a fresh ledger under the
# same key is another tree: the first witnesses would rightly refuse it as a fork).
appends() {  # appends [--witness-policy FILE]: events per second, one event per call
  "$B/tools/booo_bench" --data-dir "$work/appends" --rulebook-dir "$root/replay/rulebook" \
    --appends-only --append-clients 16 "$@" >"$work/appends.out" 2>"$work/appends.log"
  sed -n 's/.*one event per call (Append).*: \([0-9]*\) events\/s.*/\1/p' "$work/appends.out"
}
off=$(appends)
start_witnesses "$work/witnesses-appends"
on=$(appends --witness-policy "$work/witnesses-appends/policy")
witnessed=$(grep -c '"checkpoint witnessed"' "$work/appends.log" || true)
echo "| signed appends per second over gRPC, 16 clients, one event per call: witnessing off / on ($witnessed checkpoints cosigned meanwhile) | $off / $on |"

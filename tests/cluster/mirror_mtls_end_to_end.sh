#!/usr/bin/env bash
# A mirror over mutual TLS, with the real binaries: the primary (no etcd: --static-primary)
# answers an append only once its mirror holds it; the mirror follows with a client certificate
# over a key registered with the mirror role, and only such a key may follow (a municipality's
# certificate is PERMISSION_DENIED, a mirror key signs nothing the ledger accepts); the mirror
# serves reads, refuses writes naming the primary, and ledgerctl follows that hint.
# Usage: mirror_mtls_end_to_end.sh LEDGERD LEDGERCTL
set -euo pipefail
LEDGERD="$1"; CTL="$2"
source "$(dirname "$0")/../cli/common.sh"
MPORT=$(free_port); MADDR="127.0.0.1:$MPORT"
MPID=""; RPID=""
trap 'for p in "$PID" "$MPID" "$RPID"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done; rm -rf "$WORK"' EXIT
as() { local who="$1" server="$2"; shift 2
  "$CTL" --server "$server" --tls-ca "$WORK/ca/ca.crt" --tls-cert "$WORK/$who.crt" \
    --tls-key "$WORK/$who.key" --tls-server-name localhost "$@"; }

for k in ministry ams mirror; do ctl keygen --out "$WORK/$k" >"$WORK/$k.id"; done
ctl init --data-dir "$WORK/ledger" --root-key "$WORK/ministry.key" --origin e2e/mirror >/dev/null
ctl tls init-ca --out-dir "$WORK/ca" >/dev/null
ctl tls server-cert --ca-dir "$WORK/ca" --host localhost --host 127.0.0.1 --out-dir "$WORK/server" >/dev/null
for k in ministry ams mirror; do
  ctl tls client-cert --ca-dir "$WORK/ca" --key "$WORK/$k.key" --out "$WORK/$k.crt" >/dev/null
done
TLS=(--tls-cert "$WORK/server/server.crt" --tls-key "$WORK/server/server.key" --tls-client-ca "$WORK/ca/ca.crt")
"$LEDGERD" --data-dir "$WORK/ledger" --listen "$ADDR" "${TLS[@]}" --node-name primary \
  --static-primary --sync-mirrors 1 --sync-timeout 2 2>"$WORK/primary.log" &
PID=$!
for _ in $(seq 1 100); do as ministry "$ADDR" checkpoint >/dev/null 2>&1 && break; sleep 0.1; done
reg() { as ministry "$ADDR" register-key --signer "$WORK/ministry.key" --public-key "$WORK/$1.pub" "${@:2}"; }

# Without a mirror nothing is acknowledged: the registration waits, then is UNAVAILABLE.
out=$(reg mirror --role mirror --label "mirror n2" --event-id reg-mirror 2>&1) && fail "acknowledged without a mirror: $out"
has "UNAVAILABLE: .*retry with the same bytes" <<<"$out" || fail "unexpected: $out"

# The mirror starts empty, follows over mTLS with its mirror key, and copies the log.
mkdir -p "$WORK/mirror-data"; cp "$WORK/ledger/checkpoint.key" "$WORK/mirror-data/"
TPORT=$(free_port)
"$LEDGERD" --data-dir "$WORK/mirror-data" --listen "$MADDR" "${TLS[@]}" --node-name n2 \
  --tiles-listen "127.0.0.1:$TPORT" \
  --follow "$ADDR" --follow-cert "$WORK/mirror.crt" --follow-key "$WORK/mirror.key" \
  2>"$WORK/mirror.log" &
MPID=$!
# The retry of the registration (same bytes) is recorded once and now acknowledged.
out=$(reg mirror --role mirror --label "mirror n2" --event-id reg-mirror) || fail "retry: $out"
reg ams --role municipality --municipality GM0363 >/dev/null
has '"duplicate":true' <<<"$out" || fail "the retry was not recognised: $out"
size_of() { as ministry "$1" cluster status --node-only | sed -E 's/.*"durable_size":([0-9]+).*/\1/'; }
for _ in $(seq 1 100); do [ "$(size_of "$MADDR")" = 3 ] && break; sleep 0.1; done
[ "$(size_of "$MADDR")" = 3 ] || fail "the mirror did not catch up: $(as ministry "$MADDR" cluster status --node-only)"
as ministry "$MADDR" cluster status --node-only | grep -q '"role":"mirror"' || fail "not a mirror"

# The mirror's tiles: its /checkpoint is the primary's latest, verified; its tiles hash to it.
for _ in $(seq 1 50); do
  curl -sf --cacert "$WORK/ca/ca.crt" "https://127.0.0.1:$TPORT/checkpoint" >"$WORK/mirror.cp" && \
    [ "$(sed -n 2p "$WORK/mirror.cp")" = 3 ] && break; sleep 0.1
done
[ "$(sed -n 1,2p "$WORK/mirror.cp" | tr '\n' ' ')" = "e2e/mirror 3 " ] || fail "mirror /checkpoint: $(cat "$WORK/mirror.cp")"
curl -sf --cacert "$WORK/ca/ca.crt" "https://127.0.0.1:$TPORT/tile/0/000.p/3" | wc -c | grep -qx 96 \
  || fail "the mirror's partial tile is not 3 hashes"
# Writes on the mirror: refused naming the primary; ledgerctl follows the hint.
out=$(as ams "$MADDR" append --key "$WORK/ams.key" --event "$EVENTS/10-ams-goo-2022-h1.json" 2>&1) \
  || fail "append through the mirror: $out"
has "following the primary at $ADDR" <<<"$out" || fail "no hint followed: $out"
# Reads on the mirror: the event, from the mirror's own copy.
for _ in $(seq 1 50); do as ams "$MADDR" read --stream municipality/GM0363 2>/dev/null | grep -q sequence && break; sleep 0.1; done
as ams "$MADDR" read --stream municipality/GM0363 | grep -q '"sequence"' || fail "the mirror does not serve the event"

# A municipality's certificate may not follow; the primary says why and the would-be mirror
# copies nothing.
RPORT=$(free_port)
mkdir -p "$WORK/rogue-data"; cp "$WORK/ledger/checkpoint.key" "$WORK/rogue-data/"
"$LEDGERD" --data-dir "$WORK/rogue-data" --listen "127.0.0.1:$RPORT" "${TLS[@]}" --node-name n3 \
  --follow "$ADDR" --follow-cert "$WORK/ams.crt" --follow-key "$WORK/ams.key" 2>"$WORK/rogue.log" &
RPID=$!
for _ in $(seq 1 50); do has "only a key registered with the mirror role may follow" "$WORK/rogue.log" && break; sleep 0.1; done
has "Follow: only a key registered with the mirror role may follow the primary; the caller is key .* (municipality GM0363)" \
  "$WORK/rogue.log" || fail "no refusal logged: $(tail -3 "$WORK/rogue.log")"
kill "$RPID"; wait "$RPID" 2>/dev/null || true; RPID=""
has '"msg":"ledgerd stopped".*"tree_size":0' "$WORK/rogue.log" || fail "a municipality's certificate copied the log"
echo "mirror mTLS end-to-end: passed"

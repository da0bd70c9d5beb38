#!/usr/bin/env bash
# Mutual TLS and read access end to end with the real binaries: ledgerd will not serve
# plaintext unless told it is for development; a development CA from `ledgerctl tls` issues
# the server's certificate and client certificates over the parties' own ledger keys; a call
# without a certificate, with an unregistered key or with a revoked one is UNAUTHENTICATED; a
# certificate from another CA does not get through the handshake; a municipality reads its own
# events, grants and balances and is PERMISSION_DENIED others' data; the ministry and an
# auditor read everything; a backup is for ministry and auditor keys only.
# Usage: mtls_end_to_end.sh LEDGERD LEDGERCTL
set -euo pipefail
LEDGERD="$1"; CTL="$2"
source "$(dirname "$0")/common.sh"

for k in ministry ams utr auditor stranger; do ctl keygen --out "$WORK/$k" >"$WORK/$k.id"; done
ams_id=$(sed -E 's/.*"key_id":"([^"]+)".*/\1/' "$WORK/ams.id")
ctl init --data-dir "$WORK/ledger" --root-key "$WORK/ministry.key" --origin e2e/mtls \
  --checkpoint-key-name e2e >/dev/null

# No TLS files and no development flag: ledgerd refuses to start, and says what to give.
if "$LEDGERD" --data-dir "$WORK/ledger" --listen "$ADDR" 2>"$WORK/refused.log"; then
  fail "ledgerd started without TLS"
fi
has "tls: ledgerd serves TLS only" "$WORK/refused.log" || fail "no reason: $(cat "$WORK/refused.log")"

ctl tls init-ca --out-dir "$WORK/ca" >/dev/null
[ "$(stat -c %a "$WORK/ca/ca.key")" = 600 ] || fail "the CA key is readable by others"
ctl tls server-cert --ca-dir "$WORK/ca" --host localhost --host 127.0.0.1 \
  --out-dir "$WORK/server" >/dev/null
for k in ministry ams utr auditor stranger; do
  ctl tls client-cert --ca-dir "$WORK/ca" --key "$WORK/$k.key" --out "$WORK/$k.crt" >/dev/null
done
# A certificate from another CA, over a registered key.
ctl tls init-ca --out-dir "$WORK/rogue-ca" >/dev/null
ctl tls client-cert --ca-dir "$WORK/rogue-ca" --key "$WORK/ams.key" --out "$WORK/rogue.crt" \
  >/dev/null
cp "$WORK/ams.key" "$WORK/rogue.key"

TPORT=$(free_port)
T="https://127.0.0.1:$TPORT"
"$LEDGERD" --data-dir "$WORK/ledger" --listen "$ADDR" --tls-cert "$WORK/server/server.crt" \
  --tls-key "$WORK/server/server.key" --tls-client-ca "$WORK/ca/ca.crt" \
  --tiles-listen "127.0.0.1:$TPORT" 2>"$WORK/ledgerd.log" &
PID=$!
for _ in $(seq 1 100); do as ministry checkpoint >/dev/null 2>&1 && break; sleep 0.1; done
has '"transport":"mTLS"' "$WORK/ledgerd.log" || fail "not serving mTLS"

# Plaintext does not reach a TLS port; TLS without a client certificate is UNAUTHENTICATED.
refused UNAVAILABLE "" ctl checkpoint
refused UNAUTHENTICATED "client certificate: none presented" \
  "$CTL" --server "$ADDR" --tls-ca "$WORK/ca/ca.crt" checkpoint
refused UNAUTHENTICATED "is not registered in this ledger" as ams checkpoint

reg() { as ministry register-key --signer "$WORK/ministry.key" --public-key "$WORK/$1.pub" \
  --role "$2" ${3:+--municipality "$3"} >/dev/null; }
reg ams municipality GM0363
reg utr municipality GM0344
reg auditor auditor
refused UNAVAILABLE "" as rogue checkpoint  # the handshake refuses the other CA
refused UNAUTHENTICATED "is not registered in this ledger" as stranger checkpoint

as ams append --key "$WORK/ams.key" --event "$EVENTS/10-ams-goo-2022-h1.json" >/dev/null
as utr append --key "$WORK/utr.key" --event "$EVENTS/50-utr-goo-2023.json" >/dev/null
ams_seq=$(as ams read --stream municipality/GM0363 | head -n 1 \
  | sed -E 's/.*"sequence":"?([0-9]+).*/\1/')

# Amsterdam reads its own stream, the rules and the keys, and its own grant and balances.
as ams read --stream municipality/GM0363 | has '"stream":"municipality/GM0363"' \
  || fail "Amsterdam cannot read its own stream"
as ams read --stream keys | has '"stream":"keys"' || fail "Amsterdam cannot read the keys"
as ams get --sequence "$ams_seq" | has GM0363 || fail "Amsterdam cannot get its own event"
as ams grant --municipality GM0363 --year 2022 --format digest >/dev/null \
  || fail "Amsterdam cannot read its own grant"
balances=$(as ams balances)
has '^GM0363 *2022' <<<"$balances" || fail "Amsterdam's balances lack its own row: $balances"
has '^GM0344' <<<"$balances" && fail "Amsterdam's balances list Utrecht: $balances"
has 'totals over 1 municipalities' <<<"$balances" || fail "totals not Amsterdam's: $balances"
as ministry balances | has '^GM0344 *2023' || fail "the ministry's balances lack Utrecht"
# ... and nothing of Utrecht's, nor the whole log.
refused PERMISSION_DENIED "municipality_code: GM0344 is not readable by key" \
  as ams grant --municipality GM0344 --year 2022
refused PERMISSION_DENIED "stream: municipality/GM0344 is not readable" \
  as ams read --stream municipality/GM0344
# The whole log, as Amsterdam may read it: its own stream, the rules and the keys, and nothing
# of Utrecht's; each stream's versions run without a gap, which is how it knows it missed
# nothing while sequences jump over others' events.
whole=$(as ams read --all --max 2)
has '"stream":"municipality/GM0363"' <<<"$whole" || fail "narrowed read lacks Amsterdam: $whole"
has '"stream":"keys"' <<<"$whole" || fail "narrowed read lacks the keys: $whole"
has '"stream":"municipality/GM0344"' <<<"$whole" && fail "narrowed read shows Utrecht: $whole"
versions=$(grep -o '"stream":"keys","stream_version":"\?[0-9]*' <<<"$whole" | grep -o '[0-9]*$' \
  | tr '\n' ' ')
[ "$versions" = "$(seq -s ' ' 1 "$(wc -w <<<"$versions")") " ] \
  || fail "keys stream versions have a gap: $versions"
as ams tail --from 0 --count 5 | has '"stream":"municipality/GM0344"' \
  && fail "Subscribe shows Utrecht to Amsterdam"
# A connection appends only events signed by its own key: Amsterdam's connection cannot carry
# Utrecht's signed declaration, and nothing is written.
size_before=$(as ministry checkpoint | head -n 2 | tail -n 1)
refused PERMISSION_DENIED "event.signer_key_id: .* is not the caller's key" \
  as ams append --key "$WORK/utr.key" --event "$EVENTS/50-utr-goo-2023.json"
[ "$(as ministry checkpoint | head -n 2 | tail -n 1)" = "$size_before" ] \
  || fail "a refused append was written"
refused PERMISSION_DENIED "Backup: only ministry and auditor keys" as ams backup --out "$WORK/b1"
# Utrecht cannot get Amsterdam's event by its sequence.
refused PERMISSION_DENIED "sequence: the event is in stream municipality/GM0363" \
  as utr get --sequence "$ams_seq"

# The tiles listener, HTTPS with the same certificate: checkpoints and hash tiles for anyone
# without a certificate; entry bundles (the events) only for a certificate that may read the
# whole log, as ReadEvents.
tcurl() { curl -s -o /dev/null -w '%{http_code}' --cacert "$WORK/ca/ca.crt" "$@"; }
[ "$(tcurl "$T/checkpoint")" = 200 ] || fail "no anonymous checkpoint over HTTPS"
[ "$(tcurl "$T/tile/0/000.p/1")" = 200 ] || fail "no anonymous hash tile"
[ "$(tcurl "$T/tile/entries/000.p/1")" = 401 ] || fail "entries without a certificate"
[ "$(tcurl --cert "$WORK/ams.crt" --key "$WORK/ams.key" "$T/tile/entries/000.p/1")" = 403 ] \
  || fail "entries for a municipality"
[ "$(tcurl --cert "$WORK/auditor.crt" --key "$WORK/auditor.key" "$T/tile/entries/000.p/1")" = 200 ] \
  || fail "no entries for the auditor"
[ "$(tcurl --cert "$WORK/stranger.crt" --key "$WORK/stranger.key" "$T/tile/entries/000.p/1")" = 401 ] \
  || fail "entries for an unregistered key"
curl -s --cacert "$WORK/ca/ca.crt" --cert "$WORK/auditor.crt" --key "$WORK/auditor.key" \
  -D - -o /dev/null "$T/tile/entries/000.p/1" | has -i "^cache-control: private" \
  || fail "certified entry bundles are not private to caches"

# The ministry and the auditor read everything; the auditor may take a backup.
as ministry read --all | has GM0363 || fail "the ministry cannot read the log"
as auditor grant --municipality GM0363 --year 2022 --format digest >/dev/null \
  || fail "the auditor cannot read Amsterdam's grant"
as auditor backup --out "$WORK/b2" | has '"verified":true' || fail "the auditor's backup"

# Revocation takes effect at once, for reading too.
as ministry revoke-key --signer "$WORK/ministry.key" --key-id "$ams_id" >/dev/null
refused UNAUTHENTICATED "was revoked at sequence" as ams checkpoint
# With --public-entries, entry bundles go to anyone, cacheable by shared caches.
kill "$PID"; wait "$PID" 2>/dev/null || true
"$LEDGERD" --data-dir "$WORK/ledger" --listen "$ADDR" --tls-cert "$WORK/server/server.crt" \
  --tls-key "$WORK/server/server.key" --tls-client-ca "$WORK/ca/ca.crt" \
  --tiles-listen "127.0.0.1:$TPORT" --public-entries 2>"$WORK/ledgerd.log" &
PID=$!
for _ in $(seq 1 100); do [ "$(tcurl "$T/checkpoint")" = 200 ] && break; sleep 0.1; done
[ "$(tcurl "$T/tile/entries/000.p/1")" = 200 ] || fail "public entries refused"
echo "mtls end to end: passed"

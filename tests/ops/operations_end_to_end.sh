#!/usr/bin/env bash
# Operating ledgerd end to end with the real binaries over mutual TLS: the health-only listener
# the kubelet probes (plaintext) and `ledgerctl health` over mTLS; a Prometheus scrape checked by
# promtool and against the alert rules and dashboard (tests/ops/alerts_test.sh); the read-access
# log as the ministry and auditors read it (who read which municipality's data, under which
# processing activity, with what outcome), refused to a municipality, kept across a restart and
# forgotten past its retention; and the tiles listener's per-client rate limit (429 with
# Retry-After, counted in the metrics).
# Usage: operations_end_to_end.sh LEDGERD LEDGERCTL
set -euo pipefail
LEDGERD="$1"; CTL="$2"
source "$(dirname "$0")/../cli/common.sh"
OPS="$(cd "$(dirname "$0")" && pwd)"
step() { echo "-- $*"; }

for k in ministry ams utr auditor; do ctl keygen --out "$WORK/$k" >/dev/null; done
ctl init --data-dir "$WORK/ledger" --root-key "$WORK/ministry.key" --origin e2e/ops \
  --checkpoint-key-name e2e >/dev/null
ctl tls init-ca --out-dir "$WORK/ca" >/dev/null
ctl tls server-cert --ca-dir "$WORK/ca" --host localhost --host 127.0.0.1 \
  --out-dir "$WORK/server" >/dev/null
for k in ministry ams utr auditor; do
  ctl tls client-cert --ca-dir "$WORK/ca" --key "$WORK/$k.key" --out "$WORK/$k.crt" >/dev/null
done
cat >"$WORK/activities" <<'EOF'
# The organisation's register of processing activities (Logboek Dataverwerkingen).
booo.v1.Grants/GetGrant https://register.example/verwerkingsactiviteiten/booo-grant
booo.v1.Ledger/ReadEvents https://register.example/verwerkingsactiviteiten/booo-events
EOF
HPORT=$(free_port); MPORT=$(free_port); TPORT=$(free_port)
start() {  # start [FLAG...]: ledgerd over mTLS with every operations listener
  "$LEDGERD" --data-dir "$WORK/ledger" --listen "$ADDR" --tls-cert "$WORK/server/server.crt" \
    --tls-key "$WORK/server/server.key" --tls-client-ca "$WORK/ca/ca.crt" \
    --health-listen "127.0.0.1:$HPORT" --metrics-listen "127.0.0.1:$MPORT" \
    --tiles-listen "127.0.0.1:$TPORT" --processing-activities "$WORK/activities" "$@" \
    2>"$WORK/ledgerd.log" &  # this run's lines only
  PID=$!
  for _ in $(seq 1 100); do
    "$CTL" --server "127.0.0.1:$HPORT" health --service booo.readiness >/dev/null 2>&1 && return
    sleep 0.1
  done
  fail "ledgerd never became ready: $(tail -5 "$WORK/ledgerd.log")"
}
stop() { kill -TERM "$PID"; wait "$PID" || fail "ledgerd did not stop cleanly"; PID=""; }

step "probes: the health-only listener answers in plaintext, the gRPC port only over mTLS"
level_refused=$("$LEDGERD" --data-dir "$WORK/ledger" --log-level loud 2>&1) \
  && fail "ledgerd started with --log-level loud"
has 'log-level: loud not in' <<<"$level_refused" || fail "an unknown --log-level not named"
delay_refused=$("$LEDGERD" --data-dir "$WORK/ledger" --group-commit-delay-us 100001 2>&1) \
  && fail "ledgerd started with a group commit delay beyond 100 ms"
has 'group-commit-delay-us' <<<"$delay_refused" || fail "a too long group commit delay not named"
start
for service in "" booo.readiness booo.liveness; do
  [ "$("$CTL" --server "127.0.0.1:$HPORT" health --service "$service")" = SERVING ] \
    || fail "health listener: $service not SERVING"
done
refused NOT_FOUND "" "$CTL" --server "127.0.0.1:$HPORT" health --service booo.v1.Ledger
refused UNAVAILABLE "" "$CTL" --server "$ADDR" health  # plaintext to the TLS port
[ "$(as ministry health --service booo.v1.Grants)" = SERVING ] || fail "mTLS health"
[ "$(as ministry health --service booo.readiness)" = SERVING ] || fail "mTLS readiness probe"

reg() { as ministry register-key --signer "$WORK/ministry.key" --public-key "$WORK/$1.pub" \
  --role "$2" ${3:+--municipality "$3"} >/dev/null; }
reg ams municipality GM0363
reg utr municipality GM0344
reg auditor auditor
as ams append --key "$WORK/ams.key" --event "$EVENTS/10-ams-goo-2022-h1.json" >/dev/null
as utr append --key "$WORK/utr.key" --event "$EVENTS/50-utr-goo-2023.json" >/dev/null
has '"msg":"appended"' "$WORK/ledgerd.log" && fail "a line per append below --log-level debug"
ams_id=$(as ams read --stream municipality/GM0363 | head -n 1 \
  | sed -E 's/.*"signer_key_id":"([^"]+)".*/\1/')
[ -n "$ams_id" ] || fail "no key id for Amsterdam"

step "the access log: every read of a municipality's data is recorded"
before_reads=$(date +%s%3N)
as ams grant --municipality GM0363 --year 2022 --format digest >/dev/null
as ams read --stream municipality/GM0363 >/dev/null
refused PERMISSION_DENIED "GM0344 is not readable" as ams grant --municipality GM0344 --year 2022
as ministry balances >/dev/null
as auditor read --all >/dev/null
sleep 0.01
after_reads=$(date +%s%3N)

records=$(as auditor access-log --municipality GM0363 --from "$before_reads")
echo "$records" | head -n 3
grant_ok=$(grep '"name":"booo.v1.Grants/GetGrant"' <<<"$records" | grep '"municipality_code":"GM0363"')
has "\"caller_key_id\":\"$ams_id\"" <<<"$grant_ok" || fail "the grant read is not Amsterdam's: $grant_ok"
has '"caller_role":"ROLE_MUNICIPALITY"' <<<"$grant_ok" || fail "no role: $grant_ok"
has '"status_code":"STATUS_CODE_OK"' <<<"$grant_ok" || fail "not OK: $grant_ok"
has '"processing_activity_id":"https://register.example/verwerkingsactiviteiten/booo-grant"' \
  <<<"$grant_ok" || fail "the configured activity is not used: $grant_ok"
has '"trace_id":"[0-9a-f]\{32\}","operation_id":"[0-9a-f]\{16\}"' <<<"$grant_ok" \
  || fail "no trace: $grant_ok"
has '"processing_activity_id":"https://register.example/verwerkingsactiviteiten/booo-events"' \
  <<<"$records" || fail "the events read is not recorded: $records"
# The whole-log reads concern every municipality, so they are Amsterdam's business too.
has '"name":"booo.v1.Grants/ListBalances".*"municipality_code":"\*"' <<<"$records" \
  || fail "the ministry's balances are not on Amsterdam's record: $records"
has '"name":"booo.v1.Ledger/ReadEvents".*"municipality_code":"\*".*"caller_role":"ROLE_AUDITOR"' \
  <<<"$records" || fail "the auditor's whole-log read is not on record: $records"
# Utrecht's record holds Amsterdam's refused attempt on it, with the exact code.
utr=$(as ministry access-log --municipality GM0344 --from "$before_reads")
has "\"name\":\"booo.v1.Grants/GetGrant\".*\"status_code\":\"STATUS_CODE_ERROR\".*\"caller_key_id\":\"$ams_id\".*\"grpc_code\":7" \
  <<<"$utr" || fail "the refused read is not on Utrecht's record: $utr"
has "\"municipality_code\":\"GM0363\"" <<<"$utr" && fail "Amsterdam's reads on Utrecht's record"
# A range before the reads holds none of them.
[ -z "$(as auditor access-log --municipality GM0363 --from 0 --to "$before_reads" \
  | grep booo.v1.Grants/GetGrant || true)" ] || fail "--to did not bound the records"
# Only the ministry and auditors read the access log; reading it is itself recorded.
refused PERMISSION_DENIED "only ministry and auditor keys may read the access log" \
  as ams access-log --municipality GM0363
as ministry access-log --from "$after_reads" | has '"name":"booo.v1.AccessLog/ListAccessRecords"' \
  || fail "reading the access log is not recorded"
refused INVALID_ARGUMENT "municipality_code" as ministry access-log --municipality Amsterdam
# An auditor's entry bundle over the tiles listener holds every municipality's events: recorded,
# under the traceparent it sent.
tp="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
[ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$WORK/ca/ca.crt" -H "traceparent: $tp" \
  --cert "$WORK/auditor.crt" --key "$WORK/auditor.key" \
  "https://127.0.0.1:$TPORT/tile/entries/000.p/1")" = 200 ] || fail "the auditor's bundle"
as ministry access-log --municipality GM0363 --from "$before_reads" \
  | has '"trace_id":"0af7651916cd43dd8448eb211c80319c".*"parent_operation_id":"b7ad6b7169203331","name":"tiles/entries".*"municipality_code":"\*".*"caller_role":"ROLE_AUDITOR"' \
  || fail "the bundle read is not recorded under its trace"

step "metrics: a scrape promtool accepts, holding what was done, checked against the alerts"
curl -sf "http://127.0.0.1:$MPORT/metrics" >"$WORK/scrape.prom" || fail "no /metrics"
promtool check metrics <"$WORK/scrape.prom" || fail "promtool refuses the exposition"
size=$(as ministry checkpoint | sed -n 2p)
has "^booo_log_tree_size $size\$" "$WORK/scrape.prom" || fail "tree size is not $size"
has '^grpc_server_handled_total{grpc_code="PermissionDenied",grpc_method="GetGrant",grpc_service="booo.v1.Grants",grpc_type="unary"} 1$' \
  "$WORK/scrape.prom" || fail "the refused grant is not counted"
has '^booo_access_records_total{result="written"} [1-9]' "$WORK/scrape.prom" \
  || fail "no access records counted"
"$OPS/alerts_test.sh" "$WORK/scrape.prom" >"$WORK/alerts.out" \
  || { cat "$WORK/alerts.out"; fail "the alert rules or dashboard disagree with the scrape"; }

step "tiles: a client over its rate gets 429 with Retry-After"
stop
start --tiles-requests-per-second 0.1 --tiles-request-burst 3 --log-level debug  # a token every 10 s
as ams append --key "$WORK/ams.key" --event "$EVENTS/10-ams-goo-2022-h1.json" >/dev/null  # a retry
has '"level":"debug","msg":"append retried"' "$WORK/ledgerd.log" \
  || fail "no line per append at --log-level debug"
codes=""
for _ in 1 2 3 4 5 6; do
  codes+="$(curl -s -o /dev/null -w '%{http_code} ' --cacert "$WORK/ca/ca.crt" \
    "https://127.0.0.1:$TPORT/checkpoint")"
done
[ "$codes" = "200 200 200 429 429 429 " ] || fail "rate limit: $codes"
curl -s -D - -o /dev/null --cacert "$WORK/ca/ca.crt" "https://127.0.0.1:$TPORT/checkpoint" \
  | has -i '^retry-after: [1-9]' || fail "no Retry-After"
curl -sf "http://127.0.0.1:$MPORT/metrics" | has '^booo_tiles_served_total{code="429",kind="checkpoint"} [4-9]' \
  || fail "429s not counted"

step "the access log survives a restart, and forgets what is past its retention"
as auditor access-log --municipality GM0363 --from "$before_reads" \
  | has '"name":"booo.v1.Grants/GetGrant"' || fail "records lost across a restart"
stop
sleep 1.2
start --access-log-retention-days 0.00001  # 0.864 s
kept=$(as auditor access-log --from 0)
has '"name":"booo.v1.Grants/GetGrant"' <<<"$kept" && fail "records past the retention served"
has '"msg":"access log: records past their retention deleted"' "$WORK/ledgerd.log" \
  || fail "the sweep at start did not delete the old records"
stop
has '"msg":"ledgerd stopped"' "$WORK/ledgerd.log" || fail "no clean stop"
echo "operations end to end: OK"

#!/usr/bin/env bash
# The grant story end to end with the real binaries and the demo's events: the rule book loaded
# through ledgerctl, a retroactive lowering refused, the grant as known on two business dates
# and now (hand-computed figures), a determination that replays to MATCH and a stale one that
# does not, balances, a simulation, and the same figures re-derived offline from the export.
# Usage: grants_end_to_end.sh LEDGERD LEDGERCTL
set -euo pipefail
LEDGERD="$1"; CTL="$2"
source "$(dirname "$0")/common.sh"
PROPOSALS="$here/../../tools/demo/proposals"
RULEBOOK="$here/../../replay/rulebook/booo-2022-2025.json"
digest() { ctl grant --format digest "$@" | cut -d' ' -f1; }

for k in ministry ams utr; do ctl keygen --out "$WORK/$k" >/dev/null; done
ctl init --data-dir "$WORK/ledger" --root-key "$WORK/ministry.key" --origin e2e/grants \
  --checkpoint-key-name e2e >/dev/null
start_ledgerd
ctl register-key --signer "$WORK/ministry.key" --public-key "$WORK/ams.pub" --role municipality \
  --municipality GM0363 >/dev/null
ctl register-key --signer "$WORK/ministry.key" --public-key "$WORK/utr.pub" --role municipality \
  --municipality GM0344 >/dev/null

ctl load-rules --key "$WORK/ministry.key" --rulebook "$RULEBOOK" >/dev/null
# Loading it again is harmless: every amendment is recognised as already recorded.
amendments=$(grep -c '"event_id"' "$RULEBOOK")
[ "$amendments" -ge 11 ] || fail "the rule book should hold at least 11 amendments, found $amendments"
[ "$(ctl load-rules --key "$WORK/ministry.key" --rulebook "$RULEBOOK" | grep -c 'already recorded')" \
  -eq "$amendments" ] || fail "rule book reload was not idempotent"
out=$(ctl load-rules --key "$WORK/ministry.key" --rulebook "$PROPOSALS/refused-lowering-2023.json" \
  2>&1) && fail "retroactive lowering accepted"
grep -q "FAILED_PRECONDITION: demo-refused-lowering-2023: rule_amended.values\[0\]" <<<"$out" \
  || fail "unexpected refusal: $out"

append_amsterdam_2022

# As known on 30 Sep 2022: 120 × 122 × €100 = 1,464,000.00 plus transition costs
# floor(45,000,000 × 122 / 731) = 75,102.59; the June person-months have no norm yet.
[ "$(digest --municipality GM0363 --year 2022 --known-on 2022-09-30)" = 153910259 ] \
  || fail "grant as known on 2022-09-30"
# As known on 31 Dec 2022 the €210 norm counts: + 296 × €210 + 300 × €210 + €71,784 leefgeld.
[ "$(digest --municipality GM0363 --year 2022 --known-on 2022-12-31)" = 173604659 ] \
  || fail "grant as known on 2022-12-31"
# Now: exception clause €3,600,000 for category a, b €71,784, c/d €125,160, e €75,102.59,
# finding F1 −€12,000 (F2 re-admitted): €3,860,046.59.
[ "$(digest --municipality GM0363 --year 2022)" = 386004659 ] || fail "grant as known now"
# The demo's trace cites the legal basis of each euro: the €83 norm for Oct-Dec 2022 is read
# from the 2023 re-setting (which restates it) and set by Stcrt. 2022, 27515.
ctl grant --municipality GM0363 --year 2022 >"$WORK/trace.txt"
grep -A1 'rule goo_norm_per_place_day = €83.00 (read from #[0-9]*, Decision memo JenV of 19 Oct 2023' "$WORK/trace.txt" \
  | grep -q 'set by #[0-9]*, Stcrt. 2022, 27515 (regulation of 11 Oct 2022, nr. 4245817), for 2022-10-15 to 2022-12-31: Stcrt. 2022, 27515 (nr. 4245817) art. I A' \
  || fail "the €83 norm does not cite 27515 as what set it: $(grep -m1 -A1 'goo_norm_per_place_day = €83' "$WORK/trace.txt")"
ctl grant --municipality GM0363 --year 2022 --format csv >"$WORK/trace.csv"
grep -q '^grant/a/exception_clause,12126800,' "$WORK/trace.csv" || fail "CSV lacks the exception"
ctl grant --municipality GM0363 --year 2022 --format json | has '"trace_digest"' \
  || fail "JSON lacks the digest"
# Walking a large trace: the top level, then one node's subtree, with the same digest.
out=$(ctl grant --municipality GM0363 --year 2022 --trace-depth 1)
grep -q 'parts not shown (ledgerctl grant --trace-path grant/a)' <<<"$out" \
  || fail "a cut-off node does not say how to see it: $out"
grep -q 'exception' <<<"$out" && fail "depth 1 shows the exception clause's node"
out=$(ctl grant --municipality GM0363 --year 2022 --trace-path grant/a --trace-depth 1)
grep -q 'exception' <<<"$out" || fail "grant/a lacks the exception clause: $out"
[ "$(ctl grant --municipality GM0363 --year 2022 --trace-path grant/a --format digest)" = \
  "$(ctl grant --municipality GM0363 --year 2022 --format digest)" ] || fail "digest of a subtree"
if out=$(ctl grant --municipality GM0363 --year 2022 --trace-path grant/zz 2>&1); then
  fail "an unknown trace path was answered"
fi
grep -q 'NOT_FOUND: trace_path: the grant.s trace has no node grant/zz' <<<"$out" \
  || fail "unknown trace path: $out"

ctl determine --key "$WORK/ministry.key" --municipality GM0363 --year 2022 \
  --decision-date 2023-11-30 --reference NOO/VS/2023/0363 --event-id det-2022 >/dev/null
ctl replay-settlement --event-id det-2022 | has '^MATCH' || fail "settlement did not match"

# A determination that does not follow from the ledger (amount and digest made up): MISMATCH,
# exit code 1, and the differing amount named.
append_made_up_determination
if out=$(ctl replay-settlement --event-id det-2022-wrong); then fail "made-up determination matched"; fi
grep -q '^MISMATCH' <<<"$out" || fail "no MISMATCH: $out"
grep -q 'amount: determined €4,000,000.00, replayed €3,860,046.59' <<<"$out" \
  || fail "mismatch does not name the amounts: $out"

# Utrecht's grant determined as computed replays to a MATCH.
append utr 50-utr-goo-2023
append ministry 51-min-advance-utr-2023
ctl determine --key "$WORK/ministry.key" --municipality GM0344 --year 2023 \
  --decision-date 2024-11-30 --reference NOO/VS/2024/0344 --event-id det-utr-ok >/dev/null
ctl replay-settlement --event-id det-utr-ok >/dev/null || fail "Utrecht's determination mismatched"

ctl balances --year 2022 | has 'to reclaim €0.00' || fail "balances totals"
ctl simulate --amendment "$PROPOSALS/goo-norm-2024-at-70.json" --year 2023 >/dev/null \
  || fail "simulation failed"
ctl simulate --amendment "$PROPOSALS/goo-norm-2024-at-70.json" --known-on 2023-10-01 \
  | has '^the ledger would admit this amendment (judged at the first [0-9]* events, as known on 2023-10-01)$' \
  || fail "the simulation does not say which ledger point judged it"
ctl grant --municipality GM0363 --year 2022 --format digest >"$WORK/online.txt"
ctl balances >"$WORK/balances-before.txt"

kill -TERM "$PID"; wait "$PID"; PID=""
# The projection ledgerd kept across the stop fits the log and equals a rebuild from the log,
# index and answers; the next start restores it instead of reading the log again, and the
# first balances come from the answers it kept, the same as before.
check=$(ctl rebuild-projections --check --data-dir "$WORK/ledger") || fail "kept projection: $check"
has '"answers_stale":0' <<<"$check" || fail "stale answers kept at the stop: $check"
has -E '"answers_equal":[1-9]' <<<"$check" || fail "no answers kept: $check"
events=$(sed -E 's/.*"log_events":([0-9]+).*/\1/' <<<"$check")
has "\"kept_events\":$events" <<<"$check" || fail "the index was not kept to the end: $check"
METRICS_PORT=$(free_port)
start_ledgerd --metrics-listen "127.0.0.1:$METRICS_PORT" --no-idle-refresh
has "\"restored_from_kept\":$events" "$WORK/ledgerd.log" || fail "not restored: $(cat "$WORK/ledgerd.log")"
ctl balances >"$WORK/balances-after.txt"
cmp -s "$WORK/balances-before.txt" "$WORK/balances-after.txt" || fail "balances differ after a restart"
curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" >"$WORK/metrics.txt" || fail "no metrics"
has -E '^booo_projection_kept_answers_total\{result="read"\} [1-9]' "$WORK/metrics.txt" \
  || fail "balances after a restart were not read from the kept answers"
has -E '^booo_projection_cache_lookups_total\{cache="head_grants",result="miss"\} [1-9]' \
  "$WORK/metrics.txt" || fail "the head cache was not empty after the restart"
kill -TERM "$PID"; wait "$PID"; PID=""
# Rebuilt from the log alone, it checks equal again; a start without it reads the whole log.
ctl rebuild-projections --data-dir "$WORK/ledger" | has '"rebuilt":true' || fail "rebuild"
ctl rebuild-projections --check --data-dir "$WORK/ledger" | has '"answers_stale":0' \
  || fail "the rebuilt projection does not check"
ctl export --data-dir "$WORK/ledger" --out "$WORK/ledger.export" >/dev/null
ctl grant --export "$WORK/ledger.export" --municipality GM0363 --year 2022 --format digest \
  >"$WORK/offline.txt"
cmp -s "$WORK/online.txt" "$WORK/offline.txt" || fail "offline derivation differs"
ctl replay-settlement --export "$WORK/ledger.export" --event-id det-2022 | has '^MATCH' \
  || fail "offline settlement replay"
ctl verify --data-dir "$WORK/ledger" | has '"verified":true' || fail "ledger did not verify"
echo "1 passed, 0 failed"

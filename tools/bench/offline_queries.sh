#!/usr/bin/env bash
# Offline queries on an export: the first call verifies the whole export and writes its
# verified index (EXPORT.verified); later calls check the index's binding (the export's SHA-256)
# and skip the verification. Prints one line per call: wall time and peak memory.
#   tools/bench/offline_queries.sh DATA_DIR [MUNICIPALITY]
# DATA_DIR: a ledger data directory (tools/bench.sh generates one; BENCH_DATA_DIR keeps it).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
data="$1"; code="${2:-GM0001}"
"$root/tools/build.sh" ledgerctl >/dev/null
ctl="$root/build/tools/ledgerctl"
work="$(mktemp -d /tmp/booo-offline.XXXXXX)"
trap 'rm -rf "$work"' EXIT
events=$("$ctl" export --data-dir "$data" --out "$work/ledger.export" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["exported"])')
echo "offline queries on an export of $events events, $(du -m "$work/ledger.export" | cut -f1) MB"
run() {
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$ctl" "$@" --export "$work/ledger.export" \
    >/dev/null 2>"$work/err"
  read -r seconds kib <"$work/time"
  printf '| %-52s | %8.2f s | %6d MiB | %s\n' "$label" "$seconds" "$((kib / 1024))" \
    "$(grep -o 'verified before\|verified; index written' "$work/err" | head -1)"
}
run "balances, first call (verifies, writes the index)" balances --year 2024
run "balances, second call (index)" balances --year 2024
run "balances, third call (index)" balances --year 2024
run "grant $code 2024, top of the trace (index)" grant --municipality "$code" --year 2024 \
  --trace-depth 1
run "signals $code (index)" signals --municipality "$code" --as-of 2026-01-01

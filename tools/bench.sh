#!/usr/bin/env bash
# The benchmark command. Installs what it needs (PostgreSQL for the baseline included), builds,
# generates a national ledger unless BENCH_DATA_DIR already holds one, and prints the figures
# beside their targets: the ledger's (booo_bench), then the PostgreSQL baseline with the ratios.
# The table goes to tools/bench/latest.md; tools/bench/RESULTS.md keeps the record.
#   tools/bench.sh                                   # daily declarations: ~2.3 million events
#   tools/bench.sh --locations 2700                  # ~3.0 million events
#   tools/bench.sh --locations 9000                  # ~10.1 million events (generation ~45 min)
#   tools/bench.sh --days-per-declaration 30         # ~117 thousand events, minutes
# Arguments go to the generator (ledger_loadgen). BENCH_DATA_DIR=dir keeps the ledger there
# (and reuses it on the next run); BENCH_NO_BASELINE=1 skips PostgreSQL; BENCH_GRANT_CALLS=N
# sets the warm GetGrant calls (default 1,000; at 10 million events most whole traces no
# longer fit the memory budget and each call computes again: 100 keeps that part under an
# hour).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/tools/install-deps.sh" --with-postgresql
"$root/tools/build.sh" booo_bench booo_pg_export ledger_loadgen ledgerd ledgerctl \
  booo_cluster_bench cluster_load
cd "$root"
temporary=""
data="${BENCH_DATA_DIR:-}"
if [ -z "$data" ]; then
  temporary="$(mktemp -d /tmp/booo-bench.XXXXXX)"
  data="$temporary/ledger"
fi
trap '[ -z "$temporary" ] || rm -rf "$temporary"' EXIT
if [ ! -e "$data/CURRENT" ]; then
  echo "bench: generating the national ledger in $data"
  /usr/bin/time -f "generated in %e s, peak memory %M KiB" \
    build/tools/ledger_loadgen --data-dir "$data" --rulebook-dir replay/rulebook "$@"
fi
out=tools/bench/latest.md
build/tools/booo_bench --data-dir "$data" --rulebook-dir replay/rulebook --compact --out "$out" \
  --grant-calls "${BENCH_GRANT_CALLS:-1000}"
if [ -z "${BENCH_NO_BASELINE:-}" ]; then
  # shellcheck disable=SC1090
  . "$out.figures"
  echo
  tools/bench/postgres_baseline.sh "$data" "$appends_per_s" "$grant_warm_p50_ms" \
    "$grant_warm_p99_ms" | tee "$out.baseline"
  { echo; cat "$out.baseline"; } >> "$out"
  rm -f "$out.baseline"
fi
rm -f "$out.figures"
# Offline queries on an export of the same ledger: the first call verifies it and writes its
# verified index, later calls use the index.
{ echo; tools/bench/offline_queries.sh "$data"; } | tee -a "$out"
{ echo; tools/bench/tiles_and_witnesses.sh "$data"; } | tee -a "$out"
{ echo; tools/bench/cluster.sh "$data"; } | tee -a "$out"
echo "bench: the table is in $out"

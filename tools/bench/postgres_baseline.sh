#!/usr/bin/env bash
# The PostgreSQL baseline, beside the ledger's own figures (tools/bench.sh runs it).
#   tools/bench/postgres_baseline.sh DATA_DIR [BOOO_APPENDS_PER_S BOOO_GRANT_P50_MS BOOO_GRANT_P99_MS]
# Starts Debian's PostgreSQL 15 server on loopback in a temporary directory (fsync and
# synchronous_commit on, as the ledger fsyncs), loads the same events (booo_pg_export) into a
# plain append-only table with a hash chain, checks that the SQL grant equals the ledger's own
# figure for a sample, then measures with pgbench: appends from 64 concurrent clients, and the
# grant query's latency (p50/p99, warm). Prints a Markdown table; with the ledger's figures,
# the ratios too. Needs the build's booo_pg_export and the postgresql package.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
data_dir="$1"
booo_appends="${2:-}"
booo_p50="${3:-}"
booo_p99="${4:-}"
bin=/usr/lib/postgresql/15/bin
clients="${PG_CLIENTS:-64}"
seconds="${PG_SECONDS:-20}"

work="$(mktemp -d /tmp/booo-pg.XXXXXX)"
port=$((20000 + RANDOM % 20000))
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$work"
  as_pg=(runuser -u postgres --)
fi
stop() {
  "${as_pg[@]}" "$bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop EXIT

"$root/build/tools/booo_pg_export" --data-dir "$data_dir" --out-dir "$work/export" >&2
chmod -R a+rX "$work/export"
"${as_pg[@]}" "$bin/initdb" -D "$work/data" -A trust -U postgres >/dev/null
"${as_pg[@]}" "$bin/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $work -c max_connections=200 \
      -c shared_buffers=2GB -c fsync=on -c synchronous_commit=on \
      -c max_wal_size=8GB -c checkpoint_timeout=30min" start >/dev/null
psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres)
"${psql[@]}" -c "CREATE DATABASE booo" >/dev/null
db=("${psql[@]}" -d booo)
"${db[@]}" -f "$root/tools/bench/postgres/schema.sql" >/dev/null
load_start=$(date +%s.%N)
"${db[@]}" -c "\\copy events FROM '$work/export/events.csv' WITH (FORMAT csv)"
"${db[@]}" -c "\\copy goo_norm FROM '$work/export/goo_norm.csv' WITH (FORMAT csv)"
"${db[@]}" -c "\\copy expected FROM '$work/export/expected.csv' WITH (FORMAT csv)"
"${db[@]}" -f "$root/tools/bench/postgres/after_load.sql" >/dev/null
load_s=$(echo "$(date +%s.%N) - $load_start" | bc)
events=$("${db[@]}" -At -c "SELECT count(*) FROM events")
pg_bytes=$("${db[@]}" -At -c "SELECT pg_database_size('booo')")

# The same figure as the ledger's, or the comparison means nothing.
mismatches=0
while IFS=, read -r code year cents; do
  m=$((10#${code#GM}))
  got=$("${db[@]}" -At -v m="$m" -v y="$year" -f "$root/tools/bench/postgres/grant.sql")
  if [ "$got" != "$cents" ]; then
    echo "postgres_baseline: $code $year: SQL gives $got cents, the ledger $cents" >&2
    mismatches=$((mismatches + 1))
  fi
done < "$work/export/expected.csv"
if [ "$mismatches" -ne 0 ]; then
  echo "postgres_baseline: the SQL grant differs from the ledger's in $mismatches cases" >&2
  exit 1
fi
checked=$(wc -l < "$work/export/expected.csv")

# Appends: a realistic signed place declaration, a fresh event id each time.
"${db[@]}" -At -c "SELECT format('SELECT append_event(''bench-'' || nextval(''bench_ids''), %L, %L::jsonb, %L::bytea, %L::bytea);', stream, body::text, body_bytes, signature) FROM events WHERE body ? 'gooPlacesDeclared' LIMIT 1" > "$work/append.sql"
pgbench=("$bin/pgbench" -n -h 127.0.0.1 -p "$port" -U postgres)
cd "$work"
append_tps=$("${pgbench[@]}" -c "$clients" -j 2 -T "$seconds" -f "$work/append.sql" booo 2>/dev/null |
  awk '/^tps =/ {print $3; exit}')
{ echo '\set m random(1, 5)'; echo '\set y random(2022, 2024)'; cat "$root/tools/bench/postgres/grant.sql"; } > "$work/grant_bench.sql"
"${pgbench[@]}" -c 1 -T 3 -f "$work/grant_bench.sql" booo >/dev/null 2>&1  # warm up
rm -f "$work"/pgbench_log.*
"${pgbench[@]}" -c 1 -T 10 -l -f "$work/grant_bench.sql" booo >/dev/null 2>&1
# pgbench's per-transaction log: the third field is the latency in microseconds.
read -r grant_p50 grant_p99 < <(cat "$work"/pgbench_log.* | awk '{print $3}' | sort -n |
  awk '{v[NR]=$1} END {printf "%.2f %.2f\n", v[int(NR*0.5+0.5)]/1000, v[int(NR*0.99+0.5)]/1000}')

ratio() { [ -n "$1" ] && [ -n "$2" ] && echo "$1 $2" | awk '{printf "%.1f×", $1/$2}' || echo "-"; }
echo "| PostgreSQL 15 baseline ($events events, $checked grants checked equal to the ledger's) | measured | the ledger's advantage |"
echo "|---|---|---|"
echo "| bulk load (COPY, indexes, analyze) | $(printf '%.0f' "$load_s") s | |"
echo "| disk bytes per event | $((pg_bytes / events)) | |"
echo "| appends, $clients clients, fsync'd, hash chain, no signature check | $(printf '%.0f' "$append_tps") events/s | $(ratio "$booo_appends" "$append_tps") |"
echo "| grant query (GOO norm amount in SQL), warm, p50 / p99 | $grant_p50 / $grant_p99 ms | p50 $(ratio "$grant_p50" "$booo_p50") faster, p99 $(ratio "$grant_p99" "$booo_p99") faster |"

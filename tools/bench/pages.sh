#!/usr/bin/env bash
# The HTML pages at national scale: a municipality's dossier (every declaration of a whole year,
# each with its inclusion proof), the balances of all municipalities and the rule timeline.
# Prints for each page its size, the time ledgerctl takes to write it and the time Chromium takes
# to open it (for the dossier: until its verification is done), and the dossier's verdict.
#   tools/bench/pages.sh DATA_DIR [MUNICIPALITY] [YEAR]
# DATA_DIR: a ledger data directory from ledger_loadgen (tools/bench.sh generates one;
# BENCH_DATA_DIR keeps it). Its determinations are drawn at random, so the dossier says MISMATCH.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
data="$1"; code="${2:-GM0001}"; year="${3:-2023}"
"$root/tools/build.sh" ledgerctl ledgerd >/dev/null
ctl="$root/build/tools/ledgerctl"
work="$(mktemp -d /tmp/booo-pages.XXXXXX)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$root/build/services/ledgerd" --data-dir "$data" --listen "127.0.0.1:$port" \
  --checkpoint-key "$data/checkpoint.key" --plaintext-for-development 2>"$work/ledgerd.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
export BOOO_TRUST_STORE="$work/trust"
for _ in $(seq 1 600); do "$ctl" --server "127.0.0.1:$port" checkpoint >/dev/null 2>&1 && break; sleep 0.5; done
timed() {
  local label="$1" file="$2"; shift 2
  /usr/bin/time -f "%e %M" -o "$work/time" "$ctl" --server "127.0.0.1:$port" "$@" --out "$file" \
    >"$work/out" 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  read -r seconds kib <"$work/time"
  printf '| %-34s | %7.1f MB | %7.2f s | %5d MiB |' "$label" \
    "$(python3 -c "import os; print(os.path.getsize('$file') / 1e6)")" "$seconds" "$((kib / 1024))"
}
(cd "$root/tests/browser" && [ -d node_modules ] || PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
echo "| page | size | ledgerctl writes it | peak memory | Chromium opens it |"
echo "|---|---|---|---|---|"
for spec in "dossier $code $year|$work/dossier.html|dossier --determination $code-determination-$year" \
            "balances $year, all municipalities|$work/balances.html|report balances --year $year" \
            "rules|$work/rules.html|report rules"; do
  IFS='|' read -r label file args <<<"$spec"
  # shellcheck disable=SC2086
  timed "$label" "$file" $args
  IFS=$'\t' read -r _ ms verdict < <(node "$root/tests/browser/page_timing.mjs" "$file")
  printf ' %6.2f s (%s) |\n' "$(python3 -c "print($ms / 1000)")" "$verdict"
done
grep -o '"events":[0-9]*' <("$ctl" --server "127.0.0.1:$port" dossier \
  --determination "$code-determination-$year" --out "$work/again.html") | sed 's/"events":/dossier events: /'

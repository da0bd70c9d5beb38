#!/usr/bin/env bash
# The spreadsheet import at size: ROWS rows of GOO place declarations (default 100,000) for
# one municipality, imported by ledgerctl into a fresh ledger served by ledgerd (fsync'd, the
# default 256 rows per batch), then imported again (a no-op), then checked with --dry-run.
# Prints one line per run: wall time, rows per second and ledgerctl's peak memory.
#   tools/bench/import.sh [ROWS]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rows="${1:-100000}"
"$root/tools/build.sh" ledgerd ledgerctl >/dev/null
ctl="$root/build/tools/ledgerctl"
work="$(mktemp -d /tmp/booo-import.XXXXXX)"
export BOOO_TRUST_STORE="$work/trust"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
c() { "$ctl" --server "127.0.0.1:$port" "$@"; }
for k in ministry gm; do c keygen --out "$work/$k" >/dev/null; done
c init --data-dir "$work/ledger" --root-key "$work/ministry.key" --origin bench/import \
  --checkpoint-key-name bench >/dev/null
"$root/build/services/ledgerd" --data-dir "$work/ledger" --listen "127.0.0.1:$port" \
  --plaintext-for-development --max-requests-per-second 0 2>"$work/ledgerd.log" &
pid=$!
for _ in $(seq 1 100); do c checkpoint >/dev/null 2>&1 && break; sleep 0.1; done
c register-key --signer "$work/ministry.key" --public-key "$work/gm.pub" --role municipality \
  --municipality GM0363 >/dev/null
# Dutch Excel's layout: ';', day-first dates; a location per 1,000 rows, a day per row.
python3 - "$work/plaatsen.csv" "$rows" <<'PY'
import datetime, sys
path, rows = sys.argv[1], int(sys.argv[2])
start = datetime.date(2022, 3, 1)
with open(path, "w") as f:
    f.write("Gemeentecode;Locatie;Type opvang;Periode van;Periode t/m;Plaatsen;Ontvangstdatum\n")
    for i in range(rows):
        d = start + datetime.timedelta(days=i % 1000)
        s = d.strftime("%d-%m-%Y")
        r = (d + datetime.timedelta(days=30)).strftime("%d-%m-%Y")
        f.write(f"GM0363;LOC-{i // 1000:04d};hotel;{s};{s};{1 + i % 120};{r}\n")
PY
echo "import of $rows rows ($(du -k "$work/plaatsen.csv" | cut -f1) KiB of CSV), ledgerd fsync'd"
run() {
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$ctl" --server "127.0.0.1:$port" import \
    --kind goo-places --csv "$work/plaatsen.csv" --key "$work/gm.key" "$@" \
    >"$work/out" 2>"$work/err" || { cat "$work/out" "$work/err"; exit 1; }
  read -r seconds kib <"$work/time"
  printf '| %-34s | %7.1f s | %7.0f rows/s | %4d MiB | %s\n' "$label" "$seconds" \
    "$(python3 -c "print($rows / max($seconds, 0.01))")" "$((kib / 1024))" "$(sed -n 2p "$work/out")"
}
run "import (every row appended)"
run "import again (every row a no-op)"
run "--dry-run (every row looked up)" --dry-run

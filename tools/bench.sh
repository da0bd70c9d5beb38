#!/usr/bin/env bash
# The benchmark command: builds booo_bench, generates a national ledger (daily place
# declarations by default: about 3 million events; pass --days-per-declaration N to scale down)
# and prints the figures beside their targets, writing them to tools/bench/latest.md (tools/bench/RESULTS.md keeps the record).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/tools/install-deps.sh"
"$root/tools/build.sh" booo_bench
cd "$root"
build/tools/booo_bench --generate --rulebook-dir replay/rulebook --out tools/bench/latest.md "$@"

#!/usr/bin/env bash
# Regenerates the golden ledger (tests/golden/ledger-v1, its checkpoint and expected figures)
# with this version. Read tests/golden/README.md first: regenerating is right only when a
# version deliberately starts a new golden ledger (ledger-v2 beside v1), never to make a
# failing golden test pass.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
"$root/tools/build.sh" ledger_loadgen golden_ledger_test
work="$(mktemp -d /tmp/booo-golden.XXXXXX)"
trap 'rm -rf "$work"' EXIT
"$root/build/tools/ledger_loadgen" --data-dir "$work/ledger" --rulebook-dir "$root/replay/rulebook" \
  --municipalities 3 --locations 6 --days-per-declaration 30 --last-day 2024-12-31 \
  --signing-threads 1 --compact
BOOO_GOLDEN_FROM="$work/ledger" "$root/build/tests/golden_ledger_test" \
  --gtest_filter='GoldenLedgerWrite.*'
echo "make_golden: wrote $root/tests/golden/ledger-v1*"

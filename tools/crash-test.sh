#!/usr/bin/env bash
# The crash test at length: a real ledgerd under signed load from several clients, killed with
# SIGKILL at random moments, restarted and checked each time (tests/crash/crash_test.cc says
# what is checked). Prints the counts; exit 0 only when nothing acknowledged was lost.
#   tools/crash-test.sh                       # 50 crashes, at most 10 minutes
#   tools/crash-test.sh --crashes 200 --max-seconds 1800 --clients 8 --seed 7
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/tools/install-deps.sh"
"$root/tools/build.sh" booo_crash_test ledgerd ledgerctl
work="$(mktemp -d /tmp/booo-crash.XXXXXX)"
trap 'rm -rf "$work"' EXIT
"$root/build/tests/booo_crash_test" --ledgerd "$root/build/services/ledgerd" \
  --ledgerctl "$root/build/tools/ledgerctl" --work-dir "$work/run" \
  --crashes 50 --max-seconds 600 "$@"

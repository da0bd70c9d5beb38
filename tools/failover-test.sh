#!/usr/bin/env bash
# The cluster's failover test at length: three etcd members and three ledgerd nodes on loopback
# under signed load, the primary SIGKILLed at random moments FAILOVERS times (100 by default),
# then a stalled primary, a lost etcd member, a switchover and a lost mirror; every check of
# tests/cluster/failover_end_to_end.sh after it (nothing acknowledged lost, every event once, no
# forked checkpoint, every node verifies). Prints the kill-to-first-acknowledgement times.
#   tools/failover-test.sh                 # 100 failovers, about 13 minutes
#   tools/failover-test.sh --failovers 20
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
failovers=100
while [ $# -gt 0 ]; do
  case "$1" in
    --failovers) failovers="$2"; shift 2 ;;
    *) echo "usage: $0 [--failovers N]" >&2; exit 2 ;;
  esac
done
"$root/tools/install-deps.sh"
"$root/tools/build.sh" ledgerd ledgerctl cluster_load
FAILOVERS="$failovers" "$root/tests/cluster/failover_end_to_end.sh" "$root/build/services/ledgerd" \
  "$root/build/tools/ledgerctl" "$root/build/tests/cluster_load" 2> >(grep -v '^{' >&2)

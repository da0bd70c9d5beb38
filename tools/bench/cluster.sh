#!/usr/bin/env bash
# The cluster's figures (tools/bench.sh runs it on its national ledger): appends and p99 with
# 0, 1 and 2 sync mirrors against a standalone ledgerd; a mirror's catch-up against the Ed25519
# ceiling; GetGrant and ListBalances over three nodes against one (booo_cluster_bench); and the
# failover time, kill to first acknowledged append, over 20 failovers (tools/failover-test.sh).
# Usage: tools/bench/cluster.sh DATA_DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
data="$1"
"$root/tools/build.sh" booo_cluster_bench ledgerd ledgerctl cluster_load >/dev/null
work="$(mktemp -d /tmp/booo-cluster-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
echo "### Cluster"
echo
"$root/build/tools/booo_cluster_bench" --data-dir "$data" --work-dir "$work" 2>/dev/null
echo
echo '| failover (20 SIGKILLs of the primary under load, lease TTL 2 s) | kill to first acknowledged append |'
echo '|---|---|'
FAILOVERS=20 "$root/tests/cluster/failover_end_to_end.sh" "$root/build/services/ledgerd" \
  "$root/build/tools/ledgerctl" "$root/build/tests/cluster_load" 2>/dev/null \
  | sed -n 's/.*"kill_to_first_ack_ms_p50":\([0-9.]*\),"kill_to_first_ack_ms_p99":\([0-9.]*\).*/| p50 \/ p99 | \1 ms \/ \2 ms |/p'

#!/usr/bin/env bash
# A cluster under signed load while machines fail: three etcd members and three ledgerd nodes
# on loopback (--sync-mirrors 1). It SIGKILLs the primary FAILOVERS times (at random moments),
# SIGSTOPs the primary past its lease and wakes it, SIGKILLs an etcd member and a mirror, then
# checks what the clients were told (tests/cluster/cluster_load.cc check): every acknowledged
# event on the final primary at its receipt's sequence and leaf hash; every event sent in the
# log exactly once; no two checkpoints of one size with different roots from any node; every
# checkpoint a root of the final tree; and `ledgerctl verify` on every node's directory.
# Usage: failover_end_to_end.sh LEDGERD LEDGERCTL CLUSTER_LOAD   (env FAILOVERS, default 3;
# tools/failover-test.sh runs it at length)
set -euo pipefail
LEDGERD="$1"; CTL="$2"; LOAD="$3"
FAILOVERS="${FAILOVERS:-3}"
LEASE=2
WORK="$(mktemp -d)"
export BOOO_TRUST_STORE="$WORK/trust"
declare -a EPID NPID
cleanup() {
  for p in "${NPID[@]:-}" "${EPID[@]:-}" "${LOADPID:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  for p in "${NPID[@]:-}"; do [ -n "$p" ] && kill -CONT "$p" 2>/dev/null || true; done
  if [ "${KEEP:-}" = "" ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for i in 1 2 3; do echo "--- n$i"; tail -20 "$WORK/n$i.log" >&2; done; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# etcd: three members.
declare -a CPORT PPORT
for i in 1 2 3; do CPORT[$i]=$(free_port); PPORT[$i]=$(free_port); done
INITIAL="e1=http://127.0.0.1:${PPORT[1]},e2=http://127.0.0.1:${PPORT[2]},e3=http://127.0.0.1:${PPORT[3]}"
start_etcd() {
  local i=$1
  etcd --name "e$i" --data-dir "$WORK/etcd$i" \
    --listen-client-urls "http://127.0.0.1:${CPORT[$i]}" --advertise-client-urls "http://127.0.0.1:${CPORT[$i]}" \
    --listen-peer-urls "http://127.0.0.1:${PPORT[$i]}" --initial-advertise-peer-urls "http://127.0.0.1:${PPORT[$i]}" \
    --initial-cluster "$INITIAL" --initial-cluster-token booo-test --initial-cluster-state new \
    >"$WORK/etcd$i.log" 2>&1 &
  EPID[$i]=$!
}
for i in 1 2 3; do start_etcd $i; done
ETCD="127.0.0.1:${CPORT[1]},127.0.0.1:${CPORT[2]},127.0.0.1:${CPORT[3]}"
for _ in $(seq 1 100); do
  ETCDCTL_API=3 etcdctl --endpoints "$ETCD" endpoint health >/dev/null 2>&1 && break; sleep 0.1
done

# The ledger: created on n1; n2 and n3 start empty and copy it.
"$CTL" keygen --out "$WORK/ministry" >/dev/null
"$CTL" init --data-dir "$WORK/n1" --root-key "$WORK/ministry.key" --origin cluster.test/ledger >/dev/null
for i in 2 3; do mkdir -p "$WORK/n$i"; cp "$WORK/n1/checkpoint.key" "$WORK/n$i/"; done
declare -a NPORT
for i in 1 2 3; do NPORT[$i]=$(free_port); done
NODES="127.0.0.1:${NPORT[1]},127.0.0.1:${NPORT[2]},127.0.0.1:${NPORT[3]}"
start_node() {
  local i=$1
  "$LEDGERD" --data-dir "$WORK/n$i" --listen "127.0.0.1:${NPORT[$i]}" --plaintext-for-development \
    --etcd "$ETCD" --node-name "n$i" --cluster-size 3 --sync-mirrors 1 --lease-ttl $LEASE \
    --sync-timeout 2 >>"$WORK/n$i.log" 2>&1 &
  NPID[$i]=$!
}
for i in 1 2 3; do start_node $i; done
status() { "$LOAD" status --nodes "$NODES"; }
primary_index() {
  local line
  line=$(status | awk '$2=="primary"{print $1}' | head -1)
  for i in 1 2 3; do [ "$line" = "127.0.0.1:${NPORT[$i]}" ] && echo $i && return; done
  echo ""
}
wait_primary() {  # prints the index of a primary other than $1, waiting up to 30 s
  for _ in $(seq 1 300); do
    p=$(primary_index); if [ -n "$p" ] && [ "$p" != "${1:-}" ]; then echo "$p"; return; fi; sleep 0.1
  done
  status >&2; fail "no new primary within 30 s"
}
P=$(wait_primary)
echo "primary: n$P"

SECONDS_OF_LOAD=$(( 12 + FAILOVERS * 7 ))
"$LOAD" run --nodes "$NODES" --root-key "$WORK/ministry.key" --seconds $SECONDS_OF_LOAD --clients 4 \
  --out "$WORK" >"$WORK/load.json" 2>"$WORK/load.err" &
LOADPID=$!
sleep 2

for f in $(seq 1 "$FAILOVERS"); do
  sleep "0.$(( RANDOM % 10 ))"
  P=$(primary_index); [ -n "$P" ] || P=$(wait_primary)
  t0=$(date +%s%N)
  kill -9 "${NPID[$P]}"
  echo "$(( t0 / 1000 )) 127.0.0.1:${NPORT[$P]}" >>"$WORK/kills.txt"
  Q=$(wait_primary "$P")
  echo "failover $f: n$P killed, n$Q primary after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  start_node "$P"
  sleep 3
done

# A primary stopped past its lease, then woken: it must acknowledge nothing and rejoin.
P=$(primary_index); [ -n "$P" ] || P=$(wait_primary)
kill -STOP "${NPID[$P]}"
Q=$(wait_primary "$P")
sleep 1
CONT_US=$(( $(date +%s%N) / 1000 ))
kill -CONT "${NPID[$P]}"
STALLED="127.0.0.1:${NPORT[$P]}"
echo "stalled n$P past its lease; n$Q took over"
sleep 3
# An etcd member lost, then back.
kill -9 "${EPID[2]}"; sleep 2; start_etcd 2; echo "etcd member e2 killed and restarted"
# A planned switchover to a mirror, under load.
P=$(primary_index); [ -n "$P" ] || P=$(wait_primary)
T=$(( P % 3 + 1 ))
# The target may still be rejoining (a stalled primary restarts itself as a mirror): the
# switchover is refused until it follows, so it is retried for a while, as an operator would.
for attempt in $(seq 1 60); do
  if "$CTL" --server "127.0.0.1:${NPORT[$P]}" switchover --to "n$T" >"$WORK/switchover.json" \
       2>"$WORK/switchover.err"; then break; fi
  grep -q "is not a mirror following this primary" "$WORK/switchover.err" && [ "$attempt" -lt 60 ] \
    || fail "switchover to n$T failed: $(cat "$WORK/switchover.err")"
  sleep 0.5
done
grep -q "\"new_primary\":\"n$T\"" "$WORK/switchover.json" || fail "switchover: $(cat "$WORK/switchover.json")"
[ "$(primary_index)" = "$T" ] || fail "n$T is not primary after the switchover"
echo "switchover n$P -> n$T: $(cat "$WORK/switchover.json")"
sleep 2
# A mirror lost, then back.
P=$(primary_index); [ -n "$P" ] || P=$(wait_primary)
M=$(( P % 3 + 1 ))
kill -9 "${NPID[$M]}"; sleep 1; start_node "$M"; echo "mirror n$M killed and restarted"

wait "$LOADPID" || { cat "$WORK/load.err" >&2; fail "the load failed"; }
LOADPID=""
cat "$WORK/load.json"
sleep 3
status
"$LOAD" check --nodes "$NODES" --out "$WORK" || fail "the clients were told something the cluster does not hold"
# The stalled primary acknowledged nothing after it woke (until it was primary again, if ever:
# it restarts as a mirror first, so no acknowledgement from it within 2 s of waking).
late=$(awk -v t="$CONT_US" -v a="$STALLED" '$5 == a && $4 > t && $4 < t + 2000000' "$WORK/receipts.txt" | wc -l)
[ "$late" = 0 ] || fail "the stalled primary acknowledged $late appends after it woke"
P=$(primary_index)
"$CTL" --server "127.0.0.1:${NPORT[$P]}" cluster status >"$WORK/status.json"
[ "$(grep -o '"role":"primary"' "$WORK/status.json" | wc -l)" = 1 ] && \
  [ "$(grep -o '"role":"mirror"' "$WORK/status.json" | wc -l)" = 2 ] || fail "cluster status: $(cat "$WORK/status.json")"
# Failover time: from each kill to the first append acknowledged after it by another node (an
# answer the killed node sent just before may arrive just after).
if [ -s "$WORK/kills.txt" ]; then
  while read -r k killed; do
    awk -v k="$k" -v killed="$killed" '$4 > k && $5 != killed { if (m == "" || $4 < m) m = $4 }
      END { if (m != "") print (m - k) / 1000 }' "$WORK/receipts.txt"
  done <"$WORK/kills.txt" | sort -n >"$WORK/failover_ms.txt"
  n=$(wc -l <"$WORK/failover_ms.txt")
  p50=$(sed -n "$(( (n + 1) / 2 ))p" "$WORK/failover_ms.txt")
  p99=$(sed -n "$(( (n * 99 + 99) / 100 ))p" "$WORK/failover_ms.txt")
  echo "{\"failovers\":$n,\"kill_to_first_ack_ms_p50\":$p50,\"kill_to_first_ack_ms_p99\":$p99}"
fi
# A new mirror from a verified backup (ledgerctl backup, restore) catches up with the primary.
"$CTL" --server "127.0.0.1:${NPORT[$P]}" backup --out "$WORK/backup" \
  --checkpoint-key "$WORK/n1/checkpoint.vkey" | grep -q '"verified":true' || fail "backup"
"$CTL" restore --from "$WORK/backup" --data-dir "$WORK/n4" \
  --checkpoint-key "$WORK/n1/checkpoint.vkey" >/dev/null || fail "restore"
cp "$WORK/n1/checkpoint.key" "$WORK/n4/"
N4PORT=$(free_port)
"$LEDGERD" --data-dir "$WORK/n4" --listen "127.0.0.1:$N4PORT" --plaintext-for-development \
  --node-name n4 --follow "127.0.0.1:${NPORT[$P]}" >"$WORK/n4.log" 2>&1 &
NPID[4]=$!
PSIZE=$("$LOAD" status --nodes "127.0.0.1:${NPORT[$P]}" | awk '{print $4}')
for _ in $(seq 1 200); do
  [ "$("$LOAD" status --nodes "127.0.0.1:$N4PORT" | awk '{print $4}')" = "$PSIZE" ] && break; sleep 0.1
done
[ "$("$LOAD" status --nodes "127.0.0.1:$N4PORT" | awk '{print $4}')" = "$PSIZE" ] || fail "n4 did not catch up"

# Every node's directory verifies offline.
for i in 1 2 3 4; do kill "${NPID[$i]}"; done
for i in 1 2 3 4; do wait "${NPID[$i]}" 2>/dev/null || true; done
NPID=()
for i in 1 2 3 4; do
  "$CTL" verify --data-dir "$WORK/n$i" | grep -q '"verified":true' || fail "n$i does not verify"
done
echo "failover end-to-end: passed ($FAILOVERS failovers)"

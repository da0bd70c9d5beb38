#!/bin/sh
# The role-label sidecar of ledgerd-cluster.yaml: once a second, asks its own ledgerd for its
# role (over mTLS, as the node's mirror key) and keeps the pod label booo-ledger/role equal to
# it, so that the ledgerd-write Service reaches only the primary. It patches its own pod only
# (the Role in ledgerd-cluster.yaml allows no more).
API=https://kubernetes.default.svc
SA=/var/run/secrets/kubernetes.io/serviceaccount
last=""
while true; do
  role=$(ledgerctl --server 127.0.0.1:50051 --tls-ca /tls/ca.crt --tls-cert /tls/mirror.crt \
           --tls-key /tls/mirror.key --tls-server-name "$POD_NAME" cluster status --node-only 2>/dev/null \
         | sed -n 's/.*"role":"\([a-z]*\)".*/\1/p')
  [ -n "$role" ] || role=unknown
  if [ "$role" != "$last" ]; then
    curl -sf --cacert "$SA/ca.crt" -H "Authorization: Bearer $(cat "$SA/token")" \
      -H 'Content-Type: application/merge-patch+json' -X PATCH \
      -d "{\"metadata\":{\"labels\":{\"booo-ledger/role\":\"$role\"}}}" \
      "$API/api/v1/namespaces/$POD_NAMESPACE/pods/$POD_NAME" >/dev/null && last="$role"
  fi
  sleep 1
done

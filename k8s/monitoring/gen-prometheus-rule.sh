#!/usr/bin/env bash
# Prints prometheus-rule.yaml: alerts.yaml's groups wrapped as a PrometheusRule for the
# Prometheus Operator, byte for byte (only indented), so the two cannot say different things.
#   k8s/monitoring/gen-prometheus-rule.sh > k8s/monitoring/prometheus-rule.yaml
# tests/ops/alerts_test.sh regenerates it and fails on any difference.
set -euo pipefail
rules="$(dirname "$0")/alerts.yaml"
cat <<'HEADER'
# GENERATED from alerts.yaml by gen-prometheus-rule.sh: edit alerts.yaml, then run
#   k8s/monitoring/gen-prometheus-rule.sh > k8s/monitoring/prometheus-rule.yaml
# The Prometheus Operator loads a PrometheusRule whose labels match its ruleSelector (with
# kube-prometheus-stack: `release: <the Helm release>`): add that label where you apply it,
# e.g. `kubectl label -f prometheus-rule.yaml release=monitoring --local -o yaml | kubectl apply -f -`.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: booo-ledger
  labels:
    app: ledgerd
    app.kubernetes.io/part-of: booo-ledger
spec:
HEADER
# alerts.yaml from its `groups:` line on (its header comment stays there), two spaces in.
awk 'started || /^groups:/ { started = 1; if ($0 == "") print ""; else print "  " $0 }' "$rules"

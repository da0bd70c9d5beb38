#!/usr/bin/env bash
# Validates the Kubernetes manifests in k8s/ offline: renders k8s/base and every overlay (with
# tests/ops/manifests/render.js, a kustomize subset, and with `kubectl kustomize` too when a
# kubectl is installed), checks every object against the Kubernetes schemas (npm kubernetes-models,
# @kubernetes-models/prometheus-operator), for misspelt fields (TypeScript over the same models),
# and against the project's rules (hardening, resources, probes on the health port, the
# NetworkPolicy, the exposed ports, the Secret layout). Exits non-zero on any failure.
#
#   tests/ops/validate_manifests.sh              validate
#   tests/ops/validate_manifests.sh --self-test  break the manifests in memory in many ways and
#                                                pass only if every breakage is rejected
#
# Needs Node.js (18 or newer; tested with 20) and npm; installs its npm packages from
# tests/ops/manifests/package-lock.json the first time (npm ci), into tests/ops/manifests/node_modules.
set -euo pipefail
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/manifests" && pwd)"
root="$(cd "$dir/../../.." && pwd)"

command -v node >/dev/null || { echo "validate_manifests: node (Node.js 18 or newer) is missing" >&2; exit 1; }
# Installed packages older than the lock file are installed again.
if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
  command -v npm >/dev/null || { echo "validate_manifests: npm is missing" >&2; exit 1; }
  (cd "$dir" && npm ci --no-audit --no-fund)
fi
exec node "$dir/validate.js" --root "$root" "$@"

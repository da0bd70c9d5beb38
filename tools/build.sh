#!/usr/bin/env bash
# Configures and builds booo-ledger into build/ with Ninja. Two jobs by default: the reference
# machine has two cores and the gRPC headers are heavy. BOOO_JOBS overrides.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
ninja -C build -j "${BOOO_JOBS:-2}" "$@"

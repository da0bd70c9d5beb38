#!/usr/bin/env bash
# The test command: installs dependencies, builds everything, runs the whole test suite.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/tools/install-deps.sh"
"$root/tools/build.sh"
cd "$root/build"
ctest --output-on-failure -j 2 --timeout 600

#!/usr/bin/env bash
# The whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer, in its own build
# directory (build-sanitized/): any leak, out-of-bounds access, use after free or undefined
# behaviour fails the test that caused it. Slower than tools/test.sh (a second full build, and
# the tests run a few times slower), so it is its own command.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/tools/install-deps.sh"
cd "$root"
if [ ! -f build-sanitized/build.ninja ]; then
  cmake -S . -B build-sanitized -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBOOO_SANITIZE=ON
fi
ninja -C build-sanitized -j "${BOOO_JOBS:-2}"
cd build-sanitized
# Leaks in Debian's gRPC and protobuf globals at exit are theirs, not ours: detect_leaks stays
# on, with their one-time allocations suppressed in tools/sanitizer/lsan.supp.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export LSAN_OPTIONS="suppressions=$root/tools/sanitizer/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --output-on-failure -j 2 --timeout 1200 --label-exclude release-only

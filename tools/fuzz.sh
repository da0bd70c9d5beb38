#!/usr/bin/env bash
# The fuzz command: builds the fuzz targets of tests/fuzz/ with clang and libFuzzer (coverage,
# AddressSanitizer, UndefinedBehaviorSanitizer) in build-fuzz/, then fuzzes each for a bounded
# time starting from its corpus in tests/fuzz/corpus/. A crash, a property failure, a leak, a
# timeout (one input over 10 s) or running out of memory fails the command and leaves the input
# in build-fuzz/artifacts/. CI runs it briefly after the test suite.
#   tools/fuzz.sh                     # every target, 60 s each
#   tools/fuzz.sh --seconds 20        # shorter
#   tools/fuzz.sh --merge envelope    # keep what new coverage one target found, in its corpus
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
seconds=60
merge=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --merge) merge=1; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(envelope leaf event_json rule_book checkpoint proof export_verify tile_path witness_request)

"$root/tools/install-deps.sh" --with-fuzz
if [ ! -f build-fuzz/build.ninja ]; then
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++ -DBOOO_FUZZ=ON
fi
ninja -C build-fuzz -j "${BOOO_JOBS:-2}" booo_fuzzers

artifacts="$root/build-fuzz/artifacts"
mkdir -p "$artifacts"
work="$(mktemp -d /tmp/booo-fuzz.XXXXXX)"
trap 'rm -rf "$work"' EXIT
# Leaks in Debian's protobuf and abseil globals are theirs, as in the sanitized test build.
export LSAN_OPTIONS="suppressions=$root/tools/sanitizer/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=0
passed=0
for t in "${targets[@]}"; do
  corpus="tests/fuzz/corpus/$t"
  mkdir -p "$work/$t"
  log="$work/$t.log"
  # New inputs go to the scratch folder (first); the repo's corpus is read only.
  if build-fuzz/tests/fuzz/${t}_fuzzer -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/$t-" \
      "$work/$t" "$corpus" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    found=$(ls "$work/$t" | wc -l)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    echo "fuzz $t: $runs inputs in ${seconds} s, coverage $cov edges, $found new corpus inputs, no failure"
    passed=$((passed + 1))
    if [ "$merge" = 1 ] && [ "$found" -gt 0 ]; then
      build-fuzz/tests/fuzz/${t}_fuzzer -merge=1 "$corpus" "$work/$t" >>"$log" 2>&1
      echo "fuzz $t: corpus now $(ls "$corpus" | wc -l) inputs"
    fi
  else
    echo "fuzz $t: FAILED; the input is in $artifacts/, the log follows"
    tail -n 60 "$log"
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

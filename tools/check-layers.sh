#!/usr/bin/env bash
# The layers and who may use whom, as text: every #include of a project header in a layer's
# sources must name its own layer or one it may use; some layers may not include some outside
# libraries at all. The build enforces the same table through include roots (booo_layer in
# CMakeLists.txt); this check says it in one place, names the offending line, and runs in the
# test suite. Unit tests (*_test.cc) sit beside their layer but may use anything.
# Usage: check-layers.sh [ROOT]    (default: the project root)
#        check-layers.sh --self-test   (shows that a wrong-way include fails the check)
set -euo pipefail

if [ "${1:-}" = "--self-test" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/ledger/core" "$tmp/ledger/storage" "$tmp/replay/calc"
  printf '#include "ledger/core/merkle.h"\n' >"$tmp/ledger/storage/ok.cc"
  if ! "$0" "$tmp" >/dev/null; then echo "self-test: a clean tree failed"; exit 1; fi
  printf '#include "ledger/storage/ledger.h"\n' >"$tmp/ledger/core/upward.cc"
  if "$0" "$tmp" >/dev/null 2>&1; then echo "self-test: an upward include passed"; exit 1; fi
  rm "$tmp/ledger/core/upward.cc"
  printf '#include <mutex>\n' >"$tmp/replay/calc/threads.cc"
  if "$0" "$tmp" >/dev/null 2>&1; then echo "self-test: a mutex in the calculation passed"; exit 1; fi
  echo "check-layers self-test: passed"
  exit 0
fi

root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$root"

# layer: the layers (folders) its sources may include, itself first.
declare -A MAY_USE=(
  [ledger/core]="ledger/core"
  [ledger/storage]="ledger/storage ledger/core"
  [replay/calc]="replay/calc ledger/core"
  [replay/controls]="replay/controls replay/calc ledger/core"
  [replay/projection]="replay/projection replay/controls replay/calc ledger/core"
  [replay/kept]="replay/kept replay/projection replay/controls replay/calc ledger/core"
  [replay/rulebook]="replay/rulebook ledger/core"
  [services/wire]="services/wire replay/projection replay/controls replay/calc ledger/core"
  [services]="services services/wire replay/kept replay/projection replay/controls replay/calc ledger/storage ledger/core"
)
# Outside headers a layer must not include (extended regular expressions on the include).
declare -A MUST_NOT=(
  [ledger/core]='^(rocksdb|grpcpp|grpc)/'
  [replay/calc]='^(rocksdb|grpcpp|grpc|absl/synchronization)/|^(thread|mutex|shared_mutex|condition_variable|future)$'
  [replay/controls]='^(rocksdb|grpcpp|grpc|absl/synchronization)/|^(thread|mutex|shared_mutex|condition_variable|future)$'
  [replay/projection]='^(rocksdb|grpcpp|grpc)/'
  [replay/rulebook]='^(rocksdb|grpcpp|grpc)/'
  [replay/kept]='^(grpcpp|grpc)/'
  [services/wire]='^(rocksdb|grpcpp|grpc)/'
)
PROJECT_DIRS='^(ledger|replay|services|tools|tests)/'

failures=0
for layer in "${!MAY_USE[@]}"; do
  [ -d "$layer" ] || continue
  # Only the layer's own files: services/ is a layer, its subfolders would be their own.
  while IFS= read -r file; do
    case "$file" in *_test.cc) continue ;; esac
    while IFS= read -r line; do
      number="${line%%:*}"
      included=$(sed -E 's/^[0-9]+:#include ["<]([^">]+)[">].*/\1/' <<<"$line")
      if [[ "$included" =~ $PROJECT_DIRS ]]; then
        allowed=0
        for use in ${MAY_USE[$layer]}; do
          [[ "$included" == "$use/"* && "$included" != "$use/"*/* ]] && allowed=1
        done
        if [ "$allowed" = 0 ]; then
          echo "$file:$number: $layer may not include $included (it may use: ${MAY_USE[$layer]})"
          failures=$((failures + 1))
        fi
      elif [ -n "${MUST_NOT[$layer]:-}" ] && [[ "$included" =~ ${MUST_NOT[$layer]} ]]; then
        echo "$file:$number: $layer may not include <$included>"
        failures=$((failures + 1))
      fi
    done < <(grep -nE '^#include ["<]' "$file" || true)
  done < <(find "$layer" -maxdepth 1 -type f \( -name '*.cc' -o -name '*.h' \) | sort)
done
if [ "$failures" -gt 0 ]; then
  echo "check-layers: $failures wrong-way include(s)"
  exit 1
fi
echo "check-layers: every include goes the right way"

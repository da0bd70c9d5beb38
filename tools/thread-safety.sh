#!/usr/bin/env bash
# Clang's thread-safety analysis over every source of the project's layers: the members marked
# ABSL_GUARDED_BY and the functions marked with the locks they require are checked at compile
# time (-Wthread-safety, as errors). GCC, which builds everything else, has no such analysis,
# so this is a syntax-only pass with clang over the compile commands of build/ (run
# tools/build.sh first): no code is generated, and it takes a few minutes on 2 cores.
# Usage: thread-safety.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
"$root/tools/install-deps.sh" --with-fuzz >/dev/null  # clang comes with the fuzz toolchain
[ -f "$build/compile_commands.json" ] || { echo "thread-safety: no $build/compile_commands.json"; exit 1; }
cd "$root"
# First, that the analysis is on: a guarded member read without its lock must fail to compile.
probe=$(mktemp --suffix=.cc)
trap 'rm -f "$probe"' EXIT
cat >"$probe" <<'CC'
#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
struct Probe {
  absl::Mutex mutex;
  int value ABSL_GUARDED_BY(mutex) = 0;
  int Read() { return value; }  // no lock: the analysis must refuse this
};
CC
if clang++ -std=c++20 -fsyntax-only -Wthread-safety -Werror=thread-safety "$probe" 2>/dev/null; then
  echo "thread-safety: the analysis did not catch an unguarded read; is clang's -Wthread-safety on?"
  exit 1
fi
# One line per project source (not tests, not generated code): "file<TAB>flags".
python3 - "$build/compile_commands.json" "$root" >"$build/thread-safety.cmds" <<'PY'
import json, shlex, sys
commands, root = json.load(open(sys.argv[1])), sys.argv[2]
seen = set()
for c in commands:
    f = c["file"]
    if not f.startswith(root + "/") or "/tests/" in f or f.endswith("_test.cc") or "/build" in f:
        continue
    if f in seen:
        continue
    seen.add(f)
    args = shlex.split(c["command"])
    keep = []
    for i, a in enumerate(args):
        if a == "-isystem" and i + 1 < len(args):  # the path is the next argument
            keep += [a, args[i + 1]]
        elif a.startswith(("-I", "-D", "-std=", "-isystem")):
            keep.append(a)
    print(f + "\t" + " ".join(shlex.quote(a) for a in keep))
PY
count=$(wc -l <"$build/thread-safety.cmds")
echo "thread-safety: checking $count sources with clang -Wthread-safety"
failed=0
while IFS=$'\t' read -r file flags; do
  printf '%s\0%s\0' "$file" "$flags"
done <"$build/thread-safety.cmds" | xargs -0 -n 2 -P "${BOOO_JOBS:-2}" sh -c \
  'eval "clang++ -fsyntax-only -Wthread-safety -Werror=thread-safety -Wno-unknown-warning-option $1 \"$0\"" 2>&1 | grep -E "warning|error" && exit 1 || exit 0' \
  || failed=1
if [ "$failed" != 0 ]; then echo "thread-safety: the analysis found problems (above)"; exit 1; fi
echo "thread-safety: $count sources pass"

#!/bin/sh
# The Node client's tests: the declarations type-checked, then node --test against a real
# ledgerd each test file starts itself. Environment (the project's ctest sets them):
#   LEDGERD, LEDGERCTL         the binaries (default: ../../build/services/ledgerd, ../../build/tools/ledgerctl)
#   BOOO_SOURCE_DIR            the repository (default: ../..), for the rule book and the known answers
#   BOOO_KNOWN_ANSWERS_OUT     where the known-answer test writes node.json (optional)
set -eu
cd "$(dirname "$0")"

# Dependencies as package-lock.json pins them, installed again only when the lock changed.
if [ ! -x node_modules/.bin/tsc ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund
  touch node_modules
fi

npx --no-install tsc --noEmit -p test
# test/*.test.js, not test/: node --test would also run the helper module test/server.js.
exec node --test test/*.test.js

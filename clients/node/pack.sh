#!/bin/sh
# Packs the Node library as an npm tarball (booo-ledger-VERSION.tgz) into OUT_DIR (default: the
# current directory), with the ledger's .proto files inside, without writing anything in the
# checkout: the package and proto/booo are copied to a temporary folder and packed there.
#   clients/node/pack.sh /tmp && cd your-project && npm install /tmp/booo-ledger-0.1.0.tgz
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${1:-.}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/src" "$here/examples" "$here/README.md" "$here/package.json" "$work/"
mkdir -p "$work/proto"
cp -r "$here/../../proto/booo" "$work/proto/"
(cd "$work" && npm pack --pack-destination "$out" --loglevel=error)

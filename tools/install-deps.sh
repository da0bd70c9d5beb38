#!/usr/bin/env bash
# Installs what booo-ledger builds with, from Debian 12 packages only. Idempotent: packages
# already present are left alone, so a second run costs a dpkg query.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libabsl-dev libssl-dev
  libgtest-dev libgmock-dev
  nlohmann-json3-dev libcli11-dev
  openssl procps
  # ledgerd, ledgerctl and the benchmark allocate with jemalloc (CMakeLists.txt, BOOO_JEMALLOC).
  libjemalloc-dev
  # The tiles listener and the witnesses speak HTTP with cpp-httplib (and zlib for gzip).
  libcpp-httplib-dev zlib1g-dev
  # The tests: curl and python3's http.server serve and fetch tiles; Go's own sumdb/tlog and
  # sumdb/note (GOPATH mode, no module proxy) check them independently.
  curl python3 golang-go golang-golang-x-mod-dev
  # The cluster: etcd decides who is primary. Its v3 API's .proto files (with gogoproto and the
  # googleapis annotations they import) generate the client stubs; the server and etcdctl run
  # in the cluster tests.
  etcd-server etcd-client golang-etcd-server-dev golang-github-gogo-protobuf-dev
  golang-github-grpc-ecosystem-grpc-gateway-dev
  # Operations: metrics through prometheus-cpp, checked (with the alert rules) by promtool
  # from Debian's Prometheus (and python3-yaml in the rules' test); the OCI image is built with
  # buildah from scratch, with busybox-static's shell for the role-label sidecar.
  prometheus-cpp-dev prometheus python3-yaml buildah busybox-static
  # The HTML pages: ledgerctl dossier --pdf prints with Debian's chromium; tests/browser drives
  # it through puppeteer-core and checks the PDF with poppler-utils (pdfinfo, pdftoppm).
  chromium poppler-utils
  # The Python client (clients/python) and its tests: Debian's gRPC, protobuf and cryptography for
  # python3, pytest; its stubs are generated with protoc's grpc_python_plugin (protobuf-compiler-grpc);
  # mypy checks its type hints.
  python3-grpcio python3-protobuf python3-cryptography python3-pytest python3-mypy
)
# The benchmark (tools/bench.sh) also needs Debian's PostgreSQL server and pgbench (the
# baseline), bc and GNU time.
if [ "${1:-}" = "--with-postgresql" ]; then
  # ... and wrk, the HTTP load generator of the tiles figures.
  PACKAGES+=(postgresql bc time wrk)
fi
# The fuzz command (tools/fuzz.sh) builds with clang and libFuzzer, which is in clang's runtime;
# the thread-safety pass (tools/thread-safety.sh) runs clang too, and reads the compile commands
# with python3.
if [ "${1:-}" = "--with-fuzz" ]; then
  PACKAGES+=(clang libclang-rt-14-dev python3)
fi

# The manifests' validator (npm kubernetes-models) runs on Node.js; the machines come with it
# (and its npm). Debian's packages where they do not.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

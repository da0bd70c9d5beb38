#!/usr/bin/env bash
# The log as C2SP tlog-tiles, checked by an independent implementation: a real ledgerd serves a
# generated ledger on --tiles-listen, and tlogcheck (Go, golang.org/x/mod/sumdb/tlog and note)
# verifies the checkpoint, recomputes the root from the tiles, checks every full tile against
# its parent, proves random leaves from the entry bundles and the consistency of two
# checkpoints. The same on a static `ledgerctl export-tiles` directory served by python's
# http.server, brought up to date incrementally. Then bad HTTP input: each gets its status and
# none reaches the ledger.
# Usage: tiles_end_to_end.sh LEDGERD LEDGERCTL LOADGEN RULEBOOK_DIR
set -euo pipefail
LEDGERD="$1"; CTL="$2"; LOADGEN="$3"; RULEBOOK="$4"
source "$(dirname "$0")/common.sh"
STATIC_PID=""
trap 'cleanup; [ -n "$STATIC_PID" ] && kill "$STATIC_PID" 2>/dev/null; true' EXIT

TPORT=$(free_port)
T="http://127.0.0.1:$TPORT"

# The independent checker, built from source with Debian's Go (GOPATH mode: no module proxy).
CHECK="$WORK/tlogcheck"
( cd "$here/../.." && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$WORK/gocache" \
    GOFLAGS=-mod=mod go build -o "$CHECK" ./tests/interop/tlogcheck ) \
  || fail "tlogcheck does not build"

# A generated ledger of some 1,700 events: full and partial tiles at levels 0 and 1.
"$LOADGEN" --data-dir "$WORK/ledger" --rulebook-dir "$RULEBOOK" --municipalities 8 --locations 16 \
  --days-per-declaration 5 --first-day 2022-03-01 --last-day 2023-06-30 >/dev/null
VKEY="$WORK/ledger/checkpoint.vkey"
start_ledgerd --tiles-listen "127.0.0.1:$TPORT"
for _ in $(seq 1 50); do curl -sf "$T/checkpoint" >/dev/null && break; sleep 0.1; done
ORIGIN=$(curl -sf "$T/checkpoint" | head -n 1)

out=$("$CHECK" -url "$T" -vkey-file "$VKEY" -origin "$ORIGIN" -all-tiles -samples 32 \
        -save-checkpoint "$WORK/first.note") || fail "tlogcheck on ledgerd: $out"
has '"full_tiles_checked_against_parent":[1-9]' <<<"$out" || fail "no parent checks: $out"
size1=$(sed -E 's/.*"tree_size":([0-9]+).*/\1/' <<<"$out")

# The log grows past a bundle boundary; the new tree is consistent with the first checkpoint.
for i in $(seq 1 70); do
  ctl keygen --out "$WORK/k$i" >/dev/null
  ctl register-key --signer "$WORK/ledger/ministry.key" --public-key "$WORK/k$i.pub" \
    --role auditor >/dev/null
done
out=$("$CHECK" -url "$T" -vkey-file "$VKEY" -all-tiles -old-checkpoint "$WORK/first.note" \
        -save-checkpoint "$WORK/second.note") || fail "tlogcheck after growth: $out"
has "\"consistency_from\":$size1" <<<"$out" || fail "no consistency check from $size1: $out"

# The same tree as static files, served by a plain web server.
ctl export-tiles --out "$WORK/static" --checkpoint-key "$VKEY" >/dev/null
for f in $(cd "$WORK/static" && find tile -type f); do
  curl -sf "$T/$f" | cmp -s - "$WORK/static/$f" || fail "static $f differs from the served one"
done
SPORT=$(free_port)
python3 -m http.server "$SPORT" --bind 127.0.0.1 --directory "$WORK/static" \
  >/dev/null 2>&1 &
STATIC_PID=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$SPORT/checkpoint" >/dev/null && break; sleep 0.1; done
out=$("$CHECK" -url "http://127.0.0.1:$SPORT" -vkey-file "$VKEY" -all-tiles \
        -old-checkpoint "$WORK/first.note") || fail "tlogcheck on the static copy: $out"
# Incrementally: a second run writes only what changed (the partial tiles and bundle).
for i in $(seq 71 75); do
  ctl keygen --out "$WORK/k$i" >/dev/null
  ctl register-key --signer "$WORK/ledger/ministry.key" --public-key "$WORK/k$i.pub" \
    --role auditor >/dev/null
done
out=$(ctl export-tiles --out "$WORK/static" --checkpoint-key "$VKEY")
files=$(sed -E 's/.*"files_written":([0-9]+).*/\1/' <<<"$out")
[ "$files" -le 3 ] || fail "an incremental export rewrote $files files: $out"
out=$("$CHECK" -url "http://127.0.0.1:$SPORT" -vkey-file "$VKEY" -all-tiles \
        -old-checkpoint "$WORK/second.note") || fail "tlogcheck on the updated static copy: $out"
# A static directory that does not hold the checkpoint it claims is refused (the right edge of
# its tree, which an incremental run builds on, is damaged).
cp -r "$WORK/static" "$WORK/damaged"
size=$(sed -n 2p "$WORK/static/checkpoint")
edge="tile/0/$(printf '%03d' $((size / 256))).p/$((size % 256))"
printf 'x' | dd of="$WORK/damaged/$edge" bs=1 seek=5 conv=notrunc 2>/dev/null
if ctl export-tiles --out "$WORK/damaged" --checkpoint-key "$VKEY" 2>"$WORK/damaged.err"; then
  fail "export-tiles over a damaged directory"
fi
has "does not hold the tree" "$WORK/damaged.err" || fail "no reason: $(cat "$WORK/damaged.err")"

# HTTP: headers, and bad input with its status, none of it reaching the ledger.
size_before=$(curl -sf "$T/checkpoint" | sed -n 2p)
status() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
header() { curl -s -D - -o /dev/null "$T/$1" | tr -d '\r' | grep -i "^$2:" | cut -d' ' -f2-; }
[ "$(header tile/0/000 cache-control)" = "public, max-age=31536000, immutable" ] \
  || fail "a full tile is not immutable: $(header tile/0/000 cache-control)"
[ "$(header tile/0/000 content-type)" = "application/octet-stream" ] || fail "tile content type"
[ "$(header checkpoint content-type)" = "text/plain; charset=utf-8" ] || fail "checkpoint type"
[ "$(header checkpoint cache-control)" = "public, max-age=2" ] || fail "checkpoint cache"
partial=$(curl -sf "$T/checkpoint" | sed -n 2p)
partial_path="tile/0/$(printf '%03d' $((partial / 256))).p/$((partial % 256))"
[ "$(header "$partial_path" cache-control)" = "public, max-age=60" ] \
  || fail "a partial tile's cache: $(header "$partial_path" cache-control)"
[ "$(curl -s "$T/tile/entries/000" -H 'Accept-Encoding: gzip' -D - -o /dev/null | tr -d '\r' \
     | grep -i '^content-encoding:' | cut -d' ' -f2)" = gzip ] || fail "bundles are not gzipped"
for bad in tile/0/x000/001 tile/0/01 tile/64/000 tile/00/000 tile/0/000.p/0 tile/0/000.p/256 \
           tile/0/000.p/010 tile/0/000/ tile/entries/000.p/0 tile/entries/x000/000 \
           tile/0/%30%30%30; do
  [ "$(status "$T/$bad")" = 400 ] || fail "/$bad is not 400 but $(status "$T/$bad")"
done
for missing in tile/0/999 tile/2/000 tile/entries/999 "tile/0/000.p/1" nothing; do
  code=$(status "$T/$missing")
  if [ "$missing" = "tile/0/000.p/1" ]; then
    [ "$code" = 200 ] || fail "an older partial tile is not served: $code"
  else
    [ "$code" = 404 ] || fail "/$missing is not 404 but $code"
  fi
done
[ "$(status -X POST -d x "$T/checkpoint")" = 405 ] || fail "POST is not 405"
[ "$(status -X DELETE "$T/tile/0/000")" = 405 ] || fail "DELETE is not 405"
head -c 100000 /dev/zero | tr '\0' a >"$WORK/big"
for method in POST PUT; do
  code=$(status -X "$method" --data-binary @"$WORK/big" "$T/checkpoint")
  [ "$code" = 413 ] || fail "an oversized $method is not 413 but $code"
done
[ "$(curl -sf "$T/checkpoint" | sed -n 2p)" = "$size_before" ] || fail "bad input changed the log"
echo "tiles end to end: passed ($size1 entries, then $(curl -sf "$T/checkpoint" | sed -n 2p))"

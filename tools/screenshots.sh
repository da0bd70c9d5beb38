#!/usr/bin/env bash
# The README's screenshots of the three pages (dossier, balances, rules), as a reader first sees
# them: runs the browser end-to-end test (which writes the pages from a fresh ledger), then
# photographs the top of each page with headless Chromium into docs/screenshots/.
# Usage: tools/screenshots.sh   (after tools/build.sh)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
art="$root/build/artefacts/pages"
(cd "$root/build" && ctest -R browser_pages_end_to_end --output-on-failure >/dev/null)
mkdir -p "$root/docs/screenshots"
sandbox=(); [ "$(id -u)" = 0 ] && sandbox=(--no-sandbox)
for page in dossier balances rules; do
  chromium --headless "${sandbox[@]}" --disable-gpu --hide-scrollbars --virtual-time-budget=10000 \
    --window-size=1280,1000 --screenshot="$root/docs/screenshots/$page.png" \
    "file://$art/$page.html" >/dev/null 2>&1
  echo "docs/screenshots/$page.png"
done

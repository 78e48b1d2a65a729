#!/usr/bin/env bash
# Takes a headless Chromium screenshot of the stateright Explorer opened at the deep
# link of a counterexample, after "Run to completion", so that the page shows the
# CLI's verdicts next to the violating state.
#
#   scripts/explorer-screenshot.sh [CHECK_FILE] [PROPERTY] [OUT_PNG]
#
# Defaults: checks/issue-259-authkit-expiry.toml, STUCK, docs/explorer-issue-259.png.
# Beside the screenshot it records the deep link's steps (OUT_PNG with .steps for
# .png), which a test compares with the model's current counterexample.
# Needs Debian's chromium (apt-get install chromium) and a built release binary
# (cargo build --release; CONVEX_AUTH_CHECK_BIN names another build).
set -euo pipefail
cd "$(dirname "$0")/.."

check=${1:-checks/issue-259-authkit-expiry.toml}
property=${2:-STUCK}
out=${3:-docs/explorer-issue-259.png}
bin=${CONVEX_AUTH_CHECK_BIN:-target/release/convex-auth-check}
browser=$(command -v chromium || command -v chromium-browser || true)

[ -x "$bin" ] || { echo "no $bin: run 'cargo build --release' first" >&2; exit 2; }
[ -n "$browser" ] || { echo "no chromium on PATH: run 'apt-get install chromium'" >&2; exit 2; }

log=$(mktemp)
profile=$(mktemp -d)
"$bin" explore "$check" --port 0 >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$log" "$profile"' EXIT

for _ in $(seq 1 300); do
  grep -q "^(Ctrl-C" "$log" && break
  sleep 0.2
done
link=$(grep "^  $property " "$log" | head -n 1 | sed 's/^[^:]*: //')
[ -n "$link" ] || { echo "no $property counterexample in $check:" >&2; cat "$log" >&2; exit 1; }
base=${link%%#*}
echo "deep link: $link"

# The port is held while the model check runs; wait until the Explorer answers.
for _ in $(seq 1 300); do
  curl -sf "${base}.status" >/dev/null && break
  sleep 0.2
done
curl -sf -X POST "${base}.runtocompletion" >/dev/null
for _ in $(seq 1 300); do
  curl -sf "${base}.status" | grep -q '"done":true' && break
  sleep 0.2
done

"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --hide-scrollbars --window-size=1400,${HEIGHT:-2400} \
  --virtual-time-budget=8000 --screenshot="$out" "$link" 2>/dev/null
echo "wrote $out"
printf '%s\n' "${link#*#/steps/}" >"${out%.png}.steps"
echo "wrote ${out%.png}.steps"

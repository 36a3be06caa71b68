#!/usr/bin/env bash
# Every test: lint and format check (Biome), build, typecheck, the whole vitest suite on this machine's Node (20), then the
# runtime tests again on Node 22, 24 and 26 (most stream bugs live on one Node line only). The
# memory suite (memory/) runs on every line; its 1 GB CSV soak (project memory-soak) on Node 20 only.
# Ends with one line "N passed, N failed, N skipped"; exits non-zero on any failure or if no test ran.
set -uo pipefail
cd "$(dirname "$0")/.."
export NO_COLOR=1
NODE_LINES=${NODE_LINES-"22.23.3 24.21.0 26.12.1"}
mkdir -p build
rm -f build/vitest-*.json
rc=0
# The database, queue and browser tests need PostgreSQL, Redis and Chromium: start them (installing what is
# missing) unless the caller already did (.ci/run) or points SLUICE_TEST_PG_URL at its own server.
# They stop when this script exits.
if [ -z "${SLUICE_TEST_PG_URL:-}" ]; then . .ci/services.sh || rc=1; fi
step() { # run a step, print how long it took
  local t0=$SECONDS; "$@"; local r=$?
  printf '[test-all] %-60s %4ss rc=%s\n' "$*" "$((SECONDS - t0))" "$r" >&2; return $r
}
step pnpm lint || rc=1
step pnpm build || rc=1
step pnpm typecheck || rc=1
step pnpm exec vitest run --reporter=dot --reporter=json --outputFile.json=build/vitest-node20.json || rc=1
for v in $NODE_LINES; do
  node_bin=$(scripts/node-line.sh "$v") || { echo "[test-all] could not install Node $v" >&2; rc=1; continue; }
  step "$node_bin" node_modules/vitest/vitest.mjs run --project core --project operators --project adapters --project examples --project memory --project pack \
    --reporter=dot --reporter=json --outputFile.json="build/vitest-node${v%%.*}.json" || rc=1
done
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0, total = 0;
  for (const f of fs.readdirSync("build").filter((f) => /^vitest-node\d+\.json$/.test(f)).sort()) {
    const r = JSON.parse(fs.readFileSync("build/" + f, "utf8"));
    console.log(`${f.replace(/^vitest-|\.json$/g, "")}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests; total += r.numTotalTests;
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (total === 0) process.exitCode = 1;
' || rc=1
exit $rc

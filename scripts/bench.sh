#!/usr/bin/env bash
# AWS-call benchmarks against the real operator on the local test bed; prints BENCH lines
# (the numbers in docs/benchmarks.md come from here).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/ensure-node.sh)"
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
npx tsc -p tsconfig.json
exec 9>"${TMPDIR:-/tmp}/rotor-e2e.lock"
flock 9
# A fresh test bed, so ExternalSecrets left by other runs do not add to the counts.
e2e/testbed/operator.sh stop || true
e2e/testbed/down.sh
npx vitest run --config e2e/bench/vitest.config.ts "$@"

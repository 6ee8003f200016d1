#!/usr/bin/env bash
# The whole test suite, as CI runs it: typecheck, unit tests, then the end-to-end suite
# against a real kube-apiserver + LocalStack (built and cached on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/ensure-node.sh)"
echo "== node $(node --version)"
npm ci --no-audit --no-fund --loglevel=error
reports="$(mktemp -d)"
echo "== typecheck"
npx tsc -p tsconfig.test.json --noEmit
if command -v go >/dev/null; then
  echo "== Go template engine artifact matches its source"
  bash scripts/build-gotemplate.sh --check
fi
echo "== unit tests"
npx vitest run --config vitest.config.ts --reporter=default --reporter=json --outputFile.json="$reports/unit.json"
echo "== end-to-end tests (local test bed)"
bash scripts/e2e.sh --reporter=default --reporter=json --outputFile.json="$reports/e2e.json"
node scripts/test-summary.mjs "$reports/unit.json" "$reports/e2e.json"

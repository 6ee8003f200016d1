#!/usr/bin/env bash
# End-to-end suite on the local test bed (or kind with ROTOR_E2E_HARNESS=kind).
# Builds the operator, then runs e2e/ with vitest; the harness brings the test bed up and,
# if it started it, down again (ROTOR_E2E_KEEP=1 leaves it running for the next run).
# A lock keeps two runs from driving two operators against one test bed.
#   scripts/e2e.sh [vitest args, e.g. a test file filter]
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/ensure-node.sh)"
. scripts/ensure-deps.sh
npx tsc -p tsconfig.json
exec 9>"${TMPDIR:-/tmp}/rotor-e2e.lock"
if ! flock -n 9; then
  echo "another e2e run holds ${TMPDIR:-/tmp}/rotor-e2e.lock; waiting" >&2
  flock 9
fi
npx vitest run --config e2e/vitest.config.ts "$@"

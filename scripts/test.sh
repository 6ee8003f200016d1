#!/usr/bin/env bash
# The whole test suite, as CI runs it: typecheck, unit tests, then the end-to-end suite
# against a real kube-apiserver + LocalStack (built and cached on first use), then the
# in-cluster tier: Rotor installed with helm on the test bed's node (up.sh --node).
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
echo "== IaC checkers for the unit tests (cached: cfn-lint venv, HCL parser)"
# deploy/events is validated by operator/test/deploy/events-iac.test.ts with these; both are
# pinned and cached under ~/.cache/rotor, so this costs milliseconds after the first run.
ROTOR_CFN_LINT="$(bash scripts/ensure-cfn-lint.sh)"
export ROTOR_CFN_LINT
if command -v go >/dev/null; then
  ROTOR_HCL_CHECK="$(bash scripts/hcl-check/build.sh)"
  export ROTOR_HCL_CHECK
fi
echo "== GitHub Actions workflows (actionlint, pinned Go module, cached)"
if command -v go >/dev/null; then
  ROTOR_ACTIONLINT="$(bash scripts/actionlint/build.sh)"
  export ROTOR_ACTIONLINT
  "$ROTOR_ACTIONLINT" .github/workflows/*.yml
  echo "actionlint: $(ls .github/workflows/*.yml | wc -l) workflows clean"
fi
# deploy/argocd's Lua is run by operator/test/deploy/argocd.test.ts in Debian's Lua 5.4 (fetched
# with apt-get download into ~/.cache/rotor/lua5.4, no root install).
ROTOR_LUA="$(bash scripts/ensure-lua.sh)"
export ROTOR_LUA
echo "== unit tests"
npx vitest run --config vitest.config.ts --reporter=default --reporter=json --outputFile.json="$reports/unit.json"
echo "== end-to-end tests (local test bed)"
bash scripts/e2e.sh --reporter=default --reporter=json --outputFile.json="$reports/e2e.json"
reports_all=("$reports/unit.json" "$reports/e2e.json")
# The in-cluster tier needs root (a kubelet, containers, a bridge); ROTOR_CLUSTER_TIER=0 skips it.
if [[ "${ROTOR_CLUSTER_TIER:-$([[ $EUID == 0 ]] && echo 1 || echo 0)}" == 1 ]]; then
  echo "== in-cluster tier (node tier: kubelet + containerd; image from the Dockerfile; helm install)"
  ROTOR_E2E_HARNESS=node bash scripts/e2e.sh e2e/tests/cluster --reporter=default --reporter=json --outputFile.json="$reports/cluster.json"
  reports_all+=("$reports/cluster.json")
else
  echo "== in-cluster tier skipped (needs root; ROTOR_CLUSTER_TIER=1 to force)"
fi
# The release tier: scripts/release.sh with the image (buildah; base image made locally, no
# registry), its chart, CRD bundle, SBOM and checksums checked. After the end-to-end suite, whose
# test bed build provides helm on a fresh machine. ~2 min on a fresh machine,
# ~1 min with the layers cached. Needs buildah, installed here from Debian when running as root;
# ROTOR_RELEASE_TIER=0 skips it.
if [[ "${ROTOR_RELEASE_TIER:-$([[ $EUID == 0 ]] || command -v buildah >/dev/null && echo 1 || echo 0)}" == 1 ]]; then
  echo "== release tier (scripts/release.sh: image as an OCI archive, chart, CRD bundle, SBOM, checksums)"
  if ! command -v buildah >/dev/null; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends buildah >/dev/null
  fi
  npx vitest run --config e2e/release/vitest.config.ts --reporter=default --reporter=json --outputFile.json="$reports/release.json"
  reports_all+=("$reports/release.json")
else
  echo "== release tier skipped (needs buildah, or root to install it; ROTOR_RELEASE_TIER=1 to force)"
fi
node scripts/test-summary.mjs "${reports_all[@]}"

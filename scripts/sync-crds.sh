#!/usr/bin/env bash
# Copies the CRDs (source of truth: crds/) into the Helm chart, which installs the files in
# its own crds/ folder. Copies rather than symlinks so `helm package` and chart repositories
# get real files; operator/test/chart/crds-sync.test.ts fails when the two differ.
#   scripts/sync-crds.sh          regenerate the generated CRDs (clusterexternalsecrets, pushsecrets,
#                                 clusterpushsecrets; node), then
#                                 copy crds/*.yaml -> charts/rotor/crds/
#   scripts/sync-crds.sh --check  exit 1 (and list the files) when they differ
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/crds"
dst="$root/charts/rotor/crds"

if [[ "${1:-}" == "--check" ]]; then
  if diff -r "$src" "$dst" >/dev/null; then
    echo "charts/rotor/crds is in sync with crds/"
    exit 0
  fi
  echo "charts/rotor/crds differs from crds/ (run scripts/sync-crds.sh):" >&2
  diff -rq "$src" "$dst" >&2 || true
  exit 1
fi

# The ClusterExternalSecret CRD embeds the ExternalSecret spec schema, the PushSecret CRDs its
# template schema (and ClusterPushSecret the PushSecret spec): regenerate them first.
node "$root/scripts/gen-ces-crd.mjs"
node "$root/scripts/gen-push-crds.mjs"

mkdir -p "$dst"
# Remove chart CRDs that no longer exist in crds/, then copy the current ones.
for f in "$dst"/*.yaml; do
  [[ -e "$f" ]] || continue
  [[ -e "$src/$(basename "$f")" ]] || rm -v "$f"
done
cp -v "$src"/*.yaml "$dst"/

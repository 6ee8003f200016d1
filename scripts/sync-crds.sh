#!/usr/bin/env bash
# Derives the Helm chart's CRD parts from crds/ (the source of truth of the API): every
# crds/*.yaml becomes a chart template (charts/rotor/templates/crds/, behind crds.enabled, so
# `helm upgrade` upgrades the CRDs), and the list of kinds feeds the aggregated view/edit
# ClusterRoles and Chart.yaml's Artifact Hub annotations. A new CRD file needs no edit here.
# operator/test/chart/crds-sync.test.ts fails when the chart is stale.
#   scripts/sync-crds.sh          regenerate the derived CRDs (clusterexternalsecrets, pushsecrets,
#                                 clusterpushsecrets, generators.rotor.dev_*), then the chart's parts
#   scripts/sync-crds.sh --check  exit 1 (and list the files) when the chart differs from crds/
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
eval "$("$root/scripts/ensure-node.sh")"

if [[ "${1:-}" == "--check" ]]; then
  exec node "$root/scripts/gen-chart-crds.mjs" --check
fi

# The ClusterExternalSecret CRD embeds the ExternalSecret spec schema, the PushSecret CRDs its
# template schema (and ClusterPushSecret the PushSecret spec): regenerate them first.
node "$root/scripts/gen-ces-crd.mjs"
# The generator CRDs (generators.rotor.dev) are written from one definition of each spec.
node "$root/scripts/gen-generator-crds.mjs"
node "$root/scripts/gen-push-crds.mjs"
node "$root/scripts/gen-chart-crds.mjs"

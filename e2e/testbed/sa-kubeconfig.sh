#!/usr/bin/env bash
# Writes a kubeconfig that authenticates to the test bed as a ServiceAccount, so the operator
# can run as a host process with exactly the RBAC its Helm chart grants.
# Usage: sa-kubeconfig.sh NAMESPACE SERVICEACCOUNT OUT
set -euo pipefail

if (($# != 3)); then
  echo "usage: $0 NAMESPACE SERVICEACCOUNT OUT" >&2
  exit 2
fi
ns="$1" sa="$2" out="$3"

STATE="${ROTOR_TESTBED_DIR:-/tmp/rotor-testbed}"
[[ -f "$STATE/env.sh" ]] || { echo "[sa-kubeconfig] test bed not up ($STATE/env.sh missing); run up.sh" >&2; exit 1; }
# Use the test bed's own kubectl and admin credentials, whatever the caller's environment has.
# shellcheck source=/dev/null
source "$STATE/env.sh"

# 24h outlives any test run; the token's audiences are the apiserver's (its issuer and STS).
token="$(kubectl -n "$ns" create token "$sa" --duration=24h)"

tmp="$(mktemp "$(dirname "$out")/.sa-kubeconfig.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
kubectl config --kubeconfig "$tmp" set-cluster rotor-testbed --server "$ROTOR_APISERVER_URL" \
  --certificate-authority "$ROTOR_TESTBED_DIR/pki/ca.crt" --embed-certs=true >/dev/null
kubectl config --kubeconfig "$tmp" set-credentials "$ns-$sa" --token "$token" >/dev/null
kubectl config --kubeconfig "$tmp" set-context "$ns-$sa" --cluster rotor-testbed --user "$ns-$sa" --namespace "$ns" >/dev/null
kubectl config --kubeconfig "$tmp" use-context "$ns-$sa" >/dev/null
chmod 600 "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "[sa-kubeconfig] wrote $out (system:serviceaccount:$ns:$sa, valid 24h)" >&2

#!/usr/bin/env bash
# kind + LocalStack path for hosts with Docker: creates the cluster, deploys LocalStack,
# builds the operator image from the Dockerfile (e2e/image/build.sh), loads it into kind and
# installs the chart with two replicas (e2e/testbed/rotor-pod.sh helm, as the node tier does).
# Needs: docker, kind, kubectl, helm, aws (v1 or v2). Idempotent.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cluster=rotor-e2e
image="rotor:e2e"
for tool in docker kind kubectl helm; do
  command -v "$tool" >/dev/null || { echo "kind path needs $tool on PATH" >&2; exit 1; }
done
if ! kind get clusters 2>/dev/null | grep -qx "$cluster"; then
  kind create cluster --config "$here/kind-config.yaml" --wait 120s
fi
kubectl config use-context "kind-$cluster" >/dev/null
kubectl apply -f "$here/localstack.yaml"
kubectl -n localstack rollout status deploy/localstack --timeout=180s
# The same image build and the same `helm install` as the node tier (e2e/testbed --node).
ROTOR_IMAGE_BUILDER=docker ROTOR_IMAGE_TAG=e2e "$repo/e2e/image/build.sh"
kind load docker-image "$image" --name "$cluster"
# perStoreIRSA cluster: the whole suite runs here, and its auth tests use auth.jwt with
# ServiceAccounts in fresh namespaces.
ROTOR_POD_AWS_ENDPOINT=http://localstack.localstack.svc:4566 ROTOR_IMAGE_TAG=e2e "$repo/e2e/testbed/rotor-pod.sh" helm \
  --set rbac.perStoreIRSA.mode=cluster
echo "kind test bed up: kubectl context kind-$cluster, LocalStack at http://127.0.0.1:4566"

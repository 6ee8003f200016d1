#!/usr/bin/env bash
# kind + LocalStack path for hosts with Docker: creates the cluster, deploys LocalStack,
# builds the operator image from the Dockerfile, loads it into kind and installs the chart.
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
docker build -t "$image" "$repo"
kind load docker-image "$image" --name "$cluster"
helm upgrade --install rotor "$repo/charts/rotor" -n rotor-system --create-namespace \
  --set image.repository=rotor --set image.tag=e2e --set image.pullPolicy=Never \
  --set logLevel=debug \
  --set rbac.perStoreIRSA.mode=cluster \
  --set-string env.AWS_REGION=us-east-1 \
  --set-string env.AWS_ACCESS_KEY_ID=test --set-string env.AWS_SECRET_ACCESS_KEY=test \
  --set-string env.AWS_ENDPOINT_URL=http://localstack.localstack.svc:4566 \
  --wait --timeout 3m
echo "kind test bed up: kubectl context kind-$cluster, LocalStack at http://127.0.0.1:4566"

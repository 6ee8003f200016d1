#!/usr/bin/env bash
# Runs Rotor in the node tier's cluster the way users do: the image built from the Dockerfile
# (e2e/image/build.sh, no Docker daemon), loaded into the node's containerd, and `helm install`
# with two replicas and leader election.
#   rotor-pod.sh install     # build + import the image, then `helm` below
#   rotor-pod.sh helm [HELM-ARGS...]   # helm install (upgrade if installed) plus HELM-ARGS,
#                                      # wait for both pods Ready
# `install` needs a test bed started with `up.sh --node`. `helm` works on any cluster the
# caller's KUBECONFIG points at (e2e/kind uses it too), with the image already on the nodes and
# LocalStack at $ROTOR_POD_AWS_ENDPOINT as the pods reach it (default: $AWS_ENDPOINT_URL).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
STATE="${ROTOR_TESTBED_DIR:-/tmp/rotor-testbed}"
NS=rotor-system
RELEASE=rotor
TAG="${ROTOR_IMAGE_TAG:-e2e}"
log() { printf '[rotor-pod] %s\n' "$*" >&2; }

image() {
  [[ -f "$STATE/env.sh" ]] && grep -q ROTOR_TESTBED_NODE "$STATE/env.sh" ||
    { echo "no node tier: run e2e/testbed/up.sh --node" >&2; exit 1; }
  # shellcheck source=/dev/null
  source "$STATE/env.sh"
  local t0=$SECONDS
  ROTOR_IMAGE_TAG="$TAG" ROTOR_IMAGE_LOG="$STATE/logs/image-build.log" \
    "$repo/e2e/image/build.sh" --archive "$STATE/rotor-image.tar"
  "$here/node.sh" import "$STATE/rotor-image.tar"
  rm -f "$STATE/rotor-image.tar"
  log "image rotor:$TAG ready on the node ($((SECONDS - t0))s)"
}

helm_install() {
  local t0=$SECONDS endpoint="${ROTOR_POD_AWS_ENDPOINT:-${AWS_ENDPOINT_URL:?no LocalStack endpoint: set ROTOR_POD_AWS_ENDPOINT}}"
  # The chart installs and upgrades this tree's CRDs (templates/crds); --take-ownership below adopts
  # CRDs a bed kept up between runs got another way (an older chart's crds/, kubectl apply).
  # The bed's events queue (events-queue.sh) as events.queues, so the pods run with events on as
  # the docs recommend; not on kind (ROTOR_POD_AWS_ENDPOINT: its LocalStack is another one) nor
  # with ROTOR_E2E_EVENTS=0.
  local events=()
  if [[ -z "${ROTOR_POD_AWS_ENDPOINT:-}" && "${ROTOR_E2E_EVENTS:-1}" != 0 ]]; then
    local queue
    queue="$("$here/events-queue.sh" ensure)" || { echo "no events queue on this test bed (LocalStack without sqs,events? restart it with up.sh)" >&2; exit 1; }
    events=(--set-json "events.queues=[{\"url\":\"$queue\",\"region\":\"us-east-1\"}]")
  fi
  local verb=install
  helm status "$RELEASE" -n "$NS" >/dev/null 2>&1 && verb=upgrade
  # The exact command the README shows; the only test-bed values are the image (imported, so
  # never pulled), LocalStack's endpoint and test keys in place of an AWS identity, and loopback
  # 127.0.0.2 as an allowed store endpoint (the dead-endpoint test names http://127.0.0.2:1).
  helm "$verb" "$RELEASE" "$repo/charts/rotor" -n "$NS" --create-namespace --take-ownership \
    --set image.repository=rotor --set image.tag="$TAG" --set image.pullPolicy=Never \
    --set replicaCount=2 --set logLevel=debug \
    --set-string env.AWS_ENDPOINT_URL="$endpoint" --set-string env.AWS_REGION=us-east-1 \
    --set-string env.AWS_ACCESS_KEY_ID=test --set-string env.AWS_SECRET_ACCESS_KEY=test \
    --set-json 'tenancy.allowedEndpoints=["http://127.0.0.2:*"]' \
    "${events[@]}" "$@" --wait --timeout 5m >/dev/null
  # Same tag, maybe a new image: an upgrade on a kept bed restarts the pods so they run it.
  if [[ "$verb" == upgrade ]]; then kubectl -n "$NS" rollout restart deployment/"$RELEASE" >/dev/null; fi
  kubectl -n "$NS" rollout status deployment/"$RELEASE" --timeout=3m >/dev/null
  log "helm $verb done: $(kubectl -n "$NS" get pods -l app.kubernetes.io/name=rotor --no-headers | wc -l) pods Ready ($((SECONDS - t0))s)"
}

case "${1:-}" in
  install) image; helm_install ;;
  helm) shift; helm_install "$@" ;;
  uninstall) helm uninstall "$RELEASE" -n "$NS" --wait >/dev/null ;;
  *) echo "usage: $0 install|uninstall" >&2; exit 2 ;;
esac

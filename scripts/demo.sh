#!/usr/bin/env bash
# See Rotor work with one command, no Docker needed: brings up the local test bed (a real
# kube-apiserver + etcd + kube-controller-manager and LocalStack, built and cached on first
# use), creates a sample secret with the AWS CLI, runs the operator, applies the examples
# and shows `kubectl describe`. Everything stays up for you to play with:
#   source /tmp/rotor-testbed/env.sh   # kubectl, aws, helm pointed at the test bed
#   scripts/demo.sh --down             # stop it all
# The default runs the operator as a host process (fastest). `scripts/demo.sh --pod` runs it
# as users do instead: a real node (up.sh --node; root), the image built from the Dockerfile
# and `helm install` with two replicas (e2e/testbed/rotor-pod.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
STATE="${ROTOR_TESTBED_DIR:-/tmp/rotor-testbed}"
pod=false
[[ "${1:-}" == "--pod" ]] && pod=true
if [[ "${1:-}" == "--down" ]]; then
  e2e/testbed/operator.sh stop
  e2e/testbed/down.sh
  exit 0
fi
eval "$(scripts/ensure-node.sh)"
. scripts/ensure-deps.sh
npx tsc -p tsconfig.json
if $pod; then
  e2e/testbed/up.sh --node
  # shellcheck source=/dev/null
  source "$STATE/env.sh"
  e2e/testbed/rotor-pod.sh install
else
  e2e/testbed/up.sh
  # shellcheck source=/dev/null
  source "$STATE/env.sh"
  e2e/testbed/operator.sh start
fi

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
step aws secretsmanager create-secret --name prod/db --secret-string '{"username":"app","password":"…"}'
aws secretsmanager delete-secret --secret-id prod/db --force-delete-without-recovery >/dev/null 2>&1 || true
aws secretsmanager create-secret --name prod/db \
  --secret-string "{\"username\":\"app\",\"password\":\"$(head -c 12 /dev/urandom | base64)\"}" >/dev/null

step kubectl apply -f examples/secretstore-default-chain.yaml
# The example targets real AWS; on the test bed the store points at LocalStack instead.
kubectl apply -f examples/secretstore-default-chain.yaml
kubectl patch secretstore aws-secretsmanager -n default --type merge \
  -p "{\"spec\":{\"provider\":{\"aws\":{\"endpoint\":\"$AWS_ENDPOINT_URL\"}}}}" >/dev/null
step kubectl apply -f examples/externalsecret-basic.yaml
kubectl apply -f examples/externalsecret-basic.yaml
for _ in $(seq 1 60); do
  [[ "$(kubectl get externalsecret db -n default -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" == True ]] && break
  sleep 1
done

step kubectl get secretstores,externalsecrets -n default
kubectl get secretstores,externalsecrets -n default
step kubectl describe externalsecret db -n default
kubectl describe externalsecret db -n default
step kubectl get secret db-credentials -n default -o jsonpath='{.data}' "| keys"
kubectl get secret db-credentials -n default -o go-template='{{range $k, $v := .data}}{{$k}}{{"\n"}}{{end}}'
if $pod; then
  step kubectl get pods -n rotor-system -o wide
  kubectl get pods -n rotor-system -o wide
  where="as two pods (logs: kubectl logs -n rotor-system -l app.kubernetes.io/name=rotor)"
else
  where="as a host process (log: $STATE/operator.log)"
fi
cat <<MSG

Rotor is running against the local test bed $where.
Try a rotation:  source $STATE/env.sh && aws secretsmanager put-secret-value --secret-id prod/db --secret-string '{"username":"app","password":"new"}'
                 then: kubectl annotate externalsecret db -n default rotor.dev/force-sync=\$(date +%s) --overwrite
Stop it all:     scripts/demo.sh --down
MSG

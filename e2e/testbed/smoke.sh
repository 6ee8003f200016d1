#!/usr/bin/env bash
# Checks that a running test bed does what the e2e tests rely on (run after up.sh).
# Leaves its objects behind in a throw-away namespace / LocalStack (both reset by down+up).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="${ROTOR_TESTBED_DIR:-/tmp/rotor-testbed}"
# shellcheck source=/dev/null
source "$STATE/env.sh"

n=0
ok() { n=$((n + 1)); printf '[smoke] ok: %s\n' "$*"; }
fail() { printf '[smoke] FAILED: %s\n' "$*" >&2; exit 1; }
# eventually SECONDS CMD...: retry CMD until it succeeds (controllers act asynchronously).
eventually() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do ((SECONDS < deadline)) || return 1; sleep 0.5; done
}

ns="smoke-$RANDOM"
kubectl create namespace "$ns" >/dev/null
trap 'kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true' EXIT

kubectl get ns default >/dev/null && ok "kubectl get ns"
ver="$(kubectl version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])')"
# shellcheck source=versions.env
[[ "$ver" == "$(source "$here/versions.env"; echo "$K8S_VERSION")" ]] || fail "server version $ver"
ok "server version $ver"

eventually 30 kubectl -n "$ns" get serviceaccount default || fail "no default ServiceAccount in $ns"
kubectl -n "$ns" create token default --duration=24h >/dev/null && ok "TokenRequest"

kubectl -n "$ns" create deployment web --image=example.invalid/none:1 >/dev/null
eventually 30 bash -c "kubectl -n $ns get rs -l app=web -o name | grep -q ." || fail "no ReplicaSet for Deployment"
ok "Deployment -> ReplicaSet"

kubectl -n "$ns" create configmap owner >/dev/null
uid="$(kubectl -n "$ns" get configmap owner -o jsonpath='{.metadata.uid}')"
kubectl -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: child
  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: "$uid"}]
EOF
kubectl -n "$ns" delete configmap owner >/dev/null
eventually 30 bash -c "! kubectl -n $ns get configmap child" || fail "garbage collector did not delete child"
ok "garbage collection"

kubectl -n "$ns" create serviceaccount rotor >/dev/null
kcfg="$(mktemp)"
"$here/sa-kubeconfig.sh" "$ns" rotor "$kcfg" 2>/dev/null
who="$(KUBECONFIG="$kcfg" kubectl auth whoami -o jsonpath='{.status.userInfo.username}')"
rm -f "$kcfg"
[[ "$who" == "system:serviceaccount:$ns:rotor" ]] || fail "sa-kubeconfig authenticates as '$who'"
ok "sa-kubeconfig ($who)"

secret="smoke-$RANDOM"
aws secretsmanager create-secret --name "$secret" --secret-string x >/dev/null
[[ "$(aws secretsmanager get-secret-value --secret-id "$secret" --query SecretString --output text)" == x ]] ||
  fail "secretsmanager round trip"
ok "secretsmanager create/get"
aws ssm put-parameter --name "/$secret" --type SecureString --value y >/dev/null
[[ "$(aws ssm get-parameter --name "/$secret" --with-decryption --query Parameter.Value --output text)" == y ]] ||
  fail "ssm SecureString round trip"
ok "ssm SecureString"

# EventBridge rule -> SQS queue, the path event-driven refresh uses (events-queue.sh). aws CLI v1
# sends sqs commands to queue.amazonaws.com unless given the endpoint.
sqs() { aws sqs --endpoint-url "$AWS_ENDPOINT_URL" --output text "$@"; }
q="$(sqs create-queue --queue-name "$secret" --query QueueUrl)"
aws events put-rule --name "$secret" --event-pattern '{"source":["aws.ssm"]}' >/dev/null
aws events put-targets --rule "$secret" --targets "Id=q,Arn=$(sqs get-queue-attributes --queue-url "$q" --attribute-names QueueArn --query Attributes.QueueArn)" >/dev/null
aws ssm put-parameter --name "/$secret/events" --type String --value z >/dev/null
body="$(sqs receive-message --queue-url "$q" --wait-time-seconds 10 --query 'Messages[0].Body')"
[[ "$body" == *'"Parameter Store Change"'* && "$body" == *"/$secret/events"* ]] || fail "no Parameter Store Change on the queue (got: $body)"
ok "eventbridge rule -> sqs (Parameter Store Change)"

role=arn:aws:iam::000000000000:role/rotor-smoke
token="$(kubectl -n "$ns" create token rotor --audience sts.amazonaws.com)"
arn="$(aws sts assume-role-with-web-identity --role-arn "$role" --role-session-name smoke \
  --web-identity-token "$token" --query AssumedRoleUser.Arn --output text)"
ok "sts assume-role-with-web-identity ($arn)"
arn="$(aws sts assume-role --role-arn "$role" --role-session-name smoke --external-id smoke-ext \
  --query AssumedRoleUser.Arn --output text)"
ok "sts assume-role --external-id ($arn)"

echo "$n passed, 0 failed"

#!/usr/bin/env bash
# Starts the local e2e test bed (no Docker): etcd, kube-apiserver, kube-controller-manager and
# LocalStack, all on 127.0.0.1, state in $ROTOR_TESTBED_DIR. Writes $ROTOR_TESTBED_DIR/env.sh.
# Idempotent: when everything is already up it says so and exits 0.
#   up.sh [--node]   --node (or ROTOR_TESTBED_NODE=1) adds the node tier (node.sh): a kubelet
#                    with containerd, CNI, kube-proxy and kube-scheduler, so Pods really run;
#                    the API server and LocalStack then listen on the node bridge's address
#                    instead of 127.0.0.1, so pods reach them too. Needs root.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

ROTOR_CACHE="${ROTOR_CACHE:-$HOME/.cache/rotor}"
STATE="${ROTOR_TESTBED_DIR:-/tmp/rotor-testbed}"
# Defaults sit away from the usual 2379/6443/10257 so a real cluster on the host is not hit.
ETCD_PORT="${ROTOR_ETCD_PORT:-22379}"
ETCD_PEER_PORT="${ROTOR_ETCD_PEER_PORT:-22380}"
APISERVER_PORT="${ROTOR_APISERVER_PORT:-26443}"
KCM_PORT="${ROTOR_KCM_PORT:-20257}"
LOCALSTACK_SERVICES="${ROTOR_LOCALSTACK_SERVICES:-secretsmanager,ssm,sts,kms,iam,sqs,events}"
SERVICE_CIDR="${ROTOR_SERVICE_CIDR:-10.96.0.0/16}"
TIMEOUT="${ROTOR_TESTBED_TIMEOUT:-120}"

K8S_BIN="$ROTOR_CACHE/k8s-$K8S_VERSION/bin"
ETCD_BIN="$ROTOR_CACHE/etcd-$ETCD_VERSION/bin"
HELM_BIN="$ROTOR_CACHE/helm-$HELM_VERSION/bin"
VENV="$ROTOR_CACHE/localstack-$LOCALSTACK_VERSION/venv"
PKI="$STATE/pki"
COMPONENTS=(etcd kube-apiserver kube-controller-manager localstack)
node="${ROTOR_TESTBED_NODE:-}"
case "${1:-}" in
  --node) node=1 ;;
  "") ;;
  *) echo "usage: $0 [--node]" >&2; exit 2 ;;
esac
[[ "$node" == 1 ]] && node=true || node=false
LISTEN_IP=127.0.0.1
if $node; then
  # shellcheck source=node-env.sh
  source "$here/node-env.sh"
  COMPONENTS+=("${NODE_COMPONENTS[@]}")
  LISTEN_IP="$NODE_IP"
fi

LOG_PREFIX=up
# shellcheck source=lib.sh
source "$here/lib.sh"

port_taken() { (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null; }

# Python from the venv (always present after build.sh) does HTTP checks, so curl is not needed.
http_ok() { # URL [PYTHON-EXPR over parsed JSON body `j`]
  "$VENV/bin/python" - "$@" <<'EOF' >/dev/null 2>&1
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=3) as r:
    body = r.read()
if len(sys.argv) > 2:
    j = json.loads(body)
    sys.exit(0 if eval(sys.argv[2]) else 1)
EOF
}

fail_component() { # NAME MESSAGE: show why, stop what we started, fail
  show_failure "$1" "$2"
  "$here/down.sh" >&2 || true
  exit 1
}

# --- already up? -------------------------------------------------------------------------------
alive=0
for c in "${COMPONENTS[@]}"; do pid_alive "$c" && alive=$((alive + 1)); done
if ((alive == ${#COMPONENTS[@]})) && [[ -f "$STATE/env.sh" ]] && { ! $node || grep -q ROTOR_TESTBED_NODE "$STATE/env.sh"; }; then
  log "test bed already up in $STATE (source $STATE/env.sh)"
  exit 0
elif ((alive > 0)); then
  log "test bed partly up ($alive of ${#COMPONENTS[@]} running): restarting it"
  "$here/down.sh" >&2
fi

if $node; then "$here/build.sh" --node; else "$here/build.sh"; fi
command -v openssl >/dev/null || die "openssl is needed to make the test bed's certificates (apt-get install openssl)"
command -v setsid >/dev/null || die "setsid (util-linux) is needed"

# LocalStack keeps its usual 4566 unless something else holds it; then any free port will do.
if [[ -n "${ROTOR_LOCALSTACK_PORT:-}" ]]; then
  LOCALSTACK_PORT="$ROTOR_LOCALSTACK_PORT"
elif port_taken 4566; then
  LOCALSTACK_PORT="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  log "port 4566 is taken; LocalStack will use $LOCALSTACK_PORT"
else
  LOCALSTACK_PORT=4566
fi
for p in "$ETCD_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$KCM_PORT" "$LOCALSTACK_PORT"; do
  port_taken "$p" && die "port 127.0.0.1:$p is already in use (set ROTOR_*_PORT to move the test bed)"
done
if $node; then
  # The bridge first: the API server and LocalStack bind to its address.
  "$here/node.sh" net-up
  for p in "$APISERVER_PORT" "$LOCALSTACK_PORT" "$KUBELET_PORT"; do
    port_taken "$p" "$LISTEN_IP" && die "port $LISTEN_IP:$p is already in use (set ROTOR_*_PORT to move the test bed)"
  done
fi

mkdir -p "$STATE/logs" "$PKI" "$STATE/bin"
chmod 700 "$STATE"

# --- certificates (made once per state dir) -----------------------------------------------------
sign() { # NAME SUBJECT EXTENSIONS: key + cert signed by the test bed CA
  local name="$1" subj="$2" ext="$3"
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  printf '%s\n' "$ext" >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 365 -sha256 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}
# The serving certificate names every address the API server is reached on; a state dir made
# without the node tier gets new certificates when the node tier is added.
SANS="IP:127.0.0.1,IP:$LISTEN_IP,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
if [[ "$(cat "$PKI/.done" 2>/dev/null)" != "$SANS" ]]; then
  log "generating CA, serving, admin and service-account keys in $PKI"
  openssl genrsa -out "$PKI/ca.key" 2048 2>/dev/null
  openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=rotor-testbed-ca" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$PKI/ca.crt" 2>/dev/null
  # 10.96.0.1 is the first address of the service range: the in-cluster `kubernetes` Service IP.
  sign apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$SANS"
  # O=system:masters is bound to cluster-admin by the RBAC bootstrap policy.
  sign admin "/O=system:masters/CN=rotor-admin" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  # Signs ServiceAccount tokens (TokenRequest) and verifies them.
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  chmod 600 "$PKI"/*.key
  echo "$SANS" >"$PKI/.done"
fi

APISERVER_URL="https://$LISTEN_IP:$APISERVER_PORT"
KCFG="$STATE/admin.kubeconfig"
rm -f "$KCFG"
"$K8S_BIN/kubectl" config --kubeconfig "$KCFG" set-cluster rotor-testbed --server "$APISERVER_URL" \
  --certificate-authority "$PKI/ca.crt" --embed-certs=true >/dev/null
"$K8S_BIN/kubectl" config --kubeconfig "$KCFG" set-credentials rotor-admin \
  --client-certificate "$PKI/admin.crt" --client-key "$PKI/admin.key" --embed-certs=true >/dev/null
"$K8S_BIN/kubectl" config --kubeconfig "$KCFG" set-context rotor-testbed --cluster rotor-testbed --user rotor-admin >/dev/null
"$K8S_BIN/kubectl" config --kubeconfig "$KCFG" use-context rotor-testbed >/dev/null
chmod 600 "$KCFG"

# --- etcd ---------------------------------------------------------------------------------------
# Every up starts from an empty cluster, like LocalStack (which keeps nothing), so the two agree.
rm -rf "$STATE/etcd"
# No fsync: the data is throw-away and fsync dominates apiserver latency on small VMs.
start etcd "$ETCD_BIN/etcd" --name rotor-testbed --data-dir "$STATE/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "rotor-testbed=http://127.0.0.1:$ETCD_PEER_PORT" \
  --unsafe-no-fsync --quota-backend-bytes=2147483648 --log-level=warn

# --- LocalStack (started early: it takes the longest) --------------------------------------------
mkdir -p "$STATE/localstack"
# LocalStack's own readiness check dials 127.0.0.1, so it always listens there; with the node
# tier also on the bridge address, where pods reach it.
LS_LISTEN="127.0.0.1:$LOCALSTACK_PORT"
if $node; then LS_LISTEN+=",$LISTEN_IP:$LOCALSTACK_PORT"; fi
# Host mode, in-process providers only: no Docker, no downloads, no DNS server on :53, no
# telemetry, nothing persisted; every directory LocalStack writes lives in the state dir.
# hypercorn, because the default twisted gateway ignores GATEWAY_LISTEN's host and binds 0.0.0.0.
# SQS_ENDPOINT_STRATEGY=off: queue URLs are http://<LOCALSTACK_HOST>/<account>/<name>, the shape of
# an AWS queue URL on an address that resolves (the default names a host sqs.<region>.<LOCALSTACK_HOST>
# nothing serves), so the operator's --events-queue URL,region=us-east-1 takes it as it is.
start localstack env \
  GATEWAY_SERVER=hypercorn \
  GATEWAY_LISTEN="$LS_LISTEN" \
  LOCALSTACK_HOST="$LISTEN_IP:$LOCALSTACK_PORT" \
  SERVICES="$LOCALSTACK_SERVICES" \
  SQS_ENDPOINT_STRATEGY=off \
  EAGER_SERVICE_LOADING=1 \
  PERSISTENCE=0 \
  DNS_ADDRESS=0 \
  SKIP_SSL_CERT_DOWNLOAD=1 \
  DISABLE_EVENTS=1 \
  FILESYSTEM_ROOT="$STATE/localstack/fs" \
  CONFIG_DIR="$STATE/localstack/config" \
  "$VENV/bin/python" -m localstack.runtime.main

wait_for etcd "etcd /health" http_ok "http://127.0.0.1:$ETCD_PORT/health" 'j.get("health") == "true"'

# --- kube-apiserver -----------------------------------------------------------------------------
# Without the node tier the endpoint reconciler is off because the `kubernetes` Service cannot
# point at a loopback IP; with it the Service points at the bridge address, which pods reach
# through kube-proxy's rules. kubectl exec/logs reach the kubelet with the admin identity.
if $node; then RECONCILER=lease; else RECONCILER=none; fi
start kube-apiserver "$K8S_BIN/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address "$LISTEN_IP" --secure-port "$APISERVER_PORT" --advertise-address "$LISTEN_IP" \
  --endpoint-reconciler-type "$RECONCILER" \
  --kubelet-client-certificate "$PKI/admin.crt" --kubelet-client-key "$PKI/admin.key" \
  --kubelet-preferred-address-types InternalIP \
  --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
  --client-ca-file "$PKI/ca.crt" \
  --authorization-mode Node,RBAC \
  --service-account-issuer https://kubernetes.default.svc \
  --service-account-key-file "$PKI/sa.pub" \
  --service-account-signing-key-file "$PKI/sa.key" \
  --api-audiences https://kubernetes.default.svc,sts.amazonaws.com \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --allow-privileged=true \
  --cert-dir "$STATE/apiserver-certs" \
  --profiling=false

wait_for kube-apiserver "/readyz" kubectl_admin get --raw /readyz

# --- kube-controller-manager --------------------------------------------------------------------
# Only controllers that make sense without a cloud (and, without --node, without nodes); all
# run as admin.
KCM_CONTROLLERS=garbage-collector-controller,namespace-controller,serviceaccount-controller
KCM_CONTROLLERS+=,serviceaccount-token-controller,deployment-controller,replicaset-controller
KCM_CONTROLLERS+=,statefulset-controller,daemonset-controller,job-controller,cronjob-controller
KCM_CONTROLLERS+=,root-ca-certificate-publisher-controller,clusterrole-aggregation-controller
KCM_CONTROLLERS+=,resourcequota-controller,endpointslice-controller,ttl-after-finished-controller
KCM_CONTROLLERS+=,service-cidr-controller,disruption-controller
# node-lifecycle lifts the not-ready taint the kubelet registers with; pod GC cleans up after it.
if $node; then KCM_CONTROLLERS+=,node-lifecycle-controller,pod-garbage-collector-controller; fi
start kube-controller-manager "$K8S_BIN/kube-controller-manager" \
  --kubeconfig "$KCFG" \
  --authentication-kubeconfig "$KCFG" --authorization-kubeconfig "$KCFG" \
  --bind-address 127.0.0.1 --secure-port "$KCM_PORT" --cert-dir "$STATE/kcm-certs" \
  --controllers "$KCM_CONTROLLERS" \
  --use-service-account-credentials=false \
  --root-ca-file "$PKI/ca.crt" \
  --service-account-private-key-file "$PKI/sa.key" \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --leader-elect=false \
  --profiling=false

wait_for kube-controller-manager "the default ServiceAccount" kubectl_admin -n default get serviceaccount default

# shellcheck disable=SC2016 # python expression, not shell
wait_for localstack "/_localstack/health: $LOCALSTACK_SERVICES" http_ok \
  "http://127.0.0.1:$LOCALSTACK_PORT/_localstack/health" \
  "all(j['services'].get(s) in ('available','running') for s in '$LOCALSTACK_SERVICES'.split(','))"

if $node; then "$here/node.sh" up; fi

# --- env.sh -------------------------------------------------------------------------------------
# One bin dir of symlinks, so sourcing env.sh does not also put the venv's python/pip on PATH.
for b in "$K8S_BIN"/* "$ETCD_BIN/etcd" "$HELM_BIN/helm" "$VENV/bin/aws"; do
  ln -sfn "$b" "$STATE/bin/$(basename "$b")"
done
cat >"$STATE/env.sh" <<EOF
# Written by e2e/testbed/up.sh; source it to talk to the local test bed.
export ROTOR_TESTBED_DIR='$STATE'
export ROTOR_APISERVER_URL='$APISERVER_URL'
export KUBECONFIG='$KCFG'
export PATH='$STATE/bin':"\$PATH"
export AWS_ENDPOINT_URL='http://$LISTEN_IP:$LOCALSTACK_PORT'
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_DEFAULT_REGION=us-east-1
export AWS_REGION=us-east-1
EOF
if $node; then
  cat >>"$STATE/env.sh" <<EOF
# Node tier: pods reach the API server (in-cluster config) and LocalStack at this address.
export ROTOR_TESTBED_NODE=1
export ROTOR_NODE_IP='$NODE_IP'
export CONTAINERD_ADDRESS='$CONTAINERD_SOCK'
EOF
fi
log "test bed up: apiserver $APISERVER_URL, LocalStack http://$LISTEN_IP:$LOCALSTACK_PORT$($node && echo ", node $NODE_NAME")"
log "source $STATE/env.sh"

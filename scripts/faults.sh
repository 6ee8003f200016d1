#!/usr/bin/env bash
# Fault injection on a local test bed of its own: what holds and how long recovery takes.
# Numbers go to docs/faults.md. Not part of CI (about 3 minutes, and it stops the API server).
#
#   ROTOR_TESTBED_DIR=/tmp/rotor-testbed-faults ROTOR_ETCD_PORT=... (see e2e/testbed/up.sh) \
#     bash scripts/faults.sh
#
# The operator runs with --leader-elect under a restart loop standing in for the kubelet
# (restart 1 s after it exits). Faults:
#   1. kube-apiserver away 15 s (SIGSTOP/SIGCONT): the leader cannot renew for 10 s and exits;
#      measured: from the API server's return to a new leader, and to a rotation landing.
#   2. LocalStack away 20 s: measured: time to Ready=False, the Secret kept, time back to Ready.
#   3. operator SIGKILL right after a rotation was put: time until the Secret has the new value.
# The hanging-endpoint fault is measured by e2e/tests/fairness.e2e.test.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/ensure-node.sh)"
. scripts/ensure-deps.sh
STATE="${ROTOR_TESTBED_DIR:?set ROTOR_TESTBED_DIR (and the ports) to a test bed of its own: this script stops its API server}"
[[ "$STATE" != /tmp/rotor-testbed ]] || { echo "refusing the shared test bed /tmp/rotor-testbed" >&2; exit 2; }
HEALTH_PORT="${ROTOR_OPERATOR_HEALTH_PORT:-28081}"
METRICS_PORT="${ROTOR_OPERATOR_METRICS_PORT:-28080}"

bash e2e/testbed/up.sh >/dev/null
npx tsc -p tsconfig.json
bash e2e/testbed/operator.sh start >/dev/null # chart, CRDs, the ServiceAccount kubeconfig
bash e2e/testbed/operator.sh stop
# shellcheck source=/dev/null
source "$STATE/env.sh"
LOG="$STATE/faults-operator.log"
: >"$LOG"
LOG_PREFIX=faults
# shellcheck source=../e2e/testbed/lib.sh
source e2e/testbed/lib.sh

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
WAIT_POLL_SECONDS=0.2 # lib.sh wait_until: recovery times are measured to a fifth of a second

# The kubelet's part: run the operator, restart it 1 s after it exits. A restarted container
# keeps its pod name, so the Lease identity is the same and it may take the Lease back at once.
# The process is operator.sh's (lib.sh operator_command), at log level info.
supervise() {
  operator_command "$PWD" rotor-system rotor-faults-0 --log-level info
  while [[ -f "$STATE/faults.run" ]]; do
    "${OPERATOR_CMD[@]}" >>"$LOG" 2>&1 &
    echo $! >"$STATE/faults-operator.pid"
    wait $! || true
    echo "{\"msg\":\"supervisor: operator exited\",\"at\":$(date +%s)}" >>"$LOG"
    sleep 1
  done
}
touch "$STATE/faults.run"
supervise &
SUPERVISOR=$!
cleanup() {
  rm -f "$STATE/faults.run"
  kill -CONT "$(cat "$STATE/kube-apiserver.pid")" "$(cat "$STATE/localstack.pid")" 2>/dev/null || true
  [[ -f "$STATE/faults-operator.pid" ]] && kill "$(cat "$STATE/faults-operator.pid")" 2>/dev/null || true
  wait "$SUPERVISOR" 2>/dev/null || true
  [[ -n "${NS:-}" ]] && kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
}
trap cleanup EXIT
leading() { [[ "$(grep -c 'informers synced' "$LOG")" -ge "$1" ]]; }
wait_until 60 leading 1

NS="faults-$RANDOM"
KEY="$NS/db"
kubectl create namespace "$NS" >/dev/null
aws secretsmanager create-secret --name "$KEY" --secret-string v0 >/dev/null
{ localstack_store "$NS"; echo ---; one_key_external_secret "$NS" db aws "$KEY"; } | kubectl apply -f - >/dev/null
value() { kubectl get secret db -n "$NS" -o jsonpath='{.data.v}' 2>/dev/null | base64 -d; }
has_value() { [[ "$(value)" == "$1" ]]; }
ready_is() { [[ "$(kubectl get externalsecret db -n "$NS" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" == "$1" ]]; }
wait_until 60 has_value v0
echo "fault | what held | measured"
echo "---|---|---"

# 1. API server away 15 s.
starts=$(grep -c 'informers synced' "$LOG")
apiserver=$(cat "$STATE/kube-apiserver.pid")
kill -STOP "$apiserver"
sleep 15
kill -CONT "$apiserver"
back=$(now)
aws secretsmanager put-secret-value --secret-id "$KEY" --secret-string v1 >/dev/null
wait_until 120 leading $((starts + 1)) && t_lead=$(since "$back") || t_lead=never
wait_until 120 has_value v1 && t_rot=$(since "$back") || t_rot=never
exits=$(grep -c 'supervisor: operator exited' "$LOG" || true)
lost=$(grep -c 'lost leadership' "$LOG" || true)
echo "kube-apiserver stopped 15 s (leader cannot renew) | leader exited ($exits exit(s), $lost 'lost leadership' log line(s)); Secret kept | new leader ${t_lead} s after the API server returned; rotation put then landed after ${t_rot} s"

# 2. LocalStack away 20 s.
localstack=$(cat "$STATE/localstack.pid")
kill -STOP "$localstack"
down=$(now)
wait_until 60 ready_is False && t_false=$(since "$down") || t_false=never
sleep $((20 - ${t_false%.*} > 0 ? 20 - ${t_false%.*} : 0))
kept=$(value)
kill -CONT "$localstack"
back=$(now)
wait_until 120 ready_is True && t_true=$(since "$back") || t_true=never
echo "LocalStack stopped 20 s | Secret kept (value ${kept:+unchanged}); Ready=False ProviderUnavailable ${t_false} s after the stop | Ready=True ${t_true} s after LocalStack returned"

# 3. SIGKILL, then a rotation while it is down.
killed=$(now)
kill -KILL "$(cat "$STATE/faults-operator.pid")"
aws secretsmanager put-secret-value --secret-id "$KEY" --secret-string v2 >/dev/null
wait_until 120 has_value v2 && t_kill=$(since "$killed") || t_kill=never
echo "operator SIGKILL, rotation put while it restarts (after 1 s) | Secret kept until then; nothing half-written | rotation landed ${t_kill} s after the kill"

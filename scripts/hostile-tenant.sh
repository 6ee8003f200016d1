#!/usr/bin/env bash
# Plays a hostile tenant against a running operator on a local test bed of its own and
# measures what each hostile object does to ANOTHER tenant (issue #15). Numbers go to
# docs/faults.md ("Hostile tenant"). Not part of CI (~8 minutes; it starts and tears down its
# own bed).
#
#   bash scripts/hostile-tenant.sh            # all scenarios
#   ROTOR_HOSTILE_SCENARIOS="2 3" bash scripts/hostile-tenant.sh
#
# The operator runs as a process authenticated as the chart's ServiceAccount
# (e2e/testbed/operator.sh: chart installed with rbac.perStoreIRSA.mode=cluster, the chart's
# defaults otherwise, log level info) with ROTOR_MEMORY_LIMIT=256Mi, which sizes the heap exactly
# as the chart's 256Mi limit does in a pod (operator/src/platform/heap.ts). There is no cgroup here, so
# a peak RSS above 256 MiB is what would be an OOM kill in the pod, not a kill here.
#
# Victim: namespace hostile-victim, an ExternalSecret with refreshInterval 5s on its own store.
# Each scenario restarts the operator (fresh peak memory and counters; nothing the previous one
# left running), measures a quiet window, applies the hostile object in a namespace of its own
# (hostile-aN), measures again, then deletes that namespace. In each window: the victim's
# rotation latency (put-secret-value in LocalStack, force-sync annotation, until the victim's
# Secret has the value), /healthz answer time (max, polled every 200 ms), the operator's peak
# RSS, AWS calls/s (rotor_aws_api_calls_total), and what the hostile server received.
#   1. 16 Liquid template entries that each burn their render budget (nested loops)
#   2. a SecretStore whose endpoint (a server on 127.0.0.1) answers a 150 MiB body
#   3. a SecretStore whose endpoint answers ListSecrets with a new NextToken forever
#      (ExternalSecret with dataFrom.find); requests/s after the ExternalSecret and store are deleted
#   4. per-store IRSA stores (auth.jwt) whose endpoint is the hostile server: requests carrying a
#      ServiceAccount token received (one store with the default audience, one with the API server's)
#   5. 30 edits in ~2 s of a Secret in the tenant's namespace, labelled rotor.dev/managed=true and
#      annotated rotor.dev/owner: hostile-victim/broken (a failing victim): GetSecretValue errors
#      in 8 s after the first edit against 8 quiet seconds
# A refused hostile object (admission error, store Ready=False, nothing reaching the server) is
# reported as such: every wait is bounded and a measurement that cannot be made reads n/a.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/ensure-node.sh)"
. scripts/ensure-deps.sh
export ROTOR_TESTBED_DIR="${ROTOR_TESTBED_DIR:-/tmp/rotor-testbed-hostile}"
[[ "$ROTOR_TESTBED_DIR" != /tmp/rotor-testbed ]] || { echo "refusing the shared test bed /tmp/rotor-testbed: use a ROTOR_TESTBED_DIR of its own" >&2; exit 2; }
export ROTOR_ETCD_PORT="${ROTOR_ETCD_PORT:-32379}" ROTOR_ETCD_PEER_PORT="${ROTOR_ETCD_PEER_PORT:-32380}"
export ROTOR_APISERVER_PORT="${ROTOR_APISERVER_PORT:-36443}" ROTOR_KCM_PORT="${ROTOR_KCM_PORT:-30257}"
export ROTOR_LOCALSTACK_PORT="${ROTOR_LOCALSTACK_PORT:-34566}"
export ROTOR_OPERATOR_HEALTH_PORT="${ROTOR_OPERATOR_HEALTH_PORT:-38081}" ROTOR_OPERATOR_METRICS_PORT="${ROTOR_OPERATOR_METRICS_PORT:-38080}"
export ROTOR_MEMORY_LIMIT="${ROTOR_MEMORY_LIMIT:-256Mi}" ROTOR_LOG_LEVEL="${ROTOR_LOG_LEVEL:-info}"
HOSTILE_PORT="${ROTOR_HOSTILE_PORT:-38090}"
SCENARIOS="${ROTOR_HOSTILE_SCENARIOS:-1 2 3 4 5}"
QUIET_SECONDS=10
STATE="$ROTOR_TESTBED_DIR"
HELPER_OUT=e2e/.state/hostile-js
HELPER="$HELPER_OUT/e2e/bench/hostile/main.js" # rootDir is the checkout: it uses operator/src/kube/client
METRICS="http://127.0.0.1:$ROTOR_OPERATOR_METRICS_PORT/metrics"
HEALTHZ="http://127.0.0.1:$ROTOR_OPERATOR_HEALTH_PORT/healthz"
VICTIM=hostile-victim
SERVER_PID=

LOG_PREFIX=hostile
# shellcheck source=../e2e/testbed/lib.sh
source e2e/testbed/lib.sh
# Its own log (after lib.sh's): a run takes ~8 minutes, so each line carries the time.
log() { echo "[$(date +%T)] $*" >&2; }
H() { node "$HELPER" "$@"; }
now_ms() { date +%s%3N; }
json() { node -e 'const v=JSON.parse(process.argv[1]); const r=process.argv[2].split(".").reduce((o,k)=>o==null?o:o[k],v); console.log(r==null?"n/a":Array.isArray(r)?r.join(","):r)' "$1" "$2"; }
ready_of() { # kind ns name -> "True (Reason)" / "n/a"
  local s
  s=$(kubectl get "$1" -n "$2" "$3" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status} ({.status.conditions[?(@.type=="Ready")].reason})' 2>/dev/null) || s=
  [[ -n "${s// /}" && "$s" != " ()" ]] && echo "$s" || echo "n/a"
}
rate() { awk -v a="$1" -v b="$2" -v s="$3" 'BEGIN { if (a == "n/a" || b == "n/a") print "n/a"; else printf "%.1f", (b - a) / s }'; }
delta() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a") print "n/a"; else printf "%d", b - a }'; }
aws_calls() { H metric --url "$METRICS" --name rotor_aws_api_calls_total "$@"; }

start_server() { # mode
  SERVER_STATS="$STATE/hostile-server-$1.json"
  rm -f "$SERVER_STATS"
  # node itself in the background (not the H function, whose subshell a kill would leave the
  # server orphaned); it also stops by itself after 15 minutes.
  node "$HELPER" server --mode "$1" --port "$HOSTILE_PORT" --stats "$SERVER_STATS" --max-seconds 900 >>"$STATE/hostile-server.log" 2>&1 &
  SERVER_PID=$!
  wait_until 10 curl -sf -o /dev/null "http://127.0.0.1:$HOSTILE_PORT/__hostile/ready" || { log "hostile server did not start"; return 1; }
  SERVER_FROM=$(now_ms)
}
stop_server() {
  [[ -n "$SERVER_PID" ]] || return 0
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}
server_stats() { H stats --file "$SERVER_STATS" --from "${1:-$SERVER_FROM}" ${2:+--to "$2"}; }

cleanup() {
  stop_server
  bash e2e/testbed/operator.sh stop >/dev/null 2>&1 || true
  bash e2e/testbed/down.sh >/dev/null 2>&1 || true
}
trap cleanup EXIT

log "test bed in $STATE (ports etcd $ROTOR_ETCD_PORT, apiserver $ROTOR_APISERVER_PORT, LocalStack $ROTOR_LOCALSTACK_PORT)"
bash e2e/testbed/up.sh >/dev/null
npx tsc -p tsconfig.json
npx tsc -p e2e/bench/hostile/tsconfig.json --outDir "$HELPER_OUT"
# shellcheck source=/dev/null
source "$STATE/env.sh"
bash e2e/testbed/operator.sh start >/dev/null
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- the victim tenant
kubectl create namespace "$VICTIM" >/dev/null
aws secretsmanager create-secret --name "$VICTIM/app" --secret-string v0 >/dev/null
{ localstack_store "$VICTIM"; echo ---; one_key_external_secret "$VICTIM" app aws "$VICTIM/app"; } | kubectl apply -f - >/dev/null
rotate() { H rotate --ns "$VICTIM" --es app --secret app --key v --remote "$VICTIM/app" --timeout "${1:-60}"; }
[[ "$(json "$(rotate 120)" seconds)" != n/a ]] || { log "the victim never synced: see $STATE/operator.log"; exit 1; }

# ---------------------------------------------------------------- measuring
# measure SECONDS PREFIX [hook...]: probe + rotations for SECONDS (a rotation started before the
# end may finish after it, 60 s at most); the hook runs in the background at the start.
# Sets ${PREFIX}_ROT, _HZ, _RSS, _AWS, _ALIVE.
measure() {
  local seconds=$1 prefix=$2; shift 2
  local pid probe_out="$STATE/probe-$prefix.json" hook_pid=
  pid=$(cat "$STATE/operator.pid")
  local aws0; aws0=$(aws_calls)
  local t0; t0=$(date +%s.%N)
  H probe --pid "$pid" --health "$HEALTHZ" --seconds "$seconds" --timeout 30 >"$probe_out" &
  local probe_pid=$!
  if (($#)); then "$@" & hook_pid=$!; fi
  local end=$(($(date +%s) + seconds)) landed=0 missed=0 max=0 r
  while (($(date +%s) < end)); do
    r=$(json "$(rotate 60 || echo '{}')" seconds)
    if [[ "$r" == n/a ]]; then missed=$((missed + 1)); else landed=$((landed + 1)); max=$(awk -v a="$max" -v b="$r" 'BEGIN { print (b > a ? b : a) }'); fi
    sleep 1
  done
  wait "$probe_pid" || true
  [[ -n "$hook_pid" ]] && { wait "$hook_pid" || true; }
  local elapsed; elapsed=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  local aws1; aws1=$(aws_calls)
  local p; p=$(cat "$probe_out" 2>/dev/null || echo '{}')
  local rot="max ${max} s ($landed landed"
  ((missed)) && rot+=", $missed not in 60 s"
  printf -v "${prefix}_ROT" '%s' "$rot)"
  printf -v "${prefix}_HZ" '%s' "$(json "$p" healthzMaxMs) ms ($(json "$p" healthzFailures) failed)"
  printf -v "${prefix}_RSS" '%s' "$(json "$p" peakRssMiB) MiB"
  local r; r=$(rate "$aws0" "$aws1" "$elapsed")
  printf -v "${prefix}_AWS" '%s' "$r"
  [[ "$r" == n/a ]] || printf -v "${prefix}_AWS" '%s' "$r/s"
  printf -v "${prefix}_ALIVE" '%s' "$(json "$p" alive)"
}

ROWS=()
row() { # title, hostile-server cell, other cell
  local alive="" cause
  if [[ "$H_ALIVE" == false ]]; then
    cause=$(tail -n "+$((LOG_FROM + 1))" "$STATE/operator.log" | grep -m1 -o 'FATAL ERROR: .*' | cut -c1-90 || true)
    alive=" — operator process exited${cause:+ ($cause)}"
  fi
  ROWS+=("| $1 | ${Q_ROT} → ${H_ROT} | ${Q_HZ} → ${H_HZ} | ${Q_RSS} → ${H_RSS}${alive} | ${Q_AWS} → ${H_AWS} | $2 | $3 |")
  log "row: ${ROWS[-1]}"
}

apply_or_note() { # stdin: manifest; prints "" or "refused at admission: ..."
  local err
  if ! err=$(kubectl apply -f - 2>&1 >/dev/null); then echo "refused at admission: ${err:0:160}"; fi
}

FIRST=1
begin() { # scenario number: fresh operator, fresh tenant namespace, quiet window
  TENANT="hostile-a$1"
  if ((FIRST)); then FIRST=0; else bash e2e/testbed/operator.sh resume >/dev/null; fi
  LOG_FROM=$(wc -l <"$STATE/operator.log")
  kubectl create namespace "$TENANT" >/dev/null
  rotate 120 >/dev/null || true
  log "scenario $1: quiet window ${QUIET_SECONDS} s"
  measure "$QUIET_SECONDS" Q
}
end_tenant() {
  kubectl delete namespace "$TENANT" --wait=true --timeout=60s >/dev/null 2>&1 || log "namespace $TENANT not gone in 60 s"
  stop_server
  bash e2e/testbed/operator.sh status || log "the operator process is gone"
}
evil_store() { # name [auth yaml]
  cat <<EOF
apiVersion: rotor.dev/v1alpha1
kind: SecretStore
metadata: {name: $1, namespace: $TENANT}
spec:
  provider:
    aws:
      service: SecretsManager
      region: us-east-1
      endpoint: "http://127.0.0.1:$HOSTILE_PORT"
${2:-}
EOF
}

# 1. Liquid templates that each burn the render budget.
scenario_1() {
  begin 1
  aws secretsmanager create-secret --name "$TENANT/x" --secret-string x >/dev/null
  local burn='{% for i in (1..30000) %}{% for j in (1..1000) %}{% assign z = j %}{% endfor %}{% endfor %}'
  local entries="" i
  for i in $(seq 1 16); do entries+="        k$i: '$burn'"$'\n'; done
  local note
  note=$( { localstack_store "$TENANT"; cat <<EOF
---
apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: burn, namespace: $TENANT}
spec:
  refreshInterval: 5s
  secretStoreRef: {name: aws, kind: SecretStore}
  target:
    name: burn
    template:
      engineVersion: Liquid
      data:
$entries
  data: [{secretKey: x, remoteRef: {key: "$TENANT/x"}}]
EOF
} | apply_or_note)
  log "scenario 1: hostile window 40 s"
  measure 40 H
  local status; status=$(ready_of externalsecret "$TENANT" burn)
  row "1. 16 Liquid entries burning their 1 s render budget" "—" "${note:-hostile ES Ready=$status}"
  end_tenant
}

# 2. A store endpoint answering 150 MiB.
scenario_2() {
  begin 2
  start_server big
  local note
  note=$( { evil_store evil; echo ---; one_key_external_secret "$TENANT" big evil anything 5s x; } | apply_or_note)
  log "scenario 2: hostile window 30 s"
  measure 30 H
  local s store; s=$(server_stats); store=$(ready_of secretstore "$TENANT" evil)
  row "2. store endpoint answering 150 MiB" "$(json "$s" inWindow) requests, $(awk -v b="$(json "$s" bytesSent)" 'BEGIN { printf "%.0f", b / 1048576 }') MiB sent" "${note:-store Ready=$store; ES Ready=$(ready_of externalsecret "$TENANT" big)}"
  end_tenant
}

# 3. NextToken forever; then the loop after the ExternalSecret and the store are gone.
scenario_3() {
  begin 3
  start_server nexttoken
  local note
  note=$( { evil_store evil; cat <<EOF
---
apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: pages, namespace: $TENANT}
spec:
  refreshInterval: 5s
  secretStoreRef: {name: evil, kind: SecretStore}
  target: {name: pages}
  dataFrom: [{find: {name: {regexp: ".*"}}}]
EOF
} | apply_or_note)
  local t0; t0=$(now_ms)
  log "scenario 3: hostile window 45 s"
  measure 45 H
  local t1; t1=$(now_ms)
  local es store; es=$(ready_of externalsecret "$TENANT" pages); store=$(ready_of secretstore "$TENANT" evil)
  kubectl delete externalsecret pages -n "$TENANT" --wait=true --timeout=30s >/dev/null 2>&1 || true
  kubectl delete secretstore evil -n "$TENANT" --wait=true --timeout=30s >/dev/null 2>&1 || true
  local gone; gone=$(now_ms)
  log "scenario 3: ExternalSecret and store deleted; counting requests for 10 s"
  sleep 10
  local during after
  during=$(server_stats "$t0" "$t1"); after=$(server_stats "$gone" "$(now_ms)")
  local during_rate after_rate
  during_rate=$(awk -v n="$(json "$during" inWindow)" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n * 1000 / (b - a) }')
  after_rate=$(awk -v n="$(json "$after" inWindow)" 'BEGIN { printf "%.1f", n / 10 }')
  row "3. store endpoint paging forever (NextToken), dataFrom.find" "$(json "$during" inWindow) requests in 45 s ($during_rate/s); $after_rate/s in the 10 s after the ES and store were deleted" "${note:-ES Ready=$es after 45 s; store Ready=$store}"
  end_tenant
}

# 4. Per-store IRSA whose endpoint is the tenant's server.
scenario_4() {
  begin 4
  start_server sts
  local note
  note=$( { cat <<EOF
apiVersion: v1
kind: ServiceAccount
metadata:
  name: reader
  namespace: $TENANT
  annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::000000000000:role/hostile"}
---
EOF
  evil_store irsa-default "      auth: {jwt: {serviceAccountRef: {name: reader}}}"
  echo ---
  evil_store irsa-kube "      auth: {jwt: {serviceAccountRef: {name: reader, audiences: [\"https://kubernetes.default.svc\"]}}}"
  for s in irsa-default irsa-kube; do echo ---; one_key_external_secret "$TENANT" "$s" "$s" anything 5s x; done; } | apply_or_note)
  log "scenario 4: hostile window 30 s"
  measure 30 H
  local s; s=$(server_stats)
  row "4. per-store IRSA stores (default audience, API-server audience) with the tenant's endpoint" "$(json "$s" inWindow) requests, $(json "$s" tokenRequests) carrying a ServiceAccount token (audiences: $(json "$s" audiences))" "${note:-stores Ready=$(ready_of secretstore "$TENANT" irsa-default) / $(ready_of secretstore "$TENANT" irsa-kube)}"
  end_tenant
}

# 5. Forged rotor.dev/owner on a Secret of the tenant's namespace, naming a failing victim.
gsv_errors() { H metric --url "$METRICS" --name rotor_aws_api_errors_total --label operation=GetSecretValue; }
forged_edits() {
  local e0; e0=$(gsv_errors)
  H edits --ns "$TENANT" --secret forged --count 30 --seconds 2 >"$STATE/edits.json"
  sleep 6
  echo "$(delta "$e0" "$(gsv_errors)")" >"$STATE/edits-errors.txt"
}
scenario_5() {
  one_key_external_secret "$VICTIM" broken aws "$VICTIM/missing" 1h | kubectl apply -f - >/dev/null
  begin 5
  wait_until 60 bash -c "[[ \"\$(kubectl get externalsecret broken -n $VICTIM -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}')\" == False ]]" || log "victim 'broken' never became Ready=False"
  # Let its backoff grow as it would have in a cluster where it fails for a while.
  sleep 20
  local e0; e0=$(gsv_errors); sleep 8; local quiet; quiet=$(delta "$e0" "$(gsv_errors)")
  # Created with its label and annotation in one write: only the 30 edits below are updates.
  kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: forged
  namespace: $TENANT
  labels: {rotor.dev/managed: "true"}
  annotations: {rotor.dev/owner: $VICTIM/broken}
stringData: {x: "v"}
EOF
  rm -f "$STATE/edits-errors.txt" "$STATE/edits.json"
  log "scenario 5: hostile window 15 s (30 edits in 2 s at its start)"
  measure 15 H forged_edits
  local hostile edits
  hostile=$(cat "$STATE/edits-errors.txt" 2>/dev/null || echo n/a)
  edits=$(json "$(cat "$STATE/edits.json" 2>/dev/null || echo '{}')" edits)
  row "5. 30 edits in 2 s of a Secret naming a failing victim in rotor.dev/owner" "—" "victim GetSecretValue calls: $quiet in 8 quiet s, $hostile in 8 s from the first of $edits edits"
  kubectl delete externalsecret broken -n "$VICTIM" --wait=false >/dev/null 2>&1 || true
  end_tenant
}

for s in $SCENARIOS; do
  "scenario_$s" || log "scenario $s failed; see $STATE/operator.log"
done

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
echo
echo "Hostile tenant, operator/ at $(git log -1 --format=%h -- operator/ charts/ crds/) (HEAD $(git rev-parse --short HEAD)) $(date -u +%F), $(nproc) cores, load average $LOAD_BEFORE before / $LOAD_AFTER after, ROTOR_MEMORY_LIMIT=$ROTOR_MEMORY_LIMIT"
echo "Each cell: quiet window → hostile window (victim rotation: put until its Secret has the value, force-sync)."
echo
echo "| hostile object (tenant hostile-aN) | victim rotation latency | /healthz max | operator peak RSS | AWS calls/s | hostile server received | other |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"

#!/usr/bin/env bash
# Runs the Rotor operator against the local test bed the way it runs in a cluster:
# the Helm chart is installed (CRDs, ServiceAccount, RBAC; replicaCount=0 since the bed has
# no kubelet) and the operator process authenticates as the chart's ServiceAccount, so RBAC
# is exercised for real. Its AWS identity (the SDK default chain) is LocalStack's test keys.
#   operator.sh start   # install chart, start operator/dist/main.js in the background, wait until it leads
#   operator.sh stop    # SIGTERM and wait
#   operator.sh kill    # SIGKILL, as a node failure or the OOM killer would (fault tests)
#   operator.sh resume  # start again after kill/stop, keeping the log and the installed chart
#   operator.sh chart   # (re)install the chart only, as start does (e2e/tests/chart-upgrade.e2e.test.ts)
#   operator.sh status  # exit 0 while the operator process is alive
# Env: ROTOR_TESTBED_DIR (state), ROTOR_OPERATOR_HEALTH_PORT / _METRICS_PORT (defaults 28081/28080),
#      ROTOR_OPERATOR_ARGS (extra operator flags, e.g. "--concurrency 16"), ROTOR_OPERATOR_NODE_ARGS
#      (node flags, e.g. "--inspect=127.0.0.1:9329"), ROTOR_MEMORY_LIMIT (passed through: sizes the
#      heap as a container limit of that size would; see operator/src/platform/heap.ts), ROTOR_E2E_EVENTS=0
#      (start without the bed's events queue; by default start/resume make sure it exists with
#      events-queue.sh and pass --events-queue for it, so the operator runs with events on).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# The operator needs Node.js >= 22.12 (it refuses older ones); the machine's node may be older.
eval "$("$repo/scripts/ensure-node.sh")"
STATE="${ROTOR_TESTBED_DIR:-/tmp/rotor-testbed}"
NS=rotor-system
RELEASE=rotor
HEALTH_PORT="${ROTOR_OPERATOR_HEALTH_PORT:-28081}"
METRICS_PORT="${ROTOR_OPERATOR_METRICS_PORT:-28080}"
PIDFILE="$STATE/operator.pid"
LOG="$STATE/operator.log"
LOG_PREFIX=operator
# shellcheck source=lib.sh
source "$here/lib.sh"

stop() {
  [[ -f "$PIDFILE" ]] || return 0
  local pid; pid="$(cat "$PIDFILE")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$PIDFILE"
}

kill_now() {
  [[ -f "$PIDFILE" ]] || return 0
  # The whole process group (setsid below): nothing may finish its work after the kill.
  kill -KILL -- "-$(cat "$PIDFILE")" 2>/dev/null || true
  rm -f "$PIDFILE"
}

start() {
  [[ -f "$STATE/env.sh" ]] || { echo "test bed is not up: run e2e/testbed/up.sh" >&2; exit 1; }
  # shellcheck source=/dev/null
  source "$STATE/env.sh"
  [[ -f "$repo/operator/dist/main.js" ]] || { echo "operator not built: run npm run build" >&2; exit 1; }
  stop
  install_chart
  : >"$LOG"
  launch
}

# The chart with this tree's CRDs (templates/crds: installed and upgraded by helm). --take-ownership
# adopts CRDs a bed kept up between runs (ROTOR_E2E_KEEP=1) got another way: an older chart's
# crds/ folder, kubectl apply, or the chart-upgrade e2e test's own release.
install_chart() {
  # perStoreIRSA cluster: the auth tests use auth.jwt with ServiceAccounts in fresh namespaces.
  helm upgrade --install "$RELEASE" "$repo/charts/rotor" -n "$NS" --create-namespace --set replicaCount=0 \
    --set rbac.perStoreIRSA.mode=cluster --take-ownership --wait --timeout 2m >/dev/null
  # Every Rotor CRD carries this label (crds/), so a new kind is waited for without an edit here.
  kubectl wait --for=condition=Established --timeout=60s crd -l app.kubernetes.io/part-of=rotor >/dev/null
  "$here/sa-kubeconfig.sh" "$NS" "$RELEASE" "$STATE/rotor-sa.kubeconfig" >/dev/null
}

# Starts the operator process and waits until it leads; appends to the log (the e2e teardown
# scans all of it for secret values).
launch() {
  local from; from="$(wc -l <"$LOG" 2>/dev/null || echo 0)"
  # setsid: its own process group, so stop() reaches it and nothing lingers.
  local operator_args=()
  read -r -a operator_args <<<"${ROTOR_OPERATOR_ARGS:-}"
  # The bed's events queue (events-queue.sh), re-created if a test deleted it. A bed started
  # before LocalStack ran sqs/events cannot have one: the operator then runs without events.
  if [[ "${ROTOR_E2E_EVENTS:-1}" != 0 ]]; then
    local queue
    if queue="$("$here/events-queue.sh" ensure 2>>"$LOG")"; then
      operator_args+=(--events-queue "$queue,region=us-east-1")
    else
      echo "operator.sh: no events queue on this test bed (LocalStack without sqs,events? restart it with up.sh); starting without --events-queue" | tee -a "$LOG" >&2
    fi
  fi
  # --allowed-endpoint: the dead-endpoint and fairness tests give namespaced stores stand-in
  # endpoints on http://127.0.0.2:<port>, which the default endpoint policy refuses (LocalStack
  # itself is allowed as the operator's own AWS_ENDPOINT_URL). Only 127.0.0.2 is allowed, so a
  # store naming any other local server (127.0.0.1:<port>, as a hostile tenant would) is still
  # refused on the test bed. docs/operations.md, Shared clusters.
  operator_command "$repo" "$NS" rotor-local \
    --log-level "${ROTOR_LOG_LEVEL:-debug}" --rollout-debounce 1s \
    --allowed-endpoint 'http://127.0.0.2:*' \
    "${operator_args[@]}"
  setsid "${OPERATOR_CMD[@]}" >>"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  # Ready alone is not enough with --leader-elect (a standby is ready too): wait until it leads.
  for _ in $(seq 1 240); do
    if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
      echo "operator exited; last log lines:" >&2; tail -n 40 "$LOG" >&2; exit 1
    fi
    if curl -sf "http://127.0.0.1:$HEALTH_PORT/readyz" >/dev/null && tail -n "+$((from + 1))" "$LOG" | grep -q 'informers synced'; then
      echo "operator running (pid $(cat "$PIDFILE")), log $LOG, metrics http://127.0.0.1:$METRICS_PORT/metrics"
      return 0
    fi
    sleep 0.5
  done
  echo "operator not ready in 120s; last log lines:" >&2; tail -n 40 "$LOG" >&2; exit 1
}

resume() {
  [[ -f "$STATE/env.sh" ]] || { echo "test bed is not up: run e2e/testbed/up.sh" >&2; exit 1; }
  # shellcheck source=/dev/null
  source "$STATE/env.sh"
  stop
  launch
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  kill) kill_now ;;
  resume) resume ;;
  chart) [[ -f "$STATE/env.sh" ]] || { echo "test bed is not up: run e2e/testbed/up.sh" >&2; exit 1; }
    # shellcheck source=/dev/null
    source "$STATE/env.sh"; install_chart ;;
  status) [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null ;;
  *) echo "usage: $0 start|stop|kill|resume|chart|status" >&2; exit 2 ;;
esac

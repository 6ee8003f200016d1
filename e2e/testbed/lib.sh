# shellcheck shell=bash
# Helpers the test bed scripts share, so up.sh and node.sh start, watch and report their
# components the same way (node.sh had copied them from up.sh and drifted), build.sh builds
# each cached part the same way, and the measuring scripts (scripts/faults.sh,
# scripts/hostile-tenant.sh) wait and put a tenant's store and ExternalSecret together alike.
# Source it after setting LOG_PREFIX (the [tag] of log lines); the component helpers also need
# STATE (the bed's directory), TIMEOUT (seconds) and K8S_BIN, build_part needs ROTOR_CACHE's
# parts only through its arguments. A script that must clean up on failure redefines
# fail_component after sourcing (up.sh stops what it started).

log() { printf '[%s] %s\n' "$LOG_PREFIX" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$LOG_PREFIX" "$*" >&2; exit 1; }

pid_alive() { # NAME -> true when its pid file names a live process that is that component
  local f="$STATE/$1.pid" pid
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f")"
  kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$1"
}

start() { # NAME CMD...: start in its own session (= process group) so down.sh can stop it whole
  local name="$1"; shift
  setsid "$@" >"$STATE/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/$name.pid"
  log "started $name (pid $!)"
}

show_failure() { # NAME MESSAGE: why, and the last lines of the component's log
  printf '[%s] ERROR: %s: %s\n[%s] --- last lines of %s ---\n' "$LOG_PREFIX" "$1" "$2" "$LOG_PREFIX" "$STATE/logs/$1.log" >&2
  tail -n 40 "$STATE/logs/$1.log" >&2 || true
}

fail_component() { # NAME MESSAGE
  show_failure "$1" "$2"
  exit 1
}

wait_for() { # NAME DESCRIPTION CMD...: poll CMD until it succeeds, the process dies, or timeout
  local name="$1" what="$2"; shift 2
  local deadline=$((SECONDS + TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    pid_alive "$name" || fail_component "$name" "process exited while waiting for $what"
    ((SECONDS < deadline)) || fail_component "$name" "timed out after ${TIMEOUT}s waiting for $what"
    sleep 0.5
  done
}

kubectl_admin() { "$K8S_BIN/kubectl" --kubeconfig "$STATE/admin.kubeconfig" --request-timeout=5s "$@"; }

# build_part LABEL DIR STAMP MATCH BUILD_FN [VERIFY_CMD...]: the steps every cached part of
# build.sh shares. Skips when DIR/.built says the part is built: MATCH=exact compares the file's
# content with STAMP (parts whose recipe is not all in DIR's name), MATCH=exists only asks for
# the file (as those parts always did, so no existing cache is rebuilt). Otherwise starts from
# an empty DIR and an empty DIR/build.log, runs BUILD_FN DIR LOGFILE, checks that the result
# runs (VERIFY_CMD, output appended to the log), and only then writes STAMP to DIR/.built, so
# an interrupted build is redone.
build_part() {
  local label="$1" dir="$2" stamp="$3" match="$4" fn="$5"; shift 5
  case "$match" in
    exact) [[ "$(cat "$dir/.built" 2>/dev/null)" == "$stamp" ]] ;;
    exists) [[ -f "$dir/.built" ]] ;;
    *) die "build_part $label: MATCH must be exact or exists, not $match" ;;
  esac && { log "$label: cached"; return; }
  local t0=$SECONDS logf="$dir/build.log"
  rm -rf "$dir"; mkdir -p "$dir"; : >"$logf"
  "$fn" "$dir" "$logf"
  if (($# > 0)); then
    "$@" >>"$logf" 2>&1 || die "built ${1##*/} does not run (see $logf)"
  fi
  echo "$stamp" >"$dir/.built"
  log "$label: done ($((SECONDS - t0))s)"
}

# operator_command REPO NAMESPACE POD_NAME [OPERATOR_FLAG...]: sets the array OPERATOR_CMD to the
# operator process as the test bed runs it, for operator.sh and scripts/faults.sh's restart loop
# alike (the loop had its own copy and drifted): an environment holding only what the pod would
# have (its namespace and name, ROTOR_MEMORY_LIMIT when set, LocalStack's test keys), node with
# ROTOR_OPERATOR_NODE_ARGS, the chart ServiceAccount's kubeconfig, loopback health and metrics
# ports, leader election, then the caller's flags. Needs STATE, HEALTH_PORT, METRICS_PORT and
# AWS_ENDPOINT_URL. The caller runs it (with setsid, redirections, in the background as it needs).
operator_command() {
  local repo="$1" namespace="$2" pod="$3"; shift 3
  local node_args=()
  read -r -a node_args <<<"${ROTOR_OPERATOR_NODE_ARGS:-}"
  OPERATOR_CMD=(env -i PATH="$PATH" HOME="${HOME:-/tmp}"
    POD_NAMESPACE="$namespace" POD_NAME="$pod"
    ${ROTOR_MEMORY_LIMIT:+ROTOR_MEMORY_LIMIT="$ROTOR_MEMORY_LIMIT"}
    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_ENDPOINT_URL="$AWS_ENDPOINT_URL"
    node "${node_args[@]}" "$repo/operator/dist/main.js"
    --kubeconfig "$STATE/rotor-sa.kubeconfig" --namespace "$namespace"
    --bind-address 127.0.0.1 --health-port "$HEALTH_PORT" --metrics-port "$METRICS_PORT"
    --leader-elect "$@")
}

# wait_until SECONDS CMD...: poll CMD (quietly) until it succeeds; false after SECONDS. Polls
# every WAIT_POLL_SECONDS (default 0.5; scripts/faults.sh measures recoveries with 0.2).
wait_until() {
  local deadline=$(($(date +%s) + $1)); shift
  until "$@" >/dev/null 2>&1; do
    (($(date +%s) < deadline)) || return 1
    sleep "${WAIT_POLL_SECONDS:-0.5}"
  done
}

# The manifests the measuring scripts (scripts/faults.sh, scripts/hostile-tenant.sh) put a
# tenant together from, printed for kubectl apply -f - (or for a script to add to). Need
# AWS_ENDPOINT_URL (the bed's env.sh).
# localstack_store NAMESPACE [NAME]: a SecretStore (default name aws) on the bed's LocalStack.
localstack_store() {
  cat <<YAML
apiVersion: rotor.dev/v1alpha1
kind: SecretStore
metadata: {name: ${2:-aws}, namespace: $1}
spec: {provider: {aws: {service: SecretsManager, region: us-east-1, endpoint: "$AWS_ENDPOINT_URL"}}}
YAML
}

# one_key_external_secret NAMESPACE NAME STORE REMOTE_KEY [REFRESH [SECRET_KEY]]: an ExternalSecret
# NAME reading REMOTE_KEY through SecretStore STORE into key SECRET_KEY (default v) of Secret NAME,
# every REFRESH (default 5s).
one_key_external_secret() {
  cat <<YAML
apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: $2, namespace: $1}
spec:
  refreshInterval: ${5:-5s}
  secretStoreRef: {name: $3, kind: SecretStore}
  target: {name: $2}
  data: [{secretKey: ${6:-v}, remoteRef: {key: "$4"}}]
YAML
}

# shellcheck shell=bash
# Helpers the test bed scripts share, so up.sh and node.sh start, watch and report their
# components the same way (node.sh had copied them from up.sh and drifted). Source it after
# setting LOG_PREFIX (the [tag] of log lines), STATE (the bed's directory), TIMEOUT (seconds)
# and K8S_BIN. A script that must clean up on failure redefines fail_component after sourcing
# (up.sh stops what it started).

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

#!/usr/bin/env bash
# Stops everything up.sh started (by its pid files), leaving no process behind.
# Usage: down.sh [--purge]   --purge also removes the state dir (etcd data, certs, logs).
set -euo pipefail

STATE="${ROTOR_TESTBED_DIR:-/tmp/rotor-testbed}"
purge=false
case "${1:-}" in
  --purge) purge=true ;;
  "") ;;
  *) echo "usage: $0 [--purge]" >&2; exit 2 ;;
esac

log() { printf '[down] %s\n' "$*" >&2; }

# Each component was started with setsid, so its pid is also its process group id: signalling
# the group also reaches children (LocalStack spawns some).
group_alive() { kill -0 -- "-$1" 2>/dev/null || kill -0 "$1" 2>/dev/null; }

stop() { # NAME
  local name="$1" f="$STATE/$1.pid" pid i
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] || { rm -f "$f"; return 0; }
  # A live leader must still be that component (guards against a pid reused after a reboot);
  # a group whose leader is gone keeps its id reserved, so its leftovers are safe to kill.
  if kill -0 "$pid" 2>/dev/null && ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$name"; then
    rm -f "$f"; return 0
  fi
  if group_alive "$pid"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    # Up to 15s for a clean shutdown, then SIGKILL.
    for ((i = 0; i < 150; i++)); do
      group_alive "$pid" || break
      sleep 0.1
    done
    if group_alive "$pid"; then
      log "$name (pid $pid) ignored SIGTERM; killing"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do group_alive "$pid" || break; sleep 0.1; done
    fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$f"
}

# The node tier first (if up.sh --node made one): its containers, mounts, bridge, nft tables.
# A failure there is reported, and the control plane is still stopped.
if [[ -d "$STATE/node" ]]; then "$(dirname "${BASH_SOURCE[0]}")/node.sh" down || log "node tier cleanup failed (see above)"; fi

# Each takes 1-3s to shut down cleanly, so stop them in parallel; etcd last, after its clients.
pids=()
for c in kube-controller-manager kube-apiserver localstack; do stop "$c" & pids+=($!); done
wait "${pids[@]}"
stop etcd
rm -f "$STATE/env.sh"

if $purge; then
  rm -rf "$STATE"
  log "removed $STATE"
fi

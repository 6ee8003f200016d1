#!/usr/bin/env bash
# The node tier of the local test bed: one Kubernetes node on this host, so Pods really run.
#   node.sh net-up   # the bridge and its address (before the API server, which listens on it)
#   node.sh up       # containerd + runc, CNI, kubelet, kube-proxy (nftables), kube-scheduler
#   node.sh down     # stop them; remove every container, mount, netns, cgroup, nft table and
#                    # the bridge this script made. Touches nothing else.
#   node.sh import FILE   # load an image archive (docker-archive) into the node's containerd
# Called by up.sh --node and down.sh; needs root (namespaces, mounts, cgroups, netfilter).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
ROTOR_CACHE="${ROTOR_CACHE:-$HOME/.cache/rotor}"
STATE="${ROTOR_TESTBED_DIR:-/tmp/rotor-testbed}"
# shellcheck source=node-env.sh
source "$here/node-env.sh"
TIMEOUT="${ROTOR_TESTBED_TIMEOUT:-120}"
K8S_BIN="$ROTOR_CACHE/k8s-$K8S_VERSION/bin"
NODE_BIN="$ROTOR_CACHE/k8s-node-$K8S_VERSION/bin"
CTRD_BIN="$ROTOR_CACHE/containerd-$CONTAINERD_VERSION/bin"
PKI="$STATE/pki"
KCFG="$STATE/admin.kubeconfig"
N="$NODE_STATE"

LOG_PREFIX=node
# shellcheck source=lib.sh
source "$here/lib.sh"
# Where build.sh put a small Go program of the bed (named by its source hash, as there).
local_go_dir() { echo "$ROTOR_CACHE/$1-$(sha256sum <"$here/$1/main.go" | cut -c1-12)"; }

ctr_() { "$CTRD_BIN/ctr" --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"; }

# --- network ------------------------------------------------------------------------------------
net_up() {
  ((EUID == 0)) || die "the node tier needs root (network namespaces, mounts, cgroups)"
  mkdir -p "$N"
  if ! ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    # Refuse a subnet the host already routes: it would shadow real traffic.
    if ip -4 route show | grep -v "dev $NODE_BRIDGE" | grep -q "^${NODE_SUBNET} "; then
      die "$NODE_SUBNET is already routed on this host (set ROTOR_NODE_SUBNET)"
    fi
    ip link add name "$NODE_BRIDGE" type bridge
    echo "$NODE_BRIDGE" >"$N/bridge.created"
    log "created bridge $NODE_BRIDGE"
  fi
  ip addr replace "$NODE_IP/${NODE_SUBNET#*/}" dev "$NODE_BRIDGE"
  ip link set "$NODE_BRIDGE" up
}

# --- cgroups ------------------------------------------------------------------------------------
# kubelet needs its cgroup root to exist in every v1 controller (and in cgroup2 when mounted).
cgroup_dirs() {
  local d
  for d in /sys/fs/cgroup/*/; do
    d="${d%/}"
    [[ -e "$d/cgroup.procs" ]] && echo "$d$NODE_CGROUP_ROOT"
  done
  # Pure cgroup v2 host: /sys/fs/cgroup itself is the hierarchy.
  [[ -e /sys/fs/cgroup/cgroup.controllers ]] && echo "/sys/fs/cgroup$NODE_CGROUP_ROOT"
  return 0
}

cgroups_up() {
  local d parent
  while read -r d; do
    [[ -d "$d" ]] && continue
    mkdir "$d"
    parent="$(dirname "$d")"
    # A new cpuset cgroup starts with no CPUs or memory nodes; give it the parent's.
    if [[ -e "$d/cpuset.cpus" ]]; then
      cat "$parent/cpuset.cpus" >"$d/cpuset.cpus"
      cat "$parent/cpuset.mems" >"$d/cpuset.mems"
    fi
  done < <(cgroup_dirs)
}

cgroups_down() {
  local d
  while read -r d; do
    [[ -d "$d" ]] || continue
    # Deepest first; rmdir only removes empty cgroups, so nothing still running is hit.
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    if [[ -d "$d" ]]; then log "cgroup $d still busy; left in place"; fi
  done < <(cgroup_dirs)
}

# --- configuration ------------------------------------------------------------------------------
sign_node_cert() { # kubelet's client identity: system:node:<name> in system:nodes (Node authorizer)
  # Kept across runs, but only while the CA that signed it is current: up.sh makes a new CA when
  # the state dir switches between the local and the node tier, and a certificate from the old
  # one gets every kubelet request refused as Unauthorized.
  if [[ -f "$PKI/node-$NODE_NAME.crt" ]] && openssl verify -CAfile "$PKI/ca.crt" "$PKI/node-$NODE_NAME.crt" >/dev/null 2>&1; then
    return
  fi
  openssl genrsa -out "$PKI/node-$NODE_NAME.key" 2048 2>/dev/null
  openssl req -new -key "$PKI/node-$NODE_NAME.key" -subj "/O=system:nodes/CN=system:node:$NODE_NAME" \
    -out "$PKI/node.csr" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' >"$PKI/node.ext"
  openssl x509 -req -in "$PKI/node.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 365 -sha256 -extfile "$PKI/node.ext" -out "$PKI/node-$NODE_NAME.crt" 2>/dev/null
  rm -f "$PKI/node.csr" "$PKI/node.ext"
  chmod 600 "$PKI/node-$NODE_NAME.key"
}

write_configs() {
  mkdir -p "$N/containerd" "$N/cni/net.d" "$N/cni/ipam" "$N/kubelet" "$N/pod-logs" "$N/runc"
  local server runtime
  runtime="$(command -v runc)"
  # kubelet asks for negative OOM scores (-998 for every pod sandbox); without CAP_SYS_RESOURCE
  # (capability 24), which some sandboxed hosts withhold even from root, runc fails every
  # container. There the OCI runtime is runc behind oom-clamp, which raises the score to the
  # lowest this host allows; elsewhere it is plain runc.
  if (( (0x$(awk '/^CapEff/ {print $2}' /proc/self/status) >> 24 & 1) == 0 )); then
    local clamp
    clamp="$(local_go_dir oom-clamp)/oom-clamp"
    [[ -x "$clamp" ]] || die "oom-clamp missing: run e2e/testbed/build.sh --node"
    printf '#!/bin/sh\nexec %q %q "$@"\n' "$clamp" "$runtime" >"$N/runc-oom-clamp"
    chmod +x "$N/runc-oom-clamp"
    runtime="$N/runc-oom-clamp"
    log "no CAP_SYS_RESOURCE here: pod OOM scores are raised to this host's floor (oom-clamp)"
  fi
  server="$("$K8S_BIN/kubectl" config view --kubeconfig "$KCFG" -o jsonpath='{.clusters[0].cluster.server}')"
  rm -f "$N/kubelet.kubeconfig"
  "$K8S_BIN/kubectl" config --kubeconfig "$N/kubelet.kubeconfig" set-cluster rotor-testbed --server "$server" \
    --certificate-authority "$PKI/ca.crt" --embed-certs=true >/dev/null
  "$K8S_BIN/kubectl" config --kubeconfig "$N/kubelet.kubeconfig" set-credentials "system:node:$NODE_NAME" \
    --client-certificate "$PKI/node-$NODE_NAME.crt" --client-key "$PKI/node-$NODE_NAME.key" --embed-certs=true >/dev/null
  "$K8S_BIN/kubectl" config --kubeconfig "$N/kubelet.kubeconfig" set-context node --cluster rotor-testbed --user "system:node:$NODE_NAME" >/dev/null
  "$K8S_BIN/kubectl" config --kubeconfig "$N/kubelet.kubeconfig" use-context node >/dev/null

  # containerd 2.x (config version 3): all state under $N, CNI from Debian's plugins, the
  # locally built pause image pinned so it is never pulled, NRI and cgo snapshotters off.
  cat >"$N/containerd/config.toml" <<EOF
version = 3
root = "$N/containerd/root"
state = "$N/containerd/state"
disabled_plugins = ["io.containerd.nri.v1.nri", "io.containerd.snapshotter.v1.blockfile", "io.containerd.snapshotter.v1.erofs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$CONTAINERD_SOCK"

[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"

[plugins]
  [plugins.'io.containerd.internal.v1.opt']
    path = "$N/containerd/opt"
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = "overlayfs"
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = "rotor.local/pause:1"
  [plugins.'io.containerd.cri.v1.runtime']
    netns_mounts_under_state_dir = true
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = "runc"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = "$runtime"
          Root = "$N/runc"
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = ["/usr/lib/cni"]
      conf_dir = "$N/cni/net.d"
      max_conf_num = 1
  [plugins.'io.containerd.grpc.v1.cri']
    stream_server_address = "127.0.0.1"
EOF

  # bridge + host-local on the bridge node.sh made. isGateway=false and ipMasq=false: the
  # bridge already has the node address, and the plugin must not turn on IP forwarding or add
  # masquerade rules; pods route everything via the node address (the only place they talk to).
  cat >"$N/cni/net.d/10-rotor.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "rotor-testbed",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$NODE_BRIDGE",
      "isGateway": false,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$N/cni/ipam",
        "ranges": [[{ "subnet": "$NODE_SUBNET", "gateway": "$NODE_IP" }]],
        "routes": [{ "dst": "0.0.0.0/0", "gw": "$NODE_IP" }]
      }
    }
  ]
}
EOF

  # failCgroupV1: this host runs cgroup v1 (hybrid); kubelet >= 1.35 refuses it otherwise.
  # No host DNS for pods (resolvConf ""): they only talk to addresses this bed made.
  # Image GC and eviction thresholds are out of reach: the images are imported, not pullable.
  cat >"$N/kubelet-config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
cgroupDriver: cgroupfs
cgroupRoot: $NODE_CGROUP_ROOT
failCgroupV1: false
failSwapOn: false
resolvConf: ""
podLogsDir: $N/pod-logs
makeIPTablesUtilChains: false
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 50Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
maxPods: 110
EOF

  # nftables mode: everything kube-proxy does lives in its own "kube-proxy" tables, so
  # cleaning up is deleting them. conntrack limits 0 = leave the host's sysctls alone.
  cat >"$N/kube-proxy-config.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: nftables
clientConnection: {kubeconfig: $KCFG}
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$KUBE_PROXY_METRICS_PORT
clusterCIDR: $NODE_SUBNET
nodePortAddresses: ["$NODE_IP/32"]
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
}

http_ok() { python3 -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=3)' "$1"; }

node_ready() {
  [[ "$(kubectl_admin get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}

up() {
  ((EUID == 0)) || die "the node tier needs root (network namespaces, mounts, cgroups)"
  [[ -f "$NODE_BIN/kubelet" && -f "$CTRD_BIN/containerd" ]] || die "node binaries missing: run e2e/testbed/build.sh --node"
  local pause_tar
  pause_tar="$(local_go_dir pause)/pause.tar"
  [[ -f "$pause_tar" ]] || die "pause image missing: run e2e/testbed/build.sh --node"
  net_up
  cgroups_up
  sign_node_cert
  write_configs

  # PATH: containerd finds its shim by name; the shim finds runc by the configured path.
  start containerd env PATH="$CTRD_BIN:$PATH" "$CTRD_BIN/containerd" --config "$N/containerd/config.toml" --log-level warn
  wait_for containerd "its socket" ctr_ version
  ctr_ images import --no-unpack "$pause_tar" >/dev/null
  log "imported the pause image"

  start kubelet "$NODE_BIN/kubelet" --config "$N/kubelet-config.yaml" --kubeconfig "$N/kubelet.kubeconfig" \
    --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" --root-dir "$N/kubelet" --cert-dir "$N/kubelet/pki" -v=1
  start kube-proxy "$NODE_BIN/kube-proxy" --config "$N/kube-proxy-config.yaml"
  start kube-scheduler "$NODE_BIN/kube-scheduler" --kubeconfig "$KCFG" \
    --authentication-kubeconfig "$KCFG" --authorization-kubeconfig "$KCFG" \
    --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" --leader-elect=false --profiling=false
  wait_for kube-proxy "/healthz" http_ok "http://127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT/healthz"
  wait_for kubelet "node $NODE_NAME Ready" node_ready
  log "node $NODE_NAME Ready (pods on $NODE_SUBNET via $NODE_BRIDGE)"
}

# --- teardown -----------------------------------------------------------------------------------
# Processes whose command line names this bed's containerd socket: the shims it started.
our_shims() {
  local p
  for p in /proc/[0-9]*; do
    { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF -- "$CONTAINERD_SOCK" && echo "${p#/proc/}"
  done
  return 0
}

down() {
  [[ -d "$N" ]] || return 0
  local c id pid m
  for c in kube-scheduler kube-proxy kubelet; do stop_component "$c"; done
  # Ids of the containers that have (had) a shim: their task bundle dirs.
  local ids=() tasks="$N/containerd/state/io.containerd.runtime.v2.task/k8s.io"
  [[ -d "$tasks" ]] && mapfile -t ids < <(ls "$tasks")
  if pid_alive containerd; then
    # Kill every container (pods included) so each netns, veth and mount is released.
    for id in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -a -s SIGKILL "$id" >/dev/null 2>&1 || true; done
    for id in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks delete -f "$id" >/dev/null 2>&1 || true; done
    for id in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers delete "$id" >/dev/null 2>&1 || true; done
  fi
  stop_component containerd
  for pid in $(our_shims); do kill -KILL "$pid" 2>/dev/null || true; done
  # Every mount under the node's state dir (pod volumes, rootfs overlays, netns files,
  # kubelet's shared bind mount), deepest first.
  for m in $(awk -v n="$N" 'index($5, n"/") == 1 || $5 == n {print $5}' /proc/self/mountinfo | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
  done
  # Veths of pods whose netns is gone vanish by themselves; remove any left on our bridge.
  for c in $(ip -o link show master "$NODE_BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    ip link delete "$c" 2>/dev/null || true
  done
  if [[ -f "$N/bridge.created" ]]; then
    ip link delete "$NODE_BRIDGE" 2>/dev/null || true
    rm -f "$N/bridge.created"
    log "removed bridge $NODE_BRIDGE"
  fi
  # kube-proxy's own tables (nftables mode makes nothing else).
  local fam
  for fam in ip ip6; do nft delete table "$fam" kube-proxy 2>/dev/null || true; done
  cgroups_down
  # containerd 2's shims put their sockets in /run/containerd/s whatever the config says, named
  # sha256(<containerd address>/<namespace>/<id>); a killed shim leaves its socket behind.
  # Remove ours, then the dirs if that left them empty (a host containerd's are not).
  for id in "${ids[@]}"; do
    rm -f "/run/containerd/s/$(printf '%s' "$CONTAINERD_SOCK/k8s.io/$id" | sha256sum | cut -c1-64)"
  done
  rmdir /run/containerd/s /run/containerd 2>/dev/null || true
  # Container state is throw-away, like etcd's: the next up starts empty.
  rm -rf "$N"
}

stop_component() { # NAME: SIGTERM its process group, then SIGKILL after 15s
  local f="$STATE/$1.pid" pid i
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f")"
  if pid_alive "$1"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    log "stopped $1 (pid $pid)"
  fi
  rm -f "$f"
}

case "${1:-}" in
  net-up) net_up ;;
  up) up ;;
  down) down ;;
  import)
    [[ -f "${2:-}" ]] || die "usage: $0 import IMAGE-ARCHIVE"
    ctr_ images import "$2" >/dev/null
    ;;
  *) echo "usage: $0 net-up|up|down|import FILE" >&2; exit 2 ;;
esac

# Settings of the node tier (up.sh --node), sourced by up.sh, node.sh and down.sh.
# Every address and interface here is made by node.sh and removed by down.sh: a bridge with a
# private /24 of its own, the pods' veths on it, one nftables table (kube-proxy's). The API
# server and LocalStack listen on the bridge's address so pods can reach them.
NODE_NAME="${ROTOR_NODE_NAME:-rotor-node}"
NODE_BRIDGE="${ROTOR_NODE_BRIDGE:-rotorbr0}"
# Pod subnet; the bridge (node) address is its .1.
NODE_SUBNET="${ROTOR_NODE_SUBNET:-10.231.0.0/24}"
NODE_IP="${NODE_SUBNET%.*/*}.1"
KUBELET_PORT="${ROTOR_KUBELET_PORT:-20250}"
KUBELET_HEALTHZ_PORT="${ROTOR_KUBELET_HEALTHZ_PORT:-20248}"
SCHEDULER_PORT="${ROTOR_SCHEDULER_PORT:-20259}"
KUBE_PROXY_HEALTHZ_PORT="${ROTOR_KUBE_PROXY_HEALTHZ_PORT:-20256}"
KUBE_PROXY_METRICS_PORT="${ROTOR_KUBE_PROXY_METRICS_PORT:-20249}"
NODE_STATE="$STATE/node"
CONTAINERD_SOCK="$NODE_STATE/containerd/containerd.sock"
# kubelet puts every pod cgroup under this one (in each cgroup v1 controller); down.sh removes it.
NODE_CGROUP_ROOT="/rotor-testbed-$NODE_BRIDGE"
NODE_COMPONENTS=(containerd kubelet kube-proxy kube-scheduler)

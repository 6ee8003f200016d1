#!/usr/bin/env bash
# Builds (once) everything the local e2e test bed runs, into a cache outside the repo:
#   $ROTOR_CACHE/k8s-<ver>/bin/{kube-apiserver,kube-controller-manager,kubectl}
#   $ROTOR_CACHE/etcd-<ver>/bin/etcd
#   $ROTOR_CACHE/helm-<ver>/bin/helm
#   $ROTOR_CACHE/localstack-<ver>/venv   (localstack-core[runtime] + awscli)
# and with --node (the node tier, up.sh --node) also:
#   $ROTOR_CACHE/k8s-node-<ver>/bin/{kubelet,kube-scheduler,kube-proxy}
#   $ROTOR_CACHE/containerd-<ver>/bin/{containerd,containerd-shim-runc-v2,ctr}
#   $ROTOR_CACHE/pause-<hash>/pause.tar    (the pod sandbox image, built here from pause/main.go)
#   $ROTOR_CACHE/oom-clamp-<hash>/oom-clamp (runc wrapper for hosts without CAP_SYS_RESOURCE)
#   Debian packages runc, containernetworking-plugins, nftables, conntrack, buildah (apt-get)
# Each part writes a .built marker only on success, so an interrupted build is redone
# and a complete one is skipped in milliseconds (build_part in lib.sh: one way for every part).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

ROTOR_CACHE="${ROTOR_CACHE:-$HOME/.cache/rotor}"
mkdir -p "$ROTOR_CACHE"

LOG_PREFIX=build
# shellcheck source=lib.sh
source "$here/lib.sh"

# Serialise concurrent runs (e.g. two test jobs starting at once) on the same cache.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$ROTOR_CACHE/.build.lock"
  flock 9
fi

# Static binaries: no C toolchain needed and nothing to break if libc changes.
export CGO_ENABLED=0

# run LOGFILE CMD... : run quietly, show the log tail if it fails.
run() {
  local logf="$1"; shift
  if ! "$@" >>"$logf" 2>&1; then
    printf '[build] FAILED: %s\n[build] --- last lines of %s ---\n' "$*" "$logf" >&2
    tail -n 40 "$logf" >&2
    return 1
  fi
}

# Print a field of `go mod download -json` for MODULE@VERSION (downloads it if needed).
gomod_field() {
  go mod download -json "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get(sys.argv[1]) or "")' "$2"
}

# LocalStack 4.14.0 says Requires-Python >=3.10 but its sts/kms providers use PEP 695 syntax
# (`class RegionBundle[T]`), which only parses on Python >= 3.12. Prefer 3.13 (what its own
# image runs); pyenv's versions count even when pyenv's global python is older.
find_python() {
  local c pyenvs
  mapfile -t pyenvs < <(printf '%s\n' "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 | sort -rV)
  for c in "${ROTOR_PYTHON:-}" python3.13 python3.12 "${pyenvs[@]}" python3; do
    [[ -n "$c" ]] || continue
    if "$c" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
      command -v "$c"
      return
    fi
  done
  return 1
}

# /version must report the real release (the operator and tests may check it). The module
# proxy has no commit hash, so blank gitCommit (else "$Format:%H$"); the tag time is the buildDate.
k8s_ldflags() { # WRAPPER-MODULE-DIR
  local major minor date ldflags="-s -w" pkg info
  info="$(cd "$1" && gomod_field "k8s.io/kubernetes@$K8S_VERSION" Info)"
  major="${K8S_VERSION#v}"; major="${major%%.*}"
  minor="${K8S_VERSION#v*.}"; minor="${minor%%.*}"
  date="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Time"])' "$info")"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date -X $pkg.gitCommit="
  done
  echo "$ldflags"
}

build_k8s() {
  local dir="$ROTOR_CACHE/k8s-$K8S_VERSION"
  build_part "kubernetes $K8S_VERSION" "$dir" "$K8S_VERSION" exists build_k8s_in "$dir/bin/kubectl" version --client
}

build_k8s_in() { # DIR LOGFILE
  local dir="$1" logf="$2"
  log "kubernetes $K8S_VERSION: building kube-apiserver, kube-controller-manager, kubectl (slow the first time)"
  mkdir -p "$dir/wrapper" "$dir/bin"

  # k8s.io/kubernetes requires its staging modules (k8s.io/api, client-go, ...) at v0.0.0 and
  # replaces them with ./staging/...; those replaces only apply inside that repo, so a wrapper
  # module must point each at its published v0.<minor>.<patch> tag. Derive the list, never
  # hard-code it, so a version bump picks up new staging modules.
  local modfile stage_ver
  modfile="$(cd "$dir/wrapper" && gomod_field "k8s.io/kubernetes@$K8S_VERSION" GoMod)"
  [[ -f "$modfile" ]] || die "could not download k8s.io/kubernetes@$K8S_VERSION"
  stage_ver="v0.${K8S_VERSION#v1.}"
  local staging
  staging="$(sed -nE 's#^[[:space:]]*(replace[[:space:]]+)?(k8s\.io/[^[:space:]]+)[[:space:]]+=>[[:space:]]+\./staging/.*#\2#p' "$modfile" | sort -u)"
  [[ -n "$staging" ]] || die "no staging replaces found in $modfile"
  local gover
  gover="$(sed -nE 's/^go ([0-9.]+).*/\1/p' "$modfile")"
  {
    echo "module rotor.local/k8s-testbed"
    echo
    echo "go $gover"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    local m
    for m in $staging; do echo "	$m => $m $stage_ver"; done
    echo ")"
  } >"$dir/wrapper/go.mod"
  log "  wrapper module: $(wc -l <<<"$staging") staging modules pinned to $stage_ver"

  local ldflags
  ldflags="$(k8s_ldflags "$dir/wrapper")"

  local cmds=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl)
  (cd "$dir/wrapper" && run "$logf" go get "${cmds[@]/%/@$K8S_VERSION}")
  # One go build for all three shares the compile of the common packages.
  (cd "$dir/wrapper" && run "$logf" go build -mod=mod -trimpath -ldflags "$ldflags" -o "$dir/bin/" "${cmds[@]}")
}

build_etcd() {
  local dir="$ROTOR_CACHE/etcd-$ETCD_VERSION"
  build_part "etcd $ETCD_VERSION" "$dir" "$ETCD_VERSION" exists build_etcd_in "$dir/bin/etcd" --version
}

build_etcd_in() { # DIR LOGFILE
  local dir="$1" logf="$2"
  log "etcd $ETCD_VERSION: building"
  mkdir -p "$dir/wrapper" "$dir/bin"
  # etcd's own main module replaces its sibling modules with ../paths, so `go install
  # go.etcd.io/etcd/v3@ver` fails; a two-line main around etcdmain builds from the published modules.
  cat >"$dir/wrapper/main.go" <<'EOF'
// Command etcd is etcd's own main, built from the published server module.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
  printf 'module rotor.local/etcd-testbed\n\ngo 1.22\n' >"$dir/wrapper/go.mod"
  (cd "$dir/wrapper" && run "$logf" go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" && run "$logf" go mod tidy)
  (cd "$dir/wrapper" && run "$logf" go build -trimpath -ldflags "-s -w" -o "$dir/bin/etcd" .)
}

build_helm() {
  local dir="$ROTOR_CACHE/helm-$HELM_VERSION"
  # The stamp names the build recipe too: a helm built before the capabilities flags below is rebuilt.
  build_part "helm $HELM_VERSION" "$dir" "$HELM_VERSION kube-capabilities" exact build_helm_in "$dir/bin/helm" version --short
}

build_helm_in() { # DIR LOGFILE
  local dir="$1" logf="$2"
  log "helm $HELM_VERSION: building"
  mkdir -p "$dir/bin"
  # Without -X, `helm version` reports only the minor ("v3.22").
  local ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  ldflags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  # Without these, `helm template` and `helm lint` assume Kubernetes v1.20 (helm's fallback) and
  # refuse the chart's kubeVersion ">=1.25.0-0"; helm's own release build sets them from the
  # client-go it links, as done here.
  local client_go minor
  client_go="$(cd "$dir" && gomod_field "helm.sh/helm/v3@$HELM_VERSION" GoMod)"
  minor="$(sed -n 's/^[[:space:]]*k8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$client_go" | head -1)"
  [[ -n "$minor" ]] || die "cannot read client-go's version from helm $HELM_VERSION's go.mod ($client_go)"
  local pkg
  for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$minor"
  done
  (cd "$dir" && GOBIN="$dir/bin" run "$logf" go install -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION")
}

LOCALSTACK_CONSTRAINTS="$here/localstack-constraints.txt"
build_localstack() {
  local dir="$ROTOR_CACHE/localstack-$LOCALSTACK_VERSION" want
  # A changed constraints file must rebuild the venv too.
  want="$LOCALSTACK_VERSION awscli-$AWSCLI_VERSION $(sha256sum <"$LOCALSTACK_CONSTRAINTS" | cut -c1-16)"
  # Verified inside (through run, which shows the log's tail): the venv's aws runs.
  build_part "localstack $LOCALSTACK_VERSION + awscli $AWSCLI_VERSION" "$dir" "$want" exact build_localstack_in
}

build_localstack_in() { # DIR LOGFILE
  local dir="$1" logf="$2" py
  py="$(find_python)" || die "LocalStack $LOCALSTACK_VERSION needs Python >= 3.12 (none found; set ROTOR_PYTHON)"
  log "localstack $LOCALSTACK_VERSION + awscli $AWSCLI_VERSION: creating venv with $("$py" -V 2>&1)"
  run "$logf" "$py" -m venv "$dir/venv"
  run "$logf" "$dir/venv/bin/python" -m pip install --disable-pip-version-check --no-input -q \
    -c "$LOCALSTACK_CONSTRAINTS" "localstack-core[runtime]==$LOCALSTACK_VERSION" "awscli==$AWSCLI_VERSION"
  # Import the providers we use: catches a Python/dependency mismatch here, not at first request.
  run "$logf" "$dir/venv/bin/python" -c 'import localstack.aws.components, localstack.services.sts.provider, localstack.services.kms.provider, localstack.services.secretsmanager.provider, localstack.services.ssm.provider'
  run "$logf" "$dir/venv/bin/aws" --version
}

# The node tier's host tools come from Debian: runc (the OCI runtime containerd drives), the
# CNI plugins (bridge, host-local, loopback), nft for kube-proxy's nftables mode, conntrack
# (kube-proxy flushes stale UDP entries with it) and buildah (images without a Docker daemon).
ensure_node_debs() {
  local missing=() pkg
  command -v runc >/dev/null || missing+=(runc)
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/loopback ]] || missing+=(containernetworking-plugins)
  command -v nft >/dev/null || missing+=(nftables)
  command -v conntrack >/dev/null || missing+=(conntrack)
  command -v buildah >/dev/null || missing+=(buildah)
  ((${#missing[@]} == 0)) && return
  ((EUID == 0)) || die "the node tier needs Debian packages: apt-get install ${missing[*]}"
  log "installing Debian packages: ${missing[*]}"
  local logf="$ROTOR_CACHE/apt.log"; : >"$logf"
  export DEBIAN_FRONTEND=noninteractive
  run "$logf" apt-get update
  run "$logf" apt-get install -y --no-install-recommends "${missing[@]}"
  for pkg in runc nft conntrack buildah; do command -v "$pkg" >/dev/null || die "$pkg still missing after apt-get"; done
}

# kubelet, kube-scheduler and kube-proxy of the same release as the control plane, from the
# k8s wrapper module build_k8s made (its downloads and compiled packages are reused).
build_k8s_node() {
  local dir="$ROTOR_CACHE/k8s-node-$K8S_VERSION"
  build_part "kubernetes node $K8S_VERSION" "$dir" "$K8S_VERSION" exists build_k8s_node_in "$dir/bin/kubelet" --version
}

build_k8s_node_in() { # DIR LOGFILE
  local dir="$1" logf="$2" src="$ROTOR_CACHE/k8s-$K8S_VERSION"
  log "kubernetes node $K8S_VERSION: building kubelet, kube-scheduler, kube-proxy"
  mkdir -p "$dir/wrapper" "$dir/bin"
  cp "$src/wrapper/go.mod" "$src/wrapper/go.sum" "$dir/wrapper/"
  local cmds=(k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kube-proxy)
  (cd "$dir/wrapper" && run "$logf" go get "${cmds[@]/%/@$K8S_VERSION}")
  (cd "$dir/wrapper" && run "$logf" go build -mod=mod -trimpath -ldflags "$(k8s_ldflags "$dir/wrapper")" -o "$dir/bin/" "${cmds[@]}")
}

build_containerd() {
  local dir="$ROTOR_CACHE/containerd-$CONTAINERD_VERSION"
  build_part "containerd $CONTAINERD_VERSION" "$dir" "$CONTAINERD_VERSION" exists build_containerd_in "$dir/bin/containerd" --version
}

build_containerd_in() { # DIR LOGFILE
  local dir="$1" logf="$2"
  log "containerd $CONTAINERD_VERSION: building"
  mkdir -p "$dir/bin"
  # containerd's module has no replace directives, so `go install` builds it as released.
  # The tags leave out the snapshotters that need cgo (btrfs, devmapper, zfs); overlayfs stays.
  local mod=github.com/containerd/containerd/v2
  (cd "$dir" && GOBIN="$dir/bin" run "$logf" go install -trimpath \
    -tags "no_btrfs no_devmapper no_zfs urfave_cli_no_docs" \
    -ldflags "-s -w -X $mod/version.Version=$CONTAINERD_VERSION" \
    "$mod/cmd/containerd@$CONTAINERD_VERSION" "$mod/cmd/containerd-shim-runc-v2@$CONTAINERD_VERSION" "$mod/cmd/ctr@$CONTAINERD_VERSION")
}

# Small Go programs of the test bed (pause/, oom-clamp/), built into a dir named by their
# source hash so an edit rebuilds them. Prints the dir.
build_local_go() { # NAME
  local name="$1" hash dir
  hash="$(cat "$here/$name/main.go" | sha256sum | cut -c1-12)"
  dir="$ROTOR_CACHE/$name-$hash"
  if [[ ! -f "$dir/.built" ]]; then
    rm -rf "$dir"; mkdir -p "$dir/src"
    cp "$here/$name/main.go" "$dir/src/"
    printf 'module rotor.local/%s\n\ngo 1.22\n' "$name" >"$dir/src/go.mod"
    (cd "$dir/src" && run "$dir/build.log" go build -trimpath -ldflags "-s -w" -o "$dir/$name" .) || die "$name failed to build"
    touch "$dir/.built"
  fi
  echo "$dir"
}

# The pod sandbox ("pause") image: no registry is reachable, so it is built here, a static Go
# binary in an otherwise empty image, saved as an archive that node.sh imports into containerd.
PAUSE_IMAGE=rotor.local/pause:1
build_pause() {
  local dir
  dir="$(build_local_go pause)"
  build_local_go oom-clamp >/dev/null
  if [[ -f "$dir/pause.tar" ]]; then log "pause image, oom-clamp: cached"; return; fi
  log "pause image: building"
  # shellcheck source=../image/buildah.sh
  (source "$here/../image/buildah.sh"
   ctr="$(bh from --quiet scratch)"
   bh copy --quiet "$ctr" "$dir/pause" /pause >/dev/null
   bh config --entrypoint '["/pause"]' --os linux --arch amd64 "$ctr"
   bh commit --quiet --rm "$ctr" "$PAUSE_IMAGE" >/dev/null
   bh push --quiet "$PAUSE_IMAGE" "docker-archive:$dir/pause.tar.part:$PAUSE_IMAGE" >/dev/null) >>"$dir/build.log" 2>&1 ||
    die "pause image failed (see $dir/build.log)"
  mv "$dir/pause.tar.part" "$dir/pause.tar"
}

node=false
case "${1:-}" in
  --node) node=true ;;
  "") ;;
  *) die "usage: $0 [--node]" ;;
esac

start=$SECONDS
# The venv is network-bound and the Go builds CPU-bound: overlap them. If a Go build fails,
# still wait for the venv so no pip process outlives this script.
build_localstack &
ls_pid=$!
trap 'wait "$ls_pid" 2>/dev/null || true' EXIT
build_k8s
build_etcd
build_helm
if $node; then
  ensure_node_debs
  build_k8s_node
  build_containerd
  build_pause
fi
wait "$ls_pid" || die "localstack venv failed"
log "all components ready in $ROTOR_CACHE ($((SECONDS - start))s)"

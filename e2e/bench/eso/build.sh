#!/usr/bin/env bash
# Builds (once) the ESO controller the scale bench runs side by side with Rotor
# (scripts/bench.sh eso), from ESO's source, with only the AWS provider compiled in (as the
# comparison in docs/benchmarks.md was measured), into a cache outside the repo:
#   $ROTOR_CACHE/eso-<ver>/bin/external-secrets
# and prints that path on stdout. The source is an unpacked ESO release tree ($ESO_SRC, read
# only: it is copied into the cache dir first, since go build writes nothing there but the copy
# keeps the cache self-contained and the build independent of later edits to $ESO_SRC).
# Cached like the test bed's parts (build_part in e2e/testbed/lib.sh): a .built stamp written
# only on success, so an interrupted build is redone and a finished one is skipped at once.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
testbed="$here/../../testbed"
# shellcheck source=version.env
source "$here/version.env"

ROTOR_CACHE="${ROTOR_CACHE:-$HOME/.cache/rotor}"
ESO_SRC="${ESO_SRC:-/work/eso-src}"
mkdir -p "$ROTOR_CACHE"

LOG_PREFIX=eso-build
# shellcheck source=../../testbed/lib.sh
source "$testbed/lib.sh"

# The same lock as build.sh: two benches starting at once build once.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$ROTOR_CACHE/.build.lock"
  flock 9
fi
export CGO_ENABLED=0

# ESO registers each provider in pkg/register/<name>.go behind `//go:build <name> || all_providers`;
# the generators are registered without a tag (they are always in).
ESO_TAGS=aws
dir="$ROTOR_CACHE/eso-$ESO_VERSION"
bin="$dir/bin/external-secrets"

build_eso_in() { # DIR LOGFILE
  local dir="$1" logf="$2" chart="$ESO_SRC/deploy/charts/external-secrets/Chart.yaml" found
  [[ -f "$ESO_SRC/main.go" && -f "$chart" ]] ||
    die "ESO_SRC=$ESO_SRC is not an ESO source tree (no main.go / deploy/charts/external-secrets/Chart.yaml); set ESO_SRC to an unpacked ESO $ESO_VERSION release"
  # The cache dir is named by the version: refuse a tree of another release.
  found="$(sed -nE 's/^appVersion:[[:space:]]*"?([^"[:space:]]+)"?.*/\1/p' "$chart")"
  [[ "$found" == "$ESO_VERSION" ]] ||
    die "ESO_SRC=$ESO_SRC is ESO $found, not $ESO_VERSION (e2e/bench/eso/version.env)"
  log "ESO $ESO_VERSION: building the controller with -tags $ESO_TAGS (slow the first time)"
  mkdir -p "$dir/src" "$dir/bin"
  # docs/ is most of the tree and nothing builds from it.
  tar -C "$ESO_SRC" --exclude=./docs --exclude=./e2e --exclude=./terraform -cf - . | tar -C "$dir/src" -xf -
  chmod -R u+w "$dir/src"
  (cd "$dir/src" && GOFLAGS="${GOFLAGS:-} -mod=mod" run "$logf" go build -trimpath -tags "$ESO_TAGS" -ldflags "-s -w" -o "$dir/bin/external-secrets" .)
}

# run LOGFILE CMD... : run quietly, show the log's tail if it fails (as build.sh does).
run() {
  local logf="$1"; shift
  if ! "$@" >>"$logf" 2>&1; then
    printf '[%s] FAILED: %s\n[%s] --- last lines of %s ---\n' "$LOG_PREFIX" "$*" "$LOG_PREFIX" "$logf" >&2
    tail -n 40 "$logf" >&2
    return 1
  fi
}

build_part "ESO $ESO_VERSION (-tags $ESO_TAGS)" "$dir" "$ESO_VERSION tags=$ESO_TAGS" exact build_eso_in "$bin" --help
echo "$bin"

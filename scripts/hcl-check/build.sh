#!/usr/bin/env bash
# Builds hcl-check (HashiCorp's HCL parser, from the Go module pinned in go.mod) into the cache,
# keyed by the hash of its sources, and prints the binary's path. First build: well under a
# minute (module download); later calls return at once. scripts/test.sh runs it when Go exists.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${ROTOR_CACHE:-$HOME/.cache/rotor}"
key="$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-12)"
out="$cache/hcl-check-$key"
if [ ! -x "$out/hcl-check" ]; then
  mkdir -p "$out"
  (cd "$here" && CGO_ENABLED=0 go build -trimpath -o "$out/hcl-check.tmp" .) >&2
  mv "$out/hcl-check.tmp" "$out/hcl-check"
fi
echo "$out/hcl-check"

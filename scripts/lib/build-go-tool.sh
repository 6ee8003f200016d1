#!/usr/bin/env bash
# Builds the small Go program in DIR (its go.mod, go.sum, main.go) into the cache, keyed by the
# hash of those sources, and prints the binary's path; a later call with the same sources
# returns at once. Used by the test tools built from pinned Go modules (e2e/promql-check,
# scripts/hcl-check). Build output goes to stderr; go's own environment (CGO_ENABLED, ...) is
# the caller's.
#   scripts/lib/build-go-tool.sh DIR NAME
set -euo pipefail
dir="$(cd "$1" && pwd)"
name="$2"
cache="${ROTOR_CACHE:-$HOME/.cache/rotor}"
key="$(cat "$dir/go.mod" "$dir/go.sum" "$dir/main.go" | sha256sum | cut -c1-12)"
out="$cache/$name-$key"
if [ ! -x "$out/$name" ]; then
  mkdir -p "$out"
  (cd "$dir" && go build -trimpath -o "$out/$name.tmp" .) >&2
  mv "$out/$name.tmp" "$out/$name"
fi
echo "$out/$name"

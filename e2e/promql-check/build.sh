#!/usr/bin/env bash
# Builds promql-check (Prometheus's query engine and TSDB from the Go module pinned in go.mod)
# into the test-bed cache, keyed by the hash of its sources, and prints the binary's path.
# First build: a few minutes on 2 cores (module download); later calls return at once.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${ROTOR_CACHE:-$HOME/.cache/rotor}"
key="$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-12)"
out="$cache/promql-check-$key"
if [ ! -x "$out/promql-check" ]; then
  mkdir -p "$out"
  (cd "$here" && go build -trimpath -o "$out/promql-check.tmp" .) >&2
  mv "$out/promql-check.tmp" "$out/promql-check"
fi
echo "$out/promql-check"

#!/usr/bin/env bash
# Builds hcl-check (HashiCorp's HCL parser, from the Go module pinned in go.mod) into the cache,
# keyed by the hash of its sources, and prints the binary's path. First build: well under a
# minute (module download); later calls return at once. scripts/test.sh runs it when Go exists.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
CGO_ENABLED=0 exec bash "$here/../lib/build-go-tool.sh" "$here" hcl-check

#!/usr/bin/env bash
# Builds actionlint (rhysd/actionlint, from the Go module pinned in go.mod) into the cache,
# keyed by the hash of its sources, and prints the binary's path. First build: under a minute
# (module download); later calls return at once. scripts/test.sh runs it when Go exists and
# checks every workflow with it; operator/test/release/workflows.test.ts uses the same binary.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
CGO_ENABLED=0 exec bash "$here/../lib/build-go-tool.sh" "$here" actionlint

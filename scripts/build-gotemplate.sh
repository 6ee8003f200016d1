#!/usr/bin/env bash
# Builds the Go template engine (operator/gotemplate: Go text/template + sprig + ESO's
# functions + gjson) to WebAssembly and stores it gzipped next to its source, where the
# operator loads it (operator/src/sync/template/go/engine.ts). The artifact is committed, so
# neither CI nor the image build needs Go; this script is how it is (re)made:
#   scripts/build-gotemplate.sh          rebuild operator/gotemplate/gotemplate.wasm.gz
#   scripts/build-gotemplate.sh --check  rebuild in a temp dir and fail if the committed
#                                        artifact differs (needs the same Go version)
# The build is reproducible: -trimpath, no build id, no VCS stamp, modules pinned by go.sum,
# and gzip -n (no name or timestamp). SOURCE.sha256 records the inputs, which a unit test
# compares with the source so a change without a rebuild fails fast.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/operator/gotemplate"
want_go="$(sed -n 's/^toolchain-used: //p' "$dir/SOURCE.sha256" 2>/dev/null || true)"

build() {
  local out="$1"
  (cd "$dir" && GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 GOFLAGS=-mod=readonly \
    go build -trimpath -buildvcs=false -buildmode=c-shared -ldflags='-s -w -buildid=' -o "$out.wasm" .)
  gzip -9 -n -c "$out.wasm" > "$out.wasm.gz"
  rm -f "$out.wasm"
}

source_hash() {
  (cd "$dir" && cat go.mod go.sum $(ls *.go | sort) | sha256sum | cut -d' ' -f1)
}

if [[ "${1:-}" == "--check" ]]; then
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  have_go="$(go env GOVERSION)"
  if [[ -n "$want_go" && "$have_go" != "$want_go" ]]; then
    echo "build-gotemplate --check: the artifact was built with $want_go, this machine has $have_go; skipping the byte comparison" >&2
    exit 0
  fi
  build "$tmp/gotemplate"
  if cmp -s <(gunzip -c "$tmp/gotemplate.wasm.gz") <(gunzip -c "$dir/gotemplate.wasm.gz"); then
    echo "operator/gotemplate/gotemplate.wasm.gz matches its source"
  else
    echo "operator/gotemplate/gotemplate.wasm.gz differs from a fresh build: run scripts/build-gotemplate.sh and commit it" >&2
    exit 1
  fi
  exit 0
fi

build "$dir/gotemplate"
{
  echo "source: $(source_hash)"
  echo "toolchain-used: $(go env GOVERSION)"
} > "$dir/SOURCE.sha256"
echo "built $(du -h "$dir/gotemplate.wasm.gz" | cut -f1) operator/gotemplate/gotemplate.wasm.gz ($(go env GOVERSION))"

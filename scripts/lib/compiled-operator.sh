# Sourced by the template benchmarks: compiles the operator into a temporary folder (so the
# worker files run as the production .js) with the Go engine's wasm beside it, and sets $out
# to that folder (removed on exit). Needs $root (the checkout) and Node on PATH.
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
npx tsc -p "$root/tsconfig.json" --outDir "$out/dist" >/dev/null
mkdir -p "$out/gotemplate" && cp "$root/operator/gotemplate/gotemplate.wasm.gz" "$out/gotemplate/"

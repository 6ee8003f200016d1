#!/usr/bin/env bash
# Memory and latency of the Go template engine (operator/gotemplate as WebAssembly): RSS of a
# Node process before the engine is used, after its first render (module compiled, worker and
# instance started) and after 1,000 renders, plus per-render latency. No test bed needed.
#   bash scripts/bench-gotemplate.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
eval "$(scripts/ensure-node.sh)"
# shellcheck source=scripts/lib/compiled-operator.sh
. scripts/lib/compiled-operator.sh
cat > "$out/bench.mjs" <<'JS'
const { WasmGoEngine } = await import(process.argv[2]);
const mb = () => (process.memoryUsage().rss / 1048576).toFixed(0);
const data = { username: Buffer.from('app'), password: Buffer.from('p@ss word+1'), host: Buffer.from('db.internal') };
const templates = [
  { text: 'postgres://{{ .username }}:{{ .password | urlquery }}@{{ .host }}:5432/app' },
  { text: '{{ dict "user" .username "host" .host | toJson }}' },
  { text: '{{ .password | b64enc }}' },
];
globalThis.gc?.();
const before = mb();
const engine = new WasmGoEngine();
let t = performance.now();
await engine.render(templates, data, 1 << 20);
const first = performance.now() - t;
const afterFirst = mb();
const times = [];
for (let i = 0; i < 1000; i++) {
  t = performance.now();
  await engine.render(templates, data, 1 << 20);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
console.log(`rss before: ${before} MiB; after first render: ${afterFirst} MiB; after 1000 renders: ${mb()} MiB`);
console.log(`first render (load + compile + start): ${first.toFixed(0)} ms; per render of 3 templates: p50 ${times[500].toFixed(2)} ms, p99 ${times[990].toFixed(2)} ms`);
await engine.close();
JS
node --expose-gc "$out/bench.mjs" "$out/dist/sync/template/go/engine.js"

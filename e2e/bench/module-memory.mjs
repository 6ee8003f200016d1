// What loading each runtime dependency costs before any work: RSS, live JS heap and memory
// outside the heap after a full GC, each in a fresh Node process (scripts/bench.sh modules).
// Run after `npm run build` so the whole operator graph can be measured too. Also fails if
// loading the operator loads @kubernetes/client-node (it must not: see kube/client/rest.ts).
import { execFileSync } from 'node:child_process';

const MODULES = [
  '',
  '@kubernetes/client-node',
  '@kubernetes/client-node/dist/watch.js',
  '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js',
  '@aws-sdk/client-secrets-manager',
  '@aws-sdk/client-ssm',
  '@aws-sdk/client-sts',
  '@aws-sdk/credential-providers',
  'pino',
  'prom-client',
  'liquidjs',
  'yaml',
  './operator/dist/kube/client.js',
  './operator/dist/operator.js',
];

const probe = (m) => `
  (async () => {
    if (${JSON.stringify(m)}) await import(${JSON.stringify(m)});
    globalThis.gc();
    const u = process.memoryUsage();
    console.log(JSON.stringify({ rss: u.rss, heapUsed: u.heapUsed, external: u.external }));
  })();`;

const MiB = 1024 * 1024;
console.log('| module | RSS, MiB | live JS heap, MiB | external, MiB |\n|---|---|---|---|');
for (const m of MODULES) {
  // The same heap flags as under the chart's 256 MiB limit (operator/src/platform/heap.ts).
  const out = execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=160', '--max-semi-space-size=4', '--input-type=module', '-e', probe(m)], { encoding: 'utf8' });
  const u = JSON.parse(out);
  console.log(`| ${m || '(node alone)'} | ${(u.rss / MiB).toFixed(0)} | ${(u.heapUsed / MiB).toFixed(1)} | ${(u.external / MiB).toFixed(1)} |`);
}

// Every module the operator's graph resolves (main.ts imports operator.js after sizing the heap).
const loaded = execFileSync(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `import { registerHooks } from 'node:module';
     const urls = [];
     registerHooks({ resolve(spec, ctx, next) { const r = next(spec, ctx); urls.push(r.url); return r; } });
     await import('./operator/dist/operator.js');
     console.log(JSON.stringify(urls));`,
  ],
  { encoding: 'utf8' },
);
const offenders = JSON.parse(loaded).filter((url) => url.includes('/@kubernetes/client-node/'));
console.log(`\nmodules loaded by operator/dist/operator.js: ${JSON.parse(loaded).length}, of them from @kubernetes/client-node: ${offenders.length}`);
if (offenders.length > 0) process.exit(1);

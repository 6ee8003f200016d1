// The chart's Grafana dashboard and PrometheusRule against the operator's real /metrics:
// scrape it several times while a healthy and a failing ExternalSecret sync, then evaluate
// every panel query and alert expression with Prometheus's own engine (e2e/promql-check).
// A panel must return data; an alert (empty while all is well) must only name series the
// operator exports — and "not Ready" must fire for the failing ExternalSecret.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { apply, aws, kubectl, run } from '../lib/cli.js';
import { freshNamespace, secretValue, waitForReady } from '../lib/context.js';
import { applyExample } from '../lib/examples.js';
import { sleep } from '../lib/wait.js';

const exec = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const metricsUrl = inject('rotorEnv').ROTOR_METRICS_URL!;
/** Where the evaluated queries are written, for docs/dashboard.png (scripts/render-dashboard.mjs). */
export const RESULTS_FILE = process.env.ROTOR_DASHBOARD_RESULTS ?? join(tmpdir(), 'rotor-dashboard-results.json');

/**
 * Panel queries that are empty in a healthy run because they count failures; for them only
 * the series they name must be exported.
 */
const EMPTY_WHEN_HEALTHY = new Set(['Rollout failures (1h)', 'Watch restarts']);

interface Panel {
  title: string;
  type: string;
  targets?: Array<{ refId: string; expr: string }>;
}

interface Query {
  id: string;
  expr: string;
  mode: 'data' | 'selectors';
}

interface Result {
  id: string;
  ok: boolean;
  series: number;
  error?: string;
  declaredOnly?: string[];
  values?: Array<{ metric: Record<string, string>; value: number | null }>;
}

let ns: string;
let checker: string;
let results: Map<string, Result>;
let queries: Query[];

/** Grafana's variables, as a Prometheus data source would expand them for "All" and a short range. */
const expandGrafana = (expr: string) => expr.replaceAll('$__rate_interval', '1m').replaceAll('$namespace', '.*');

async function renderChart(): Promise<{ panels: Panel[]; alerts: Array<{ alert: string; expr: string }> }> {
  // As a cluster with the Prometheus operator: the chart renders the PrometheusRule only when
  // monitoring.coreos.com/v1 is served (prometheusRule.renderMode skipIfMissing, the default).
  const { stdout } = await run('helm', ['template', 'rotor', join(repo, 'charts/rotor'), '--namespace', 'rotor-system', '--api-versions', 'monitoring.coreos.com/v1/PrometheusRule', '--set', 'prometheusRule.enabled=true', '--set', 'grafanaDashboard.enabled=true']);
  const docs = parseAllDocuments(stdout).map((d) => d.toJS() as any).filter(Boolean);
  const dashboard = JSON.parse(docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name.endsWith('-dashboard')).data['rotor.json']);
  const rule = docs.find((d) => d.kind === 'PrometheusRule');
  return { panels: dashboard.panels as Panel[], alerts: rule.spec.groups.flatMap((g: any) => g.rules) };
}

beforeAll(async () => {
  // Cached after the first build (a few minutes on a fresh machine: Prometheus's Go module).
  checker = (await exec('bash', [join(repo, 'e2e/promql-check/build.sh')], { timeout: 20 * 60_000, maxBuffer: 16 << 20 })).stdout.trim();
  ns = await freshNamespace('e2e-obs');
  await aws('secretsmanager', 'create-secret', '--name', `${ns}/db`, '--secret-string', JSON.stringify({ password: secretValue('obs') }));
  await applyExample('secretstore-default-chain.yaml', { namespace: ns });
  // A store with its own credentials, so the credential cache panel has lookups (the SDK
  // default chain caches on its own). 000000000000 is LocalStack's default account.
  await kubectl('create', 'secret', 'generic', 'aws-credentials', '-n', ns, '--from-literal=access-key-id=000000000000', `--from-literal=secret-access-key=${secretValue('sak')}`);
  await applyExample('secretstore-static-keys.yaml', { namespace: ns });
  await waitForReady('secretstore', 'aws-secretsmanager', ns);
  await waitForReady('secretstore', 'aws-static-keys', ns);
  const es = (name: string, store: string, key: string) => `
apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: ${name}, namespace: ${ns}}
spec:
  refreshInterval: 5s
  secretStoreRef: {name: ${store}, kind: SecretStore}
  data:
    - secretKey: password
      remoteRef: {key: ${key}, property: password}
`;
  await apply(es('healthy', 'aws-static-keys', `${ns}/db`) + '---' + es('broken', 'aws-secretsmanager', `${ns}/does-not-exist`));
  await waitForReady('externalsecret', 'healthy', ns);
  await waitForReady('externalsecret', 'broken', ns, 'False');

  // Four scrapes 5 s apart (refreshes and retries happen in between), as Prometheus would.
  const dir = mkdtempSync(join(tmpdir(), 'rotor-scrapes-'));
  const scrapes: string[] = [];
  for (let i = 0; i < 4; i++) {
    if (i > 0) await sleep(5_000);
    const at = Date.now();
    const file = join(dir, `scrape-${i}.prom`);
    writeFileSync(file, await (await fetch(metricsUrl)).text());
    scrapes.push(`${file}@${at}`);
  }

  const { panels, alerts } = await renderChart();
  queries = [
    ...panels.flatMap((p) =>
      (p.targets ?? []).map((t) => ({ id: `panel ${p.title} ${t.refId}`, expr: expandGrafana(t.expr), mode: EMPTY_WHEN_HEALTHY.has(p.title) ? ('selectors' as const) : ('data' as const) })),
    ),
    ...alerts.map((a) => ({ id: `alert ${a.alert}`, expr: a.expr, mode: 'selectors' as const })),
    // What RotorExternalSecretSyncStale compares, for this file's healthy ExternalSecret.
    {
      id: 'stale ratio of healthy',
      expr: `(time() - rotor_externalsecret_last_sync_success_timestamp_seconds{namespace="${ns}",name="healthy"}) / rotor_externalsecret_refresh_interval_seconds{namespace="${ns}",name="healthy"}`,
      mode: 'data' as const,
    },
  ];
  const queriesFile = join(dir, 'queries.json');
  writeFileSync(queriesFile, JSON.stringify(queries));
  // Exit 1 when a query fails: the per-query lines on stdout say which, so read them either way.
  const out = await exec(checker, ['-queries', queriesFile, ...scrapes], { maxBuffer: 16 << 20 }).catch((error: { stdout?: string; stderr?: string }) => {
    if (!error.stdout) throw error;
    return { stdout: error.stdout };
  });
  const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as Result);
  results = new Map(lines.map((r) => [r.id, r]));
  writeFileSync(RESULTS_FILE, JSON.stringify({ panels, results: lines }, null, 2));
}, 25 * 60_000);

afterAll(async () => {
  if (ns) await kubectl('delete', 'namespace', ns, '--wait=false');
});

describe('Grafana dashboard and alerts on the real /metrics', () => {
  it('evaluates every panel query and alert expression', () => {
    expect(queries.filter((q) => q.id.startsWith('panel')).length).toBeGreaterThan(20);
    expect(queries.filter((q) => q.id.startsWith('alert')).length).toBe(7);
    expect(results.size).toBe(queries.length);
    // No checker-level error (bad PromQL, evaluation failure) hides behind another assertion.
    expect([...results.values()].filter((r) => r.error && !r.ok && !r.error.startsWith('selectors') && !r.error.startsWith('the query')).map((r) => `${r.id}: ${r.error}`)).toEqual([]);
  });

  it('every dashboard panel query returns data (failure counters: their series are exported)', () => {
    const failing = [...results.values()].filter((r) => r.id.startsWith('panel') && !r.ok).map((r) => `${r.id}: ${r.error}`);
    expect(failing).toEqual([]);
  });

  it('every alert expression is valid and names only exported metrics and labels', () => {
    const failing = [...results.values()].filter((r) => r.id.startsWith('alert') && !r.ok).map((r) => `${r.id}: ${r.error}`);
    expect(failing).toEqual([]);
  });

  it('RotorExternalSecretNotReady matches the failing ExternalSecret and only it', () => {
    const notReady = results.get('alert RotorExternalSecretNotReady')!;
    const mine = (notReady.values ?? []).filter((v) => v.metric.namespace === ns).map((v) => v.metric.name);
    expect(mine).toEqual(['broken']);
  });

  it('the AWS error panel shows the failing read by code and class', () => {
    const errors = results.get('panel AWS errors by code A')!;
    expect(errors.values).toContainEqual(expect.objectContaining({ metric: expect.objectContaining({ operation: 'GetSecretValue', code: 'ResourceNotFoundException', class: 'client' }) }));
  });

  it('the staleness alert has an interval and a last success for the healthy ExternalSecret', () => {
    const ratio = results.get('stale ratio of healthy')!;
    expect(ratio.ok, ratio.error).toBe(true);
    expect(ratio.values![0]!.value).not.toBeNull();
    expect(ratio.values![0]!.value!).toBeGreaterThanOrEqual(0);
    expect(ratio.values![0]!.value!).toBeLessThan(2);
  });
});

// The operator's Prometheus metrics, where the harness exposes them (the local bed does).
// A refresh that changes nothing writes no status (refreshTime moves only on changes and on
// the --status-heartbeat), so tests count refreshes with the exact per-ExternalSecret
// rotor_externalsecret_last_sync_success_timestamp_seconds instead.
import { inject } from 'vitest';
import { sleep, waitFor } from './wait.js';

export function metricsUrl(): string | undefined {
  return inject('rotorEnv').ROTOR_METRICS_URL;
}

/** Samples of one metric, as label maps with values. */
export async function samples(name: string): Promise<{ labels: Record<string, string>; value: number }[]> {
  const url = metricsUrl();
  if (!url) throw new Error('this harness exposes no operator metrics');
  const text = await (await fetch(url)).text();
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^[^{ ]+(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    out.push({ labels, value: Number(m[2]) });
  }
  return out;
}

/** When the ExternalSecret last synced successfully (Unix seconds), changed or not. */
export async function lastSync(namespace: string, name: string): Promise<number | undefined> {
  const all = await samples('rotor_externalsecret_last_sync_success_timestamp_seconds');
  return all.find((s) => s.labels.namespace === namespace && s.labels.name === name)?.value;
}

/**
 * Waits until the ExternalSecret has completed `count` more successful refreshes. Without
 * metrics (another harness), waits for count + 1 intervals instead.
 */
export async function waitForRefreshes(namespace: string, name: string, count: number, intervalMs: number): Promise<void> {
  if (!metricsUrl()) {
    await sleep((count + 1) * intervalMs);
    return;
  }
  const seen = new Set<number>();
  const first = await lastSync(namespace, name);
  await waitFor(
    `${count} refreshes of ${namespace}/${name}`,
    async () => {
      const t = await lastSync(namespace, name);
      if (t !== undefined && t !== first) seen.add(t);
      return seen.size >= count;
    },
    { timeoutMs: (count + 2) * intervalMs + 10_000, intervalMs: Math.min(250, intervalMs / 4) },
  );
}

// Prometheus text exposition parsing for the benchmark: the operator's own counters and the
// API server's apiserver_request_total. Pure, so it is unit-tested.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample of the named metrics (all metrics when `names` is empty). */
export function parseSamples(text: string, names: readonly string[] = []): Sample[] {
  const wanted = new Set(names);
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const name = m[1]!;
    if (wanted.size > 0 && !wanted.has(name)) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const value = Number(m[3]);
    if (Number.isFinite(value)) out.push({ name, labels, value });
  }
  return out;
}

/** Sums samples into buckets named by `keyOf` (undefined = leave the sample out). */
export function sumBy(samples: readonly Sample[], keyOf: (s: Sample) => string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    const key = keyOf(s);
    if (key !== undefined) out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}

/** after - before, per key, dropping keys that did not grow. */
export function growth(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d > 0) out.set(k, d);
  }
  return out;
}

export const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY']);

/**
 * The operator's writes from apiserver_request_total, keyed "VERB resource[/subresource]".
 * Counted: Secrets, ExternalSecret/SecretStore status, Events, and updates of the
 * ExternalSecrets themselves (ESO patches its finalizer onto each new one) — what an operator
 * writes per ExternalSecret. Creating ExternalSecrets (the benchmark's own POSTs) and Leases
 * (leader election, and the API server's own identity lease) are not.
 */
export function operatorWrites(apiserverMetrics: string): Map<string, number> {
  return sumBy(parseSamples(apiserverMetrics, ['apiserver_request_total']), (s) => {
    const { verb = '', resource = '', subresource = '' } = s.labels;
    if (!WRITE_VERBS.has(verb)) return undefined;
    const isStatus = subresource === 'status' && (resource === 'externalsecrets' || resource === 'secretstores' || resource === 'clustersecretstores');
    const isEsUpdate = resource === 'externalsecrets' && subresource === '' && verb !== 'POST';
    if (resource === 'secrets' || resource === 'events' || isStatus || isEsUpdate) return `${verb} ${resource}${subresource ? `/${subresource}` : ''}`;
    return undefined;
  });
}

/** Single-object GETs of Secrets (the operator reads a target that is not in its managed-Secret cache). */
export function secretGets(apiserverMetrics: string): number {
  return total(sumBy(parseSamples(apiserverMetrics, ['apiserver_request_total']), (s) =>
    s.labels.verb === 'GET' && s.labels.resource === 'secrets' && s.labels.scope === 'resource' ? 'get' : undefined));
}

/** Lease writes (leader election renewals), reported apart from the per-ExternalSecret writes. */
export function leaseWrites(apiserverMetrics: string): number {
  return total(sumBy(parseSamples(apiserverMetrics, ['apiserver_request_total']), (s) =>
    WRITE_VERBS.has(s.labels.verb ?? '') && s.labels.resource === 'leases' ? 'leases' : undefined));
}

/** rotor_aws_api_calls_total keyed "service:operation". */
export function awsCalls(operatorMetrics: string): Map<string, number> {
  return sumBy(parseSamples(operatorMetrics, ['rotor_aws_api_calls_total']), (s) => `${s.labels.service}:${s.labels.operation}`);
}

/**
 * ESO's calls to its providers (externalsecret_provider_api_calls_count, runtime/metrics in
 * ESO's source) keyed "provider:call", e.g. "AWS/SecretsManager:GetSecretValue"; failed calls count too.
 */
export function esoProviderCalls(esoMetrics: string): Map<string, number> {
  return sumBy(parseSamples(esoMetrics, ['externalsecret_provider_api_calls_count']), (s) => `${s.labels.provider}:${s.labels.call}`);
}

/** Refreshes done: rotor_sync_total with result synced or unchanged (not skipped passes, not errors). */
export function refreshes(operatorMetrics: string): number {
  return total(sumBy(parseSamples(operatorMetrics, ['rotor_sync_total']), (s) => (s.labels.result === 'synced' || s.labels.result === 'unchanged' ? 'r' : undefined)));
}

/** Cumulative counts at one point of a window, from its start. */
export interface TimelinePoint {
  atSeconds: number;
  refreshes: number;
  awsCalls: number;
  writes: number;
}

/** "40: 1000, 120: 1000": the points of a window by which refreshes happened, and how many since the point before. */
export function refreshSpread(timeline: readonly TimelinePoint[]): string {
  const parts: string[] = [];
  let previous = 0;
  for (const point of timeline) {
    if (point.refreshes > previous) parts.push(`${point.atSeconds}: ${point.refreshes - previous}`);
    previous = point.refreshes;
  }
  return parts.join(', ') || 'none';
}

/** Events the operator dropped because its event queue was full (rotor_events_dropped_total). */
export function eventsDropped(operatorMetrics: string): number {
  return total(sumBy(parseSamples(operatorMetrics, ['rotor_events_dropped_total']), () => 'dropped'));
}

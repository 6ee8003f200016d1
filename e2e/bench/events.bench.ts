// Benchmark: event-driven refresh (issue #16 item 8, docs/benchmarks.md "Events"). Run by hand,
// not in CI, on a bed of its own:
//   ROTOR_TESTBED_DIR=/tmp/rotor-bench-events ROTOR_ETCD_PORT=... scripts/bench.sh e2e/bench/events.bench.ts
// (scripts/bench.sh restarts that bed first, so nothing left by other runs polls AWS.)
// Scenarios, every ExternalSecret with refreshInterval 1h (so only an event can make a Secret new
// within seconds):
//   A. 20 ExternalSecrets on one secret, 10 rotations;
//   B. 1,000 ExternalSecrets on 100 secrets (10 each), 10 rotations, each of another secret.
// A rotation is PutSecretValue (SDK, the clock starts when it is sent) followed by Secrets
// Manager's `Secret Label Updated` event put on LocalStack's bus (LocalStack emits none itself,
// docs/events.md "LocalStack and the test bed"); it ends when the API server's watch shows every reader's Secret
// with the new value. Per rotation: p50 and max of that time over the readers, and the
// Secrets Manager reads the operator made (rotor_aws_api_calls_total, GetSecretValue +
// BatchGetSecretValue). Then AWS calls at idle: a window with events on (refreshInterval 1h),
// and the same ExternalSecrets polled every minute, both scaled to an hour.
//   ROTOR_BENCH_EVENTS_RUNS=3     runs of each scenario (medians reported), default 1
//   ROTOR_BENCH_EVENTS_IDLE=120   seconds of each idle window, default 120 (0: no idle windows)
// Scenario B ends with a burst: all 100 secrets rotated at once, until all 1,000 Secrets are new.
import { describe, expect, it } from 'vitest';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { apply, bedEnv, kubectl } from '../lib/cli.js';
import { applySecretsManagerStore, freshNamespace, secretValue } from '../lib/context.js';
import { REGION, bedQueueUrl, counter, putEvents, queueDepth, secretLabelUpdated } from '../lib/events.js';
import { samples } from '../lib/metrics.js';
import { SecretWatch, percentile } from '../lib/rotation.js';
import { sleep, waitFor } from '../lib/wait.js';

const RUNS = Number(process.env.ROTOR_BENCH_EVENTS_RUNS ?? 1);
const IDLE_S = Number(process.env.ROTOR_BENCH_EVENTS_IDLE ?? 120);
const ROTATIONS = 10;

interface Scenario {
  name: string;
  secrets: number;
  readersPerSecret: number;
}
const SCENARIOS: Scenario[] = [
  { name: '20 ExternalSecrets on 1 secret', secrets: 1, readersPerSecret: 20 },
  { name: '1,000 ExternalSecrets on 100 secrets', secrets: 100, readersPerSecret: 10 },
];

interface RunResult {
  p50Ms: number;
  maxMs: number;
  readsPerRotation: number[];
  burst?: { p50Ms: number; maxMs: number; reads: number };
  idle?: { eventsPerHour: Record<string, number>; pollingPerHour: Record<string, number> };
}

const reads = () => counter('rotor_aws_api_calls_total', (l) => l.service === 'SecretsManager' && (l.operation === 'GetSecretValue' || l.operation === 'BatchGetSecretValue'));

/** All AWS calls by service, for the idle windows. */
async function callsByService(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const s of await samples('rotor_aws_api_calls_total')) out[s.labels.service ?? '?'] = (out[s.labels.service ?? '?'] ?? 0) + s.value;
  return out;
}

async function idleWindow(seconds: number): Promise<Record<string, number>> {
  const before = await callsByService();
  await sleep(seconds * 1000);
  const after = await callsByService();
  const perHour: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) perHour[k] = Math.round((d * 3600) / seconds);
  }
  return perHour;
}

function smClient(): SecretsManagerClient {
  const env = bedEnv();
  return new SecretsManagerClient({
    endpoint: env.AWS_ENDPOINT_URL,
    region: REGION,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'test' },
  });
}

async function runScenario(scenario: Scenario, run: number, measureIdle: boolean): Promise<RunResult> {
  const sm = smClient();
  const ns = await freshNamespace(`bench-ev${run}`);
  const remotes: { name: string; arn: string; readers: string[] }[] = [];
  for (let i = 0; i < scenario.secrets; i++) {
    const name = `${ns}/s${i}`;
    const out = await sm.send(new CreateSecretCommand({ Name: name, SecretString: secretValue('bev') }));
    remotes.push({ name, arn: out.ARN!, readers: Array.from({ length: scenario.readersPerSecret }, (_, j) => `s${i}-r${j}`) });
  }
  await applySecretsManagerStore(ns);
  const watch = await SecretWatch.start(ns);
  const manifests = (interval: string) =>
    remotes.flatMap((r) =>
      r.readers.map(
        (reader) => `
apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: ${reader}, namespace: ${ns}}
spec:
  refreshInterval: ${interval}
  secretStoreRef: {name: aws}
  data: [{secretKey: value, remoteRef: {key: ${r.name}}}]
`,
      ),
    );
  const applyAll = async (interval: string) => {
    const docs = manifests(interval);
    for (let i = 0; i < docs.length; i += 200) await apply(docs.slice(i, i + 200).join('\n---\n'));
    return docs.length;
  };
  const count = await applyAll('1h');
  await waitFor(
    `${count} Secrets synced`,
    async () => {
      const n = (await kubectl('get', 'secrets', '-n', ns, '-o', 'name')).split('\n').filter((l) => l.startsWith('secret/s')).length;
      return n >= count;
    },
    { timeoutMs: 15 * 60_000, intervalMs: 2_000 },
  );
  // Let the first sync's tail settle (and be more than a second old: events carry second times).
  await sleep(5_000);

  const all: number[] = [];
  const maxes: number[] = [];
  const readsPerRotation: number[] = [];
  for (let r = 0; r < ROTATIONS; r++) {
    const remote = remotes[r % remotes.length]!;
    const value = secretValue(`bev${r}`);
    const readsBefore = await reads();
    const sentAt = Date.now();
    const out = await sm.send(new PutSecretValueCommand({ SecretId: remote.name, SecretString: value }));
    await putEvents([secretLabelUpdated(remote.name, remote.arn, out.VersionId!)]);
    const landed = (await watch.waitAll(remote.readers, 'value', value, 60_000)).map((t) => t - sentAt);
    all.push(...landed);
    maxes.push(Math.max(...landed));
    await sleep(1_500); // any further read this rotation causes has happened by now
    readsPerRotation.push((await reads()) - readsBefore);
    console.log(`BENCH ${scenario.name} run ${run + 1} rotation ${r + 1}: ${remote.readers.length} Secrets new, p50 ${percentile(landed, 50)} ms, max ${Math.max(...landed)} ms, ${readsPerRotation.at(-1)} Secrets Manager reads`);
    await sleep(1_000);
  }
  const result: RunResult = { p50Ms: percentile(all, 50), maxMs: Math.max(...maxes), readsPerRotation };

  if (remotes.length > 1) {
    // Burst: every secret rotated at once (values first, then the events, 10 per PutEvents as
    // AWS allows), until all readers of all secrets have their new value.
    await sleep(1_500);
    const readsBefore = await reads();
    const values = remotes.map((_, i) => secretValue(`burst${i}`));
    const sentAt = Date.now();
    const versions = await Promise.all(remotes.map((r, i) => sm.send(new PutSecretValueCommand({ SecretId: r.name, SecretString: values[i] }))));
    for (let i = 0; i < remotes.length; i += 10) {
      await putEvents(remotes.slice(i, i + 10).map((r, j) => secretLabelUpdated(r.name, r.arn, versions[i + j]!.VersionId!)));
    }
    const eventsSentAt = Date.now();
    const landedAt = (await Promise.all(remotes.map((r, i) => watch.waitAll(r.readers, 'value', values[i]!, 120_000)))).flat();
    const landed = landedAt.map((t) => t - sentAt);
    console.log(`BENCH burst: the ${remotes.length} PutSecretValue + ${remotes.length / 10} PutEvents calls took ${eventsSentAt - sentAt} ms; from the last event put to all Secrets new: ${Math.max(...landedAt) - eventsSentAt} ms`);
    await sleep(1_500);
    result.burst = { p50Ms: percentile(landed, 50), maxMs: Math.max(...landed), reads: (await reads()) - readsBefore };
    console.log(`BENCH ${scenario.name} run ${run + 1} burst: all ${remotes.length} secrets rotated at once → all ${landed.length} Secrets new: p50 ${result.burst.p50Ms} ms, max ${result.burst.maxMs} ms, ${result.burst.reads} Secrets Manager reads`);
  }

  if (measureIdle && IDLE_S > 0) {
    const q = await bedQueueUrl();
    if (q) await waitFor('queue empty', async () => ((d) => d.visible + d.inFlight === 0)(await queueDepth(q)), { timeoutMs: 30_000 });
    const eventsPerHour = await idleWindow(IDLE_S);
    console.log(`BENCH ${scenario.name} idle AWS calls per hour with events (refreshInterval 1h): ${JSON.stringify(eventsPerHour)}`);
    // The same ExternalSecrets polled every minute (what users run without events).
    await applyAll('1m');
    await sleep(70_000); // the first waves at the new interval; then the window
    const pollingPerHour = await idleWindow(IDLE_S);
    result.idle = { eventsPerHour, pollingPerHour };
    console.log(`BENCH ${scenario.name} idle AWS calls per hour: events (1h refresh) ${JSON.stringify(eventsPerHour)}; polling at 1m ${JSON.stringify(pollingPerHour)}`);
  }
  watch.stop();
  sm.destroy();
  await kubectl('delete', 'namespace', ns, '--wait=false');
  // Deleting 1,000 ExternalSecrets is work for the operator: let it finish before the next run.
  await sleep(scenario.secrets > 1 ? 30_000 : 5_000);
  return result;
}

const median = (xs: number[]) => percentile(xs, 50);

describe('event-driven refresh: rotation latency, reads per rotation, idle AWS calls', () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario.name}, refreshInterval 1h, ${ROTATIONS} rotations x ${RUNS} run(s)`, { timeout: 60 * 60_000 }, async () => {
      const runs: RunResult[] = [];
      for (let run = 0; run < RUNS; run++) runs.push(await runScenario(scenario, run, run === 0));
      const reads = runs.flatMap((r) => r.readsPerRotation);
      console.log(
        `BENCH SUMMARY ${scenario.name}: ${RUNS} run(s), median of runs: p50 ${median(runs.map((r) => r.p50Ms))} ms, max ${median(runs.map((r) => r.maxMs))} ms ` +
          `(worst run max ${Math.max(...runs.map((r) => r.maxMs))} ms); Secrets Manager reads per rotation: median ${median(reads)}, max ${Math.max(...reads)}` +
          (runs[0]!.burst ? `; burst: median of runs p50 ${median(runs.map((r) => r.burst!.p50Ms))} ms, max ${median(runs.map((r) => r.burst!.maxMs))} ms, reads ${runs.map((r) => r.burst!.reads).join('/')}` : ''),
      );
      expect(runs.length).toBe(RUNS);
    });
  }
});

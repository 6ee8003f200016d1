// Event-driven refresh (issue #16, docs/events.md): the operator long-polls the bed's SQS queue,
// which a real EventBridge rule on LocalStack feeds (e2e/testbed/events-queue.sh; operator.sh and
// rotor-pod.sh run the operator with it). Every ExternalSecret here refreshes every hour, so a
// Secret that changes within seconds changed because of an event.
// Secrets Manager events are put on the bus by the test in the shapes AWS sends (LocalStack emits
// none); Parameter Store changes come from LocalStack itself (docs/events.md "LocalStack and the test bed").
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { stateDir } from '../harness/testbed-paths.js';
import { apply, aws, bedEnv, kubectl, kubectlJson, secretValue as secretData } from '../lib/cli.js';
import { applySecretsManagerStore, freshNamespace, harness, secretValue, statusOf, waitForReady } from '../lib/context.js';
import {
  REGION,
  bedQueue,
  bedQueueUrl,
  cloudTrailCall,
  counter,
  deliveredBody,
  putEvents,
  queueDepth,
  rotationResult,
  secretLabelUpdated,
  sendToQueue,
} from '../lib/events.js';
import { metricsUrl, samples } from '../lib/metrics.js';
import { leaseHolder, operatorPods, saveOperatorLogs } from '../lib/cluster.js';
import { killOperator, operatorRunning, resumeOperator } from '../lib/operator.js';
import { SecretWatch } from '../lib/rotation.js';
import { sleep, waitFor } from '../lib/wait.js';

/** What the issue asks: a rotation reaches every Secret within 2 s with a 1 h refresh interval. */
const LANDS_WITHIN_MS = 2_000;
/**
 * The visibility timeout the operator asks for on each receive (aws/events/sqs-queue.ts): how late
 * a message is when SQS handed it to a consumer that died with it.
 */
const REDELIVERY_MS = 5_000;
const onKind = process.env.ROTOR_E2E_HARNESS === 'kind';

function clients() {
  const env = bedEnv();
  const config = {
    endpoint: env.AWS_ENDPOINT_URL,
    region: REGION,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'test' },
  };
  return { sm: new SecretsManagerClient(config), ssm: new SSMClient(config) };
}

interface Remote {
  name: string;
  arn: string;
}

describe.skipIf(onKind)('event-driven refresh: EventBridge rule → SQS queue → operator', () => {
  let ns: string;
  let queue: string;
  let sm: SecretsManagerClient;
  let ssm: SSMClient;
  let watch: SecretWatch;
  const extraNamespaces: string[] = [];

  beforeAll(async () => {
    const url = await bedQueueUrl();
    if (!url) throw new Error('the test bed has no events queue (e2e/testbed/events-queue.sh); is LocalStack running sqs,events?');
    queue = url;
    ({ sm, ssm } = clients());
    ns = await freshNamespace('events');
    await applySecretsManagerStore(ns);
    await apply(`
apiVersion: rotor.dev/v1alpha1
kind: SecretStore
metadata: {name: ssm, namespace: ${ns}}
spec:
  provider:
    aws: {service: ParameterStore, region: us-east-1, endpoint: ${harness().awsEndpointForStores}}
`);
    watch = await SecretWatch.start(ns);
  });

  afterAll(async () => {
    watch?.stop();
    sm?.destroy();
    ssm?.destroy();
    for (const n of [ns, ...extraNamespaces]) if (n) await kubectl('delete', 'namespace', n, '--wait=false').catch(() => undefined);
  });

  async function createRemote(key: string, value: string): Promise<Remote> {
    const name = `${ns}/${key}`;
    const out = await sm.send(new CreateSecretCommand({ Name: name, SecretString: value }));
    return { name, arn: out.ARN! };
  }

  /** Puts a new value with the SDK; returns when the request was sent and the new version id. */
  async function putValue(remote: Remote, value: string, stages?: string[]): Promise<{ sentAt: number; versionId: string }> {
    const sentAt = Date.now();
    const out = await sm.send(new PutSecretValueCommand({ SecretId: remote.name, SecretString: value, ...(stages ? { VersionStages: stages } : {}) }));
    return { sentAt, versionId: out.VersionId! };
  }

  /** A rotation as AWS reports it: the new value, then Secrets Manager's `Secret Label Updated` on the bus. */
  async function rotate(remote: Remote, value: string): Promise<number> {
    const { sentAt, versionId } = await putValue(remote, value);
    await putEvents([secretLabelUpdated(remote.name, remote.arn, versionId)]);
    return sentAt;
  }

  async function reader(name: string, remoteKey: string, options: { store?: string; namespace?: string; version?: string; refresh?: string } = {}): Promise<void> {
    const namespace = options.namespace ?? ns;
    await apply(`
apiVersion: rotor.dev/v1alpha1
kind: ExternalSecret
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  refreshInterval: ${options.refresh ?? '1h'}
  secretStoreRef: {name: ${options.store ?? 'aws'}}
  data: [{secretKey: value, remoteRef: {key: ${JSON.stringify(remoteKey)}${options.version ? `, version: ${options.version}` : ''}}}]
`);
    await waitForReady('externalsecret', name, namespace);
    // Events carry a time with second resolution; one older than the last read is stale by
    // design. A second after the first sync, any change is newer than it.
    await sleep(1_100);
  }

  /** Waits until every message on the queue was received and deleted. */
  async function queueDrained(): Promise<void> {
    await waitFor('the events queue to be empty (every message received and deleted)', async () => {
      const d = await queueDepth(queue);
      return d.visible === 0 && d.inFlight === 0;
    }, { timeoutMs: 30_000, intervalMs: 200 });
  }

  it(`a rotation lands in every Secret within ${LANDS_WITHIN_MS / 1000} s with refreshInterval 1h, and the status names the event`, async () => {
    const first = secretValue('ev');
    const remote = await createRemote('rotated', first);
    const names = ['rot-a', 'rot-b', 'rot-c'];
    for (const n of names) await reader(n, remote.name);
    const matched = metricsUrl() ? await counter('rotor_events_matched_total') : 0;

    const next = secretValue('ev');
    const sentAt = await rotate(remote, next);
    const landed = await watch.waitAll(names, 'value', next, 30_000);
    const worst = Math.max(...landed) - sentAt;
    console.log(`rotation → all ${names.length} Secrets new: ${worst} ms`);
    expect(worst).toBeLessThanOrEqual(LANDS_WITHIN_MS);

    const status = await statusOf<{ lastEvent?: { time: string; type: string; source: string } }>('externalsecret', 'rot-a', ns);
    expect(status.lastEvent).toMatchObject({ type: 'SecretLabelUpdated', source: 'aws.secretsmanager' });
    if (metricsUrl()) expect(await counter('rotor_events_matched_total')).toBeGreaterThan(matched);
    await queueDrained();
  });

  it('a Parameter Store change lands through the event LocalStack itself sends', async () => {
    const name = `/${ns}/param`;
    await ssm.send(new PutParameterCommand({ Name: name, Value: secretValue('p'), Type: 'SecureString' }));
    await reader('param', name, { store: 'ssm' });
    const next = secretValue('p');
    const sentAt = Date.now();
    await ssm.send(new PutParameterCommand({ Name: name, Value: next, Type: 'SecureString', Overwrite: true }));
    const [landedAt] = await watch.waitAll(['param'], 'value', next, 30_000);
    console.log(`parameter change → Secret new: ${landedAt! - sentAt} ms`);
    expect(landedAt! - sentAt).toBeLessThanOrEqual(LANDS_WITHIN_MS);
    const status = await statusOf<{ lastEvent?: { type: string; source: string } }>('externalsecret', 'param', ns);
    expect(status.lastEvent).toMatchObject({ source: 'aws.ssm' });
  });

  it('a custom staging label moved by put-secret-value reaches the ExternalSecret that reads that label (remoteRef.version)', async () => {
    const remote = await createRemote('labelled', secretValue('cur'));
    const pinned = secretValue('pin');
    await putValue(remote, pinned, ['blue']);
    await reader('blue', remote.name, { version: 'blue' });
    expect(await secretData(ns, 'blue', 'value')).toBe(pinned);

    const next = secretValue('pin');
    const { sentAt, versionId } = await putValue(remote, next, ['blue']);
    await putEvents([secretLabelUpdated(remote.name, remote.arn, versionId, 'blue')]);
    const [landedAt] = await watch.waitAll(['blue'], 'value', next, 30_000);
    expect(landedAt! - sentAt).toBeLessThanOrEqual(LANDS_WITHIN_MS);
  });

  it('a deleted secret: the status says it is gone within seconds, the last good Secret stays', async () => {
    const value = secretValue('del');
    const remote = await createRemote('deleted', value);
    await reader('gone', remote.name);
    await aws('secretsmanager', 'delete-secret', '--secret-id', remote.name, '--force-delete-without-recovery');
    await putEvents([cloudTrailCall('DeleteSecret', remote.name, remote.arn)]);
    const ready = await waitForReady('externalsecret', 'gone', ns, 'False', { timeoutMs: 15_000 });
    expect(`${ready.reason} ${ready.message}`).toMatch(/not ?found|does not exist|deleted|ResourceNotFound/i);
    expect(await secretData(ns, 'gone', 'value')).toBe(value);
  });

  it('RotationFailed sets AWSRotation=False with a Warning Event; RotationSucceeded sets it True again', async () => {
    const remote = await createRemote('rotating', secretValue('rf'));
    await reader('rotating', remote.name);
    const failures = metricsUrl() ? await counter('rotor_aws_rotation_failures_total') : 0;
    await putEvents([rotationResult('RotationFailed', remote.arn)]);
    type Cond = { type: string; status: string; reason: string; lastTransitionTime?: string };
    const failed = await waitFor('AWSRotation=False', async () => {
      const st = await statusOf<{ conditions?: Cond[] }>('externalsecret', 'rotating', ns);
      return st.conditions?.find((c) => c.type === 'AWSRotation' && c.status === 'False');
    }, { timeoutMs: 15_000, intervalMs: 200 });
    expect(failed.reason).toBe('RotationFailed');
    await waitFor('a Warning Event RotationFailed', async () => {
      const events = await kubectlJson<{ items: { type: string; reason: string; involvedObject: { name: string } }[] }>('get', 'events', '-n', ns);
      return events.items.some((e) => e.type === 'Warning' && e.reason === 'RotationFailed' && e.involvedObject.name === 'rotating');
    }, { timeoutMs: 15_000 });
    if (metricsUrl()) expect(await counter('rotor_aws_rotation_failures_total')).toBeGreaterThan(failures);

    await putEvents([rotationResult('RotationSucceeded', remote.arn)]);
    const ok = await waitFor('AWSRotation=True', async () => {
      const st = await statusOf<{ conditions?: Cond[] }>('externalsecret', 'rotating', ns);
      return st.conditions?.find((c) => c.type === 'AWSRotation' && c.status === 'True');
    }, { timeoutMs: 15_000, intervalMs: 200 });
    expect(ok.reason).toBe('RotationSucceeded');
  });

  it('malformed and foreign messages are counted and deleted, and events keep flowing', async () => {
    const malformedBefore = await counter('rotor_events_malformed_total');
    const notJson = await counter('rotor_events_malformed_total', (l) => l.reason === 'not-json');
    const unknownSource = await counter('rotor_events_malformed_total', (l) => l.reason === 'unknown-source');
    await sendToQueue(queue, 'this is not an event {');
    await sendToQueue(queue, JSON.stringify({ Records: [{ eventSource: 'aws:s3' }] })); // an S3 notification: no source / detail-type
    await sendToQueue(queue, deliveredBody({ source: 'aws.s3', detailType: 'Object Created', detail: { bucket: { name: 'b' } } }));
    await sendToQueue(queue, deliveredBody({ source: 'aws.secretsmanager', detailType: 'Secret Label Updated', detail: { name: 42 } }));
    // Through the bus: a Secrets Manager event of a kind Rotor does not act on.
    await putEvents([{ source: 'aws.secretsmanager', detailType: 'AWS API Call via CloudTrail', detail: { eventName: 'GetSecretValue', requestParameters: { secretId: 'x' } } }]);
    await queueDrained();
    if (metricsUrl()) {
      expect(await counter('rotor_events_malformed_total', (l) => l.reason === 'not-json')).toBeGreaterThanOrEqual(notJson + 1);
      expect(await counter('rotor_events_malformed_total', (l) => l.reason === 'unknown-source')).toBeGreaterThanOrEqual(unknownSource + 1);
      expect(await counter('rotor_events_malformed_total')).toBeGreaterThanOrEqual(malformedBefore + 4);
    }
    // Still consuming: a rotation after the garbage lands.
    const remote = await createRemote('after-garbage', secretValue('g'));
    await reader('after-garbage', remote.name);
    const next = secretValue('g');
    const sentAt = await rotate(remote, next);
    const [landedAt] = await watch.waitAll(['after-garbage'], 'value', next, 30_000);
    expect(landedAt! - sentAt).toBeLessThanOrEqual(LANDS_WITHIN_MS);
  });

  it('a duplicate delivery of an event is recognised (same id) and costs no Kubernetes write', async () => {
    const remote = await createRemote('dup', secretValue('d'));
    await reader('dup', remote.name);
    const next = secretValue('d');
    const { versionId } = await putValue(remote, next);
    // SQS delivers at least once: the same event body (same id) twice, as EventBridge sent it.
    const body = deliveredBody(secretLabelUpdated(remote.name, remote.arn, versionId));
    await sendToQueue(queue, body);
    await watch.waitAll(['dup'], 'value', next, 15_000);
    await queueDrained();
    const versions = async () => ({
      secret: (await kubectlJson<{ metadata: { resourceVersion: string } }>('get', 'secret', 'dup', '-n', ns)).metadata.resourceVersion,
      es: (await kubectlJson<{ metadata: { resourceVersion: string } }>('get', 'externalsecret', 'dup', '-n', ns)).metadata.resourceVersion,
    });
    // The change's own writes end with the rollout marker cleared after --rollout-debounce (1 s
    // on the bed): wait until nothing has moved for 2 s.
    let before = await versions();
    await waitFor('the change fully written', async () => {
      await sleep(2_000);
      const now = await versions();
      const stable = JSON.stringify(now) === JSON.stringify(before);
      before = now;
      return stable;
    }, { timeoutMs: 20_000, intervalMs: 0 });
    const duplicates = metricsUrl() ? await counter('rotor_events_ignored_total', (l) => l.reason === 'duplicate') : 0;
    await sendToQueue(queue, body);
    await queueDrained();
    if (metricsUrl()) expect(await counter('rotor_events_ignored_total', (l) => l.reason === 'duplicate')).toBe(duplicates + 1);
    await sleep(2_000);
    expect(await versions()).toEqual(before);
  });

  it.skipIf(process.env.ROTOR_E2E_HARNESS === 'node')('an operator killed after receiving a message and before deleting it gets it again after the visibility timeout', async () => {
    const remote = await createRemote('killed', secretValue('k'));
    await reader('killed', remote.name);
    await queueDrained();
    const pid = Number(readFileSync(join(stateDir, 'operator.pid'), 'utf8'));
    // Frozen, the operator's outstanding long poll still takes the message off the queue
    // (LocalStack hands it to the open request: in flight), but the process never acts on it.
    process.kill(-pid, 'SIGSTOP');
    let killed = false;
    try {
      const next = secretValue('k');
      const { versionId } = await putValue(remote, next);
      await putEvents([secretLabelUpdated(remote.name, remote.arn, versionId)]);
      await waitFor('the message received by the frozen operator (in flight)', async () => (await queueDepth(queue)).inFlight >= 1, { timeoutMs: 10_000, intervalMs: 100 });
      await killOperator();
      killed = true;
      expect(await secretData(ns, 'killed', 'value')).not.toBe(next);
      await resumeOperator();
      // Redelivered after the visibility timeout, handled by the new process and deleted.
      await waitFor('the redelivered message handled', async () => (await counter('rotor_events_received_total')) >= 1, { timeoutMs: 30_000 });
      // SQS's receive count says it is the second delivery.
      expect(await counter('rotor_events_redelivered_total')).toBeGreaterThanOrEqual(1);
      await queueDrained();
      // A restarted operator does not re-read what is not due (refreshInterval 1h): the new value
      // comes from the redelivered event, which the status names.
      await watch.waitAll(['killed'], 'value', next, 15_000);
      const status = await statusOf<{ lastEvent?: { type: string } }>('externalsecret', 'killed', ns);
      expect(status.lastEvent?.type).toBe('SecretLabelUpdated');
    } finally {
      // Whatever failed, the next tests need a running operator.
      if (!killed) process.kill(-pid, 'SIGCONT');
      else if (!(await operatorRunning())) await resumeOperator();
    }
  });

  it('the queue deleted while running: polling goes on, rotor_events_queue_up says 0, and events resume once it is back', async () => {
    const remote = await createRemote('no-queue', secretValue('nq'));
    await reader('no-queue', remote.name, { refresh: '5s' });
    await bedQueue('delete');
    try {
      if (metricsUrl()) {
        await waitFor('rotor_events_queue_up 0', async () => {
          const up = await counter('rotor_events_queue_up');
          return (await queueUpSamples()) > 0 && up === 0;
        }, { timeoutMs: 60_000 });
      }
      const next = secretValue('nq');
      await putValue(remote, next);
      await watch.waitAll(['no-queue'], 'value', next, 30_000); // the 5 s poll
    } finally {
      await bedQueue('ensure');
    }
    if (metricsUrl()) await waitFor('rotor_events_queue_up 1', async () => (await counter('rotor_events_queue_up')) >= 1, { timeoutMs: 90_000 });
    const hourly = await createRemote('queue-back', secretValue('qb'));
    await reader('queue-back', hourly.name);
    const next = secretValue('qb');
    const sentAt = await rotate(hourly, next);
    const [landedAt] = await watch.waitAll(['queue-back'], 'value', next, 30_000);
    expect(landedAt! - sentAt).toBeLessThanOrEqual(LANDS_WITHIN_MS);
  });

  // The leader change below leaves the namespace without a Secret write for over 30 s (Lease
  // expiry, the new process's start, its first long poll before rotor_events_queue_up says 1):
  // longer than client-node's Watch keeps a quiet watch open. The Secret watch must outlive it.
  it('(harness) the Secret watch sees a write made after 35 s without any', async () => {
    const quiet = await freshNamespace('events-quiet');
    extraNamespaces.push(quiet);
    const quietWatch = await SecretWatch.start(quiet);
    try {
      await sleep(35_000);
      const value = secretValue('quiet');
      await kubectl('create', 'secret', 'generic', 'late', '-n', quiet, `--from-literal=value=${value}`);
      await quietWatch.waitAll(['late'], 'value', value, 10_000);
      expect(quietWatch.reopened).toBeGreaterThanOrEqual(1);
    } finally {
      quietWatch.stop();
    }
  });

  it('after a leader change the new leader consumes the queue', async () => {
    const remote = await createRemote('leader', secretValue('l'));
    await reader('leader', remote.name);
    if (harness().inCluster) {
      const before = await leaseHolder();
      const leader = (await operatorPods()).find((p) => p.metadata.name === before);
      expect(leader).toBeDefined();
      await saveOperatorLogs('events-leader');
      await kubectl('delete', 'pod', '-n', harness().operatorNamespace, before, '--wait=false');
      await waitFor('another leader', async () => {
        const now = await leaseHolder();
        return now !== '' && now !== before;
      }, { timeoutMs: 120_000 });
    } else {
      // One operator process on this bed: killed without releasing the Lease, a new process has
      // to take it over when it expires before it consumes anything.
      await killOperator();
      await resumeOperator();
    }
    await waitFor('the new leader polling the queue', async () => !metricsUrl() || (await counter('rotor_events_queue_up')) >= 1, { timeoutMs: 60_000 });
    const next = secretValue('l');
    const sentAt = await rotate(remote, next);
    const [landedAt] = await watch.waitAll(['leader'], 'value', next, 30_000);
    // SQS may hand the event to the long poll the old leader left open (the server does not see
    // the closed connection): then it comes back after the operator's receive visibility timeout,
    // and the new leader's receive count says so. Otherwise it lands as fast as ever.
    const redelivered = metricsUrl() ? await counter('rotor_events_redelivered_total') : 1;
    console.log(`after a leader change: landed in ${((landedAt! - sentAt) / 1000).toFixed(1)} s, redelivered messages ${redelivered}`);
    expect(landedAt! - sentAt).toBeLessThanOrEqual(redelivered > 0 ? REDELIVERY_MS + LANDS_WITHIN_MS : LANDS_WITHIN_MS);
  });

  it('two stores on one account (two namespaces): one event refreshes both', async () => {
    const other = await freshNamespace('events-b');
    extraNamespaces.push(other);
    await applySecretsManagerStore(other);
    const otherWatch = await SecretWatch.start(other);
    try {
      const remote = await createRemote('shared', secretValue('s'));
      await reader('shared', remote.name);
      await reader('shared', remote.name, { namespace: other });
      const next = secretValue('s');
      const sentAt = await rotate(remote, next);
      const [a] = await watch.waitAll(['shared'], 'value', next, 30_000);
      const [b] = await otherWatch.waitAll(['shared'], 'value', next, 30_000);
      expect(Math.max(a!, b!) - sentAt).toBeLessThanOrEqual(LANDS_WITHIN_MS);
    } finally {
      otherWatch.stop();
    }
  });

  /** How many rotor_events_queue_up series there are (one per configured queue). */
  async function queueUpSamples(): Promise<number> {
    return (await samples('rotor_events_queue_up')).length;
  }
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ObjectRef } from '../../src/kube/ports.js';
import { RolloutCoordinator, type RolloutCoordinatorOptions, type RolloutRequest, type SiblingCandidate } from '../../src/rollout/coordinator.js';
import { versionHash } from '../../src/rollout/restarted-for.js';
import { KubeApiError, kubeApiErrorFor } from '../../src/kube/client/errors.js';
import { captureLogger, FakeEventRecorder, FakeWorkloadClient } from './fakes.js';

const SENTINEL = 'SENTINEL-hunter2-do-not-leak';

function esRef(name: string, namespace = 'apps'): ObjectRef {
  return { apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', name, namespace, uid: `uid-${namespace}-${name}` };
}

/** One ExternalSecret per Secret, each selecting `uses: db` workloads. */
function req(secretName: string, fingerprint: string, extra: Partial<RolloutRequest> = {}): RolloutRequest {
  return {
    namespace: 'apps',
    secretName,
    externalSecret: esRef(secretName),
    rollout: { selector: { matchLabels: { uses: 'db' } } },
    fingerprint,
    ...extra,
  };
}

function setup(opts: Partial<RolloutCoordinatorOptions> = {}) {
  const workloads = new FakeWorkloadClient().add(
    { kind: 'Deployment', name: 'web', uid: 'uid-web', labels: { uses: 'db' } },
    { kind: 'Deployment', name: 'idle', labels: { app: 'idle' } },
  );
  const events = new FakeEventRecorder();
  const log = captureLogger();
  const metrics = { workload: vi.fn(), flush: vi.fn() };
  const coordinator = new RolloutCoordinator({ workloads, events, logger: log.logger, metrics, ...opts });
  return { workloads, events, log, metrics, coordinator };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RolloutCoordinator coalescing', () => {
  it('merges three secrets changing within the window into exactly one patch of the Deployment', async () => {
    const { coordinator, workloads, events, metrics } = setup();
    const a = coordinator.request(req('db-creds', 'db@v2'));
    await vi.advanceTimersByTimeAsync(500);
    const b = coordinator.request(req('api-key', 'api@7'));
    await vi.advanceTimersByTimeAsync(1000);
    const c = coordinator.request(req('tls', 'tls@3'));
    await vi.advanceTimersByTimeAsync(499);
    expect(workloads.patches).toHaveLength(0); // still inside the 2 s window

    await vi.advanceTimersByTimeAsync(1);
    const results = await Promise.all([a, b, c]);

    expect(workloads.patches).toHaveLength(1);
    expect(workloads.patches[0]).toEqual({
      namespace: 'apps',
      kind: 'Deployment',
      name: 'web',
      annotations: { 'rotor.dev/restarted-for': `api-key=${versionHash('api@7')},db-creds=${versionHash('db@v2')},tls=${versionHash('tls@3')}` },
    });
    for (const r of results) expect(r).toEqual({ targets: ['Deployment/web'], unchanged: [], problems: [] });

    const onWeb = events.on('Deployment', 'web');
    expect(onWeb).toHaveLength(1);
    expect(onWeb[0]).toMatchObject({ type: 'Normal', reason: 'RolledOut', object: { apiVersion: 'apps/v1', namespace: 'apps', uid: 'uid-web' } });
    expect(onWeb[0]!.message).toBe(
      'restarted because Secret api-key changed to version api@7, Secret db-creds changed to version db@v2, Secret tls changed to version tls@3',
    );
    for (const name of ['db-creds', 'api-key', 'tls']) {
      const onEs = events.on('ExternalSecret', name);
      expect(onEs).toHaveLength(1);
      expect(onEs[0]).toMatchObject({ type: 'Normal', reason: 'RolloutTriggered' });
      expect(onEs[0]!.message).toMatch(new RegExp(`^Secret ${name} changed to version .*: restarted Deployment/web$`));
    }
    expect(metrics.workload).toHaveBeenCalledWith('Deployment', 'patched');
    expect(metrics.flush).toHaveBeenCalledWith('apps', 3, 1);
  });

  it('patches two Deployments once each', async () => {
    const { coordinator, workloads } = setup();
    workloads.add({ kind: 'Deployment', name: 'api', labels: { uses: 'db' } });
    const a = coordinator.request(req('db-creds', 'db@v2'));
    const b = coordinator.request(req('api-key', 'api@7'));
    await vi.advanceTimersByTimeAsync(2000);
    const [ra, rb] = await Promise.all([a, b]);
    expect(workloads.patches.map((p) => `${p.kind}/${p.name}`).sort()).toEqual(['Deployment/api', 'Deployment/web']);
    expect(ra.targets).toEqual(['Deployment/api', 'Deployment/web']);
    expect(rb.targets).toEqual(['Deployment/api', 'Deployment/web']);
  });

  it('lists each kind once per batch, however many requests it holds', async () => {
    const { coordinator, workloads } = setup();
    const ps = ['a', 'b', 'c', 'd'].map((s) => coordinator.request(req(s, `${s}@1`)));
    await vi.advanceTimersByTimeAsync(2000);
    await Promise.all(ps);
    expect(workloads.listCalls.sort()).toEqual(['apps/DaemonSet', 'apps/Deployment', 'apps/Rollout', 'apps/StatefulSet']);
  });

  it('keeps namespaces apart', async () => {
    const { coordinator, workloads } = setup();
    workloads.add({ kind: 'Deployment', name: 'web', namespace: 'team-b', labels: { uses: 'db' } });
    const a = coordinator.request(req('db-creds', 'db@v2'));
    const b = coordinator.request(req('db-creds', 'db@v9', { namespace: 'team-b', externalSecret: esRef('db-creds', 'team-b') }));
    await vi.advanceTimersByTimeAsync(2000);
    await Promise.all([a, b]);
    expect(workloads.patches.map((p) => `${p.namespace}/${p.name}=${p.annotations['rotor.dev/restarted-for']}`).sort()).toEqual([
      `apps/web=db-creds=${versionHash('db@v2')}`,
      `team-b/web=db-creds=${versionHash('db@v9')}`,
    ]);
  });

  it('a request after the window starts a new batch that merges with what the first one wrote', async () => {
    const { coordinator, workloads } = setup();
    const a = coordinator.request(req('db-creds', 'db@v2'));
    await vi.advanceTimersByTimeAsync(2000);
    await a;
    const b = coordinator.request(req('api-key', 'api@7'));
    await vi.advanceTimersByTimeAsync(2000);
    await b;
    expect(workloads.patches).toHaveLength(2);
    expect(workloads.find('Deployment', 'web')!.templateAnnotations!['rotor.dev/restarted-for']).toBe(
      `api-key=${versionHash('api@7')},db-creds=${versionHash('db@v2')}`,
    );
  });

  it('the same ExternalSecret asking twice in a window gets one patch, one event, and the later version', async () => {
    const { coordinator, workloads, events } = setup();
    const first = coordinator.request(req('db-creds', 'db@v2'));
    const second = coordinator.request(req('db-creds', 'db@v3'));
    await vi.advanceTimersByTimeAsync(2000);
    const [r1, r2] = await Promise.all([first, second]);
    expect(r1).toEqual(r2);
    expect(workloads.patches).toHaveLength(1);
    expect(workloads.patches[0]!.annotations['rotor.dev/restarted-for']).toBe(`db-creds=${versionHash('db@v3')}`);
    expect(events.on('ExternalSecret', 'db-creds')).toHaveLength(1);
  });

  it('flushNow applies waiting batches without waiting for the window', async () => {
    const { coordinator, workloads } = setup({ debounceMs: 60_000 });
    const p = coordinator.request(req('db-creds', 'db@v2'));
    await coordinator.flushNow();
    expect((await p).targets).toEqual(['Deployment/web']);
    expect(workloads.patches).toHaveLength(1);
  });
});

describe('RolloutCoordinator idempotency and values', () => {
  it('re-running a rollout for versions already applied patches nothing and emits no event', async () => {
    const { coordinator, workloads, events, metrics } = setup();
    const a = coordinator.request(req('db-creds', 'db@v2'));
    const b = coordinator.request(req('api-key', 'api@7'));
    await vi.advanceTimersByTimeAsync(2000);
    await Promise.all([a, b]);
    expect(workloads.patches).toHaveLength(1);
    const eventsBefore = events.events.length;

    // e.g. the status write failed after the rollout and the next pass asks again, alone.
    const again = coordinator.request(req('db-creds', 'db@v2'));
    await vi.advanceTimersByTimeAsync(2000);
    expect(await again).toEqual({ targets: [], unchanged: ['Deployment/web'], problems: [] });
    expect(workloads.patches).toHaveLength(1);
    expect(events.events).toHaveLength(eventsBefore);
    expect(metrics.workload).toHaveBeenLastCalledWith('Deployment', 'unchanged');
  });

  it('gives the same annotation value for the same inputs, and never carries values or raw fingerprints', async () => {
    const values: string[] = [];
    for (let run = 0; run < 2; run++) {
      const { coordinator, workloads } = setup();
      const order = run === 0 ? ['a', 'b'] : ['b', 'a'];
      const ps = order.map((s) => coordinator.request(req(`secret-${s}`, `arn:aws:secretsmanager:eu-west-1:123:secret:${s}@VERSIONID-${s}`)));
      await vi.advanceTimersByTimeAsync(2000);
      await Promise.all(ps);
      values.push(workloads.patches[0]!.annotations['rotor.dev/restarted-for']!);
    }
    expect(values[0]).toBe(values[1]);
    expect(values[0]).toMatch(/^secret-a=[0-9a-f]{16},secret-b=[0-9a-f]{16}$/);
    expect(values[0]).not.toContain('VERSIONID');
  });

  it('does not leak error text from the API into events, results or logs', async () => {
    const { coordinator, workloads, events, log } = setup();
    workloads.add({ kind: 'StatefulSet', name: 'db', labels: { uses: 'db' } });
    const leaky = kubeApiErrorFor(422, { reason: 'Invalid', message: `admission webhook echoed ${SENTINEL}` }, 'PATCH Deployment apps/web');
    workloads.patchErrors.set('Deployment/web', [leaky]);
    workloads.listErrors.set('DaemonSet', kubeApiErrorFor(500, { message: `list failed ${SENTINEL}` }, 'GET daemonsets'));
    const p = coordinator.request(req('db-creds', 'db@v2'));
    await vi.advanceTimersByTimeAsync(2000);
    const result = await p;
    expect(result.targets).toEqual(['StatefulSet/db']);
    expect(result.problems).toEqual([
      'cannot list daemonsets.apps in namespace apps (HTTP 500); see the operator log',
      'could not restart Deployment/web (HTTP 422); see the operator log',
    ]);
    const everything = JSON.stringify([result, events.events, workloads.patches, log.lines]);
    expect(everything).not.toContain(SENTINEL);
  });
});

describe('RolloutCoordinator failures', () => {
  it('a forbidden patch becomes a Warning on the ExternalSecret naming the workload and the RBAC verb; request resolves', async () => {
    const { coordinator, workloads, events, metrics } = setup();
    workloads.patchErrors.set('Deployment/web', [new KubeApiError(403, 'patch Deployment/web failed (HTTP 403): forbidden')]);
    const p = coordinator.request(req('db-creds', 'db@v2'));
    await vi.advanceTimersByTimeAsync(2000);
    const result = await p;
    expect(result.targets).toEqual([]);
    expect(result.problems).toEqual([
      'could not restart Deployment/web (HTTP 403): the operator\'s ClusterRole needs "patch" on deployments.apps (apiGroups: ["apps"], resources: ["deployments"]) in namespace apps',
    ]);
    const warnings = events.events.filter((e) => e.type === 'Warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.object).toEqual(esRef('db-creds'));
    expect(warnings[0]!.reason).toBe('RolloutFailed');
    expect(warnings[0]!.message).toContain('Deployment/web');
    expect(warnings[0]!.message).toContain('"patch" on deployments.apps');
    expect(events.on('Deployment', 'web')).toEqual([]);
    expect(metrics.workload).toHaveBeenCalledWith('Deployment', 'failed');
  });

  it('retries a transient failure and then succeeds', async () => {
    const { coordinator, workloads } = setup({ retryDelaysMs: [1000, 5000] });
    workloads.patchErrors.set('Deployment/web', [
      new KubeApiError(503, 'HTTP 503'),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    ]);
    const p = coordinator.request(req('db-creds', 'db@v2'));
    await vi.advanceTimersByTimeAsync(2000);
    expect(workloads.patches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(workloads.patches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(await p).toEqual({ targets: ['Deployment/web'], unchanged: [], problems: [] });
    expect(workloads.patches).toHaveLength(1);
  });

  it('gives up after the last retry and reports it', async () => {
    const { coordinator, workloads } = setup({ retryDelaysMs: [10] });
    workloads.patchErrors.set('Deployment/web', [new KubeApiError(500, 'HTTP 500'), new KubeApiError(500, 'HTTP 500')]);
    const p = coordinator.request(req('db-creds', 'db@v2'));
    await vi.advanceTimersByTimeAsync(2010);
    // retry: the reconciler asks again later (the rollout-pending marker stays on the Secret).
    expect(await p).toEqual({ targets: [], unchanged: [], problems: ['could not restart Deployment/web (HTTP 500); see the operator log'], retry: true });
  });

  it('a failing event recorder does not fail the rollout', async () => {
    const { coordinator, workloads, events } = setup();
    events.failWith = new Error('events forbidden');
    const p = coordinator.request(req('db-creds', 'db@v2'));
    await vi.advanceTimersByTimeAsync(2000);
    expect((await p).targets).toEqual(['Deployment/web']);
    expect(workloads.patches).toHaveLength(1);
  });

  it('a missing explicit target is a problem and a Warning, other targets still restart', async () => {
    const { coordinator, workloads, events } = setup();
    const p = coordinator.request(req('db-creds', 'db@v2', { rollout: { targets: [{ kind: 'Deployment', name: 'web' }, { kind: 'StatefulSet', name: 'gone' }] } }));
    await vi.advanceTimersByTimeAsync(2000);
    const result = await p;
    expect(result.targets).toEqual(['Deployment/web']);
    expect(result.problems).toEqual(['spec.rollout.targets[1]: StatefulSet/gone not found in namespace apps; create it or fix the name']);
    expect(workloads.patches).toHaveLength(1);
    expect(events.on('ExternalSecret', 'db-creds').map((e) => e.reason).sort()).toEqual(['RolloutFailed', 'RolloutTriggered']);
  });

  it('resolves at once with a problem for a request without a fingerprint', async () => {
    const { coordinator, workloads } = setup();
    const result = await coordinator.request(req('db-creds', ''));
    expect(result.problems[0]).toMatch(/without a version fingerprint/);
    expect(workloads.listCalls).toEqual([]);
  });

  it('mentions OnDelete update strategies in the workload event', async () => {
    const { coordinator, workloads, events } = setup();
    workloads.add({ kind: 'StatefulSet', name: 'db', labels: { uses: 'db' }, onDelete: true });
    const p = coordinator.request(req('db-creds', 'db@v2'));
    await vi.advanceTimersByTimeAsync(2000);
    await p;
    expect(events.on('StatefulSet', 'db')[0]!.message).toMatch(/updateStrategy OnDelete/);
  });

  it('with nothing to restart, patches nothing and records nothing', async () => {
    const { coordinator, workloads, events } = setup();
    const p = coordinator.request(req('db-creds', 'db@v2', { rollout: undefined }));
    await vi.advanceTimersByTimeAsync(2000);
    expect(await p).toEqual({ targets: [], unchanged: [], problems: [] });
    expect(workloads.patches).toEqual([]);
    expect(events.events).toEqual([]);
  });
});

describe('RolloutCoordinator: secrets rotating together restart a workload once', () => {
  const sibling = (name: string): SiblingCandidate => ({ externalSecret: esRef(name), secretName: name, rollout: { selector: { matchLabels: { uses: 'db' } } } });

  it('refreshes the other ExternalSecrets of the workload first and restarts it once with both versions', async () => {
    const { coordinator, workloads } = setup();
    const refreshed: string[][] = [];
    coordinator.refreshSiblingsWith({
      candidates: () => [sibling('db-creds'), sibling('cache-creds'), { externalSecret: esRef('elsewhere'), secretName: 'elsewhere', rollout: { selector: { matchLabels: { app: 'other' } } } }],
      refresh: async (refs) => {
        refreshed.push(refs.map((r) => r.name));
        // The sibling's pass finds the version rotated alongside and asks, as the reconciler does.
        void coordinator.request(req('cache-creds', 'cache@v9'));
      },
    });
    const first = coordinator.request(req('db-creds', 'db@v2'));
    await vi.advanceTimersByTimeAsync(2000);
    expect(await first).toMatchObject({ targets: ['Deployment/web'] });
    expect(refreshed).toEqual([['cache-creds']]);
    expect(workloads.patches).toHaveLength(1);
    expect(workloads.patches[0]!.annotations['rotor.dev/restarted-for']).toBe(`cache-creds=${versionHash('cache@v9')},db-creds=${versionHash('db@v2')}`);
    // Nothing is left for a second restart.
    await vi.advanceTimersByTimeAsync(5000);
    expect(workloads.patches).toHaveLength(1);
  });

  it('a sibling with nothing new just delays the restart until its refresh finished', async () => {
    const { coordinator, workloads } = setup();
    let finish!: () => void;
    coordinator.refreshSiblingsWith({ candidates: () => [sibling('cache-creds')], refresh: () => new Promise<void>((r) => (finish = r)) });
    const first = coordinator.request(req('db-creds', 'db@v2'));
    await vi.advanceTimersByTimeAsync(2500);
    expect(workloads.patches).toHaveLength(0);
    finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(await first).toMatchObject({ targets: ['Deployment/web'] });
    expect(workloads.patches).toHaveLength(1);
  });

  it('the drain at shutdown (flushNow) applies the restart without waiting for sibling refreshes', async () => {
    const { coordinator, workloads } = setup({ siblingWaitMs: 10_000 });
    const asked: string[][] = [];
    coordinator.refreshSiblingsWith({ candidates: () => [sibling('cache-creds')], refresh: (refs) => (asked.push(refs.map((r) => r.name)), new Promise<void>(() => undefined)) });
    const first = coordinator.request(req('db-creds', 'db@v2'));
    await coordinator.flushNow();
    expect(await first).toMatchObject({ targets: ['Deployment/web'] });
    expect(workloads.patches).toHaveLength(1);
    expect(asked).toEqual([]);
  });

  it('a sibling refresh that hangs delays the restart by siblingWaitMs at most', async () => {
    const { coordinator, workloads } = setup({ siblingWaitMs: 3000 });
    coordinator.refreshSiblingsWith({ candidates: () => [sibling('cache-creds')], refresh: () => new Promise<void>(() => undefined) });
    const first = coordinator.request(req('db-creds', 'db@v2'));
    await vi.advanceTimersByTimeAsync(2000 + 2999);
    expect(workloads.patches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(await first).toMatchObject({ targets: ['Deployment/web'] });
  });
});

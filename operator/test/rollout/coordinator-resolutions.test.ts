// A flush resolves each rollout's targets once: the sibling search and the patch plan used to
// resolve every request twice (and every unmatched sibling candidate once per search round).
// Also: the sibling wait is measured on the injected Clock.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RolloutSpec } from '../../src/api/types.js';
import type { ObjectRef } from '../../src/kube/ports.js';
import { RolloutCoordinator, type RolloutRequest, type SiblingCandidate } from '../../src/rollout/coordinator.js';
import * as targets from '../../src/rollout/targets.js';
import { FakeEventRecorder, FakeWorkloadClient } from './fakes.js';

vi.mock('../../src/rollout/targets.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/rollout/targets.js')>();
  return { ...actual, resolveTargets: vi.fn(actual.resolveTargets) };
});

const resolveTargets = vi.mocked(targets.resolveTargets);
const usesDb = { selector: { matchLabels: { uses: 'db' } } };

function esRef(name: string): ObjectRef {
  return { apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', name, namespace: 'apps', uid: `uid-${name}` };
}
function req(secretName: string, fingerprint: string): RolloutRequest {
  return { namespace: 'apps', secretName, externalSecret: esRef(secretName), rollout: usesDb, fingerprint };
}
function sibling(name: string, rollout: RolloutSpec = usesDb): SiblingCandidate {
  return { externalSecret: esRef(name), secretName: name, rollout };
}
function setup() {
  const workloads = new FakeWorkloadClient().add({ kind: 'Deployment', name: 'web', uid: 'uid-web', labels: { uses: 'db' } });
  return { workloads, coordinator: new RolloutCoordinator({ workloads, events: new FakeEventRecorder() }) };
}

beforeEach(() => {
  vi.useFakeTimers();
  resolveTargets.mockClear();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RolloutCoordinator resolves targets once per flush', () => {
  it('with sibling refreshes: once per distinct Secret and rollout spec, requests and candidates alike', async () => {
    const { coordinator, workloads } = setup();
    coordinator.refreshSiblingsWith({
      candidates: () => [sibling('db-creds'), sibling('cache-creds'), sibling('elsewhere', { selector: { matchLabels: { app: 'other' } } })],
      refresh: async () => void coordinator.request(req('cache-creds', 'cache@v9')),
    });
    const first = coordinator.request(req('db-creds', 'db@v2'));
    await vi.advanceTimersByTimeAsync(2000);
    expect(await first).toMatchObject({ targets: ['Deployment/web'] });
    expect(workloads.patches).toHaveLength(1);
    // db-creds, cache-creds (as candidate, then as request: same inputs), elsewhere.
    expect(resolveTargets.mock.calls.map(([input]) => input.secretName).sort()).toEqual(['cache-creds', 'db-creds', 'elsewhere']);
  });

  it('without siblings: once per request', async () => {
    const { coordinator } = setup();
    const a = coordinator.request(req('db-creds', 'db@v2'));
    const b = coordinator.request(req('api-key', 'api@7'));
    await vi.advanceTimersByTimeAsync(2000);
    await Promise.all([a, b]);
    expect(resolveTargets).toHaveBeenCalledTimes(2);
  });

  it('resolves again in the next flush (workloads may have changed)', async () => {
    const { coordinator } = setup();
    const a = coordinator.request(req('db-creds', 'db@v2'));
    await vi.advanceTimersByTimeAsync(2000);
    await a;
    const b = coordinator.request(req('db-creds', 'db@v3'));
    await vi.advanceTimersByTimeAsync(2000);
    await b;
    expect(resolveTargets).toHaveBeenCalledTimes(2);
  });
});

describe('RolloutCoordinator sibling wait', () => {
  it('measures siblingWaitMs on the injected clock', async () => {
    let now = 0;
    const workloads = new FakeWorkloadClient().add({ kind: 'Deployment', name: 'web', labels: { uses: 'db' } });
    const coordinator = new RolloutCoordinator({ workloads, events: new FakeEventRecorder(), siblingWaitMs: 3000, clock: { now: () => now } });
    coordinator.refreshSiblingsWith({
      candidates: () => [sibling('cache-creds')],
      // The refresh hangs, but the injected clock is already past the wait when it starts.
      refresh: () => {
        now += 5000;
        return new Promise<void>(() => undefined);
      },
    });
    const first = coordinator.request(req('db-creds', 'db@v2'));
    await vi.advanceTimersByTimeAsync(2000);
    await vi.advanceTimersByTimeAsync(1); // far less than siblingWaitMs on the timers
    expect(workloads.patches).toHaveLength(1);
    expect(await first).toMatchObject({ targets: ['Deployment/web'] });
  });
});

import { describe, expect, it } from 'vitest';
import {
  fanOutMessage,
  keptStatus,
  NamespaceOutcomes,
  readyConditions,
  recordStatus,
  type FanOutOwner,
} from '../../../src/controller/runtime/fan-out-status.js';
import type { Condition } from '../../../src/api/types.js';
import { KubeApiError } from '../../../src/kube/client/errors.js';
import { FakeEvents, capturedLogger } from '../fakes.js';

type Status = { conditions?: Condition[]; observedGeneration?: number; provisionedNamespaces?: string[] };

const ready = (status: 'True' | 'False', reason: string, message: string): Condition => ({
  type: 'Ready',
  status,
  reason,
  message,
  lastTransitionTime: '2026-01-01T00:00:00.000Z',
  observedGeneration: 1,
});

function owner(status?: Status, generation = 2): FanOutOwner<Status> {
  return { metadata: { name: 'shared', uid: 'u1', generation }, status };
}

describe('NamespaceOutcomes', () => {
  it('lists failed namespaces sorted; a retryable API failure or a plain error asks for a retry, a lasting refusal does not', () => {
    const refused = new NamespaceOutcomes();
    refused.fail('b', new KubeApiError(403, 'forbidden'));
    refused.conflict('a', 'not ours');
    expect(refused.failures()).toEqual([
      { namespace: 'a', reason: 'not ours' },
      { namespace: 'b', reason: 'forbidden' },
    ]);
    expect(refused.transient).toBeUndefined();

    const busy = new NamespaceOutcomes();
    busy.fail('c', new KubeApiError(503, 'unavailable'));
    busy.fail('d', new Error('socket hang up'));
    expect(busy.transient).toBe('unavailable'); // the first one is kept
  });

  it('a failure outside the selected namespaces is retried but not listed', () => {
    const outcomes = new NamespaceOutcomes();
    outcomes.retry('delete failed');
    expect(outcomes.failures()).toEqual([]);
    expect(outcomes.transient).toBe('delete failed');
  });
});

describe('fanOutMessage', () => {
  const base = { kind: 'PushSecret', name: 'token', selectorField: 'spec.namespaceSelectors', selected: 2, provisioned: 2, failures: [] };

  it('says where the object is, or which field selects namespaces when none is selected', () => {
    expect(fanOutMessage(base)).toBe('PushSecret token is in 2 namespace(s)');
    expect(fanOutMessage({ ...base, selected: 0, provisioned: 0 })).toBe(
      'no namespace is selected: set spec.namespaceSelectors to choose where PushSecret token is created',
    );
  });

  it('names the first three failures and marks the rest', () => {
    const failures = ['a', 'b', 'c', 'd'].map((namespace) => ({ namespace, reason: 'denied' }));
    expect(fanOutMessage({ ...base, selected: 5, provisioned: 1, failures })).toBe(
      '4 of 5 selected namespace(s) failed (see status.failedNamespaces): a: denied; b: denied; c: denied; …',
    );
    expect(fanOutMessage({ ...base, selected: 5, provisioned: 4, failures: failures.slice(0, 1) })).toBe(
      '1 of 5 selected namespace(s) failed (see status.failedNamespaces): a: denied',
    );
  });
});

describe('keptStatus and readyConditions', () => {
  it('keeps everything but the conditions, at the new generation', () => {
    const kept = keptStatus(owner({ provisionedNamespaces: ['a'], conditions: [ready('True', 'Provisioned', 'ok')], observedGeneration: 1 }));
    expect(kept).toEqual({ provisionedNamespaces: ['a'], observedGeneration: 2 });
    expect(keptStatus(owner(undefined))).toEqual({ observedGeneration: 2 });
  });

  it('keeps the transition time while Ready holds its status, and moves it when it flips', () => {
    const o = owner({ conditions: [ready('True', 'Provisioned', 'ok')] });
    const now = new Date('2026-06-01T00:00:00Z');
    expect(readyConditions(o, 'True', 'Provisioned', 'still ok', now)[0]).toMatchObject({ lastTransitionTime: '2026-01-01T00:00:00.000Z', message: 'still ok', observedGeneration: 2 });
    expect(readyConditions(o, 'False', 'NamespacesFailed', 'bad', now)[0]!.lastTransitionTime).toBe('2026-06-01T00:00:00.000Z');
  });
});

describe('recordStatus', () => {
  function recorder() {
    const writes: Status[] = [];
    const events = new FakeEvents();
    return { writes, events, to: { kind: 'ClusterPushSecret', write: async (_name: string, s: Status) => void writes.push(s), events } };
  }

  it('writes nothing when the status is the same', async () => {
    const { writes, events, to } = recorder();
    const status = { conditions: [ready('True', 'Provisioned', 'ok')], observedGeneration: 1 };
    await recordStatus(owner(structuredClone(status)), status, to, capturedLogger().logger);
    expect(writes).toEqual([]);
    expect(events.events).toEqual([]);
  });

  it('writes a changed status but records no Event while Ready says the same', async () => {
    const { writes, events, to } = recorder();
    const condition = ready('True', 'Provisioned', 'ok');
    await recordStatus(owner({ conditions: [condition] }), { conditions: [condition], provisionedNamespaces: ['a'] }, to, capturedLogger().logger);
    expect(writes).toHaveLength(1);
    expect(events.events).toEqual([]);
  });

  it('records a Normal Event on Ready, a Warning (and a warn log) otherwise, naming the owner', async () => {
    const { events, to } = recorder();
    const log = capturedLogger();
    await recordStatus(owner(undefined), { conditions: [ready('True', 'Provisioned', 'in 2')] }, to, log.logger);
    await recordStatus(owner({ conditions: [ready('True', 'Provisioned', 'in 2')] }), { conditions: [ready('False', 'NamespacesFailed', 'b: denied')] }, to, log.logger);
    expect(events.events).toEqual([
      { object: { apiVersion: 'rotor.dev/v1alpha1', kind: 'ClusterPushSecret', name: 'shared', uid: 'u1' }, type: 'Normal', reason: 'Provisioned', message: 'in 2' },
      { object: { apiVersion: 'rotor.dev/v1alpha1', kind: 'ClusterPushSecret', name: 'shared', uid: 'u1' }, type: 'Warning', reason: 'NamespacesFailed', message: 'b: denied' },
    ]);
    expect(log.output()).toContain('ClusterPushSecret not ready');
  });
});

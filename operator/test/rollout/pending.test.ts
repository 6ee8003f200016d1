import { describe, expect, it, vi } from 'vitest';
import type { RolloutRequest, RolloutResult } from '../../src/rollout/coordinator.js';
import { PendingRollouts } from '../../src/rollout/pending.js';

const req = (fingerprint: string): RolloutRequest => ({
  namespace: 'app',
  secretName: 'db',
  externalSecret: { apiVersion: 'rotor.dev/v1alpha1', kind: 'ExternalSecret', name: 'db', namespace: 'app' },
  fingerprint,
});
const ok: RolloutResult = { targets: ['Deployment/web'], unchanged: [], problems: [] };

function setup() {
  let now = 0;
  const answers = new Map<string, (r: RolloutResult) => void>();
  const request = vi.fn((r: RolloutRequest) => new Promise<RolloutResult>((resolve) => answers.set(r.fingerprint, resolve)));
  const onSettled = vi.fn();
  const pending = new PendingRollouts({ request, onSettled, clock: { now: () => now }, retryMs: 1000 });
  return { pending, request, onSettled, answers, advance: (ms: number) => (now += ms) };
}

describe('PendingRollouts', () => {
  it('asks once per fingerprint however many passes see the marker, then reports done', async () => {
    const t = setup();
    expect(t.pending.advance('app/db', req('a@1'))).toEqual({ state: 'requested' });
    expect(t.pending.advance('app/db', req('a@1'))).toEqual({ state: 'requested' });
    expect(t.request).toHaveBeenCalledTimes(1);
    t.answers.get('a@1')!(ok);
    await vi.waitFor(() => expect(t.onSettled).toHaveBeenCalledWith('app/db'));
    expect(t.pending.advance('app/db', req('a@1'))).toEqual({ state: 'done', result: ok });
  });

  it('a cached copy that still shows a cleared marker asks nothing', () => {
    const t = setup();
    t.pending.cleared('app/db', 'a@1');
    expect(t.pending.advance('app/db', req('a@1'))).toEqual({ state: 'cleared' });
    expect(t.request).not.toHaveBeenCalled();
    // A newer rotation is asked for.
    expect(t.pending.advance('app/db', req('a@2'))).toEqual({ state: 'requested' });
  });

  it('ignores the answer to a request a newer rotation superseded', async () => {
    const t = setup();
    t.pending.advance('app/db', req('a@1'));
    t.pending.advance('app/db', req('a@2'));
    t.answers.get('a@1')!(ok);
    await new Promise((r) => setTimeout(r, 0));
    expect(t.onSettled).not.toHaveBeenCalled();
    expect(t.pending.advance('app/db', req('a@2'))).toEqual({ state: 'requested' });
  });

  it('waits retryMs after a failed attempt before asking again', async () => {
    const t = setup();
    t.pending.advance('app/db', req('a@1'));
    t.answers.get('a@1')!({ targets: [], unchanged: [], problems: ['x'], retry: true });
    await vi.waitFor(() => expect(t.onSettled).toHaveBeenCalled());
    t.advance(400);
    expect(t.pending.advance('app/db', req('a@1'))).toEqual({ state: 'retry-later', afterMs: 600 });
    t.advance(600);
    expect(t.pending.advance('app/db', req('a@1'))).toEqual({ state: 'requested' });
    expect(t.request).toHaveBeenCalledTimes(2);
  });
});

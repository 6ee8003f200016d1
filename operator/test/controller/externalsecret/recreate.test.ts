import { describe, expect, it, vi } from 'vitest';
import type { Secret } from '../../../src/kube/client/objects.js';
import { RECREATE_RETRY_DELAYS_MS, recreateSecret } from '../../../src/controller/externalsecret/recreate.js';
import { kubeApiErrorFor } from '../../../src/kube/client/errors.js';

const next: Secret = { metadata: { namespace: 'app', name: 'db', resourceVersion: '7' }, type: 'Opaque', immutable: true, data: { k: 'dg==' } };
const failure = (code: number | undefined) => (code === undefined ? new Error('socket hang up') : kubeApiErrorFor(code, { message: 'failed' }, 'POST Secret app/db'));

function client(createFailures: (number | undefined)[]) {
  const calls: string[] = [];
  return {
    calls,
    delete: vi.fn(async () => {
      calls.push('delete');
    }),
    create: vi.fn(async (s: Secret) => {
      calls.push('create');
      const code = createFailures.shift();
      if (code !== undefined) throw failure(code === -1 ? undefined : code);
      return s;
    }),
  };
}

describe('recreateSecret', () => {
  it('deletes, then creates without the old resourceVersion', async () => {
    const c = client([]);
    expect(await recreateSecret(c, next, next, { sleep: async () => undefined })).toEqual({ ok: true, attempts: 1 });
    expect(c.calls).toEqual(['delete', 'create']);
    expect(c.create.mock.calls[0]![0].metadata?.resourceVersion).toBeUndefined();
  });

  it.each([
    ['a server error', [503]],
    ['no answer', [-1]],
    ['throttling, then a server error', [429, 500]],
  ])('retries the create at once after %s, with short pauses', async (_what, failures) => {
    const c = client([...failures]);
    const slept: number[] = [];
    const outcome = await recreateSecret(c, next, next, { sleep: async (ms) => void slept.push(ms) });
    expect(outcome).toEqual({ ok: true, attempts: failures.length + 1 });
    expect(slept).toEqual(RECREATE_RETRY_DELAYS_MS.slice(0, failures.length));
    expect(c.delete).toHaveBeenCalledTimes(1);
  });

  it('gives up after the bounded retries and says the Secret is missing', async () => {
    const c = client([503, 503, 503, 503, 503, 503]);
    const slept: number[] = [];
    const outcome = await recreateSecret(c, next, next, { delaysMs: [5, 10], sleep: async (ms) => void slept.push(ms) });
    expect(outcome).toMatchObject({ ok: false, attempts: 3, secretMissing: true });
    expect(slept).toEqual([5, 10]);
  });

  it('does not retry what would fail the same way (422, 403)', async () => {
    for (const code of [422, 403]) {
      const c = client([code]);
      expect(await recreateSecret(c, next, next, { sleep: async () => undefined })).toMatchObject({ ok: false, attempts: 1, secretMissing: true });
    }
  });

  it('a Secret created by someone else in the window (409) is not a missing Secret', async () => {
    const c = client([409]);
    expect(await recreateSecret(c, next, next, { sleep: async () => undefined })).toMatchObject({ ok: false, attempts: 1, secretMissing: false });
  });

  it('a failed delete throws before any create: the old Secret still stands', async () => {
    const c = client([]);
    c.delete.mockRejectedValueOnce(failure(500));
    await expect(recreateSecret(c, next, next)).rejects.toThrow('failed');
    expect(c.create).not.toHaveBeenCalled();
  });
});

import { describe, expect, it } from 'vitest';
import { retryTransient } from '../../src/migrate/cluster.js';
import { kubeApiErrorFor } from '../../src/kube/client/errors.js';

const failing = (codes: number[], value = 'ok') => {
  let calls = 0;
  const call = async () => {
    const code = codes[calls++];
    if (code !== undefined) throw kubeApiErrorFor(code, undefined, `GET /apis/external-secrets.io/v1/secretstores`);
    return value;
  };
  return { call, calls: () => calls };
};

describe('retryTransient', () => {
  it('retries 429 and 5xx (a new CRD\'s storage still initializing) until the call succeeds', async () => {
    const f = failing([503, 429]);
    expect(await retryTransient(f.call)).toBe('ok');
    expect(f.calls()).toBe(3);
  });

  it('fails at once on anything the API server would answer the same way again', async () => {
    for (const code of [403, 404, 422]) {
      const f = failing([code]);
      await expect(retryTransient(f.call)).rejects.toThrow(`HTTP ${code}`);
      expect(f.calls()).toBe(1);
    }
  });

  it('gives up after 5 attempts', async () => {
    const f = failing([500, 500, 500, 500, 500, 500]);
    await expect(retryTransient(f.call)).rejects.toThrow('HTTP 500');
    expect(f.calls()).toBe(5);
  }, 10_000);
});

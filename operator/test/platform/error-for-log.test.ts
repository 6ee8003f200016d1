import { describe, expect, it } from 'vitest';
import { LOG_SAFE_MESSAGE, errorForLog } from '../../src/platform/error-for-log.js';
import { kubeApiErrorFor } from '../../src/kube/client/errors.js';
import { ProviderError } from '../../src/api/provider.js';
import { SyncError } from '../../src/sync/errors.js';
import { ReconcileFailure } from '../../src/controller/runtime/reconcile.js';

const VALUE = 'hunter2-from-a-library-message';

describe('errorForLog', () => {
  it('an arbitrary error is logged by its name and code, never its message', () => {
    const error = Object.assign(new TypeError(`cannot read ${VALUE}`), { code: 'ERR_X' });
    expect(errorForLog(error)).toEqual({ name: 'TypeError', code: 'ERR_X' });
    expect(JSON.stringify(errorForLog(new Error(VALUE)))).not.toContain(VALUE);
    expect(errorForLog(VALUE)).toEqual({ name: 'string' });
    expect(errorForLog(undefined)).toEqual({ name: 'undefined' });
    // A code that is not a code (free text) is not logged either.
    expect(errorForLog(Object.assign(new Error('x'), { code: `bad ${VALUE}` }))).toEqual({ name: 'Error' });
  });

  it('Rotor\'s own errors, written for status and events, keep their message; the cause is shown the same way', () => {
    // A Kubernetes error keeps its message only when it holds no API server text (which may
    // echo the object, e.g. an admission webhook quoting a rendered label): a 422 names fields.
    expect(errorForLog(kubeApiErrorFor(403, { reason: 'Forbidden', message: `denied ${VALUE}` }, 'GET x'))).toEqual({ name: 'KubeApiError', code: 403, reason: 'Forbidden' });
    expect(errorForLog(kubeApiErrorFor(422, { reason: 'Invalid', message: VALUE, details: { causes: [{ field: 'metadata.labels' }] } }, 'PUT x'))).toEqual({
      name: 'KubeApiError',
      code: 422,
      reason: 'Invalid',
      message: 'PUT x: the API server rejected the object as invalid (HTTP 422) in field metadata.labels',
    });
    expect(errorForLog(kubeApiErrorFor(503, undefined, 'GET x')).message).toBe('GET x: HTTP 503');
    expect(errorForLog(new ProviderError('AccessDenied', 'the role needs kms:Decrypt', { code: 'AccessDeniedException' }))).toEqual({
      name: 'ProviderError',
      code: 'AccessDeniedException',
      reason: 'AccessDenied',
      message: 'the role needs kms:Decrypt',
    });
    expect(errorForLog(new SyncError('SecretSyncedError', 'spec.data[0]: no such key', { cause: new Error(VALUE) }))).toEqual({
      name: 'SyncError',
      reason: 'SecretSyncedError',
      message: 'spec.data[0]: no such key',
      cause: { name: 'Error' },
    });
    expect(errorForLog(new ReconcileFailure('status says why', true)).message).toBe('status says why');
    class Marked extends Error {
      readonly [LOG_SAFE_MESSAGE] = true;
    }
    expect(errorForLog(new Marked('safe')).message).toBe('safe');
  });
});

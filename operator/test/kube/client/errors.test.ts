// A 422 from the API server repeats the rejected keys (and values) of labels and annotations,
// which a template may have rendered from secret values: none of that text may reach status,
// Events or logs (issue #15, item 7). Only the sanitised field paths of its causes do.
import { describe, expect, it } from 'vitest';
import { invalidFields, invalidMessage, toKubeApiError } from '../../../src/kube/client/errors.js';
import { describeFailure } from '../../../src/controller/externalsecret/reconciler.js';
import { KubeHttpError } from '../../../src/kube/client/rest.js';

const SECRET_VALUE = 'hunter2-s3cr3t';

/** What kube/rest.ts throws for a 422 on a Secret write whose rendered label key is a value. */
function invalid422(): Error & { code: number; body: unknown } {
  const error = new Error('HTTP 422') as Error & { code: number; body: unknown };
  error.code = 422;
  error.body = {
    kind: 'Status',
    status: 'Failure',
    code: 422,
    reason: 'Invalid',
    message: `Secret "db" is invalid: [metadata.labels: Invalid value: "${SECRET_VALUE}!": name part must consist of alphanumeric characters, data[${SECRET_VALUE} x]: Invalid value: "${SECRET_VALUE} x"]`,
    details: {
      causes: [
        { type: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "${SECRET_VALUE}!"` },
        { type: 'FieldValueInvalid', field: `data[${SECRET_VALUE} x]`, message: `Invalid value: "${SECRET_VALUE} x"` },
        { type: 'FieldValueInvalid', field: `metadata.annotations[a]${SECRET_VALUE}]`, message: 'x' },
      ],
    },
  };
  return error;
}

describe('422 mapping', () => {
  it('the client\'s own KubeHttpError of a 422 names field paths only, so no path that logs or wraps it can leak the text', () => {
    const error = new KubeHttpError(422, invalid422().body as never, 'PUT /api/v1/namespaces/team-a/secrets/db');
    expect(error.message).toBe('PUT /api/v1/namespaces/team-a/secrets/db: the API server rejected the object as invalid (HTTP 422) in fields metadata.labels, data[…], metadata.annotations[…]');
    expect(error.message).not.toContain(SECRET_VALUE);
    expect(new KubeHttpError(403, { message: 'secrets is forbidden' } as never, 'GET x').message).toBe('GET x: HTTP 403: secrets is forbidden');
  });

  it('keeps only the structure of the causes\' field paths', () => {
    expect(invalidFields(invalid422())).toEqual(['metadata.labels', 'data[…]', 'metadata.annotations[…]']);
  });

  it('toKubeApiError never carries the API server text of a 422, nor the original error as cause', () => {
    const error = toKubeApiError(invalid422(), 'replace Secret team-a/db');
    expect(error.code).toBe(422);
    expect(error.message).toBe('replace Secret team-a/db: the API server rejected the object as invalid (HTTP 422) in fields metadata.labels, data[…], metadata.annotations[…]');
    expect(error.cause).toBeUndefined();
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(SECRET_VALUE);
  });

  it('a 422 without causes gets a fixed message', () => {
    const error = Object.assign(new Error('x'), { code: 422, body: { message: `bad ${SECRET_VALUE}` } });
    expect(invalidMessage(error)).toBe('the API server rejected the object as invalid (HTTP 422)');
  });

  it('the reconciler\'s status message names fields only, for raw and mapped errors alike', () => {
    for (const error of [invalid422(), toKubeApiError(invalid422(), 'create Secret team-a/db')]) {
      const failure = describeFailure(error);
      expect(failure.message).not.toContain(SECRET_VALUE);
      expect(failure.message).toContain('metadata.labels');
      expect(failure.retryable).toBe(false);
    }
  });

  it('other codes keep the API server message', () => {
    const error = Object.assign(new Error('x'), { code: 404, body: { message: 'secrets "db" not found', reason: 'NotFound' } });
    expect(toKubeApiError(error, 'read Secret team-a/db').message).toBe('read Secret team-a/db: secrets "db" not found');
  });
});

// A 422 from the API server repeats the rejected keys (and values) of labels and annotations,
// which a template may have rendered from secret values: none of that text may reach status,
// Events or logs (issue #15, item 7). Only the sanitised field paths of its causes do.
import { describe, expect, it } from 'vitest';
import { ConflictError, KubeApiError, httpStatusOf, invalidFields, invalidMessage, isConflict, isNotFound, kubeApiErrorFor, toKubeApiError, type KubeStatus } from '../../../src/kube/client/errors.js';
import { describeFailure } from '../../../src/controller/externalsecret/reconciler.js';

const SECRET_VALUE = 'hunter2-s3cr3t';

/** The Status body of a 422 on a Secret write whose rendered label key is a value. */
const INVALID_BODY: KubeStatus = {
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

/** What kube/client/rest.ts throws for that 422. */
const invalid422 = () => kubeApiErrorFor(422, INVALID_BODY, 'PUT /api/v1/namespaces/team-a/secrets/db');

describe('422 mapping', () => {
  it('the client\'s own error of a 422 names field paths only, so no path that logs or wraps it can leak the text', () => {
    const error = invalid422();
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error.message).toBe('PUT /api/v1/namespaces/team-a/secrets/db: the API server rejected the object as invalid (HTTP 422) in fields metadata.labels, data[…], metadata.annotations[…]');
    expect(error.message).not.toContain(SECRET_VALUE);
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(SECRET_VALUE);
    expect(kubeApiErrorFor(403, { message: 'secrets is forbidden' }, 'GET x').message).toBe('GET x: HTTP 403: secrets is forbidden');
  });

  it('keeps only the structure of the causes\' field paths', () => {
    expect(invalidFields(INVALID_BODY)).toEqual(['metadata.labels', 'data[…]', 'metadata.annotations[…]']);
  });

  it('toKubeApiError never carries the API server text of a 422, nor the original error as cause', () => {
    const error = toKubeApiError(invalid422(), 'replace Secret team-a/db');
    expect(error.code).toBe(422);
    expect(error.message).toBe('replace Secret team-a/db: the API server rejected the object as invalid (HTTP 422) in fields metadata.labels, data[…], metadata.annotations[…]');
    expect(error.cause).toBeUndefined();
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(SECRET_VALUE);
  });

  it('a 422 without causes gets a fixed message', () => {
    const error = kubeApiErrorFor(422, { message: `bad ${SECRET_VALUE}` }, 'PUT x');
    expect(invalidMessage(error)).toBe('the API server rejected the object as invalid (HTTP 422)');
    expect(error.message).not.toContain(SECRET_VALUE);
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
    const error = kubeApiErrorFor(404, { message: 'secrets "db" not found', reason: 'NotFound' }, 'GET x');
    expect(toKubeApiError(error, 'read Secret team-a/db').message).toBe('read Secret team-a/db: secrets "db" not found');
  });
});

describe('one error contract', () => {
  it('a 409 is a ConflictError where it is raised and where it is re-raised', () => {
    const raised = kubeApiErrorFor(409, { reason: 'Conflict', message: 'the object has been modified' }, 'PUT x');
    expect(raised).toBeInstanceOf(ConflictError);
    const wrapped = toKubeApiError(raised, 'replace Secret a/b');
    expect(wrapped).toBeInstanceOf(ConflictError);
    expect(wrapped).toMatchObject({ code: 409, reason: 'Conflict', message: 'replace Secret a/b: the object has been modified', cause: raised });
  });

  it('isConflict / isNotFound / httpStatusOf recognise the real error only, not look-alikes', () => {
    expect(isConflict(kubeApiErrorFor(409, undefined, 'x'))).toBe(true);
    expect(isNotFound(kubeApiErrorFor(404, undefined, 'x'))).toBe(true);
    expect(isConflict(kubeApiErrorFor(404, undefined, 'x'))).toBe(false);
    for (const lookAlike of [Object.assign(new Error('x'), { code: 409 }), Object.assign(new Error('x'), { statusCode: 409 }), { code: 404 }]) {
      expect(isConflict(lookAlike)).toBe(false);
      expect(isNotFound(lookAlike)).toBe(false);
      expect(httpStatusOf(lookAlike)).toBeUndefined();
    }
  });

  it('a failure without an answer is code 0, retryable, and named by the operation', () => {
    const error = toKubeApiError(Object.assign(new Error('fetch failed'), { cause: new Error('connect ECONNREFUSED') }), 'read Secret a/b');
    expect(error).toMatchObject({ code: 0, retryable: true, message: 'read Secret a/b: fetch failed: connect ECONNREFUSED' });
    expect(httpStatusOf(error)).toBe(0);
  });
});

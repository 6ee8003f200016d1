import { describe, expect, it } from 'vitest';
import { ES_REASON } from '../../src/api/types.js';
import { SyncError, scrubValues } from '../../src/sync/errors.js';

describe('SyncError', () => {
  it('carries reason, field, notFound and cause', () => {
    const cause = new Error('inner');
    const e = new SyncError(ES_REASON.InvalidSpec, 'msg', { field: 'spec.data[0]', notFound: true, cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('SyncError');
    expect([e.reason, e.message, e.field, e.notFound, e.cause]).toEqual([ES_REASON.InvalidSpec, 'msg', 'spec.data[0]', true, cause]);
    const plain = new SyncError(ES_REASON.SecretSyncedError, 'm');
    expect([plain.field, plain.notFound, plain.cause]).toEqual([undefined, false, undefined]);
  });
});

describe('scrubValues', () => {
  it('removes every occurrence, longest value first, and ignores very short values', () => {
    expect(scrubValues('token abcd1234 and abcd', ['abcd', 'abcd1234', 'ab'])).toBe('token [redacted] and [redacted]');
    expect(scrubValues('a b c', ['a', 'b'])).toBe('a b c');
  });
});

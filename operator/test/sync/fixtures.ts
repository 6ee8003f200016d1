// Small builders for sync tests: an ExternalSecret with only the fields a test cares about,
// and RemoteSecrets as the AWS layer would hand them over.
import { API_GROUP_VERSION, type ExternalSecret, type ExternalSecretSpec } from '../../src/api/types.js';
import type { RemoteSecret } from '../../src/api/provider.js';
import { expect } from 'vitest';
import { SyncError } from '../../src/sync/errors.js';

export function externalSecret(spec: Partial<ExternalSecretSpec>, name = 'app'): ExternalSecret {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'ExternalSecret',
    metadata: { name, namespace: 'team-a', uid: 'uid-1', generation: 1 },
    spec: { secretStoreRef: { name: 'aws' }, ...spec },
  };
}

export function remote(name: string, value: string | Buffer | object, version: { versionId?: string; version?: number } = {}): RemoteSecret {
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');
  return { name, value: bytes, binary: false, region: 'eu-west-1', ...version };
}

export const utf8 = (b: Buffer | undefined): string | undefined => b?.toString('utf8');

/** Record<string, Buffer> -> Record<string, string> for readable assertions. */
export function strings(data: Record<string, Buffer> | Map<string, Buffer>): Record<string, string> {
  const entries = data instanceof Map ? [...data.entries()] : Object.entries(data);
  return Object.fromEntries(entries.map(([k, v]) => [k, v.toString('utf8')]));
}

/** The SyncError `fn` throws; fails the test when it throws nothing or something else. */
export function caught(fn: () => unknown): SyncError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SyncError);
    return error as SyncError;
  }
  throw new Error('expected a SyncError');
}

// ESO 2.9's `nullBytePolicy` (on data[].remoteRef, dataFrom[].extract and dataFrom[].find):
// `Fail` refuses a fetched value holding a NUL byte, after decoding, as ESO's
// validateFetchedSecretValue/Map do. Why it exists: a NUL in a text secret is nearly always a
// mistake (a binary blob where a PEM or base64 text was expected) that breaks the consumer far
// from the cause; `Ignore` (the default, also when unset) keeps binary values as they are.
import { ES_REASON } from '../api/types.js';
import type { NullBytePolicy } from '../api/types.js';
import { SyncError, quote } from './errors.js';

/**
 * Throws when `policy` is Fail and a value holds a NUL byte, naming the first such key in byte
 * order (ESO sorts the keys) and `field` (the policy's spec path). Never quotes the value.
 */
export function assertNoNullBytes(policy: NullBytePolicy | undefined, entries: Iterable<readonly [string, Buffer]>, field: string): void {
  if (policy !== 'Fail') return;
  const offending = [...entries]
    .filter(([, value]) => value.includes(0))
    .map(([key]) => key)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  if (offending.length === 0) return;
  throw new SyncError(
    ES_REASON.SecretSyncedError,
    `the fetched value for key ${quote(offending[0]!)} contains NUL bytes and ${field} is Fail; store it as text (PEM or base64 with a decodingStrategy) or remove ${field} to keep binary data`,
    { field },
  );
}

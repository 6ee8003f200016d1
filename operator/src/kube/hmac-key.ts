// The key for change-detection MACs lives in a Secret in the operator's namespace, so
// every replica (and every restart) computes the same MACs and a restart is not a change.
import { randomBytes } from 'node:crypto';
import type { SecretClient } from './ports.js';
import { isConflict } from './errors.js';

const KEY_FIELD = 'key';

export async function loadOrCreateHmacKey(secrets: SecretClient, namespace: string, name: string): Promise<Buffer> {
  const existing = await secrets.get(namespace, name);
  const stored = existing?.data?.[KEY_FIELD];
  if (stored) return Buffer.from(stored, 'base64');
  const key = randomBytes(32);
  try {
    await secrets.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace, labels: { 'app.kubernetes.io/name': 'rotor', 'app.kubernetes.io/component': 'hmac-key' } },
      type: 'Opaque',
      data: { [KEY_FIELD]: key.toString('base64') },
    });
    return key;
  } catch (error) {
    // Another replica created it first: use theirs so both compute the same MACs.
    if (isConflict(error)) {
      const winner = await secrets.get(namespace, name);
      const value = winner?.data?.[KEY_FIELD];
      if (value) return Buffer.from(value, 'base64');
    }
    throw error;
  }
}

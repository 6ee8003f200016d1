// The key for change-detection MACs lives in a Secret in the operator's namespace, so
// every replica (and every restart) computes the same MACs and a restart is not a change.
// Read once at start (get; create when absent); never updated, so RBAC needs no update on it.
// It is the cluster-wide root only: each ExternalSecret's MACs use a key derived from it and
// the ExternalSecret's uid (sync/mac.ts objectMacKey), so no two tenants share a MAC key.
import { randomBytes } from 'node:crypto';
import type { SecretClient } from './ports.js';
import { isConflict } from './client/errors.js';

const KEY_FIELD = 'key';
const KEY_BYTES = 32;
/** A key shorter than this is not one we wrote (someone edited the Secret): refuse it. */
const MIN_KEY_BYTES = 16;

export async function loadOrCreateHmacKey(secrets: SecretClient, namespace: string, name: string): Promise<Buffer> {
  const existing = await secrets.get(namespace, name);
  if (existing) return keyOf(existing.data, namespace, name);
  const key = randomBytes(KEY_BYTES);
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
    if (!isConflict(error)) throw error;
    const winner = await secrets.get(namespace, name);
    if (!winner) throw error;
    return keyOf(winner.data, namespace, name);
  }
}

function keyOf(data: Record<string, string> | undefined, namespace: string, name: string): Buffer {
  const key = Buffer.from(data?.[KEY_FIELD] ?? '', 'base64');
  if (key.length < MIN_KEY_BYTES) {
    // Never invent a key beside an existing Secret: two replicas would then disagree on every MAC.
    throw new Error(
      `Secret ${namespace}/${name} has no usable HMAC key in data.${KEY_FIELD} (needs at least ${MIN_KEY_BYTES} bytes); ` +
        `delete it (kubectl delete secret -n ${namespace} ${name}) and restart the operator to create a new one ` +
        '(every managed Secret is then rewritten once, without rollouts)',
    );
  }
  return key;
}

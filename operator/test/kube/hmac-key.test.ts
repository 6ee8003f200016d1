import { describe, expect, it } from 'vitest';
import type { Secret } from '../../src/kube/client/objects.js';
import { loadOrCreateHmacKey } from '../../src/kube/hmac-key.js';
import { ConflictError, kubeApiErrorFor } from '../../src/kube/client/errors.js';
import { FakeSecrets } from '../controller/fakes.js';

const NS = 'rotor-system';
const NAME = 'rotor-hmac-key';

function keySecret(data: Record<string, string>): Secret {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { namespace: NS, name: NAME }, data };
}

describe('loadOrCreateHmacKey', () => {
  it('creates a random 32-byte key when the Secret is absent, and reads the same key back next time', async () => {
    const secrets = new FakeSecrets();
    const first = await loadOrCreateHmacKey(secrets, NS, NAME);
    expect(first).toHaveLength(32);
    expect(secrets.writes).toBe(1);
    const stored = secrets.store.get(`${NS}/${NAME}`)!;
    expect(stored.type).toBe('Opaque');
    expect(stored.metadata?.labels?.['app.kubernetes.io/component']).toBe('hmac-key');
    const again = await loadOrCreateHmacKey(secrets, NS, NAME);
    expect(again.equals(first)).toBe(true);
    expect(secrets.writes).toBe(1); // a restart never writes the key
  });

  it('two replicas get different random keys only until one wins the create: the loser uses the winner’s', async () => {
    const secrets = new FakeSecrets();
    const winnerKey = Buffer.alloc(32, 7);
    // The other replica's create lands between our get (absent) and our create.
    const realGet = secrets.get.bind(secrets);
    let raced = false;
    secrets.get = async (ns, name) => {
      const live = await realGet(ns, name);
      if (!raced) {
        raced = true;
        await secrets.create(keySecret({ key: winnerKey.toString('base64') }));
      }
      return live;
    };
    const key = await loadOrCreateHmacKey(secrets, NS, NAME);
    expect(key.equals(winnerKey)).toBe(true);
  });

  it('refuses an existing Secret without a usable key, naming it and what to do, and does not overwrite it', async () => {
    const broken: Record<string, string>[] = [{}, { key: '' }, { key: Buffer.alloc(8).toString('base64') }, { other: 'eA==' }];
    for (const data of broken) {
      const secrets = new FakeSecrets();
      await secrets.create(keySecret(data));
      const writes = secrets.writes;
      await expect(loadOrCreateHmacKey(secrets, NS, NAME)).rejects.toThrow(
        /Secret rotor-system\/rotor-hmac-key has no usable HMAC key in data\.key.*kubectl delete secret -n rotor-system rotor-hmac-key/,
      );
      expect(secrets.writes).toBe(writes);
    }
  });

  it('a create refused for another reason (e.g. forbidden) is thrown as is', async () => {
    const secrets = new FakeSecrets();
    const forbidden = kubeApiErrorFor(403, { reason: 'Forbidden', message: 'secrets is forbidden' }, 'POST Secret rotor/rotor-hmac-key');
    secrets.create = async () => {
      throw forbidden;
    };
    await expect(loadOrCreateHmacKey(secrets, NS, NAME)).rejects.toBe(forbidden);
  });

  it('a conflict whose winner vanished again is thrown as the conflict', async () => {
    const secrets = new FakeSecrets();
    const conflict = new ConflictError('create Secret: already exists', 'AlreadyExists');
    secrets.create = async () => {
      throw conflict;
    };
    await expect(loadOrCreateHmacKey(secrets, NS, NAME)).rejects.toBe(conflict);
  });
});

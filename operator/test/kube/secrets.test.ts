// KubeSecretClient and KubeNamespaceClient through the real API calls against the fake API server.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Secret } from '../../src/kube/client/objects.js';
import { makeKubeClients } from '../../src/kube/client/clients.js';
import { ConflictError, KubeApiError } from '../../src/kube/client/errors.js';
import { KubeNamespaceClient } from '../../src/kube/namespaces.js';
import { KubeSecretClient } from '../../src/kube/secrets.js';
import { FakeApiServer, status } from './fake-apiserver.js';

const PATH = '/api/v1/namespaces/team-a/secrets';
const SECRET_VALUE = 'c3VwZXItc2VjcmV0'; // base64 of "super-secret"

function secret(rv?: string): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: 'team-a', ...(rv ? { resourceVersion: rv } : {}) },
    type: 'Opaque',
    data: { password: SECRET_VALUE },
  };
}

describe('KubeSecretClient', () => {
  let server: FakeApiServer;
  let client: KubeSecretClient;
  beforeEach(async () => {
    server = await FakeApiServer.start();
    client = new KubeSecretClient(makeKubeClients(server.kubeConfig()).core);
  });
  afterEach(async () => {
    await server.close();
  });

  it('get returns the Secret, or undefined on 404', async () => {
    server.reply('GET', `${PATH}/db`, { status: 200, body: secret('5') });
    const got = await client.get('team-a', 'db');
    expect(got?.data?.password).toBe(SECRET_VALUE);
    expect(got?.metadata?.resourceVersion).toBe('5');
    expect(await client.get('team-a', 'missing')).toBeUndefined();
  });

  it('get surfaces other failures as KubeApiError without the raw response', async () => {
    server.reply('GET', `${PATH}/db`, { status: 403, body: status(403, 'Forbidden', 'secrets "db" is forbidden: User "system:serviceaccount:rotor:rotor" cannot get resource "secrets"') });
    const error = await client.get('team-a', 'db').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).code).toBe(403);
    expect((error as KubeApiError).reason).toBe('Forbidden');
    expect((error as Error).message).toBe('read Secret team-a/db: secrets "db" is forbidden: User "system:serviceaccount:rotor:rotor" cannot get resource "secrets"');
    expect((error as Error).message).not.toContain('Headers');
  });

  it('create POSTs with the rotor field manager; AlreadyExists is a ConflictError', async () => {
    server.reply('POST', PATH, { status: 201, body: secret('7') });
    const created = await client.create(secret());
    expect(created.metadata?.resourceVersion).toBe('7');
    const post = server.requestsTo('POST', PATH)[0]!;
    expect(post.query.get('fieldManager')).toBe('rotor');
    expect(post.body).toMatchObject({ metadata: { name: 'db', namespace: 'team-a' }, data: { password: SECRET_VALUE } });

    server.reply('POST', PATH, { status: 409, body: status(409, 'AlreadyExists', 'secrets "db" already exists') });
    const error = await client.create(secret()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).reason).toBe('AlreadyExists');
    expect((error as ConflictError).retryable).toBe(true);
  });

  it('replace PUTs the object with its resourceVersion; a stale one is a ConflictError', async () => {
    server.reply('PUT', `${PATH}/db`, (r) =>
      (r.body as Secret).metadata?.resourceVersion === '5'
        ? { status: 200, body: secret('6') }
        : { status: 409, body: status(409, 'Conflict', 'Operation cannot be fulfilled on secrets "db": the object has been modified; please apply your changes to the latest version and try again') },
    );
    await expect(client.replace(secret('5'))).resolves.toMatchObject({ metadata: { resourceVersion: '6' } });
    const error = await client.replace(secret('4')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toContain('replace Secret team-a/db: Operation cannot be fulfilled');
    expect((error as Error).message).not.toContain(SECRET_VALUE);
  });

  it('replace refuses to write without a resourceVersion', async () => {
    await expect(client.replace(secret())).rejects.toThrow(/resourceVersion is required/);
    expect(server.requestsTo('PUT', `${PATH}/db`)).toHaveLength(0);
  });

  const seen = { uid: 'uid-1', resourceVersion: '5' };

  it('delete succeeds when the Secret is already gone', async () => {
    server.reply('DELETE', `${PATH}/db`, { status: 200, body: status(200, '', '') });
    await client.delete('team-a', 'db', seen);
    await client.delete('team-a', 'missing', seen);
    expect(server.requestsTo('DELETE', `${PATH}/missing`)).toHaveLength(1);
    server.reply('DELETE', `${PATH}/db`, { status: 500, body: status(500, 'InternalError', 'etcd timeout') });
    const error = await client.delete('team-a', 'db', seen).catch((e: unknown) => e);
    expect((error as KubeApiError).retryable).toBe(true);
  });

  it('delete sends the uid and resourceVersion it was decided on as preconditions', async () => {
    server.reply('DELETE', `${PATH}/db`, { status: 200, body: status(200, 'Success', '') });
    await client.delete('team-a', 'db', seen);
    const [request] = server.requestsTo('DELETE', `${PATH}/db`);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.body).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: 'uid-1', resourceVersion: '5' } });
  });

  it('delete of a Secret replaced or changed since it was read is a ConflictError, and nothing is deleted', async () => {
    // The API server checks preconditions atomically with the delete.
    let live: Secret | undefined = { ...secret('9'), metadata: { ...secret('9').metadata, uid: 'uid-2' } };
    server.reply('DELETE', `${PATH}/db`, (r) => {
      const pre = (r.body as { preconditions?: { uid?: string; resourceVersion?: string } } | undefined)?.preconditions;
      if (pre?.uid !== live?.metadata?.uid || pre?.resourceVersion !== live?.metadata?.resourceVersion) {
        return { status: 409, body: status(409, 'Conflict', `Precondition failed: UID in precondition: ${pre?.uid}, UID in object meta: ${live?.metadata?.uid}`) };
      }
      live = undefined;
      return { status: 200, body: status(200, 'Success', '') };
    });
    const error = await client.delete('team-a', 'db', seen).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).retryable).toBe(true);
    expect((error as Error).message).toBe('delete Secret team-a/db: it changed or was replaced since it was read; not deleted (it is read again and the decision made again)');
    expect(live).toBeDefined();
    // After a re-read the decision uses the live version, and the delete goes through.
    await client.delete('team-a', 'db', { uid: 'uid-2', resourceVersion: '9' });
    expect(live).toBeUndefined();
  });

  it('delete refuses to send without the resourceVersion it was decided on', async () => {
    await expect(client.delete('team-a', 'db', { uid: 'uid-1' })).rejects.toThrow('delete Secret team-a/db: the resourceVersion it was decided on is required (read the Secret first)');
    expect(server.requestsTo('DELETE', `${PATH}/db`)).toHaveLength(0);
  });
});

describe('KubeNamespaceClient', () => {
  let server: FakeApiServer;
  beforeEach(async () => {
    server = await FakeApiServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  it('returns labels, {} without labels, undefined when missing', async () => {
    server.reply('GET', '/api/v1/namespaces/team-a', { status: 200, body: { kind: 'Namespace', metadata: { name: 'team-a', labels: { env: 'prod' } } } });
    server.reply('GET', '/api/v1/namespaces/bare', { status: 200, body: { kind: 'Namespace', metadata: { name: 'bare' } } });
    const namespaces = new KubeNamespaceClient(makeKubeClients(server.kubeConfig()).core);
    expect(await namespaces.labels('team-a')).toEqual({ env: 'prod' });
    expect(await namespaces.labels('bare')).toEqual({});
    expect(await namespaces.labels('nope')).toBeUndefined();
  });
});

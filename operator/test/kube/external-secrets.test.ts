// KubeExternalSecretWriter through the real API calls (kube/client/api.ts): paths, guards and error mapping.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExternalSecret } from '../../src/api/types.js';
import { makeKubeClients } from '../../src/kube/client/clients.js';
import { ConflictError } from '../../src/kube/client/errors.js';
import { KubeExternalSecretWriter } from '../../src/kube/external-secrets.js';
import { FakeApiServer, status } from './fake-apiserver.js';

const PATH = '/apis/rotor.dev/v1alpha1/namespaces/team-a/externalsecrets';
const es = (extra: Partial<ExternalSecret['metadata']> = {}): ExternalSecret => ({
  apiVersion: 'rotor.dev/v1alpha1',
  kind: 'ExternalSecret',
  metadata: { name: 'db', namespace: 'team-a', ...extra },
  spec: { secretStoreRef: { name: 'aws' }, data: [{ secretKey: 'k', remoteRef: { key: 'x' } }] },
});

describe('KubeExternalSecretWriter', () => {
  let server: FakeApiServer;
  let writer: KubeExternalSecretWriter;
  beforeEach(async () => {
    server = await FakeApiServer.start();
    writer = new KubeExternalSecretWriter(makeKubeClients(server.kubeConfig()).customObjects);
  });
  afterEach(async () => {
    await server.close();
  });

  it('creates with our field manager; an existing name is a ConflictError', async () => {
    server.reply('POST', PATH, { status: 201, body: es({ resourceVersion: '5' }) });
    expect((await writer.create(es())).metadata.resourceVersion).toBe('5');
    const [post] = server.requestsTo('POST', PATH);
    expect(post?.query.get('fieldManager')).toBe('rotor');
    expect(post?.body).toMatchObject({ kind: 'ExternalSecret', metadata: { name: 'db', namespace: 'team-a' } });
    server.reply('POST', PATH, { status: 409, body: status(409, 'AlreadyExists', 'externalsecrets.rotor.dev "db" already exists') });
    await expect(writer.create(es())).rejects.toBeInstanceOf(ConflictError);
  });

  it('replaces only with a resourceVersion', async () => {
    await expect(writer.replace(es())).rejects.toThrow(/resourceVersion is required/);
    server.reply('PUT', `${PATH}/db`, { status: 200, body: es({ resourceVersion: '6' }) });
    await writer.replace(es({ resourceVersion: '5' }));
    expect(server.requestsTo('PUT', `${PATH}/db`)[0]?.body).toMatchObject({ metadata: { resourceVersion: '5' } });
  });

  it('deletes with a uid precondition; already gone is success', async () => {
    server.reply('DELETE', `${PATH}/db`, { status: 200, body: status(200, '', '') });
    await writer.delete('team-a', 'db', 'uid-1');
    expect(server.requestsTo('DELETE', `${PATH}/db`)[0]?.body).toMatchObject({ preconditions: { uid: 'uid-1' } });
    server.reply('DELETE', `${PATH}/db`, { status: 404, body: status(404, 'NotFound', 'not found') });
    await expect(writer.delete('team-a', 'db', 'uid-1')).resolves.toBeUndefined();
  });

  it('deletes with the resourceVersion it decided on too; a changed one is a ConflictError', async () => {
    server.reply('DELETE', `${PATH}/db`, (r) =>
      (r.body as { preconditions?: { resourceVersion?: string } }).preconditions?.resourceVersion === '7'
        ? { status: 200, body: status(200, '', '') }
        : { status: 409, body: status(409, 'Conflict', 'Precondition failed: ResourceVersion in precondition: 6, ResourceVersion in object meta: 7') },
    );
    await expect(writer.delete('team-a', 'db', 'uid-1', '6')).rejects.toBeInstanceOf(ConflictError);
    await writer.delete('team-a', 'db', 'uid-1', '7');
    expect(server.requestsTo('DELETE', `${PATH}/db`).map((r) => r.body)).toEqual([
      { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: 'uid-1', resourceVersion: '6' }, propagationPolicy: 'Background' },
      { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: 'uid-1', resourceVersion: '7' }, propagationPolicy: 'Background' },
    ]);
  });
});

// KubeManifestTargetClient through the real API calls against the fake API server: ConfigMaps
// under /api/v1, other kinds found by discovery, replaces and deletes guarded.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeKubeClients } from '../../src/kube/client/clients.js';
import { ConflictError } from '../../src/kube/client/errors.js';
import { KubeManifestTargetClient } from '../../src/kube/manifest-targets.js';
import { FakeApiServer, status } from './fake-apiserver.js';

const CM = '/api/v1/namespaces/team-a/configmaps';

describe('KubeManifestTargetClient', () => {
  let server: FakeApiServer;
  let client: KubeManifestTargetClient;
  beforeEach(async () => {
    server = await FakeApiServer.start();
    const clients = makeKubeClients(server.kubeConfig());
    client = new KubeManifestTargetClient(clients.core, clients.customObjects);
  });
  afterEach(async () => {
    await server.close();
  });

  it('ConfigMaps: get (404 = undefined), create with the field manager, replace guarded, delete with preconditions', async () => {
    const kind = (await client.resolve('', 'v1', 'ConfigMap'))!;
    expect(kind).toMatchObject({ plural: 'configmaps', namespaced: true });
    expect(await client.resolve('', 'v1', 'Service')).toBeUndefined();
    expect(await client.get(kind, 'team-a', 'cfg')).toBeUndefined();

    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'team-a' }, data: { a: 'b' } };
    server.reply('POST', CM, { status: 201, body: { ...body, metadata: { ...body.metadata, resourceVersion: '3' } } });
    await client.create(kind, body);
    expect(server.requestsTo('POST', CM)[0]!.query.get('fieldManager')).toBe('rotor');

    await expect(client.replace(kind, body)).rejects.toThrow(/resourceVersion is required/);
    server.reply('PUT', `${CM}/cfg`, { status: 409, body: status(409, 'Conflict', 'the object has been modified') });
    await expect(client.replace(kind, { ...body, metadata: { ...body.metadata, resourceVersion: '3' } })).rejects.toBeInstanceOf(ConflictError);

    server.reply('DELETE', `${CM}/cfg`, { status: 200, body: {} });
    await client.delete(kind, 'team-a', 'cfg', { uid: 'u1', resourceVersion: '3' });
    expect(server.requestsTo('DELETE', `${CM}/cfg`)[0]!.body).toMatchObject({ preconditions: { uid: 'u1', resourceVersion: '3' } });
  });

  it('other kinds: the resource and scope come from discovery, subresources ignored; an unknown group is undefined', async () => {
    server.reply('GET', '/apis/example.com/v1', {
      status: 200,
      body: {
        resources: [
          { name: 'widgets', kind: 'Widget', namespaced: true },
          { name: 'widgets/status', kind: 'Widget', namespaced: true },
          { name: 'clusterwidgets', kind: 'ClusterWidget', namespaced: false },
        ],
      },
    });
    expect(await client.resolve('example.com', 'v1', 'Widget')).toEqual({ group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true });
    expect(await client.resolve('example.com', 'v1', 'ClusterWidget')).toMatchObject({ namespaced: false });
    expect(server.requestsTo('GET', '/apis/example.com/v1')).toHaveLength(1);
    expect(await client.resolve('nothere.io', 'v1', 'X')).toBeUndefined();

    const kind = (await client.resolve('example.com', 'v1', 'Widget'))!;
    server.reply('GET', '/apis/example.com/v1/namespaces/team-a/widgets/w', { status: 200, body: { kind: 'Widget', metadata: { name: 'w' }, spec: { data: {} } } });
    expect(await client.get(kind, 'team-a', 'w')).toMatchObject({ spec: { data: {} } });
  });
});

// KubeStatusWriter through the real API calls: path, content type and merge-patch body.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeKubeClients } from '../../src/kube/client/clients.js';
import { KubeApiError } from '../../src/kube/client/errors.js';
import { KubeStatusWriter, statusMergePatch } from '../../src/kube/status.js';
import { FakeApiServer, status } from './fake-apiserver.js';

const ES_STATUS_PATH = '/apis/rotor.dev/v1alpha1/namespaces/team-a/externalsecrets/db/status';
const condition = { type: 'Ready', status: 'True' as const, reason: 'SecretSynced', message: 'synced', lastTransitionTime: '2024-05-01T10:00:00Z' };

describe('KubeStatusWriter', () => {
  let server: FakeApiServer;
  let writer: KubeStatusWriter;
  beforeEach(async () => {
    server = await FakeApiServer.start();
    server.on((r) => (r.method === 'PATCH' ? { status: 200, body: { kind: 'X', metadata: { name: 'x' } } } : undefined));
    writer = new KubeStatusWriter(makeKubeClients(server.kubeConfig()).customObjects);
  });
  afterEach(async () => {
    await server.close();
  });

  it('merge-patches the ExternalSecret status subresource, removing fields left out', async () => {
    await writer.externalSecret('team-a', 'db', { conditions: [condition], refreshTime: '2024-05-01T10:00:00Z', observedGeneration: 3 });
    const [patch] = server.requestsTo('PATCH', ES_STATUS_PATH);
    expect(patch).toBeDefined();
    expect(patch!.headers['content-type']).toBe('application/merge-patch+json');
    expect(patch!.query.get('fieldManager')).toBe('rotor');
    expect(patch!.body).toEqual({
      status: {
        conditions: [condition],
        refreshTime: '2024-05-01T10:00:00Z',
        observedGeneration: 3,
        syncedResourceVersion: null,
        syncedStore: null,
        syncedVersions: null,
        dataMAC: null,
        servedRegion: null,
        version: null,
        lastRollout: null,
        lastEvent: null,
      },
    });
  });

  it('patches SecretStore (namespaced) and ClusterSecretStore (cluster-scoped) status', async () => {
    await writer.store('SecretStore', 'team-a', 'aws', { conditions: [condition] });
    await writer.store('ClusterSecretStore', undefined, 'shared', { conditions: [condition], observedGeneration: 2 });
    const ss = server.requestsTo('PATCH', '/apis/rotor.dev/v1alpha1/namespaces/team-a/secretstores/aws/status')[0]!;
    const css = server.requestsTo('PATCH', '/apis/rotor.dev/v1alpha1/clustersecretstores/shared/status')[0]!;
    expect(ss.headers['content-type']).toBe('application/merge-patch+json');
    expect(css.headers['content-type']).toBe('application/merge-patch+json');
    expect(ss.body).toEqual({ status: { conditions: [condition], observedGeneration: null } });
    expect(css.body).toEqual({ status: { conditions: [condition], observedGeneration: 2 } });
    await expect(writer.store('SecretStore', undefined, 'aws', {})).rejects.toThrow(/namespace is required/);
  });

  it('patches ClusterExternalSecret status (cluster-scoped), removing fields left out', async () => {
    await writer.clusterExternalSecret('shared-db', { externalSecretName: 'db', provisionedNamespaces: ['team-a'], conditions: [condition], observedGeneration: 4 });
    const [patch] = server.requestsTo('PATCH', '/apis/rotor.dev/v1alpha1/clusterexternalsecrets/shared-db/status');
    expect(patch?.headers['content-type']).toBe('application/merge-patch+json');
    expect(patch?.body).toEqual({
      status: { externalSecretName: 'db', provisionedNamespaces: ['team-a'], failedNamespaces: null, conditions: [condition], observedGeneration: 4 },
    });
  });

  it('ignores 404 (object deleted meanwhile) and surfaces other failures', async () => {
    server.reply('PATCH', ES_STATUS_PATH, { status: 404, body: status(404, 'NotFound', 'externalsecrets.rotor.dev "db" not found') });
    await expect(writer.externalSecret('team-a', 'db', {})).resolves.toBeUndefined();
    server.reply('PATCH', ES_STATUS_PATH, { status: 422, body: status(422, 'Invalid', 'status.conditions[0].status: Unsupported value: "Maybe"') });
    const error = await writer.externalSecret('team-a', 'db', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    // A 422's text may repeat values: only the field paths of its causes are kept (none here).
    expect((error as Error).message).toBe('update status of ExternalSecret team-a/db: the API server rejected the object as invalid (HTTP 422)');
  });

  it('statusMergePatch turns undefined into null and keeps given values', () => {
    expect(statusMergePatch({ a: 1, b: undefined }, { a: true, b: true, c: true })).toEqual({ status: { a: 1, b: null, c: null } });
  });
});

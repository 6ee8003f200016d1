// The GeneratorRunner: namespaced generators vs ClusterGenerator, not found, invalid objects,
// and the identity it asks the CredentialResolver for (ESO: the caller's namespace).
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsClientFactory } from '../../../src/aws/clients.js';
import { AwsGeneratorRunner } from '../../../src/aws/generators/runner.js';
import { EndpointPolicy } from '../../../src/aws/endpoint-policy.js';
import { GeneratorError } from '../../../src/api/generator.js';
import { ES_REASON, type SecretStore } from '../../../src/api/types.js';
import { ProviderError } from '../../../src/api/provider.js';
import type { ClusterGenerator, GeneratorKind, GeneratorObject } from '../../../src/api/generator-types.js';
import type { GeneratorObjectClient } from '../../../src/kube/generators.js';
import type { TenancyPolicy } from '../../../src/aws/tenancy.js';

class FakeObjects implements GeneratorObjectClient {
  readonly namespacedObjects = new Map<string, GeneratorObject>();
  readonly clusterObjects = new Map<string, ClusterGenerator>();
  async namespaced(kind: GeneratorKind, namespace: string, name: string) {
    return this.namespacedObjects.get(`${kind}/${namespace}/${name}`);
  }
  async cluster(name: string) {
    return this.clusterObjects.get(name);
  }
}

const ref = (kind: string, name: string) => ({ apiVersion: 'generators.rotor.dev/v1alpha1', kind, name });
const token = Buffer.from('AWS:pw').toString('base64');

describe('AwsGeneratorRunner', () => {
  const ecr = mockClient(ECRClient);
  let objects: FakeObjects;
  let asked: Array<{ store: SecretStore; referent: string | undefined }>;
  let runner: AwsGeneratorRunner;
  const credentials = {
    forStore: async (store: SecretStore, referent?: string) => {
      asked.push({ store, referent });
      return { identityKey: `id/${store.kind}/${referent}`, credentials: async () => ({ accessKeyId: 'AKID', secretAccessKey: 's' }) };
    },
  };
  const tenancy = (operatorIdentity: TenancyPolicy['operatorIdentity'] = 'AllStores'): TenancyPolicy => ({ endpoints: new EndpointPolicy({ env: {}, patterns: [] }), operatorIdentity, tokenAudiences: ['sts.amazonaws.com'] });

  beforeEach(() => {
    ecr.reset();
    ecr.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [{ authorizationToken: token, expiresAt: new Date('2030-01-01T00:00:00Z'), proxyEndpoint: 'https://r' }] });
    objects = new FakeObjects();
    asked = [];
    runner = new AwsGeneratorRunner({ objects, credentials, clients: new AwsClientFactory(), tenancy: tenancy() });
  });
  afterAll(() => ecr.restore());

  it('runs a Password of the caller namespace, with no AWS identity', async () => {
    objects.namespacedObjects.set('Password/team-a/pw', { apiVersion: 'generators.rotor.dev/v1alpha1', kind: 'Password', metadata: { name: 'pw', namespace: 'team-a' }, spec: { length: 12 } });
    const out = await runner.generate('team-a', ref('Password', 'pw'));
    expect(out.data.password).toHaveLength(12);
    expect(out.expiresAt).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it('reads a namespaced generator from the caller namespace only', async () => {
    objects.namespacedObjects.set('Password/team-b/pw', { apiVersion: 'generators.rotor.dev/v1alpha1', kind: 'Password', metadata: { name: 'pw', namespace: 'team-b' }, spec: {} });
    const error = (await runner.generate('team-a', ref('Password', 'pw')).catch((e: unknown) => e)) as GeneratorError;
    expect(error).toBeInstanceOf(GeneratorError);
    expect(error.reason).toBe('GeneratorNotFound');
    expect(error.message).toBe('Password team-a/pw not found; create it in this namespace, or reference a ClusterGenerator');
  });

  it("accepts ESO's apiVersion as Rotor's, refuses other groups", async () => {
    objects.namespacedObjects.set('Password/team-a/pw', { apiVersion: 'generators.rotor.dev/v1alpha1', kind: 'Password', metadata: { name: 'pw' }, spec: {} });
    await expect(runner.generate('team-a', { ...ref('Password', 'pw'), apiVersion: 'generators.external-secrets.io/v1alpha1' })).resolves.toBeDefined();
    const error = (await runner.generate('team-a', { ...ref('Password', 'pw'), apiVersion: 'v1' }).catch((e: unknown) => e)) as GeneratorError;
    expect(error.reason).toBe('InvalidGenerator');
  });

  it('a namespaced ECR generator signs as a SecretStore of the caller namespace; selector namespaces are dropped', async () => {
    objects.namespacedObjects.set('ECRAuthorizationToken/team-a/ecr', {
      apiVersion: 'generators.rotor.dev/v1alpha1',
      kind: 'ECRAuthorizationToken',
      metadata: { name: 'ecr', namespace: 'team-a', uid: 'u1', generation: 3 },
      spec: {
        region: 'eu-west-1',
        role: 'arn:aws:iam::123456789012:role/puller',
        auth: { secretRef: { accessKeyIDSecretRef: { name: 'k', key: 'id', namespace: 'kube-system' }, secretAccessKeySecretRef: { name: 'k', key: 'secret', namespace: 'kube-system' } } },
      },
    });
    const out = await runner.generate('team-a', ref('ECRAuthorizationToken', 'ecr'));
    expect(out.data.password!.toString()).toBe('pw');
    expect(out.expiresAt).toEqual(new Date('2030-01-01T00:00:00Z'));
    const { store, referent } = asked[0]!;
    expect(store.kind).toBe('SecretStore');
    expect(store.metadata).toMatchObject({ namespace: 'team-a', uid: 'u1', generation: 3 });
    expect(store.spec.provider.aws.role).toBe('arn:aws:iam::123456789012:role/puller');
    expect(JSON.stringify(store.spec.provider.aws.auth)).not.toContain('kube-system');
    expect(referent).toBe('team-a');
  });

  it('a ClusterGenerator runs its spec.kind with referent auth from the caller namespace', async () => {
    objects.clusterObjects.set('ecr-all', {
      apiVersion: 'generators.rotor.dev/v1alpha1',
      kind: 'ClusterGenerator',
      metadata: { name: 'ecr-all' },
      spec: { kind: 'ECRAuthorizationToken', generator: { ecrAuthorizationTokenSpec: { region: 'eu-west-1', auth: { secretRef: { accessKeyIDSecretRef: { name: 'k', key: 'id' }, secretAccessKeySecretRef: { name: 'k', key: 's' } } } } } },
    });
    await runner.generate('team-c', ref('ClusterGenerator', 'ecr-all'));
    expect(asked[0]!.store.kind).toBe('ClusterSecretStore');
    expect(asked[0]!.referent).toBe('team-c');
  });

  it('a ClusterGenerator without the spec of its kind (or with another) is invalid', async () => {
    objects.clusterObjects.set('bad', { apiVersion: 'x', kind: 'ClusterGenerator', metadata: { name: 'bad' }, spec: { kind: 'Password', generator: { ecrAuthorizationTokenSpec: { region: 'eu-west-1' } } } });
    const error = (await runner.generate('team-a', ref('ClusterGenerator', 'bad')).catch((e: unknown) => e)) as GeneratorError;
    expect(error.reason).toBe('InvalidGenerator');
    expect(error.message).toMatch(/spec\.generator must hold exactly spec\.generator\.passwordSpec for spec\.kind Password \(it also holds ecrAuthorizationTokenSpec\)/);
    const missing = (await runner.generate('team-a', ref('ClusterGenerator', 'nope')).catch((e: unknown) => e)) as GeneratorError;
    expect(missing.reason).toBe('GeneratorNotFound');
  });

  it('an invalid Password spec names the field', async () => {
    objects.clusterObjects.set('pw', { apiVersion: 'x', kind: 'ClusterGenerator', metadata: { name: 'pw' }, spec: { kind: 'Password', generator: { passwordSpec: { length: 4, digits: 3, symbols: 3 } } } });
    const error = (await runner.generate('team-a', ref('ClusterGenerator', 'pw')).catch((e: unknown) => e)) as GeneratorError;
    expect(error.reason).toBe('InvalidGenerator');
    expect(error.message).toMatch(/^ClusterGenerator pw \(Password\): spec\.generator\.passwordSpec\.length: /);
  });

  it('operatorIdentity ClusterSecretStoresOnly: a namespaced ECR generator must bring auth; a ClusterGenerator may use the operator identity', async () => {
    runner = new AwsGeneratorRunner({ objects, credentials, clients: new AwsClientFactory(), tenancy: tenancy('ClusterSecretStoresOnly') });
    objects.namespacedObjects.set('ECRAuthorizationToken/team-a/ecr', { apiVersion: 'generators.rotor.dev/v1alpha1', kind: 'ECRAuthorizationToken', metadata: { name: 'ecr' }, spec: { region: 'eu-west-1' } });
    const error = (await runner.generate('team-a', ref('ECRAuthorizationToken', 'ecr')).catch((e: unknown) => e)) as GeneratorError;
    expect(error.reason).toBe('InvalidGenerator');
    expect(error.message).toMatch(/spec\.auth is required/);
    expect(asked).toEqual([]);
    objects.clusterObjects.set('ecr', { apiVersion: 'x', kind: 'ClusterGenerator', metadata: { name: 'ecr' }, spec: { kind: 'ECRAuthorizationToken', generator: { ecrAuthorizationTokenSpec: { region: 'eu-west-1' } } } });
    await expect(runner.generate('team-a', ref('ClusterGenerator', 'ecr'))).resolves.toBeDefined();
  });

  it('STSSessionToken refuses jwt auth (as ESO)', async () => {
    objects.namespacedObjects.set('STSSessionToken/team-a/s', { apiVersion: 'x', kind: 'STSSessionToken', metadata: { name: 's' }, spec: { region: 'eu-west-1', auth: { jwt: { serviceAccountRef: { name: 'sa' } } } } });
    const error = (await runner.generate('team-a', ref('STSSessionToken', 's')).catch((e: unknown) => e)) as GeneratorError;
    expect(error.reason).toBe('InvalidGenerator');
    expect(error.message).toMatch(/spec\.auth\.jwt cannot be used/);
  });

  it('a credential problem (missing Secret) is InvalidGenerator naming the generator', async () => {
    runner = new AwsGeneratorRunner({
      objects,
      credentials: { forStore: async () => Promise.reject(new ProviderError(ES_REASON.InvalidSpec, 'Secret team-a/k has no key id')) },
      clients: new AwsClientFactory(),
      tenancy: tenancy(),
    });
    objects.namespacedObjects.set('ECRAuthorizationToken/team-a/ecr', { apiVersion: 'x', kind: 'ECRAuthorizationToken', metadata: { name: 'ecr' }, spec: { region: 'eu-west-1' } });
    const error = (await runner.generate('team-a', ref('ECRAuthorizationToken', 'ecr')).catch((e: unknown) => e)) as GeneratorError;
    expect(error.reason).toBe('InvalidGenerator');
    expect(error.message).toBe('ECRAuthorizationToken team-a/ecr: Secret team-a/k has no key id');
  });
});

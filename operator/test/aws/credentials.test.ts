import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ES_REASON } from '../../src/api/types.js';
import { AwsClientFactory } from '../../src/aws/clients.js';
import { CredentialResolver, credentialIdentityKey, roleSessionName } from '../../src/aws/credentials.js';
import { ProviderError } from '../../src/api/provider.js';
import { FakeCredentialSources, ManualClock, awsError, makeStore, recordingLogger, silentLogger } from './helpers.js';

const sts = mockClient(STSClient);
const HOUR = 3_600_000;

interface Setup {
  clock: ManualClock;
  sources: FakeCredentialSources;
  resolver: CredentialResolver;
  defaultChainCalls: { count: number };
  lines: string[];
  /** Credentials each AssumeRole call was signed with, in call order. */
  signedWith: Array<AwsCredentialIdentity | undefined>;
}

function setup(options: { defaultChain?: () => Promise<AwsCredentialIdentity>; onCacheLookup?: (result: 'hit' | 'miss') => void } = {}): Setup {
  const clock = new ManualClock();
  const sources = new FakeCredentialSources();
  const defaultChainCalls = { count: 0 };
  const { logger, lines } = recordingLogger();
  const signedWith: Array<AwsCredentialIdentity | undefined> = [];
  let issued = 0;
  const issue = (prefix: string) => {
    issued++;
    return {
      Credentials: {
        AccessKeyId: `${prefix}-AKID-${issued}`,
        SecretAccessKey: `${prefix}-SECRET-${issued}`,
        SessionToken: `${prefix}-TOKEN-${issued}`,
        Expiration: new Date(clock.now() + HOUR),
      },
    };
  };
  sts.on(AssumeRoleCommand).callsFake(async (input: { RoleArn: string }, getClient) => {
    const config = getClient().config as unknown as { credentials: () => Promise<AwsCredentialIdentity> };
    signedWith.push(await config.credentials());
    return issue(input.RoleArn.split('/').pop() ?? 'role');
  });
  sts.on(AssumeRoleWithWebIdentityCommand).callsFake(() => issue('web'));
  const resolver = new CredentialResolver({
    sources,
    clients: new AwsClientFactory(),
    logger,
    clock,
    random: () => 0.5,
    ...(options.onCacheLookup ? { onCacheLookup: options.onCacheLookup } : {}),
    defaultChain:
      options.defaultChain ??
      (async () => {
        defaultChainCalls.count++;
        return { accessKeyId: 'POD-IDENTITY-AKID', secretAccessKey: 'POD-IDENTITY-SECRET' };
      }),
  });
  return { clock, sources, resolver, defaultChainCalls, lines, signedWith };
}

const assumeRoleCalls = () => sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
const webIdentityCalls = () => sts.commandCalls(AssumeRoleWithWebIdentityCommand).map((c) => c.args[0].input);

beforeEach(() => sts.reset());
afterAll(() => sts.restore());

describe('CredentialResolver: auth none', () => {
  it('hands out the shared SDK default chain and makes no STS call', async () => {
    const { resolver, defaultChainCalls } = setup();
    const a = await resolver.forStore(makeStore({}, { name: 'one' }));
    const b = await resolver.forStore(makeStore({}, { name: 'two' }));
    expect(a.credentials).toBe(b.credentials);
    expect(await a.credentials()).toMatchObject({ accessKeyId: 'POD-IDENTITY-AKID' });
    expect(a.identityKey).not.toBe(b.identityKey);
    expect(defaultChainCalls.count).toBeGreaterThan(0);
    expect(sts.calls()).toHaveLength(0);
  });

  it('reports an empty default chain as an actionable error', async () => {
    const { resolver } = setup({
      defaultChain: async () => {
        throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
      },
    });
    await expect(resolver.forStore(makeStore())).rejects.toMatchObject({
      reason: ES_REASON.AccessDenied,
      message: expect.stringContaining('no AWS credentials available'),
    });
  });
});

describe('CredentialResolver: jwt (per-store IRSA)', () => {
  const jwtStore = (ref: { name: string; namespace?: string; audiences?: string[] }, meta = {}) => makeStore({ auth: { jwt: { serviceAccountRef: ref } } }, meta);

  it('requests a token and assumes the role from the ServiceAccount annotation', async () => {
    const { resolver, sources } = setup();
    sources.setServiceAccount('team-a', 'app', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/app' });
    const { credentials } = await resolver.forStore(jwtStore({ name: 'app' }));
    expect(await credentials()).toMatchObject({ accessKeyId: 'web-AKID-1', sessionToken: 'web-TOKEN-1' });
    expect(sources.tokenRequests).toEqual([{ namespace: 'team-a', name: 'app', audiences: ['sts.amazonaws.com'], expirationSeconds: 3600 }]);
    expect(webIdentityCalls()).toEqual([
      { RoleArn: 'arn:aws:iam::111122223333:role/app', RoleSessionName: 'rotor-team-a-aws-store', WebIdentityToken: 'token-for-team-a-app' },
    ]);
  });

  it('passes custom audiences', async () => {
    const { resolver, sources } = setup();
    sources.setServiceAccount('team-a', 'app', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/app' });
    await resolver.forStore(jwtStore({ name: 'app', audiences: ['custom'] }));
    expect(sources.tokenRequests[0]?.audiences).toEqual(['custom']);
  });

  it('names the missing ServiceAccount', async () => {
    const { resolver } = setup();
    const error = (await resolver.forStore(jwtStore({ name: 'ghost' })).catch((e: unknown) => e)) as ProviderError;
    expect(error.reason).toBe(ES_REASON.InvalidSpec);
    expect(error.message).toContain('ServiceAccount team-a/ghost');
    expect(error.message).toContain('does not exist');
    expect(webIdentityCalls()).toHaveLength(0);
  });

  it('names the missing annotation and how to add it', async () => {
    const { resolver, sources } = setup();
    sources.setServiceAccount('team-a', 'app', {});
    const error = (await resolver.forStore(jwtStore({ name: 'app' })).catch((e: unknown) => e)) as ProviderError;
    expect(error.reason).toBe(ES_REASON.InvalidSpec);
    expect(error.message).toContain('has no eks.amazonaws.com/role-arn annotation');
    expect(error.message).toContain('kubectl annotate serviceaccount -n team-a app');
    expect(sources.tokenRequests).toHaveLength(0);
  });

  it('refuses a namespaced store naming a ServiceAccount in another namespace', async () => {
    const { resolver, sources } = setup();
    sources.setServiceAccount('kube-system', 'admin', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/admin' });
    const error = (await resolver.forStore(jwtStore({ name: 'admin', namespace: 'kube-system' })).catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toContain('spec.provider.aws.auth.jwt.serviceAccountRef.namespace');
    expect(error.message).toContain('own namespace "team-a"');
    expect(sources.tokenRequests).toHaveLength(0);
  });

  it('accepts a namespaced store naming its own namespace explicitly', async () => {
    const { resolver, sources } = setup();
    sources.setServiceAccount('team-a', 'app', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/app' });
    await resolver.forStore(jwtStore({ name: 'app', namespace: 'team-a' }));
    expect(sources.tokenRequests[0]?.namespace).toBe('team-a');
  });

  it('referent auth: a ClusterSecretStore ServiceAccount without namespace is the ExternalSecret namespace\'s (ESO), one identity per namespace', async () => {
    const { resolver, sources } = setup();
    const store = jwtStore({ name: 'app' }, { kind: 'ClusterSecretStore', name: 'shared' });
    // Without an ExternalSecret there is no namespace to resolve it in.
    await expect(resolver.forStore(store)).rejects.toMatchObject({ reason: ES_REASON.InvalidSpec, message: expect.stringContaining('referent authentication') });
    sources.setServiceAccount('team-a', 'app', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/a' });
    sources.setServiceAccount('team-b', 'app', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/b' });
    const a = await resolver.forStore(store, 'team-a');
    const b = await resolver.forStore(store, 'team-b');
    expect(sources.tokenRequests.map((r) => r.namespace)).toEqual(['team-a', 'team-b']);
    expect(webIdentityCalls().map((c) => [c.RoleArn, c.RoleSessionName])).toEqual([
      ['arn:aws:iam::1:role/a', 'rotor-shared-team-a'],
      ['arn:aws:iam::1:role/b', 'rotor-shared-team-b'],
    ]);
    expect(a.identityKey).not.toBe(b.identityKey);
    expect(a.identityKey).toContain('[team-a]');
    // Each namespace keeps its own cached credentials: team-a's are not replaced by team-b's.
    await a.credentials();
    expect(sources.tokenRequests).toHaveLength(2);
    // Forgetting the store drops every namespace's entry.
    resolver.forgetStore(store);
    await resolver.forStore(store, 'team-a');
    expect(sources.tokenRequests).toHaveLength(3);
  });

  it('a store that names the namespace (or a SecretStore) ignores the ExternalSecret namespace: one identity', async () => {
    const { resolver, sources } = setup();
    sources.setServiceAccount('platform', 'app', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/app' });
    const store = jwtStore({ name: 'app', namespace: 'platform' }, { kind: 'ClusterSecretStore', name: 'global' });
    const a = await resolver.forStore(store, 'team-a');
    const b = await resolver.forStore(store, 'team-b');
    expect(a.identityKey).toBe(b.identityKey);
    expect(sources.tokenRequests.map((r) => r.namespace)).toEqual(['platform']);
  });

  it('uses the namespace a ClusterSecretStore names', async () => {
    const { resolver, sources } = setup();
    sources.setServiceAccount('platform', 'app', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/app' });
    await resolver.forStore(jwtStore({ name: 'app', namespace: 'platform' }, { kind: 'ClusterSecretStore', name: 'global' }));
    expect(sources.tokenRequests[0]?.namespace).toBe('platform');
    expect(webIdentityCalls()[0]?.RoleSessionName).toBe('rotor-global');
  });

  it('maps an STS denial to a message about the trust policy', async () => {
    const { resolver, sources } = setup();
    sources.setServiceAccount('team-a', 'app', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/app' });
    sts.on(AssumeRoleWithWebIdentityCommand).rejects(awsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403));
    await expect(resolver.forStore(jwtStore({ name: 'app' }))).rejects.toMatchObject({
      reason: ES_REASON.AccessDenied,
      message: expect.stringContaining('system:serviceaccount:team-a:app'),
    });
  });
});

describe('CredentialResolver: static keys', () => {
  const staticStore = (namespace?: string) =>
    makeStore({
      auth: {
        secretRef: {
          accessKeyIDSecretRef: { name: 'aws-creds', key: 'id', ...(namespace ? { namespace } : {}) },
          secretAccessKeySecretRef: { name: 'aws-creds', key: 'secret' },
          sessionTokenSecretRef: { name: 'aws-creds', key: 'token' },
        },
      },
    });

  it("reads the keys from the store's namespace, trimming newlines, and never logs them", async () => {
    const { resolver, sources, lines } = setup();
    sources.setSecret('team-a', 'aws-creds', 'id', 'AKIASTATIC\n').setSecret('team-a', 'aws-creds', 'secret', 'STATIC-SECRET-VALUE\n').setSecret('team-a', 'aws-creds', 'token', 'STATIC-TOKEN');
    const { credentials } = await resolver.forStore(staticStore());
    expect(await credentials()).toMatchObject({ accessKeyId: 'AKIASTATIC', secretAccessKey: 'STATIC-SECRET-VALUE', sessionToken: 'STATIC-TOKEN' });
    expect(lines.join('')).not.toContain('STATIC-SECRET-VALUE');
  });

  it('an empty sessionToken key means no session token (ESO); empty access keys are still refused', async () => {
    const { resolver, sources } = setup();
    sources.setSecret('team-a', 'aws-creds', 'id', 'AKIASTATIC').setSecret('team-a', 'aws-creds', 'secret', 'STATIC-SECRET-VALUE').setSecret('team-a', 'aws-creds', 'token', '');
    const { credentials } = await resolver.forStore(staticStore());
    const identity = await credentials();
    expect(identity).toMatchObject({ accessKeyId: 'AKIASTATIC', secretAccessKey: 'STATIC-SECRET-VALUE' });
    expect(identity).not.toHaveProperty('sessionToken');

    const empty = setup();
    empty.sources.setSecret('team-a', 'aws-creds', 'id', '').setSecret('team-a', 'aws-creds', 'secret', 'S').setSecret('team-a', 'aws-creds', 'token', 'T');
    await expect(empty.resolver.forStore(staticStore())).rejects.toMatchObject({ reason: ES_REASON.InvalidSpec, message: expect.stringContaining('key "id" of Secret team-a/aws-creds is empty') });
  });

  it('referent auth: static keys without namespace come from the ExternalSecret\'s namespace, never shared between namespaces', async () => {
    const { resolver, sources } = setup();
    const store = makeStore(
      { auth: { secretRef: { accessKeyIDSecretRef: { name: 'aws-creds', key: 'id' }, secretAccessKeySecretRef: { name: 'aws-creds', key: 'secret', namespace: 'ops' } } } },
      { kind: 'ClusterSecretStore', name: 'shared' },
    );
    sources.setSecret('team-a', 'aws-creds', 'id', 'AKIA-A').setSecret('team-b', 'aws-creds', 'id', 'AKIA-B').setSecret('ops', 'aws-creds', 'secret', 'S');
    const a = await resolver.forStore(store, 'team-a');
    const b = await resolver.forStore(store, 'team-b');
    expect((await a.credentials()).accessKeyId).toBe('AKIA-A');
    expect((await b.credentials()).accessKeyId).toBe('AKIA-B');
    // The reference that names a namespace keeps it (ESO: it takes precedence).
    expect(sources.secretReads).toContain('ops/aws-creds/secret');
    expect(sources.secretReads).not.toContain('team-a/aws-creds/secret');
    // A namespace without the Secret fails on its own, naming where it looked.
    await expect(resolver.forStore(store, 'team-c')).rejects.toMatchObject({ message: expect.stringContaining('team-c/aws-creds') });
  });

  it('refuses a namespaced store reading a Secret in another namespace', async () => {
    const { resolver, sources } = setup();
    await expect(resolver.forStore(staticStore('other'))).rejects.toMatchObject({
      message: expect.stringContaining('spec.provider.aws.auth.secretRef.accessKeyIDSecretRef.namespace'),
    });
    expect(sources.secretReads).toHaveLength(0);
  });

  it('caches the keys, and re-reads the Secret after their synthetic lifetime', async () => {
    const { resolver, sources, clock } = setup();
    sources.setSecret('team-a', 'aws-creds', 'id', 'A').setSecret('team-a', 'aws-creds', 'secret', 'S').setSecret('team-a', 'aws-creds', 'token', 'T');
    for (let i = 0; i < 50; i++) await (await resolver.forStore(staticStore())).credentials();
    expect(sources.secretReads).toHaveLength(3);
    sources.setSecret('team-a', 'aws-creds', 'id', 'ROTATED');
    clock.advance(10 * 60_000);
    const { credentials } = await resolver.forStore(staticStore());
    expect((await credentials()).accessKeyId).toBe('ROTATED');
    expect(sources.secretReads).toHaveLength(6);
  });
});

describe('CredentialResolver: role chains', () => {
  const chainStore = (generation = 1) =>
    makeStore(
      {
        additionalRoles: ['arn:aws:iam::111111111111:role/hop1', 'arn:aws:iam::222222222222:role/hop2'],
        role: 'arn:aws:iam::333333333333:role/target',
        externalID: 'ext-123',
        sessionTags: [{ key: 'team', value: 'a' }],
        transitiveTagKeys: ['team'],
      },
      { generation },
    );

  it('assumes additionalRoles in order, then role with externalID and session tags, each hop signed by the previous', async () => {
    const { resolver, signedWith } = setup();
    const { credentials } = await resolver.forStore(chainStore());
    expect(assumeRoleCalls()).toEqual([
      { RoleArn: 'arn:aws:iam::111111111111:role/hop1', RoleSessionName: 'rotor-team-a-aws-store' },
      { RoleArn: 'arn:aws:iam::222222222222:role/hop2', RoleSessionName: 'rotor-team-a-aws-store' },
      {
        RoleArn: 'arn:aws:iam::333333333333:role/target',
        RoleSessionName: 'rotor-team-a-aws-store',
        ExternalId: 'ext-123',
        Tags: [{ Key: 'team', Value: 'a' }],
        TransitiveTagKeys: ['team'],
      },
    ]);
    expect(signedWith.map((c) => c?.accessKeyId)).toEqual(['POD-IDENTITY-AKID', 'hop1-AKID-1', 'hop2-AKID-2']);
    expect((await credentials()).accessKeyId).toBe('target-AKID-3');
  });

  it('steady state: 100 forStore + credential uses within the expiry window cost exactly one AssumeRole per hop', async () => {
    const { resolver, clock } = setup();
    for (let i = 0; i < 100; i++) {
      const { credentials } = await resolver.forStore(chainStore());
      await credentials();
      clock.advance(30_000); // 50 minutes in total: still more than 5 min + jitter before expiry
    }
    expect(assumeRoleCalls().map((c) => c.RoleArn?.split('/').pop())).toEqual(['hop1', 'hop2', 'target']);
  });

  it('re-assumes the chain once the credentials are within the refresh margin of expiry', async () => {
    const { resolver, clock } = setup();
    const { credentials } = await resolver.forStore(chainStore());
    clock.advance(HOUR - 6 * 60_000); // 6 min left; margin is 5 min + 0.5 * 60 s jitter
    await credentials();
    expect(assumeRoleCalls()).toHaveLength(3);
    clock.advance(60_000); // 5 min left: inside the margin
    expect((await credentials()).accessKeyId).toBe('target-AKID-6');
    expect(assumeRoleCalls()).toHaveLength(6);
  });

  it('concurrent callers share one in-flight resolution', async () => {
    const { resolver } = setup();
    const results = await Promise.all(Array.from({ length: 20 }, () => resolver.forStore(chainStore()).then((r) => r.credentials())));
    expect(new Set(results.map((r) => r.accessKeyId))).toEqual(new Set(['target-AKID-3']));
    expect(assumeRoleCalls()).toHaveLength(3);
  });

  it('a spec change (new generation) gets a new identity and fresh credentials', async () => {
    const { resolver } = setup();
    const first = await resolver.forStore(chainStore(1));
    const second = await resolver.forStore(chainStore(2));
    expect(second.identityKey).not.toBe(first.identityKey);
    expect(assumeRoleCalls()).toHaveLength(6);
  });

  it('invalidate drops the cached credentials', async () => {
    const { resolver } = setup();
    const { identityKey, credentials } = await resolver.forStore(chainStore());
    resolver.invalidate(identityKey);
    expect((await credentials()).accessKeyId).toBe('target-AKID-6');
    expect(assumeRoleCalls()).toHaveLength(6);
  });

  it('keeps still-valid credentials when a refresh fails, and retries later', async () => {
    const { resolver, clock, lines } = setup();
    const { credentials } = await resolver.forStore(chainStore());
    sts.on(AssumeRoleCommand).rejects(awsError('ServiceUnavailable', '', 503));
    clock.advance(HOUR - 4 * 60_000);
    expect((await credentials()).accessKeyId).toBe('target-AKID-3');
    expect(lines.join('')).toContain('credential refresh failed');
    clock.advance(5 * 60_000); // expired now
    await expect(credentials()).rejects.toMatchObject({ reason: ES_REASON.ProviderUnavailable });
  });

  it('names the role and the trust-policy requirements when AssumeRole is denied', async () => {
    const { resolver } = setup();
    sts.on(AssumeRoleCommand).rejects(awsError('AccessDenied', 'not authorized to perform: sts:AssumeRole', 403));
    const error = (await resolver.forStore(makeStore({ role: 'arn:aws:iam::1:role/x', externalID: 'e' })).catch((e: unknown) => e)) as ProviderError;
    expect(error.reason).toBe(ES_REASON.AccessDenied);
    expect(error.message).toContain('sts:AssumeRole on role arn:aws:iam::1:role/x');
    expect(error.message).toContain('externalID');
  });

  it('chains on top of static keys and signs the first hop with them', async () => {
    const { resolver, sources, signedWith } = setup();
    sources.setSecret('team-a', 'k', 'id', 'AKIABASE').setSecret('team-a', 'k', 'secret', 'BASESECRET');
    await resolver.forStore(
      makeStore({
        role: 'arn:aws:iam::1:role/target',
        auth: { secretRef: { accessKeyIDSecretRef: { name: 'k', key: 'id' }, secretAccessKeySecretRef: { name: 'k', key: 'secret' } } },
      }),
    );
    expect(signedWith[0]?.accessKeyId).toBe('AKIABASE');
  });
});

describe('CredentialResolver: cache lookups (rotor_credential_cache_total)', () => {
  it('counts a miss per resolution and a hit per reuse; a deleted store starts over with a miss', async () => {
    const lookups: string[] = [];
    const { resolver, clock } = setup({ onCacheLookup: (r) => lookups.push(r) });
    const store = makeStore({ role: 'arn:aws:iam::1:role/app' });
    const first = await resolver.forStore(store);
    expect(lookups).toEqual(['miss']);
    await resolver.forStore(store);
    await first.credentials();
    expect(lookups).toEqual(['miss', 'hit', 'hit']);
    expect(assumeRoleCalls()).toHaveLength(1);
    clock.advance(HOUR); // past expiry - margin: re-resolved
    await first.credentials();
    expect(lookups.at(-1)).toBe('miss');
    expect(assumeRoleCalls()).toHaveLength(2);
    resolver.forgetStore(store);
    await resolver.forStore(store);
    expect(lookups.at(-1)).toBe('miss');
    expect(assumeRoleCalls()).toHaveLength(3);
  });

  it('callers joining a resolution in flight count as hits (no extra STS call)', async () => {
    const lookups: string[] = [];
    const { resolver } = setup({ onCacheLookup: (r) => lookups.push(r) });
    const store = makeStore({ role: 'arn:aws:iam::1:role/app' });
    await Promise.all([resolver.forStore(store), resolver.forStore(store), resolver.forStore(store)]);
    expect(lookups).toEqual(['miss', 'hit', 'hit']);
    expect(assumeRoleCalls()).toHaveLength(1);
  });
});

describe('identity keys and session names', () => {
  it('change with the auth spec and stay stable otherwise', () => {
    const a = credentialIdentityKey(makeStore({ role: 'arn:aws:iam::1:role/a' }));
    expect(credentialIdentityKey(makeStore({ role: 'arn:aws:iam::1:role/a' }))).toBe(a);
    expect(credentialIdentityKey(makeStore({ role: 'arn:aws:iam::1:role/b' }))).not.toBe(a);
    expect(credentialIdentityKey(makeStore({ role: 'arn:aws:iam::1:role/a' }, { namespace: 'team-b' }))).not.toBe(a);
    expect(a.startsWith('SecretStore/team-a/aws-store@')).toBe(true);
  });

  it('session names use only valid characters and at most 64 of them', () => {
    const name = roleSessionName(makeStore({}, { namespace: 'ns', name: `store:with/odd*chars-${'x'.repeat(80)}` }));
    expect(name.length).toBe(64);
    expect(name).toMatch(/^rotor-ns-store-with-odd-chars-x+$/);
  });
});

describe('CredentialResolver error pass-through', () => {
  it('does not mask a ProviderError from the Kubernetes side', async () => {
    const resolver = new CredentialResolver({ sources: new FakeCredentialSources(), clients: new AwsClientFactory(), logger: silentLogger, clock: new ManualClock() });
    await expect(
      resolver.forStore(makeStore({ auth: { secretRef: { accessKeyIDSecretRef: { name: 'nope', key: 'id' }, secretAccessKeySecretRef: { name: 'nope', key: 's' } } } })),
    ).rejects.toMatchObject({ message: 'Secret team-a/nope has no key id' });
  });
});

describe('CredentialResolver: sessionTagsPolicy (ESO 2.9 automatic session tags)', () => {
  const ROLE = 'arn:aws:iam::333333333333:role/target';
  const tagsOf = () => assumeRoleCalls().map((c) => c.Tags);

  it('Simple: esoNamespace, esoStoreName and esoStoreKind replace sessionTags on the assumed role', async () => {
    const { resolver } = setup();
    await resolver.forStore(makeStore({ role: ROLE, sessionTags: [{ key: 'team', value: 'a' }], sessionTagsPolicy: 'Simple' }));
    expect(tagsOf()).toEqual([
      [
        { Key: 'esoNamespace', Value: 'team-a' },
        { Key: 'esoStoreKind', Value: 'SecretStore' },
        { Key: 'esoStoreName', Value: 'aws-store' },
      ],
    ]);
  });

  it('Custom: the automatic tags plus customSessionTags (empty keys or values left out, as ESO)', async () => {
    const { resolver } = setup();
    await resolver.forStore(makeStore({ role: ROLE, sessionTagsPolicy: 'Custom', customSessionTags: { cost: 'c1', empty: '' } }));
    expect(tagsOf()[0]!.map((t) => t.Key)).toEqual(['cost', 'esoNamespace', 'esoStoreKind', 'esoStoreName']);
  });

  it('None (or unset) keeps sessionTags as written; no role, no tags', async () => {
    const { resolver } = setup();
    await resolver.forStore(makeStore({ role: ROLE, sessionTags: [{ key: 'team', value: 'a' }], sessionTagsPolicy: 'None' }));
    expect(tagsOf()).toEqual([[{ Key: 'team', Value: 'a' }]]);
    sts.reset();
    await resolver.forStore(makeStore({ sessionTagsPolicy: 'Simple' }, { name: 'no-role' }));
    expect(sts.calls()).toHaveLength(0);
  });

  it('ClusterSecretStore: one session per ExternalSecret namespace, each tagged with it, cached apart', async () => {
    const { resolver } = setup();
    const store = makeStore({ role: ROLE, sessionTagsPolicy: 'Simple' }, { kind: 'ClusterSecretStore', name: 'shared' });
    const a = await resolver.forStore(store, 'team-a');
    const b = await resolver.forStore(store, 'team-b');
    await resolver.forStore(store, 'team-a');
    expect(a.identityKey).not.toBe(b.identityKey);
    expect(tagsOf().map((tags) => tags!.find((t) => t.Key === 'esoNamespace')!.Value)).toEqual(['team-a', 'team-b']);
    expect((await a.credentials()).accessKeyId).not.toBe((await b.credentials()).accessKeyId);
    // Checked on its own (store validation), as ESO: no namespace.
    await resolver.forStore(store);
    expect(tagsOf()[2]!.find((t) => t.Key === 'esoNamespace')!.Value).toBe('');
  });

  it('a changed policy is a new identity; spelling out None is not', () => {
    const base = makeStore({ role: ROLE });
    expect(credentialIdentityKey(makeStore({ role: ROLE, sessionTagsPolicy: 'None' }))).toBe(credentialIdentityKey(base));
    expect(credentialIdentityKey(makeStore({ role: ROLE, sessionTagsPolicy: 'Simple' }))).not.toBe(credentialIdentityKey(base));
  });
});

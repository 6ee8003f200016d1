import { describe, expect, it } from 'vitest';
import { ES_REASON, type ExternalSecretSpec } from '../../src/api/types.js';
import { withDefaults } from '../../src/api/defaults.js';
import { ProviderError } from '../../src/api/provider.js';
import { buildSecretData, versionSummary, type BuildInputs } from '../../src/sync/build.js';
import { externalSecret, remote, strings } from './fixtures.js';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----';
const notFound = (key: string) => new ProviderError(ES_REASON.SecretMissing, `secret ${key} not found in eu-west-1`, { notFound: true, code: 'ResourceNotFoundException' });

function build(spec: Partial<ExternalSecretSpec>, data: BuildInputs['data'] = [], dataFrom: BuildInputs['dataFrom'] = []) {
  return buildSecretData({ externalSecret: withDefaults(externalSecret(spec)), data, dataFrom });
}

describe('buildSecretData: data[]', () => {
  it('selects, decodes and records versions (never values)', async () => {
    const out = await build(
      {
        data: [
          { secretKey: 'username', remoteRef: { key: 'prod/db', property: 'user' } },
          { secretKey: 'cert', remoteRef: { key: 'prod/cert', decodingStrategy: 'Base64' } },
          { secretKey: 'port', remoteRef: { key: '/prod/port' } },
        ],
      },
      [remote('prod/db', { user: 'admin', pass: 'pw' }, { versionId: 'abcdef0123456789' }), remote('prod/cert', Buffer.from('hello').toString('base64'), { versionId: 'c1' }), remote('/prod/port', '5432', { version: 7 })],
    );
    expect(out.problems).toEqual([]);
    expect(strings(out.data)).toEqual({ username: 'admin', cert: 'hello', port: '5432' });
    expect(out.type).toBe('Opaque');
    expect(out.syncedVersions).toEqual([
      { key: 'username', remoteKey: 'prod/db', versionId: 'abcdef0123456789' },
      { key: 'cert', remoteKey: 'prod/cert', versionId: 'c1' },
      { key: 'port', remoteKey: '/prod/port', version: 7 },
    ]);
    expect(JSON.stringify(out.syncedVersions)).not.toContain('admin');
    expect(out.allMissing).toBe(false);
  });

  it('skips optional entries whose remote key or property is missing, and notes them', async () => {
    const out = await build(
      {
        data: [
          { secretKey: 'a', remoteRef: { key: 'prod/a' } },
          { secretKey: 'b', remoteRef: { key: 'prod/b' }, optional: true },
          { secretKey: 'c', remoteRef: { key: 'prod/a', property: 'missing' }, optional: true },
        ],
      },
      [remote('prod/a', '{"x":1}', { versionId: 'v1' }), notFound('prod/b'), remote('prod/a', '{"x":1}', { versionId: 'v1' })],
    );
    expect(out.problems).toEqual([]);
    expect(Object.keys(out.data)).toEqual(['a']);
    expect(out.skipped.map((s) => [s.field, s.secretKey, s.remoteKey])).toEqual([
      ['spec.data[1]', 'b', 'prod/b'],
      ['spec.data[2]', 'c', 'prod/a'],
    ]);
  });

  it('a missing required key is a problem that keeps the provider reason and message', async () => {
    const err = notFound('prod/b');
    const out = await build({ data: [{ secretKey: 'b', remoteRef: { key: 'prod/b' } }] }, [err]);
    expect(out.problems).toHaveLength(1);
    const problem = out.problems[0]!;
    expect(problem.reason).toBe(ES_REASON.SecretMissing);
    expect(problem.field).toBe('spec.data[0].remoteRef.key');
    expect(problem.notFound).toBe(true);
    expect(problem.cause).toBe(err);
    expect(problem.message).toContain('"prod/b"');
    expect(problem.message).toContain('not found in eu-west-1');
    expect(out.allMissing).toBe(true);
  });

  it('other provider errors are problems too (not skipped even when optional)', async () => {
    const denied = new ProviderError(ES_REASON.AccessDenied, 'the role needs kms:Decrypt on the secret KMS key', { code: 'AccessDeniedException' });
    const out = await build({ data: [{ secretKey: 'b', remoteRef: { key: 'prod/b' }, optional: true }] }, [denied]);
    expect(out.problems.map((p) => p.reason)).toEqual([ES_REASON.AccessDenied]);
    expect(out.skipped).toEqual([]);
    expect(out.allMissing).toBe(false);
  });

  it('selection errors that are not "not found" are problems even when optional', async () => {
    const out = await build({ data: [{ secretKey: 'x', remoteRef: { key: 'k', property: 'p' }, optional: true }] }, [remote('k', 'not json')]);
    expect(out.problems.map((p) => p.field)).toEqual(['spec.data[0].remoteRef.property']);
  });

  it('a missing fetch result is an internal problem, not a crash', async () => {
    const out = await build({ data: [{ secretKey: 'x', remoteRef: { key: 'k' } }] }, []);
    expect(out.problems[0]!.message).toContain('internal error');
  });
});

describe('buildSecretData: dataFrom', () => {
  it('extract turns a JSON object into keys, with rewrites and decoding', async () => {
    const out = await build(
      { dataFrom: [{ extract: { key: 'prod/app', decodingStrategy: 'Auto' }, rewrite: [{ regexp: { source: '^', target: 'APP_' } }] }] },
      [],
      [remote('prod/app', { user: 'u', token: Buffer.from('tok').toString('base64'), port: 80 }, { versionId: 'v9' })],
    );
    expect(out.problems).toEqual([]);
    expect(strings(out.data)).toEqual({ APP_user: 'u', APP_token: 'tok', APP_port: '80' });
    // A non-string member goes through ESO's own code (Go), whose map comes back sorted.
    expect(out.syncedVersions.map((v) => v.key).sort()).toEqual(['APP_port', 'APP_token', 'APP_user']);
    expect(new Set(out.syncedVersions.map((v) => v.versionId))).toEqual(new Set(['v9']));
  });

  it('extract converts key characters a Secret cannot hold (conversionStrategy Default "_", Unicode _UXXXX_), as ESO', async () => {
    const value = { 'user name': 'u', '/path/key': 'p' };
    const out = await build({ dataFrom: [{ extract: { key: 'prod/app' } }] }, [], [remote('prod/app', value)]);
    expect(out.problems).toEqual([]);
    expect(strings(out.data)).toEqual({ user_name: 'u', _path_key: 'p' });
    const unicode = await build({ dataFrom: [{ extract: { key: 'prod/app', conversionStrategy: 'Unicode' } }] }, [], [remote('prod/app', value)]);
    expect(strings(unicode.data)).toEqual({ user_U0020_name: 'u', _U002f_path_U002f_key: 'p' });
  });

  it('extract with a rewrite that leaves an invalid key names it (no conversion after a rewrite, as ESO)', async () => {
    const out = await build({ dataFrom: [{ extract: { key: 'prod/app' }, rewrite: [{ regexp: { source: '^', target: 'x-' } }] }] }, [], [remote('prod/app', { 'user name': 'u' })]);
    expect(out.problems).toHaveLength(1);
    expect(out.problems[0]!.message).toContain('JSON key "user name" of remote key "prod/app" gives the Secret key "x-user name"');
    expect(out.problems[0]!.message).toContain('fix spec.dataFrom[0].rewrite');
  });

  it('find converts remote names to keys, sorted and independent of AWS order', async () => {
    const found = [remote('/prod/api/db-password', 'p', { versionId: 'v2' }), remote('/prod/api/api-key', 'k', { versionId: 'v1' })];
    const out = await build({ dataFrom: [{ find: { path: '/prod/api' } }] }, [], [found]);
    expect(out.problems).toEqual([]);
    // As ESO: every "/" becomes "_", the leading one included.
    expect(Object.keys(out.data)).toEqual(['_prod_api_api-key', '_prod_api_db-password']);
    expect(out.syncedVersions.map((v) => [v.key, v.remoteKey])).toEqual([
      ['_prod_api_api-key', '/prod/api/api-key'],
      ['_prod_api_db-password', '/prod/api/db-password'],
    ]);
  });

  it('find applies rewrites to the raw name instead of the conversion, as ESO', async () => {
    const found = [remote('/prod/api/db-password', 'p')];
    const out = await build({ dataFrom: [{ find: { path: '/prod/api' }, rewrite: [{ regexp: { source: '^/prod/api/', target: '' } }, { regexp: { source: '-', target: '_' } }] }] }, [], [found]);
    expect(Object.keys(out.data)).toEqual(['db_password']);
    // No conversion after a rewrite: a "/" left by it makes an invalid key, as in ESO.
    const kept = await build({ dataFrom: [{ find: { path: '/prod/api' }, rewrite: [{ regexp: { source: '^/prod/', target: '' } }] }] }, [], [found]);
    expect(kept.problems[0]!.message).toContain('gives the Secret key "api/db-password"');
  });

  it('find leaves out a key that a rewrite made empty, as ESO', async () => {
    const found = [remote('/prod/api/db-password', 'p'), remote('/prod/api/drop', 'x')];
    const out = await build({ dataFrom: [{ find: { path: '/prod/api' }, rewrite: [{ regexp: { source: '^/prod/api/(drop)?', target: '' } }] }] }, [], [found]);
    expect(out.problems).toEqual([]);
    expect(Object.keys(out.data)).toEqual(['db-password']);
  });

  it('find reports two remotes colliding on one key', async () => {
    const out = await build({ dataFrom: [{ find: { name: { regexp: '.*' } } }] }, [], [[remote('a/b', '1'), remote('a_b', '2')]]);
    expect(out.problems).toHaveLength(1);
    expect(out.problems[0]!.message).toContain('remotes "a/b" and "a_b" both become the Secret key "a_b"');
  });

  it('an empty find counts as missing; an extract error is a problem', async () => {
    const out = await build({ dataFrom: [{ find: { path: '/nothing' } }, { extract: { key: 'gone' } }] }, [], [[], notFound('gone')]);
    expect(out.problems.map((p) => p.field)).toEqual(['spec.dataFrom[1].extract.key']);
    expect(out.allMissing).toBe(true);
  });
});

describe('buildSecretData: ordering and templates', () => {
  const spec: Partial<ExternalSecretSpec> = {
    dataFrom: [{ extract: { key: 'first' } }, { extract: { key: 'second' } }],
    data: [{ secretKey: 'shared', remoteRef: { key: 'single' } }],
  };
  const fetched = (): [BuildInputs['data'], BuildInputs['dataFrom']] => [
    [remote('single', 'from-data')],
    [remote('first', { shared: 'from-first', onlyFirst: '1', both: 'first' }), remote('second', { both: 'second' })],
  ];

  it('dataFrom in order, then data[] overrides', async () => {
    const out = await build(spec, ...fetched());
    expect(strings(out.data)).toEqual({ shared: 'from-data', onlyFirst: '1', both: 'second' });
  });

  it('template Replace keeps only the template keys', async () => {
    const out = await build({ ...spec, target: { template: { data: { url: '{{ shared }}/{{ both }}' } } } }, ...fetched());
    expect(strings(out.data)).toEqual({ url: 'from-data/second' });
  });

  it('template Merge puts template keys on top of the fetched keys', async () => {
    const out = await build({ ...spec, target: { template: { mergePolicy: 'Merge', data: { both: 'templated', extra: '{{ onlyFirst }}' } } } }, ...fetched());
    expect(strings(out.data)).toEqual({ shared: 'from-data', onlyFirst: '1', both: 'templated', extra: '1' });
  });

  it('a template without data keeps the fetched keys and sets type and metadata', async () => {
    const out = await build(
      {
        data: [
          { secretKey: 'tls.crt', remoteRef: { key: 'cert', property: 'crt' } },
          { secretKey: 'tls.key', remoteRef: { key: 'cert', property: 'key' } },
        ],
        target: { template: { type: 'kubernetes.io/tls', metadata: { labels: { app: 'web' }, annotations: { 'example.com/cn': 'web' } } } },
      },
      [remote('cert', { crt: CERT, key: KEY }), remote('cert', { crt: CERT, key: KEY })],
    );
    expect(out.problems).toEqual([]);
    expect(out.type).toBe('kubernetes.io/tls');
    expect(Object.keys(out.data)).toEqual(['tls.crt', 'tls.key']);
    expect(out.labels).toEqual({ app: 'web' });
    expect(out.annotations).toEqual({ 'example.com/cn': 'web' });
  });

  it('validates the Secret type against the final data', async () => {
    const out = await build({ data: [{ secretKey: 'user', remoteRef: { key: 'k' } }], target: { template: { type: 'kubernetes.io/basic-auth' } } }, [remote('k', 'u')]);
    expect(out.problems.map((p) => [p.reason, p.field])).toEqual([[ES_REASON.InvalidSpec, 'spec.target.template.type']]);
  });

  it('builds a dockerconfigjson Secret with the template filter', async () => {
    const out = await build(
      {
        data: [
          { secretKey: 'user', remoteRef: { key: 'reg', property: 'username' } },
          { secretKey: 'pass', remoteRef: { key: 'reg', property: 'password' } },
        ],
        target: { template: { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': '{{ "registry.example.com" | dockerconfigjson: user, pass }}' } } },
      },
      [remote('reg', { username: 'bot', password: 'pw' }), remote('reg', { username: 'bot', password: 'pw' })],
    );
    expect(out.problems).toEqual([]);
    expect(JSON.parse(out.data['.dockerconfigjson']!.toString()).auths['registry.example.com'].auth).toBe(Buffer.from('bot:pw').toString('base64'));
  });

  it('template errors are problems naming the template key; no template run after fetch problems', async () => {
    const bad = await build({ data: [{ secretKey: 'a', remoteRef: { key: 'k' } }], target: { template: { data: { x: '{{ b }}' } } } }, [remote('k', '1')]);
    expect(bad.problems.map((p) => p.field)).toEqual(['spec.target.template.data.x']);
    const fetchFailed = await build({ data: [{ secretKey: 'a', remoteRef: { key: 'k' } }], target: { template: { data: { x: '{{ a }}' } } } }, [notFound('k')]);
    expect(fetchFailed.problems.map((p) => p.field)).toEqual(['spec.data[0].remoteRef.key']);
  });

  it('does not mutate the ExternalSecret it is given', async () => {
    const es = withDefaults(externalSecret({ data: [{ secretKey: 'a', remoteRef: { key: 'k' } }] }));
    const before = JSON.stringify(es);
    await buildSecretData({ externalSecret: es, data: [remote('k', '1')], dataFrom: [] });
    expect(JSON.stringify(es)).toBe(before);
  });
});

describe('versionSummary', () => {
  it('shortens a VersionId to 8 characters and shows SSM versions as vN', async () => {
    expect(versionSummary([{ key: 'a', remoteKey: 'r', versionId: 'a1b2c3d4-e5f6-7890-abcd-ef0123456789' }])).toBe('a1b2c3d4');
    expect(versionSummary([{ key: 'a', remoteKey: '/p', version: 3 }])).toBe('v3');
  });
  it('adds +N for other distinct versions, counting a remote version once', async () => {
    expect(
      versionSummary([
        { key: 'a', remoteKey: 'r', versionId: 'a1b2c3d4-xxxx' },
        { key: 'b', remoteKey: 'r', versionId: 'a1b2c3d4-xxxx' },
        { key: 'c', remoteKey: '/p', version: 3 },
        { key: 'd', remoteKey: '/q', version: 3 },
      ]),
    ).toBe('a1b2c3d4 +2');
  });
  it('is empty without versions', async () => {
    expect(versionSummary([])).toBe('');
    expect(versionSummary([{ key: 'a', remoteKey: 'r' }])).toBe('');
  });
});

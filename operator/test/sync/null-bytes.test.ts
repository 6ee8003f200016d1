// nullBytePolicy (ESO 2.9): Fail refuses a fetched value with a NUL byte, after decoding.
import { describe, expect, it } from 'vitest';
import type { ExternalSecretSpec } from '../../src/api/types.js';
import { withDefaults } from '../../src/api/defaults.js';
import { buildSecretData, type BuildInputs } from '../../src/sync/build.js';
import { externalSecret, remote, strings } from './fixtures.js';

const build = (spec: Partial<ExternalSecretSpec>, data: BuildInputs['data'] = [], dataFrom: BuildInputs['dataFrom'] = []) =>
  buildSecretData({ externalSecret: withDefaults(externalSecret(spec)), data, dataFrom });
const NUL_B64 = Buffer.from('a\u0000b').toString('base64');

describe('nullBytePolicy', () => {
  it('data[]: Fail refuses a decoded value with NUL, naming the key and the field, never the value', async () => {
    const out = await build({ data: [{ secretKey: 'blob', remoteRef: { key: 'k', decodingStrategy: 'Base64', nullBytePolicy: 'Fail' } }] }, [remote('k', NUL_B64)]);
    expect(out.problems).toHaveLength(1);
    expect(out.problems[0]!.field).toBe('spec.data[0].remoteRef.nullBytePolicy');
    expect(out.problems[0]!.message).toContain('"blob"');
    expect(out.problems[0]!.message).not.toContain(NUL_B64);
    expect(out.data).toEqual({});
  });
  it('Ignore and unset keep binary values (ESO\'s default)', async () => {
    for (const nullBytePolicy of ['Ignore', undefined] as const) {
      const out = await build({ data: [{ secretKey: 'blob', remoteRef: { key: 'k', decodingStrategy: 'Base64', ...(nullBytePolicy ? { nullBytePolicy } : {}) } }] }, [remote('k', NUL_B64)]);
      expect(out.problems).toEqual([]);
      expect(out.data.blob).toEqual(Buffer.from('a\u0000b'));
    }
  });
  it('the check runs after decoding: base64 text without NUL passes, its decoded NUL fails', async () => {
    const out = await build({ data: [{ secretKey: 'b', remoteRef: { key: 'k', nullBytePolicy: 'Fail' } }] }, [remote('k', NUL_B64)]);
    expect(out.problems).toEqual([]);
  });
  it('extract and find: Fail names the first offending key in byte order', async () => {
    const extract = await build({ dataFrom: [{ extract: { key: 'app', decodingStrategy: 'Base64', nullBytePolicy: 'Fail' } }] }, [], [remote('app', { z: NUL_B64, b: NUL_B64, a: Buffer.from('ok').toString('base64') })]);
    expect(extract.problems.map((p) => [p.field, p.message.match(/key "(\w+)"/)?.[1]])).toEqual([['spec.dataFrom[0].extract.nullBytePolicy', 'b']]);
    const find = await build({ dataFrom: [{ find: { path: 'p/', nullBytePolicy: 'Fail' } }] }, [], [[remote('p/x', 'fine'), remote('p/y', 'bad\u0000')]]);
    expect(find.problems.map((p) => p.field)).toEqual(['spec.dataFrom[0].find.nullBytePolicy']);
    const ok = await build({ dataFrom: [{ find: { path: 'p/', nullBytePolicy: 'Fail' } }] }, [], [[remote('p/x', 'fine')]]);
    expect(strings(ok.data)).toEqual({ p_x: 'fine' });
  });
});

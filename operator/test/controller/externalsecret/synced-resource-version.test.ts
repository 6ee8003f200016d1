import { describe, expect, it } from 'vitest';
import { syncedResourceVersion } from '../../../src/controller/externalsecret/synced-resource-version.js';

// Expected hashes computed with Go 1.26 exactly as ESO does (pkg/controllers/util.HashMeta ->
// esutils.ObjectHash): fmt.Sprintf("%x", sha3.Sum224([]byte(fmt.Sprintf("%+v", meta{annotations, labels})))).
describe('syncedResourceVersion (ESO GetResourceVersion)', () => {
  it('is "<generation>-<hash>" with ESO’s hash of no labels and no annotations', () => {
    expect(syncedResourceVersion({ generation: 3 })).toBe('3-f47fe3c0b255b6dd8047cdffa772587bb829efe7a1cb70febeda2eb2');
    expect(syncedResourceVersion({ generation: 3, labels: {}, annotations: {} })).toBe('3-f47fe3c0b255b6dd8047cdffa772587bb829efe7a1cb70febeda2eb2');
  });

  it('renders maps as Go’s fmt does (keys in byte order, upper case first, empty values, spaces kept)', () => {
    const meta = {
      generation: 7,
      annotations: { 'rotor.dev/force-sync': '2', a: 'x y' },
      labels: { team: 'payments', App: 'db', b: '' },
    };
    expect(syncedResourceVersion(meta)).toBe('7-832e54bafa467a4b1c2c8dad0e6c59e2c4deea2712d223410936b597');
  });

  it('changes with the generation, a label or an annotation', () => {
    const base = syncedResourceVersion({ generation: 1, labels: { a: '1' } });
    expect(syncedResourceVersion({ generation: 2, labels: { a: '1' } })).not.toBe(base);
    expect(syncedResourceVersion({ generation: 1, labels: { a: '2' } })).not.toBe(base);
    expect(syncedResourceVersion({ generation: 1, labels: { a: '1' }, annotations: { n: 'v' } })).not.toBe(base);
  });
});

import { describe, expect, it } from 'vitest';
import { PushSourceIndex } from '../../../src/controller/pushsecret/source-index.js';
import { pushSecret } from './fakes.js';

describe('PushSourceIndex', () => {
  it('finds PushSecrets by the Secret name they select, only in their own namespace', () => {
    const index = new PushSourceIndex();
    index.set(pushSecret({ selector: { secret: { name: 'db' } } }, { name: 'a', namespace: 'app' }));
    expect(index.pushSecretsFor({ namespace: 'app', name: 'db' })).toEqual(['app/a']);
    expect(index.pushSecretsFor({ namespace: 'other', name: 'db' })).toEqual([]);
    expect(index.selects({ namespace: 'app', name: 'unrelated' })).toBe(false);
  });

  it('matches label selectors of the Secret namespace; name wins over selector (ESO)', () => {
    const index = new PushSourceIndex();
    index.set(pushSecret({ selector: { secret: { selector: { matchLabels: { push: 'yes' } } } } }, { name: 'by-label', namespace: 'app' }));
    index.set(pushSecret({ selector: { secret: { name: 'db', selector: { matchLabels: { push: 'yes' } } } } }, { name: 'both', namespace: 'app' }));
    expect(index.pushSecretsFor({ namespace: 'app', name: 'x', labels: { push: 'yes' } })).toEqual(['app/by-label']);
    expect(index.pushSecretsFor({ namespace: 'other', name: 'x', labels: { push: 'yes' } })).toEqual([]);
    expect(index.pushSecretsFor({ namespace: 'app', name: 'db' })).toEqual(['app/both']);
  });

  it('re-files a PushSecret whose selector changed, and forgets a removed one; generators select no Secret', () => {
    const index = new PushSourceIndex();
    index.set(pushSecret({ selector: { secret: { name: 'old' } } }));
    index.set(pushSecret({ selector: { secret: { name: 'new' } } }));
    expect(index.selects({ namespace: 'app', name: 'old' })).toBe(false);
    expect(index.selects({ namespace: 'app', name: 'new' })).toBe(true);
    index.remove('app/push');
    expect(index.size).toBe(0);
    index.set(pushSecret({ selector: { generatorRef: { apiVersion: 'generators.rotor.dev/v1alpha1', kind: 'Password', name: 'pw' } } }));
    expect(index.size).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { EventIndex } from '../../../src/controller/externalsecret/event-index.js';
import { parseEvent, type SecretChange } from '../../../src/aws/events/parse.js';
import { ARN, labelUpdated, parameterChange } from '../../aws/events/fixtures.js';

function change(event: unknown): SecretChange {
  const parsed = parseEvent(JSON.stringify(event));
  if (parsed.kind !== 'change') throw new Error(`not a change: ${JSON.stringify(parsed)}`);
  return parsed.change;
}

const sm = (key: string, region = 'eu-west-1') => ({ service: 'SecretsManager' as const, region, key });

describe('EventIndex', () => {
  it('matches by name in the event region, any namespace, and gives the request keys to invalidate', () => {
    const index = new EventIndex();
    index.setSpec('team-a/db', [sm('prod/db'), sm('prod/other')]);
    index.setSpec('team-b/db', [sm('prod/db')]);
    index.setSpec('team-c/db', [sm('prod/db', 'us-east-1')]); // same name, other region
    expect(index.match(change(labelUpdated()))).toEqual({ externalSecrets: ['team-a/db', 'team-b/db'], requestKeys: ['prod/db'] });
  });

  it('a spec key that is a full or partial ARN matches an event by ARN or by name, in either ARN casing of its case-insensitive parts', () => {
    const index = new EventIndex();
    index.setSpec('ns/full', [sm(ARN)]);
    index.setSpec('ns/partial', [sm('arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db')]);
    const byName = change({ ...labelUpdated(), resources: [] });
    expect(index.match(byName).externalSecrets.sort()).toEqual(['ns/full', 'ns/partial']);
    const upper = change(labelUpdated({ resources: [ARN.replace('arn:aws:secretsmanager:eu-west-1', 'arn:aws:SecretsManager:EU-WEST-1')] }));
    expect(index.match(upper).externalSecrets.sort()).toEqual(['ns/full', 'ns/partial']);
    expect(index.match(upper).requestKeys.sort()).toEqual([ARN, 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db'].sort());
  });

  it('once the account is known from a read, an event of another account does not match; unknown accounts still match', () => {
    const index = new EventIndex();
    index.setSpec('ns/known', [sm('prod/db')]);
    index.setSpec('ns/unknown', [sm('prod/db')]);
    index.learn('ns/known', 'SecretsManager', [{ name: 'prod/db', arn: 'arn:aws:secretsmanager:eu-west-1:999988887777:secret:prod/db-XyZ789', region: 'eu-west-1' }]);
    expect(index.match(change(labelUpdated())).externalSecrets).toEqual(['ns/unknown']);
    expect(index.match(change(labelUpdated({ account: '999988887777', resources: [] }))).externalSecrets.sort()).toEqual(['ns/known', 'ns/unknown']);
  });

  it('find results learned from a sync are matched; a later sync that no longer finds them drops them', () => {
    const index = new EventIndex();
    index.setSpec('ns/found', []);
    index.learn('ns/found', 'SecretsManager', [{ name: 'prod/db', arn: ARN, region: 'eu-west-1' }]);
    expect(index.match(change(labelUpdated())).externalSecrets).toEqual(['ns/found']);
    index.learn('ns/found', 'SecretsManager', []);
    expect(index.match(change(labelUpdated())).externalSecrets).toEqual([]);
  });

  it('a spec update re-files, a delete unfiles', () => {
    const index = new EventIndex();
    index.setSpec('ns/a', [sm('prod/db')]);
    index.setSpec('ns/a', [sm('prod/other')]);
    expect(index.match(change(labelUpdated())).externalSecrets).toEqual([]);
    index.setSpec('ns/a', [sm('prod/db')]);
    index.remove('ns/a');
    expect(index.match(change(labelUpdated())).externalSecrets).toEqual([]);
    expect(index.size).toBe(0);
  });

  it('Parameter Store: by name, not confused with a Secrets Manager secret of the same name', () => {
    const index = new EventIndex();
    index.setSpec('ns/param', [{ service: 'ParameterStore', region: 'us-east-1', key: '/prod/api/key' }]);
    index.setSpec('ns/secret', [sm('/prod/api/key', 'us-east-1')]);
    expect(index.match(change(parameterChange('Update'))).externalSecrets).toEqual(['ns/param']);
  });

  it('matching looks only at the ExternalSecrets filed under the changed secret, not at every one', () => {
    const index = new EventIndex();
    for (let i = 0; i < 5000; i++) index.setSpec(`ns${i % 50}/es${i}`, [sm(`app/${i}`)]);
    index.setSpec('ns/target', [sm('prod/db')]);
    const before = index.stats.examined;
    expect(index.match(change(labelUpdated())).externalSecrets).toEqual(['ns/target']);
    // Two remote keys (ARN and name) were looked up; one ExternalSecret is filed under the name.
    expect(index.stats.examined - before).toBe(1);
  });

  it('remembers the last successful read of an indexed secret only, and forgets it with its last reader', () => {
    const index = new EventIndex();
    index.setSpec('ns/a', [sm('prod/db')]);
    index.recordRead('SecretsManager', { name: 'prod/db', arn: ARN, region: 'eu-west-1' }, 1000);
    index.recordRead('SecretsManager', { name: 'prod/db', region: 'eu-west-1' }, 500);
    index.recordRead('SecretsManager', { name: 'nobody/reads', region: 'eu-west-1' }, 2000);
    expect(index.lastReadOf(change(labelUpdated()))).toBe(1000);
    expect(index.lastReadOf(change(labelUpdated({ detail: { name: 'nobody/reads' }, resources: [] })))).toBeUndefined();
    index.remove('ns/a');
    expect(index.lastReadOf(change(labelUpdated()))).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { API_GROUP_VERSION, type ExternalSecret, type ExternalSecretSpec } from '../../src/api/types.js';
import { validateExternalSecret } from '../../src/sync/validate.js';

function es(spec: Partial<ExternalSecretSpec>, name = 'app'): ExternalSecret {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'ExternalSecret',
    metadata: { name, namespace: 'team-a' },
    spec: { secretStoreRef: { name: 'aws' }, data: [{ secretKey: 'k', remoteRef: { key: 'r' } }], ...spec },
  };
}
const fields = (e: ExternalSecret) => validateExternalSecret(e).map((p) => p.field);
const problemFor = (e: ExternalSecret, field: string) => validateExternalSecret(e).find((p) => p.field === field)?.message;

describe('validateExternalSecret', () => {
  it('accepts a good spec', () => {
    expect(
      validateExternalSecret(
        es({
          refreshInterval: '1h30m',
          data: [
            { secretKey: 'user', remoteRef: { key: 'prod/db', property: 'db.user' } },
            { secretKey: 'pw', remoteRef: { key: 'prod/db', jmesPath: "users[?name=='x'].pw | [0]" } },
            { secretKey: 'host', remoteRef: { key: 'prod/db', jsonPath: '$.hosts[0]' } },
          ],
          dataFrom: [{ find: { name: { regexp: '(?i)^prod/' } }, rewrite: [{ regexp: { source: '^prod/(?P<rest>.*)$', target: '${rest}' } }] }],
          target: { deletionPolicy: 'Delete', template: { data: { url: '{{ user }}' } } },
        }),
      ),
    ).toEqual([]);
  });

  it('property, jmesPath and jsonPath are mutually exclusive', () => {
    const e = es({ data: [{ secretKey: 'a', remoteRef: { key: 'r' } }, { secretKey: 'b', remoteRef: { key: 'r' } }, { secretKey: 'c', remoteRef: { key: 'r', property: 'p', jmesPath: 'p', jsonPath: '$.p' } }] });
    expect(fields(e)).toEqual(['spec.data[2].remoteRef.jmesPath', 'spec.data[2].remoteRef.jsonPath']);
    expect(problemFor(e, 'spec.data[2].remoteRef.jmesPath')).toContain('mutually exclusive');
  });

  it('reports a bad refreshInterval with the accepted form', () => {
    const message = problemFor(es({ refreshInterval: '90' }), 'spec.refreshInterval');
    expect(message).toContain('"90" is not a valid duration');
    expect(message).toContain('1h, 15m, 30s');
    expect(problemFor(es({ refreshInterval: '100ms' }), 'spec.refreshInterval')).toContain('shorter than 1s');
    expect(fields(es({ refreshInterval: '0' }))).toEqual([]);
  });

  it('reports invalid JMESPath and JSONPath that needs script evaluation', () => {
    expect(problemFor(es({ data: [{ secretKey: 'a', remoteRef: { key: 'r', jmesPath: 'a[' } }] }), 'spec.data[0].remoteRef.jmesPath')).toContain('not a valid JMESPath');
    expect(problemFor(es({ data: [{ secretKey: 'a', remoteRef: { key: 'r', jsonPath: "$[?(@.a=='b')]" } }] }), 'spec.data[0].remoteRef.jsonPath')).toContain('use jmesPath');
    expect(problemFor(es({ data: [{ secretKey: 'a', remoteRef: { key: 'r', jsonPath: '$..[' } }] }), 'spec.data[0].remoteRef.jsonPath')).toBe(
      '"$..[" is not a valid JSONPath expression: "[" at position 3 is not closed',
    );
    expect(problemFor(es({ dataFrom: [{ extract: { key: 'r', jmesPath: '[[' } }] }), 'spec.dataFrom[0].extract.jmesPath')).toBeDefined();
  });

  it('refuses patterns that need backtracking (RE2, as ESO), naming the field', () => {
    const e = es({ dataFrom: [{ find: { name: { regexp: '^prod/(?!old)' } }, rewrite: [{ regexp: { source: '(a)\\1', target: '' } }] }] });
    expect(fields(e)).toEqual(['spec.dataFrom[0].find.name.regexp', 'spec.dataFrom[0].rewrite[0].regexp.source']);
    expect(problemFor(e, 'spec.dataFrom[0].find.name.regexp')).toMatch(/is not a valid regular expression: invalid or unsupported Perl syntax: `\(\?!`; patterns use RE2 syntax/);
  });

  it('accepts transform rewrites and templateFrom-only templates; a rewrite needs regexp or transform', () => {
    expect(fields(es({ dataFrom: [{ find: { path: '/p' }, rewrite: [{ transform: { template: '{{ .value | upper }}' } }] }] }))).toEqual([]);
    expect(fields(es({ data: [], dataFrom: [], target: { template: { templateFrom: [{ literal: 'a: b' }] } } }))).toEqual([]);
    expect(fields(es({ dataFrom: [{ find: { path: '/p' }, rewrite: [{}] }] }))).toEqual(['spec.dataFrom[0].rewrite[0].regexp']);
  });

  it("refuses Rotor's reserved labels and annotations in template.metadata", () => {
    const e = es({ target: { template: { metadata: { labels: { 'rotor.dev/managed': 'false', team: 'a' }, annotations: { 'rotor.dev/data-mac': 'x', 'example.com/ok': 'y' } } } } });
    expect(fields(e)).toEqual(['spec.target.template.metadata.labels["rotor.dev/managed"]', 'spec.target.template.metadata.annotations["rotor.dev/data-mac"]']);
    expect(problemFor(e, 'spec.target.template.metadata.labels["rotor.dev/managed"]')).toBe("the rotor.dev/ prefix is reserved for Rotor's own bookkeeping; remove it or use another prefix");
  });

  it('reports invalid regexps in find and rewrite', () => {
    const e = es({ dataFrom: [{ find: { name: { regexp: '(' } }, rewrite: [{ regexp: { source: '[', target: '' } }] }] });
    expect(fields(e)).toEqual(['spec.dataFrom[0].find.name.regexp', 'spec.dataFrom[0].rewrite[0].regexp.source']);
  });

  it('checks deletionPolicy against creationPolicy', () => {
    expect(problemFor(es({ target: { creationPolicy: 'Merge', deletionPolicy: 'Delete' } }), 'spec.target.deletionPolicy')).toContain('needs creationPolicy Owner');
    // ESO's webhook admits Delete with Orphan (the deletion fails at sync time instead).
    expect(fields(es({ target: { creationPolicy: 'Orphan', deletionPolicy: 'Delete' } }))).toEqual([]);
    expect(problemFor(es({ target: { creationPolicy: 'Owner', deletionPolicy: 'Merge' } }), 'spec.target.deletionPolicy')).toContain('needs creationPolicy Merge');
    expect(fields(es({ target: { creationPolicy: 'Merge', deletionPolicy: 'Merge' } }))).toEqual([]);
    expect(fields(es({ target: { deletionPolicy: 'Delete' } }))).toEqual([]);
  });

  it('dataFrom entries need extract or find, not both, and find needs a criterion', () => {
    expect(fields(es({ dataFrom: [{}] }))).toEqual(['spec.dataFrom[0]']);
    expect(fields(es({ dataFrom: [{ extract: { key: 'a' }, find: { path: '/p' } }] }))).toEqual(['spec.dataFrom[0]']);
    expect(fields(es({ dataFrom: [{ find: {} }] }))).toEqual(['spec.dataFrom[0].find']);
    expect(fields(es({ dataFrom: [{ find: { tags: { team: 'a' } } }] }))).toEqual([]);
  });

  it('reports duplicate and invalid secretKeys', () => {
    const e = es({ data: [{ secretKey: 'a', remoteRef: { key: 'r' } }, { secretKey: 'a', remoteRef: { key: 's' } }, { secretKey: 'b/c', remoteRef: { key: 't' } }] });
    expect(fields(e)).toEqual(['spec.data[1].secretKey', 'spec.data[2].secretKey']);
    expect(problemFor(e, 'spec.data[1].secretKey')).toContain('duplicate secretKey "a" (also spec.data[0])');
  });

  it('reports missing store, remote keys, bad target names, template keys and empty specs', () => {
    expect(fields(es({ secretStoreRef: { name: '' } }))).toEqual(['spec.secretStoreRef.name']);
    expect(fields(es({ data: [{ secretKey: 'a', remoteRef: { key: '' } }] }))).toEqual(['spec.data[0].remoteRef.key']);
    expect(fields(es({ target: { name: 'Not_Valid' } }))).toEqual(['spec.target.name']);
    expect(fields(es({ target: { template: { data: { 'bad key': 'x' } } } }))).toEqual(['spec.target.template.data.bad key']);
    expect(fields(es({ data: [] }))).toEqual(['spec.data']);
    expect(fields(es({ data: [], target: { template: { data: { a: 'static' } } } }))).toEqual([]);
  });
});

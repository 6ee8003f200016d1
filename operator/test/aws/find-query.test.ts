import { describe, expect, it } from 'vitest';
import { ES_REASON } from '../../src/api/types.js';
import { ProviderError } from '../../src/api/provider.js';
import { compileFindQuery, nameMatches } from '../../src/aws/find-query.js';

describe('compileFindQuery / nameMatches', () => {
  it('searches the name regexp anywhere in the name, with Go syntax', () => {
    const criteria = compileFindQuery({ path: 'app/', name: { regexp: '(?P<kind>db|api)$' } });
    expect(nameMatches(criteria, 'app/db')).toBe(true);
    expect(nameMatches(criteria, 'app/old-db')).toBe(true);
    expect(nameMatches(criteria, 'other/db')).toBe(false);
  });

  it('runs a catastrophic-backtracking regexp in linear time', () => {
    const criteria = compileFindQuery({ name: { regexp: '^redos-(a+)+$' } });
    const started = performance.now();
    expect(nameMatches(criteria, `redos-${'a'.repeat(29)}-`)).toBe(false);
    expect(nameMatches(criteria, `redos-${'a'.repeat(29)}`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses a pattern RE2 cannot run as InvalidSpec naming the field', () => {
    let error: unknown;
    try {
      compileFindQuery({ name: { regexp: '^(?=app)' } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).reason).toBe(ES_REASON.InvalidSpec);
    expect((error as ProviderError).message).toMatch(/^dataFrom\.find\.name\.regexp "\^\(\?=app\)" is not a valid regular expression: .*RE2 syntax/);
  });
});

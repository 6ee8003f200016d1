// dataFrom.find criteria, checked once and applied client-side. AWS-side filters only
// narrow the listing (Secrets Manager's name/tag filters are fuzzy prefix matches), so the
// exact semantics — path prefix, name regexp, every tag equal — are enforced here.
import { ES_REASON, type DataFromFind } from '../api/types.js';
import { ProviderError } from '../api/provider.js';
import { compileUserRegExp, type UserRegExp } from '../sync/regexp.js';

export interface FindCriteria {
  path?: string;
  nameRegexp?: UserRegExp;
  tags: Array<[string, string]>;
}

export function compileFindQuery(query: DataFromFind): FindCriteria {
  const tags = Object.entries(query.tags ?? {});
  if (!query.path && !query.name?.regexp && tags.length === 0) {
    throw new ProviderError(ES_REASON.InvalidSpec, 'dataFrom.find needs at least one of path, name.regexp or tags');
  }
  let nameRegexp: UserRegExp | undefined;
  if (query.name?.regexp) {
    try {
      nameRegexp = compileUserRegExp(query.name.regexp);
    } catch (error) {
      throw new ProviderError(ES_REASON.InvalidSpec, `dataFrom.find.name.regexp "${query.name.regexp}" is not a valid regular expression: ${(error as Error).message}`);
    }
  }
  return { ...(query.path ? { path: query.path } : {}), ...(nameRegexp ? { nameRegexp } : {}), tags };
}

/** Path prefix and name regexp (regexp is searched in the full name, as ESO does; RE2, so linear time). */
export function nameMatches(criteria: FindCriteria, name: string): boolean {
  if (criteria.path && !name.startsWith(criteria.path)) return false;
  return criteria.nameRegexp ? criteria.nameRegexp.test(name) : true;
}

/** Every requested tag present with exactly the requested value. */
export function tagsMatch(criteria: FindCriteria, tags: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): boolean {
  return criteria.tags.every(([key, value]) => (tags ?? []).some((t) => t.Key === key && t.Value === value));
}

// listAllPages is the one list pagination (informers' initial list, workload lookup).
import { describe, expect, it } from 'vitest';
import { listAllPages } from '../../../src/kube/client/pages.js';
import type { KubeList } from '../../../src/kube/client/objects.js';

function pages(...lists: KubeList<string>[]): { tokens: (string | undefined)[]; listPage: (token: string | undefined) => Promise<KubeList<string>> } {
  const tokens: (string | undefined)[] = [];
  return {
    tokens,
    listPage: async (token) => {
      tokens.push(token);
      const page = lists[tokens.length - 1];
      if (!page) throw new Error('read past the last page');
      return page;
    },
  };
}

describe('listAllPages', () => {
  it('follows metadata.continue to the last page, items in order, and returns the last resourceVersion', async () => {
    const { tokens, listPage } = pages(
      { items: ['a', 'b'], metadata: { resourceVersion: '10', continue: 't1' } },
      { items: [], metadata: { continue: 't2' } },
      { items: ['c'], metadata: { resourceVersion: '12', continue: '' } },
    );
    const items: string[] = [];
    expect(await listAllPages(listPage, (item) => items.push(item))).toBe('12');
    expect(items).toEqual(['a', 'b', 'c']);
    expect(tokens).toEqual([undefined, 't1', 't2']);
  });

  it('reads one page when there is no continue token, keeping an earlier resourceVersion when a page has none', async () => {
    const single = pages({ items: ['x'] });
    expect(await listAllPages(single.listPage, () => undefined)).toBe('');
    expect(single.tokens).toEqual([undefined]);
    const { listPage } = pages({ metadata: { resourceVersion: '5', continue: 'more' } }, { items: ['y'] });
    expect(await listAllPages(listPage, () => undefined)).toBe('5');
  });

  it('passes a failed page on to the caller', async () => {
    const boom = new Error('410 Gone');
    await expect(listAllPages(async () => Promise.reject(boom), () => undefined)).rejects.toBe(boom);
  });
});

// aws/paging.ts: the bounded NextToken loop of every dataFrom.find listing (walkFindListing),
// shared by Secrets Manager's ListSecrets and Parameter Store's DescribeParameters and
// GetParametersByPath. The providers' own tests run it against an endpoint; this pins its rules.
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/api/provider.js';
import { ES_REASON } from '../../src/api/types.js';
import type { AwsErrorContext } from '../../src/aws/errors.js';
import { MAX_FIND_PAGES, walkFindListing } from '../../src/aws/paging.js';

const ctx: AwsErrorContext = { service: 'SecretsManager', operation: 'ListSecrets', region: 'eu-west-1' };
type Page = { NextToken?: string; items: string[] };

describe('walkFindListing', () => {
  it('asks for each page after the token of the last, hands every page over, and stops when none is left', async () => {
    const pages: Record<string, Page> = { start: { NextToken: 't1', items: ['a'] }, t1: { NextToken: 't2', items: ['b'] }, t2: { items: ['c'] } };
    const asked: (string | undefined)[] = [];
    const seen: string[] = [];
    await walkFindListing<Page>(
      ctx,
      undefined,
      async (token) => {
        asked.push(token);
        return pages[token ?? 'start']!;
      },
      (page) => seen.push(...page.items),
    );
    expect(asked).toEqual([undefined, 't1', 't2']);
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('turns a failed request into the provider error for the operation', async () => {
    const failure = Object.assign(new Error('User is not authorized to perform: secretsmanager:ListSecrets'), { name: 'AccessDeniedException' });
    const error = await walkFindListing(ctx, undefined, async () => Promise.reject(failure), () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).reason).toBe(ES_REASON.AccessDenied);
    expect((error as ProviderError).message).toContain('ListSecrets');
  });

  it('stops an endless listing after MAX_FIND_PAGES pages with an error that says how to narrow it', async () => {
    let calls = 0;
    const error = await walkFindListing(
      { ...ctx, service: 'ParameterStore', operation: 'DescribeParameters' },
      undefined,
      async () => ({ NextToken: `t${++calls}` }),
      () => {},
    ).catch((e: unknown) => e);
    expect(calls).toBe(MAX_FIND_PAGES);
    expect((error as ProviderError).reason).toBe(ES_REASON.InvalidSpec);
    expect((error as ProviderError).message).toBe(`dataFrom.find matched more than ${MAX_FIND_PAGES} pages of DescribeParameters; narrow find.path, find.name or find.tags`);
  });

  it('sends nothing after the signal fired, and passes the signal to the request', async () => {
    const controller = new AbortController();
    const signals: (AbortSignal | undefined)[] = [];
    const error = await walkFindListing(
      ctx,
      controller.signal,
      async (_token, abortSignal) => {
        signals.push(abortSignal);
        controller.abort();
        return { NextToken: 'more' };
      },
      () => {},
    ).catch((e: unknown) => e);
    expect(signals).toEqual([controller.signal]);
    expect((error as ProviderError).message).toMatch(/^ListSecrets stopped: /);
    expect((error as ProviderError).retryable).toBe(true);
  });
});

// Bounds on the NextToken loops (issue #15 item 2b). The endpoint decides whether there is a
// next page; one that always says yes would keep a worker busy forever, and the loop used to
// outlive the ExternalSecret and store that started it. Every loop here stops:
// - after `maxPages` pages, with an error that says how to narrow the query;
// - when the caller's AbortSignal fires (its reconcile deadline passed, or the ExternalSecret or
//   store was deleted: controller/runtime/reconcile-scope.ts) — no request is sent after that, and the
//   one in flight is aborted.
import { ES_REASON } from '../api/types.js';
import { ProviderError } from '../api/provider.js';
import { toProviderError, type AwsErrorContext } from './errors.js';

/** dataFrom.find listings: 100 pages are 10,000 secrets (ListSecrets) or 5,000 parameters (DescribeParameters). */
export const MAX_FIND_PAGES = 100;
/** BatchGetSecretValue for 20 ids: AWS needs at most a few pages. */
export const MAX_BATCH_PAGES = 10;

export interface PageBounds {
  /** API operation, for messages. */
  operation: string;
  maxPages: number;
  /** What to say when the cap is hit. */
  tooMany: (maxPages: number) => ProviderError;
  signal?: AbortSignal | undefined;
}

/**
 * Calls `fetchPage` with each NextToken until none is returned. `fetchPage` gets the signal to
 * pass to the SDK (it aborts the request in flight) and returns the next token.
 */
export async function walkPages(bounds: PageBounds, fetchPage: (nextToken: string | undefined, signal: AbortSignal | undefined) => Promise<string | undefined>): Promise<void> {
  let nextToken: string | undefined;
  let pages = 0;
  do {
    if (bounds.signal?.aborted) throw stopped(bounds);
    if (pages >= bounds.maxPages) throw bounds.tooMany(bounds.maxPages);
    try {
      nextToken = await fetchPage(nextToken, bounds.signal);
    } catch (error) {
      if (bounds.signal?.aborted) throw stopped(bounds);
      throw error;
    }
    pages++;
  } while (nextToken);
}

/**
 * A dataFrom.find listing (ListSecrets, DescribeParameters, GetParametersByPath): every page of
 * `ctx.operation` until none is left, at most MAX_FIND_PAGES (then findTooLarge), stopped by
 * `signal`; a failed request becomes the provider error for `ctx`. `send` asks for the page
 * after `nextToken` (passing `abortSignal` to the SDK); `onPage` takes its entries.
 */
export async function walkFindListing<P extends { NextToken?: string | undefined }>(
  ctx: AwsErrorContext,
  signal: AbortSignal | undefined,
  send: (nextToken: string | undefined, abortSignal: AbortSignal | undefined) => Promise<P>,
  onPage: (page: P) => void,
): Promise<void> {
  const bounds = { operation: ctx.operation, maxPages: MAX_FIND_PAGES, tooMany: findTooLarge(ctx.operation), signal };
  await walkPages(bounds, async (nextToken, abortSignal) => {
    let page: P;
    try {
      page = await send(nextToken, abortSignal);
    } catch (err) {
      throw toProviderError(err, ctx);
    }
    onPage(page);
    return page.NextToken;
  });
}

/** The error of a dataFrom.find listing that matched too much. */
export function findTooLarge(operation: string): (maxPages: number) => ProviderError {
  return (maxPages) =>
    new ProviderError(
      ES_REASON.InvalidSpec,
      `dataFrom.find matched more than ${maxPages} pages of ${operation}; narrow find.path, find.name or find.tags`,
    );
}

function stopped(bounds: PageBounds): ProviderError {
  const reason: unknown = bounds.signal?.reason;
  const why = reason instanceof Error && reason.name === 'ReconcileStopped' ? reason.message : 'the reconcile was cancelled';
  return new ProviderError(ES_REASON.SecretSyncedError, `${bounds.operation} stopped: ${why}`, { retryable: true });
}

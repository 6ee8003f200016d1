// Kubernetes list pagination in one place: follow metadata.continue until the last page. The
// informers' initial list and the workload lookup for rollouts both read lists in chunks.
import type { KubeList } from './objects.js';

/**
 * Calls `listPage` with each page's continue token (undefined for the first) until a page has
 * none, handing every item to `onItem` in order. Returns the resourceVersion of the last page
 * that carried one ('' when none did): the point an informer's watch resumes from.
 */
export async function listAllPages<T>(listPage: (continueToken: string | undefined) => Promise<KubeList<T>>, onItem: (item: T) => void): Promise<string> {
  let continueToken: string | undefined;
  let resourceVersion = '';
  do {
    const page = await listPage(continueToken);
    for (const item of page.items ?? []) onItem(item);
    resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    continueToken = page.metadata?.continue || undefined;
  } while (continueToken);
  return resourceVersion;
}

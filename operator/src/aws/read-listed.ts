// The second half of every dataFrom.find: read the values of the names a listing found.
import { ProviderError, fetchRequestId, type FetchRequest, type RemoteSecret, type SecretsProvider } from '../api/provider.js';

/**
 * Reads every listed key through the provider's batched getMany. A key deleted between the
 * listing and the read is skipped; any other failure fails the find.
 */
export async function readListed(provider: Pick<SecretsProvider, 'getMany'>, requests: FetchRequest[]): Promise<RemoteSecret[]> {
  const values = await provider.getMany(requests);
  const found: RemoteSecret[] = [];
  for (const request of requests) {
    const value = values.get(fetchRequestId(request));
    if (value instanceof ProviderError) {
      if (value.notFound) continue;
      throw value;
    }
    if (value) found.push(value);
  }
  return found;
}

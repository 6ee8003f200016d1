// Caps the size of an HTTP response body while it streams in (issue #15 item 2a). A store's
// endpoint may answer anything; the SDK would buffer all of it before parsing, so a 150 MiB
// answer meant 150 MiB of heap and an OOM kill for every tenant. Here the body is counted
// chunk by chunk and, past the cap, the socket is destroyed and the stream fails with
// ResponseTooLargeError: at most `limit` bytes (plus one chunk) are ever held.
import { Readable, Transform } from 'node:stream';
import { ResponseTooLargeError } from './errors.js';

interface HttpResponseLike {
  statusCode?: number;
  headers?: Record<string, string | undefined>;
  body?: unknown;
}

/**
 * Replaces `response.body` (a Node Readable from the SDK's handler) with a counted pass-through.
 * A declared Content-Length above the cap fails at once, before any byte is read.
 */
export function capResponseBody(response: unknown, limit: number): void {
  const res = response as HttpResponseLike | undefined;
  if (!res || !(res.body instanceof Readable)) return;
  const source = res.body;
  const declared = Number(headerOf(res.headers, 'content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    source.destroy();
    throw new ResponseTooLargeError(limit, res.statusCode);
  }
  let seen = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) {
        // Destroying the source closes the socket: the endpoint cannot push more.
        source.unpipe(counted);
        source.destroy();
        callback(new ResponseTooLargeError(limit, res.statusCode));
        return;
      }
      callback(null, chunk);
    },
  });
  source.on('error', (error) => counted.destroy(error));
  res.body = source.pipe(counted);
}

function headerOf(headers: Record<string, string | undefined> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

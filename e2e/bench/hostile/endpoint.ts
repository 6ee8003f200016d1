// The hostile tenant's own "AWS endpoint" (scripts/hostile-tenant.sh): an HTTP server on
// 127.0.0.1 that a namespaced SecretStore names in spec.provider.aws.endpoint. It answers the
// way a tenant who wants to hurt the operator would, and counts what the operator sent it —
// above all requests that carry a ServiceAccount token, which must never leave the operator.
//   big        every answer is 200 with a ~150 MiB JSON body (memory)
//   nexttoken  ListSecrets always answers an empty page with a new NextToken (endless paging)
//   sts        answers errors, counts web-identity tokens (AssumeRoleWithWebIdentity posted here)
// Token values are never printed or stored: only counts and the tokens' `aud` claims.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type EndpointMode = 'big' | 'nexttoken' | 'sts';

export interface EndpointStats {
  mode: EndpointMode;
  requests: number;
  /** Requests carrying a JWT: a WebIdentityToken form field, a Bearer header or a JWT anywhere in body/headers. */
  tokenRequests: number;
  /** `aud` claims of the tokens received (a tenant-chosen audience is part of the finding). */
  audiences: string[];
  /** Operation names (X-Amz-Target's suffix or the Query protocol's Action) and their counts. */
  operations: Record<string, number>;
  bytesSent: number;
  /** Arrival time (ms since the epoch) of each request, the first MAX_TIMES only. */
  times: number[];
}

const MAX_TIMES = 200_000;
/** How much of a request body is read for inspection; the rest is drained unread. */
const MAX_INSPECT = 1024 * 1024;
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;
const BIG_BODY_BYTES = 150 * 1024 * 1024;

/** The operation an AWS SDK request names: JSON protocol header or Query protocol form field. */
export function operationOf(headers: IncomingMessage['headers'], body: string): string {
  const target = headers['x-amz-target'];
  if (typeof target === 'string' && target.includes('.')) return target.slice(target.lastIndexOf('.') + 1);
  const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body);
  return action?.[1] ?? 'unknown';
}

/** The JWTs a request carries, wherever they are (form field, Authorization, any header). */
export function tokensIn(headers: IncomingMessage['headers'], body: string): string[] {
  const text = `${decodeURIComponentSafe(body)}\n${Object.values(headers).flat().join('\n')}`;
  return [...new Set(text.match(JWT) ?? [])];
}

/** The `aud` claim of a JWT (string or list), without verifying it; undefined when unreadable. */
export function audienceOf(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { aud?: unknown };
    return Array.isArray(payload.aud) ? payload.aud.join(',') : typeof payload.aud === 'string' ? payload.aud : undefined;
  } catch {
    return undefined;
  }
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

export function startEndpoint(mode: EndpointMode, port: number): Promise<{ server: Server; stats: EndpointStats }> {
  const stats: EndpointStats = { mode, requests: 0, tokenRequests: 0, audiences: [], operations: {}, bytesSent: 0, times: [] };
  let pageToken = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      if (size < MAX_INSPECT) chunks.push(c);
      size += c.length;
    });
    req.on('end', () => {
      // The script's own readiness check: not the operator's, not counted.
      if (req.url === '/__hostile/ready') {
        res.writeHead(204).end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      stats.requests++;
      if (stats.times.length < MAX_TIMES) stats.times.push(Date.now());
      const operation = operationOf(req.headers, body);
      stats.operations[operation] = (stats.operations[operation] ?? 0) + 1;
      const tokens = tokensIn(req.headers, body);
      if (tokens.length > 0) {
        stats.tokenRequests++;
        for (const t of tokens) {
          const aud = audienceOf(t) ?? '?';
          if (!stats.audiences.includes(aud)) stats.audiences.push(aud);
        }
      }
      answer(mode, operation, res, () => `t${++pageToken}-${Date.now()}`, (n) => (stats.bytesSent += n));
    });
    req.on('error', () => res.destroy());
  });
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: the tenant's server is on this machine, nothing else is ever a target.
    server.listen(port, '127.0.0.1', () => resolve({ server, stats }));
  });
}

function answer(mode: EndpointMode, operation: string, res: ServerResponse, nextToken: () => string, sent: (bytes: number) => void): void {
  const json = (status: number, value: unknown) => {
    const text = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    sent(Buffer.byteLength(text));
  };
  if (mode === 'big') return streamBig(res, sent);
  if (mode === 'nexttoken') {
    if (operation === 'ListSecrets') return json(200, { SecretList: [], NextToken: nextToken() });
    if (operation === 'BatchGetSecretValue') return json(200, { SecretValues: [], Errors: [] });
    return json(400, { __type: 'ResourceNotFoundException', message: 'not here' });
  }
  // sts: refuse everything, so the operator tries again (and sends the token again).
  if (operation === 'AssumeRoleWithWebIdentity' || operation === 'AssumeRole') {
    const xml = '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>no</Message></Error><RequestId>1</RequestId></ErrorResponse>';
    res.writeHead(400, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) });
    res.end(xml);
    return sent(Buffer.byteLength(xml));
  }
  return json(400, { __type: 'AccessDeniedException', message: 'no' });
}

/** 200 with a valid JSON body of ~150 MiB, written in 1 MiB chunks (the server itself stays small). */
function streamBig(res: ServerResponse, sent: (bytes: number) => void): void {
  const head = '{"SecretList":[],"Name":"x","SecretString":"';
  const tail = '"}';
  const chunk = Buffer.alloc(1024 * 1024, 'A');
  const chunks = Math.floor(BIG_BODY_BYTES / chunk.length);
  res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': head.length + chunks * chunk.length + tail.length });
  res.write(head);
  let written = 0;
  const pump = (): void => {
    while (written < chunks) {
      written++;
      sent(chunk.length);
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end(tail);
  };
  res.on('close', () => (written = chunks + 1));
  pump();
}

// A real HTTP server on loopback that plays an endpoint (AWS-like or hostile) and records every
// request it receives, for the tenancy tests: "no request ever reached it" is then a count.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  target: string | undefined;
  authorization: string | undefined;
  body: string;
}

export type Answer = (req: IncomingMessage, res: ServerResponse, body: string, index: number) => void | Promise<void>;

export class LocalEndpoint {
  readonly requests: RecordedRequest[] = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(answer: Answer): Promise<LocalEndpoint> {
    let self: LocalEndpoint | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const index = self!.requests.push({ target: req.headers['x-amz-target'] as string | undefined, authorization: req.headers.authorization, body }) - 1;
        void answer(req, res, body, index);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new LocalEndpoint(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** An AWS JSON 1.1 answer (Secrets Manager, SSM) with a request id. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'req-1' });
  res.end(JSON.stringify(body));
}

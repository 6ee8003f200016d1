// A TCP endpoint on 127.0.0.2 (the test bed's allowed stand-in address, e2e/testbed/operator.sh) that forwards to a real one (LocalStack) until it is told to
// hang: then it drops the open connections and accepts new ones without ever answering —
// the AWS endpoint that stalls. Only reachable by an operator running on this host (the
// local harness).
import net from 'node:net';

export class SwitchableEndpoint {
  private hanging = false;
  private readonly sockets = new Set<net.Socket>();
  private constructor(
    private readonly server: net.Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<SwitchableEndpoint> {
    const { hostname, port } = new URL(target);
    let endpoint: SwitchableEndpoint | undefined;
    const server = net.createServer((client) => {
      const self = endpoint!;
      self.track(client);
      if (self.hanging) return; // accept, read, never answer
      const upstream = net.connect(Number(port), hostname);
      self.track(upstream);
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
    endpoint = new SwitchableEndpoint(server, `http://127.0.0.2:${(server.address() as net.AddressInfo).port}`);
    return endpoint;
  }

  /** From now on nothing answers; kept-alive connections are cut so the client must reconnect into the hang. */
  hang(): void {
    this.hanging = true;
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
  }
}

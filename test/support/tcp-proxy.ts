import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback TCP proxy in front of a broker, for "the connection was lost mid-run": `cut()`
 * destroys every connection through it, `refuse()`/`accept()` turn new connections away or let
 * them through again.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private accepting = true;
  cuts = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    let proxy: TcpProxy | null = null;
    const server = createServer((client) => {
      if (proxy === null || !proxy.accepting) {
        client.destroy();
        return;
      }
      const upstream = connect(targetPort, targetHost);
      const owner = proxy;
      owner.sockets.add(client);
      owner.sockets.add(upstream);
      const end = (): void => {
        client.destroy();
        upstream.destroy();
        owner.sockets.delete(client);
        owner.sockets.delete(upstream);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, (server.address() as AddressInfo).port);
    return proxy;
  }

  /** Breaks every open connection, as a network failure would. */
  cut(): void {
    this.cuts += 1;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  refuse(): void {
    this.accepting = false;
  }

  accept(): void {
    this.accepting = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface LocalServer {
  readonly port: number;
  /** The requests that reached the server, in order. */
  readonly requests: readonly IncomingMessage[];
}

/**
 * An HTTP server on 127.0.0.1 (any free port) for the calling test; when the test finishes its
 * connections are cut and it is closed, whether the test passed or not.
 */
export async function serveLocally(handler: Handler): Promise<LocalServer> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  );
  return { port: (server.address() as AddressInfo).port, requests };
}

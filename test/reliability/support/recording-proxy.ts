import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface Arrival {
  /** performance.now() when the request line arrived. */
  readonly atMs: number;
  readonly method: string;
  readonly path: string;
  /** The status answered, 'reset' when the upstream connection broke, null while open. */
  status: number | 'reset' | null;
}

/**
 * A loopback HTTP proxy in front of the sandbox that records when each request arrives, so a
 * test can count what the client put on the wire per time window. A reset upstream resets the
 * client's connection; a client that gives up (timeout) aborts the upstream request.
 */
export class RecordingProxy {
  readonly arrivals: Arrival[] = [];
  private readonly server: Server;

  private constructor(target: URL) {
    this.server = createServer((req, res) => {
      const arrival: Arrival = {
        atMs: performance.now(),
        method: req.method ?? '',
        path: req.url ?? '',
        status: null,
      };
      this.arrivals.push(arrival);
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          arrival.status = answer.statusCode ?? null;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        arrival.status = 'reset';
        req.socket.destroy();
      });
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      req.pipe(upstream);
    });
  }

  static async start(target: string): Promise<RecordingProxy> {
    const proxy = new RecordingProxy(new URL(target));
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${String(port)}`;
  }

  /** Arrivals at the messaging endpoints (not the token endpoint). */
  messaging(): Arrival[] {
    return this.arrivals.filter((a) => a.path.startsWith('/api/v2/conversations/messages/'));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}

/** The most arrivals inside any window of `windowMs` (sliding, anchored at each arrival). */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= windowMs) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

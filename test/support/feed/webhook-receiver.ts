import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** What the receiver answered. */
  readonly status: number;
}

export interface Answer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Never answer: the client's timeout ends the request. */
  readonly hang?: boolean;
  /** Answer this long after the body arrived, like a receiver that does some work first. */
  readonly delayMs?: number;
}

/** A real HTTP receiver on 127.0.0.1 that records every request and answers from a script. */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly script: Answer[] = [];
  private fallback: Answer = { status: 200 };
  private readonly server: Server;
  private readonly hanging = new Set<() => void>();

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const answer = this.script.shift() ?? this.fallback;
        const body = Buffer.concat(chunks).toString('utf8');
        this.requests.push({ headers: req.headers, body, status: answer.status });
        if (answer.hang === true) {
          const release = (): void => {
            res.destroy();
          };
          this.hanging.add(release);
          res.on('close', () => this.hanging.delete(release));
          return;
        }
        const respond = (): void => {
          res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
          res.end('ok');
        };
        if (answer.delayMs === undefined) respond();
        else setTimeout(respond, answer.delayMs);
      });
    });
  }

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${String(port)}/hooks/analytics`;
  }

  answerNext(count: number, answer: Answer): this {
    for (let i = 0; i < count; i++) this.script.push(answer);
    return this;
  }

  answerAll(answer: Answer): this {
    this.fallback = answer;
    return this;
  }

  /** Requests the receiver accepted (2xx), in arrival order. */
  accepted(): ReceivedRequest[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300);
  }

  async close(): Promise<void> {
    for (const release of this.hanging) release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }
}

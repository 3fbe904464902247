import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveLocally } from './local-server.js';

/** One webhook request as the receiver read it: the exact bytes and the headers. */
export interface ReceivedWebhook {
  readonly signature: string | undefined;
  readonly contentType: string | undefined;
  readonly raw: Buffer;
  readonly json: Record<string, unknown>;
}

/** How the receiver answers its nth request (1-based): a status, or never (a hung request). */
export type ReceiverAnswer = number | 'never';

export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** Requests that arrived and are not answered yet. */
  inFlight(): number;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => {
      resolve(Buffer.concat(chunks));
    });
    request.once('error', reject);
  });
}

/**
 * A real HTTP server on loopback standing in for our receiver of Genesys' outbound webhook,
 * closed when the calling test finishes. `answer(n, webhook, inFlight)` decides each answer;
 * a promise lets a test hold an answer back (the storm's barrier).
 */
export async function webhookReceiver(
  answer: (
    nth: number,
    webhook: ReceivedWebhook,
  ) => ReceiverAnswer | Promise<ReceiverAnswer> = () => 200,
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let open = 0;
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    open += 1;
    const raw = await readBody(request);
    const signature = request.headers['x-hub-signature-256'];
    const webhook: ReceivedWebhook = {
      signature: Array.isArray(signature) ? signature[0] : signature,
      contentType: request.headers['content-type'],
      raw,
      json: JSON.parse(raw.toString('utf8')) as Record<string, unknown>,
    };
    received.push(webhook);
    const status = await answer(received.length, webhook);
    if (status === 'never') return;
    open -= 1;
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end('{}');
  };
  const server = await serveLocally((request, response) => {
    void handle(request, response).catch(() => {
      response.destroy();
    });
  });
  return {
    url: `http://127.0.0.1:${server.port}/v1/genesys/outbound`,
    received,
    inFlight: () => open,
  };
}

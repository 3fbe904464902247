import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { inject, injectable } from 'inversify';
import type { ServiceIdentifier } from 'inversify';
import { batchBody, ANALYTICS_SOURCE } from '../../application/feed/analytics-payload.js';
import { FeedConfigError } from '../../application/feed/feed-errors.js';
import {
  CLOCK,
  type AnalyticsBatch,
  type AnalyticsSink,
  type Clock,
  type SinkFailure,
  type SinkOutcome,
} from '../../application/ports/index.js';
import { parseRetryAfter, parseWebhookSecret, signWebhook } from './standard-webhooks.js';

export interface WebhookSinkOptions {
  readonly url: string;
  /** `whsec_<base64>`, from ANALYTICS_WEBHOOK_SECRET. */
  readonly secret: string;
  /** The whole request, connect to last byte of the answer; default 10 000. */
  readonly timeoutMs?: number;
}

export const WEBHOOK_SINK_OPTIONS: ServiceIdentifier<WebhookSinkOptions> =
  Symbol.for('gtx.WebhookSinkOptions');

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
/** The answer's body is read (so the connection can be reused) but never kept beyond this. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** Sorts an HTTP answer: 2xx accepted, 3xx never followed, 410 gone, 429/503 with Retry-After. */
export function classifyAnswer(
  status: number,
  retryAfter: string | undefined,
  nowMs: number,
): SinkOutcome {
  if (status >= 200 && status < 300) return { ok: true, status };
  const failure = (kind: SinkFailure['kind'], retryAfterMs: number | null = null): SinkOutcome => ({
    ok: false,
    failure: { kind, status, retryAfterMs, detail: `HTTP ${String(status)}` },
  });
  if (status >= 300 && status < 400) return failure('redirect');
  if (status === 410) return failure('gone');
  if (status === 429) return failure('rateLimited', parseRetryAfter(retryAfter, nowMs));
  if (status === 503) return failure('unavailable', parseRetryAfter(retryAfter, nowMs));
  if (status >= 500) return failure('serverError');
  return failure('rejected');
}

/** The URL without credentials or query: safe to log and to record in the ledger. */
export function printableTarget(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FeedConfigError('ANALYTICS_WEBHOOK_URL', 'must be an http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FeedConfigError('ANALYTICS_WEBHOOK_URL', 'must be an http(s) URL');
  }
  return url;
}

/**
 * Posts each batch as JSON to a webhook, signed as the Standard Webhooks specification says:
 * `webhook-id` (the batch id, the same on every retry and replay), `webhook-timestamp` (seconds,
 * from the clock, per attempt) and `webhook-signature` (`v1,` + base64 HMAC-SHA256 over
 * `id.timestamp.body`), plus `X-Source: genesys-transmitter` and, for replays,
 * `webhook-replay: true`. Redirects are failures, not followed; every request has a deadline.
 */
@injectable()
export class WebhookAnalyticsSink implements AnalyticsSink {
  readonly target: string;
  private readonly url: URL;
  private readonly key: Buffer;
  private readonly timeoutMs: number;
  private readonly agent: HttpAgent;

  constructor(
    @inject(WEBHOOK_SINK_OPTIONS) options: WebhookSinkOptions,
    @inject(CLOCK) private readonly clock: Clock,
  ) {
    this.url = parseUrl(options.url);
    this.key = parseWebhookSecret(options.secret);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) {
      throw new FeedConfigError('timeoutMs', 'must be a positive number');
    }
    this.target = printableTarget(this.url);
    this.agent =
      this.url.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, maxSockets: 1 })
        : new HttpAgent({ keepAlive: true, maxSockets: 1 });
  }

  deliver(batch: AnalyticsBatch, signal?: AbortSignal): Promise<SinkOutcome> {
    const body = JSON.stringify(batchBody(batch));
    const timestampSeconds = Math.floor(this.clock.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'webhook-id': batch.id,
      'webhook-timestamp': String(timestampSeconds),
      'webhook-signature': signWebhook(this.key, { id: batch.id, timestampSeconds, body }),
      'x-source': ANALYTICS_SOURCE,
      'user-agent': ANALYTICS_SOURCE,
    };
    if (batch.replay) headers['webhook-replay'] = 'true';
    return this.post(body, headers, signal);
  }

  close(): Promise<void> {
    this.agent.destroy();
    return Promise.resolve();
  }

  private post(
    body: string,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<SinkOutcome> {
    return new Promise<SinkOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: SinkOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const fail = (kind: SinkFailure['kind'], detail: string): void => {
        finish({ ok: false, failure: { kind, status: null, retryAfterMs: null, detail } });
      };
      const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(this.url, { method: 'POST', headers, agent: this.agent });
      const deadline = setTimeout(() => {
        fail('timeout', `no answer within ${String(this.timeoutMs)} ms`);
        req.destroy();
      }, this.timeoutMs);
      const onAbort = (): void => {
        fail('network', 'aborted');
        req.destroy();
      };
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error: NodeJS.ErrnoException) => {
        fail('network', error.code ?? 'request failed');
      });
      req.on('response', (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const retryAfter = res.headers['retry-after'];
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) res.destroy();
        });
        res.on('error', () => {
          fail('network', 'the answer was cut off');
        });
        res.on('close', () => {
          finish(classifyAnswer(status, retryAfter, this.clock.now()));
        });
      });
      req.end(body);
    });
  }
}

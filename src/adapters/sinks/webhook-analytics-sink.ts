import { batchBody, ANALYTICS_SOURCE } from '../../application/feed/analytics-payload.js';
import { FeedConfigError } from '../../application/feed/feed-errors.js';
import type {
  AnalyticsBatch,
  AnalyticsSink,
  Clock,
  SinkFailure,
  SinkOutcome,
} from '../../application/ports/index.js';
import { OutboundHttpClient, type OutboundFailure } from '../outbound-http/index.js';
import { parseRetryAfter, parseWebhookSecret, signWebhook } from './standard-webhooks.js';

export interface WebhookSinkOptions {
  readonly url: string;
  /** `whsec_<base64>`, from ANALYTICS_WEBHOOK_SECRET. */
  readonly secret: string;
  /** The whole request, connect to last byte of the answer; default 10 000. */
  readonly timeoutMs?: number;
}

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
export class WebhookAnalyticsSink implements AnalyticsSink {
  readonly target: string;
  private readonly url: URL;
  private readonly key: Buffer;
  private readonly timeoutMs: number;
  private readonly http: OutboundHttpClient;

  constructor(
    options: WebhookSinkOptions,
    private readonly clock: Clock,
  ) {
    this.url = parseUrl(options.url);
    this.key = parseWebhookSecret(options.secret);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) {
      throw new FeedConfigError('timeoutMs', 'must be a positive number');
    }
    this.target = printableTarget(this.url);
    // Any address: the operator chose this receiver, so the SSRF guard does not apply.
    this.http = new OutboundHttpClient({ addresses: { kind: 'any' }, connectionsPerOrigin: 1 });
  }

  deliver(batch: AnalyticsBatch, signal?: AbortSignal): Promise<SinkOutcome> {
    // Encoded once: the length, the signature and the socket all take these same bytes.
    const body = Buffer.from(JSON.stringify(batchBody(batch)), 'utf8');
    const timestampSeconds = Math.floor(this.clock.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'content-length': String(body.length),
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
    return this.http.close();
  }

  private async post(
    body: Buffer,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<SinkOutcome> {
    const exchange = await this.http.send({
      method: 'POST',
      url: this.url,
      headers,
      body,
      timeoutMs: this.timeoutMs,
      ...(signal === undefined ? {} : { signal }),
    });
    if (!exchange.ok) return failed(exchange.failure);
    const { answer } = exchange;
    // Read (so the connection can be reused) but never kept: beyond the cap the connection goes.
    const read = await answer.read(MAX_ANSWER_BYTES, 'truncate');
    if (!read.ok) return failed(read.failure, 'the answer was cut off');
    return classifyAnswer(answer.status, answer.header('retry-after'), this.clock.now());
  }
}

/** The client's failure as a sink failure; `cutOff` names a network failure mid-answer. */
function failed(failure: OutboundFailure, cutOff?: string): SinkOutcome {
  const sink = (kind: SinkFailure['kind'], detail: string): SinkOutcome => ({
    ok: false,
    failure: { kind, status: null, retryAfterMs: null, detail },
  });
  switch (failure.code) {
    case 'OUTBOUND_TIMEOUT':
      return sink('timeout', failure.detail);
    case 'OUTBOUND_ABORTED':
      return sink('network', 'aborted');
    case 'OUTBOUND_HOST_REFUSED':
    case 'OUTBOUND_ANSWER_TOO_LARGE':
    case 'OUTBOUND_NETWORK':
      return sink('network', cutOff ?? failure.detail);
  }
}

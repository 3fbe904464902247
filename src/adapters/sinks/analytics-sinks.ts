import type { AnalyticsSink, Clock } from '../../application/ports/index.js';
import { FeedConfigError } from '../../application/feed/feed-errors.js';
import { NdjsonFileSink } from './ndjson-file-sink.js';
import { WebhookAnalyticsSink, type WebhookSinkOptions } from './webhook-analytics-sink.js';

export interface SinkTarget {
  /** An http(s) URL (a webhook) or a file path (NDJSON). */
  readonly to: string;
  /** Required for a webhook: `whsec_<base64>`. */
  readonly secret?: string;
  readonly timeoutMs?: number;
}

export function isWebhookTarget(to: string): boolean {
  return /^https?:\/\//i.test(to);
}

function webhookOptions(target: SinkTarget): WebhookSinkOptions {
  if (target.secret === undefined) {
    throw new FeedConfigError(
      'ANALYTICS_WEBHOOK_SECRET',
      'is required to sign webhook calls (whsec_<base64>)',
    );
  }
  return {
    url: target.to,
    secret: target.secret,
    ...(target.timeoutMs === undefined ? {} : { timeoutMs: target.timeoutMs }),
  };
}

/** The sink for a `--to` value: a webhook for an http(s) URL, an NDJSON file otherwise. */
export function openAnalyticsSink(target: SinkTarget, clock: Clock): AnalyticsSink {
  if (isWebhookTarget(target.to)) return new WebhookAnalyticsSink(webhookOptions(target), clock);
  return new NdjsonFileSink({ path: target.to });
}

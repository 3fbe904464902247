import type { ServiceIdentifier } from 'inversify';
import type { AnalyticsBatch } from '../feed/analytics-payload.js';

/**
 * Why a batch was not accepted. `gone` (HTTP 410) means the receiver wants no more: the live
 * feed disables itself. `redirect` is never followed. `rateLimited` and `unavailable` (429, 503)
 * carry the receiver's `Retry-After` when it sent one.
 */
export type SinkFailureKind =
  | 'rateLimited'
  | 'unavailable'
  | 'gone'
  | 'redirect'
  | 'rejected'
  | 'serverError'
  | 'timeout'
  | 'network'
  | 'io';

export interface SinkFailure {
  readonly kind: SinkFailureKind;
  /** The HTTP status, when there was an answer. */
  readonly status: number | null;
  readonly retryAfterMs: number | null;
  /** A short description for logs: never the payload, never a secret. */
  readonly detail: string;
}

export type SinkOutcome =
  | { readonly ok: true; readonly status: number | null }
  | { readonly ok: false; readonly failure: SinkFailure };

/**
 * Takes analytics batches somewhere (a webhook, a file). Expected failures resolve as
 * `ok: false`; a rejection means a bug. A sink may see the same batch more than once (a retry
 * after a lost answer, a replay): receivers deduplicate on the batch id or the event ids.
 */
export interface AnalyticsSink {
  /** Where batches go, printable: no credentials, no query string. */
  readonly target: string;
  deliver(batch: AnalyticsBatch, signal?: AbortSignal): Promise<SinkOutcome>;
  close(): Promise<void>;
}

export const ANALYTICS_SINK: ServiceIdentifier<AnalyticsSink> = Symbol.for('gtx.AnalyticsSink');

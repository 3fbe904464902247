import type { FailureKind, OutboundKind } from '../../domain/index.js';

// The batch a sink receives is part of this port's contract, so its shape lives here; building
// it from ledger events is application/feed/analytics-payload.ts's job. A field that changes
// meaning or goes away bumps ANALYTICS_PAYLOAD_VERSION there.

/**
 * Where the transmission stands once this event happened; for a message from Genesys (an agent
 * reply, typing, Genesys' receipt), `received` in a known conversation or `unmatched`.
 */
export type AnalyticsStatus =
  | 'pending'
  | 'rejected'
  | 'inFlight'
  | 'retryScheduled'
  | 'failed'
  | 'delivered'
  | 'deadLettered'
  | 'received'
  | 'unmatched';

export interface AnalyticsError {
  readonly failureKind: FailureKind | null;
  readonly status: number | null;
  readonly code: string | null;
  /** What Genesys (or the dead-letter decision) said; never the message text we sent. */
  readonly message: string | null;
  readonly retryable: boolean | null;
  readonly retryAfterMs: number | null;
  /** Dead-letter reason: permanentFailure, attemptsExhausted or deadlineExceeded. */
  readonly reason: string | null;
  /** Validation codes of a rejection, each once, in the order first seen. */
  readonly rejectionCodes: readonly string[];
}

/**
 * One ledger event as analytics sees it: ids, times, outcome and error, no personal content.
 * The message text, attachments, metadata and guest profile (the `content` sub-object) are
 * never copied here.
 */
export interface AnalyticsEvent {
  /** Stable across retries and replays: position and the first 16 hex digits of the row hash. */
  readonly id: string;
  readonly type: string;
  /** The ledger event's schema version (after upcasting: the current one). */
  readonly schemaVersion: number;
  readonly position: number;
  readonly streamId: string;
  readonly commandId: string | null;
  readonly kind: OutboundKind | null;
  readonly guestId: string | null;
  readonly conversation: {
    readonly conversationRef: string | null;
    readonly genesysConversationId: string | null;
  };
  readonly status: AnalyticsStatus;
  readonly attempt: number | null;
  readonly latencyMs: number | null;
  readonly genesysMessageId: string | null;
  /** When the ledger recorded the event (ISO-8601 UTC). */
  readonly timestamp: string;
  readonly error: AnalyticsError | null;
  /** SHA-256 of the content, so a message can be matched with the audit trail without text. */
  readonly contentSha256: string | null;
}

/** What a sink delivers: one webhook call, or one group of NDJSON lines. */
export interface AnalyticsBatch {
  /** Derived from the events' positions and hashes: the same batch always has the same id. */
  readonly id: string;
  readonly feed: string;
  readonly replay: boolean;
  readonly firstPosition: number;
  readonly lastPosition: number;
  readonly events: readonly AnalyticsEvent[];
}

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

import type { ServiceIdentifier } from 'inversify';
import type { OutboundKind, TransmissionContent, TransportFailure } from '../../domain/index.js';

export interface TransportRequest {
  readonly commandId: string;
  readonly kind: OutboundKind;
  readonly conversationRef: string;
  readonly content: TransmissionContent;
  readonly attempt: number;
  /**
   * Waits for the client's rate limiter before any further request the transport makes inside
   * this attempt (the one re-send after a 401), so that re-send is paced like every other call.
   */
  readonly pace?: () => Promise<void>;
}

/** What the server said about our budget, read from `inin-ratelimit-*` when present. */
export interface RateLimitHint {
  readonly allowed: number;
  readonly count: number;
  readonly resetMs: number;
}

export type TransportOutcome =
  | {
      readonly ok: true;
      readonly genesysMessageId: string;
      readonly genesysConversationId: string | null;
      readonly correlationId: string | null;
      readonly rateLimit?: RateLimitHint;
    }
  | {
      readonly ok: false;
      readonly failure: TransportFailure;
      readonly rateLimit?: RateLimitHint;
      /**
       * Whom a `rateLimited` failure holds back: the whole client (the default: Genesys'
       * limit is per token) or only this conversation (a web-messaging session's own limit).
       */
      readonly rateLimitScope?: 'client' | 'conversation';
    };

/**
 * Sends one request to Genesys. Expected failures (4xx, 5xx, timeouts, resets) resolve as
 * `ok: false` with a failure kind the retry policy understands; a rejection means a bug.
 */
export interface MessagingTransport {
  send(request: TransportRequest, signal?: AbortSignal): Promise<TransportOutcome>;
  /**
   * Checks up front that the far side can be reached and accepts our credentials, so a
   * command line or a service fails fast instead of dead-lettering its first batch.
   * Rejects with a coded error (e.g. `GENESYS_AUTH_FAILED`). Optional for twins.
   */
  verify?(): Promise<void>;
  close(): Promise<void>;
}

export const MESSAGING_TRANSPORT: ServiceIdentifier<MessagingTransport> =
  Symbol.for('gtx.MessagingTransport');

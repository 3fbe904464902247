import type { Clock, Logger } from '../../../application/ports/index.js';

export interface JetStreamSourceOptions {
  /** `nats://[user:password@|token@]host:port`. */
  readonly url: string;
  readonly stream: string;
  /** A durable pull consumer; created (explicit ack) when it does not exist. */
  readonly consumer: string;
  /** The filter subject of a created consumer; an existing one must filter the same. */
  readonly subject?: string;
  /** Unanswered deliveries at once: the pull batch, and `max_ack_pending` of a created consumer. */
  readonly prefetch: number;
  /** `ack_wait` of a created consumer. Default 30 s. */
  readonly ackWaitMs?: number;
  /** How long the first connection may take. Default 5 s. */
  readonly connectTimeoutMs?: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

export const JETSTREAM_DEFAULTS = {
  ackWaitMs: 30_000,
  connectTimeoutMs: 5_000,
  /** Between reconnect attempts after the connection was lost; it retries for ever. */
  reconnectWaitMs: 500,
  /** How long an ack waits for the server's confirmation. */
  ackConfirmTimeoutMs: 10_000,
  /** Added to the ack wait before a restart barrier gives up on pending messages. */
  barrierMarginMs: 2_000,
} as const;

export function nanos(ms: number): number {
  return Math.round(ms * 1_000_000);
}

export function millis(nanoseconds: number): number {
  return Math.round(nanoseconds / 1_000_000);
}

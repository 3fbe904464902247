import type { ServiceIdentifier } from 'inversify';
import type { Observable } from 'rxjs';

/**
 * One message a broker handed us, held by the broker until it is answered once: `ack` (done),
 * `nak` (deliver it again later) or `term` (never again: JetStream terminates it, AMQP rejects it
 * without requeue so a dead-letter exchange gets it). An unanswered delivery goes back to the
 * broker when the connection closes.
 */
export interface BrokerDelivery {
  readonly body: Uint8Array;
  /**
   * The broker's id of the message, the same on every redelivery: JetStream `<stream>:<stream
   * sequence>`, AMQP the publisher's `messageId` property. Null when the broker has none (an
   * AMQP message published without `messageId`).
   */
  readonly messageId: string | null;
  /**
   * Earlier deliveries of this message: 0 the first time. AMQP classic queues only say whether
   * it was delivered before (1); quorum queues count (`x-delivery-count`).
   */
  readonly redeliveryCount: number;
  /**
   * The W3C trace context the publisher sent with the message (`traceparent`, `tracestate`:
   * NATS headers, AMQP `properties.headers`); absent when it sent none.
   */
  readonly traceHeaders?: Readonly<Record<string, string>>;
  ack(): Promise<void>;
  /** Deliver it again after `delayMs` (0: as soon as the broker can). */
  nak(delayMs: number): Promise<void>;
  /** Never deliver it again; `reason` is for the broker's own records where it keeps them. */
  term(reason: string): Promise<void>;
  /** Still working on it: moves the broker's redelivery deadline back (a no-op without one). */
  working(): Promise<void>;
}

/**
 * A broker queue or stream that commands come from (`gtx consume`). It bounds the deliveries
 * that are unanswered at once (JetStream pull batch and `max_ack_pending`, AMQP `prefetch`) and
 * re-establishes a lost connection by itself; unanswered deliveries of a lost connection are
 * redelivered by the broker.
 */
export interface CommandSource {
  /** Names the broker in derived command ids and intake failures: `nats`, `amqp`. */
  readonly scheme: string;
  /** For logs and errors, without credentials: `nats://127.0.0.1:4222 stream ORDERS consumer gtx`. */
  readonly description: string;
  /** How long the broker waits for an answer before it redelivers; null when it never does. */
  readonly ackDeadlineMs: number | null;
  /**
   * Connects and checks that the stream, consumer or queue exists. Rejects with
   * `BROKER_UNREACHABLE`, `BROKER_AUTH_FAILED` or `BROKER_NOT_FOUND`.
   */
  open(): Promise<void>;
  /**
   * The deliveries, after `open`, until `stop`. Errors with a coded error when the source cannot
   * go on (the stream was deleted); a lost connection is not such an error.
   */
  deliveries(): Observable<BrokerDelivery>;
  /** Asks for no more messages: `deliveries()` completes; unanswered deliveries can still be answered. */
  stop(): Promise<void>;
  /** Closes the connection; deliveries not yet answered go back to the broker. */
  close(): Promise<void>;
}

export const COMMAND_SOURCE: ServiceIdentifier<CommandSource> = Symbol.for('gtx.CommandSource');

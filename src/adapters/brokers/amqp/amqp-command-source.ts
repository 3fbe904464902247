import type { Channel, ChannelModel, ConsumeMessage, RecoveringChannelModel } from 'amqplib';
import { Observable, type Subscriber } from 'rxjs';
import {
  BrokerSourceFailedError,
  IntakeOptionsError,
} from '../../../application/intake/broker-errors.js';
import type { BrokerDelivery, CommandSource, Logger } from '../../../application/ports/index.js';
import { pickTraceHeaders } from '../../../application/tracing/trace-metadata.js';
import { isGtxError } from '../../../domain/index.js';
import type { BrokerUrl } from '../broker-url.js';
import { AMQP_DEFAULTS, connectRecovering, probeAmqp, readAmqpUrl } from './amqp-connection.js';

export interface AmqpSourceOptions {
  /** `amqp://user:password@host:5672/vhost`. */
  readonly url: string;
  /** An existing queue; a dead-letter exchange on it receives what is terminated. */
  readonly queue: string;
  /** Unacknowledged deliveries at once (the channel's prefetch). */
  readonly prefetch: number;
  readonly connectTimeoutMs?: number;
  readonly logger: Logger;
}

/** amqplib answers synchronously and throws when the channel is gone: as a promise here. */
function settled(answer: () => void): Promise<void> {
  try {
    answer();
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/** A nak waiting out its delay: the message stays unacknowledged (and counts in the prefetch). */
interface DelayedNak {
  readonly timer: NodeJS.Timeout;
  readonly requeue: () => void;
}

/**
 * Commands from a RabbitMQ (AMQP 0-9-1) queue. The broker message id is the publisher's
 * `messageId` property. `nak(delay)` holds the message for the delay, then requeues it, which
 * puts it back at its place in the queue; `term` rejects it without requeue, so the queue's
 * dead-letter exchange gets it. A lost connection is re-established by amqplib's recovery; the
 * broker requeues what the old channel left unacknowledged, and answers on the old channel fail.
 */
export class AmqpCommandSource implements CommandSource {
  readonly scheme = 'amqp';
  readonly description: string;
  /** RabbitMQ's consumer timeout (30 min by default) cannot be extended: no deadline to keep. */
  readonly ackDeadlineMs = null;
  private readonly url: BrokerUrl;
  private connection: RecoveringChannelModel | null = null;
  private model: ChannelModel | null = null;
  private channel: Channel | null = null;
  private consumerTag: string | null = null;
  private subscriber: Subscriber<BrokerDelivery> | null = null;
  private readonly delayed = new Set<DelayedNak>();
  private stopped = false;

  constructor(private readonly options: AmqpSourceOptions) {
    this.url = readAmqpUrl(options.url);
    if (!Number.isInteger(options.prefetch) || options.prefetch < 1 || options.prefetch > 65_535) {
      throw new IntakeOptionsError('prefetch', 'must be a whole number from 1 to 65535');
    }
    this.description = `${this.url.safe} queue ${options.queue}`;
  }

  async open(): Promise<void> {
    const timeoutMs = this.options.connectTimeoutMs ?? AMQP_DEFAULTS.connectTimeoutMs;
    const { queue } = this.options;
    await probeAmqp(this.url, timeoutMs, { kind: 'queue', name: queue }, (channel) =>
      channel.checkQueue(queue),
    );
    this.connection = await connectRecovering(this.url, timeoutMs, this.options.logger, (model) =>
      this.connected(model),
    );
  }

  deliveries(): Observable<BrokerDelivery> {
    return new Observable<BrokerDelivery>((subscriber) => {
      this.subscriber = subscriber;
      if (this.model !== null) {
        this.consumeOn(this.model).catch((error: unknown) => {
          this.failed(error);
        });
      }
      return () => {
        if (this.subscriber === subscriber) this.subscriber = null;
      };
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const { channel, consumerTag } = this;
    if (channel !== null && consumerTag !== null) {
      await channel.cancel(consumerTag).catch((error: unknown) => {
        this.options.logger.debug('amqp cancel not taken: the channel is gone', {
          source: this.description,
          reason: error instanceof Error ? error.message : String(error),
        });
      });
    }
    this.requeueDelayedNow();
    this.subscriber?.complete();
    this.subscriber = null;
  }

  async close(): Promise<void> {
    await this.stop();
    const { connection, channel } = this;
    this.connection = null;
    this.channel = null;
    // The channel's close handshake comes after the answers sent on it, so none is lost with
    // the socket; closing returns every unacknowledged message to the queue.
    await channel?.close().catch((error: unknown) => {
      this.options.logger.debug('amqp channel was already closed', {
        source: this.description,
        reason: error instanceof Error ? error.message : String(error),
      });
    });
    await connection?.close();
  }

  /** Runs on every (re)connection: a new channel, consuming again if someone is listening. */
  private async connected(model: ChannelModel): Promise<void> {
    this.model = model;
    this.channel = null;
    if (this.subscriber !== null && !this.stopped) await this.consumeOn(model);
  }

  private async consumeOn(model: ChannelModel): Promise<void> {
    const channel = await model.createChannel();
    channel.on('error', (error: Error) => {
      this.options.logger.warn('amqp channel closed by the broker', {
        source: this.description,
        reason: error.message,
      });
    });
    await channel.prefetch(this.options.prefetch);
    this.channel = channel;
    const reply = await channel.consume(
      this.options.queue,
      (message) => {
        if (message === null) {
          this.failed(
            new BrokerSourceFailedError(
              this.description,
              'the broker cancelled the consumer (was the queue deleted?)',
            ),
          );
          return;
        }
        this.subscriber?.next(this.toDelivery(channel, message));
      },
      { noAck: false },
    );
    this.consumerTag = reply.consumerTag;
  }

  /** The broker cancelled the consumer (its queue was deleted): the source cannot go on. */
  private failed(error: unknown): void {
    const subscriber = this.subscriber;
    this.subscriber = null;
    subscriber?.error(
      isGtxError(error)
        ? error
        : new BrokerSourceFailedError(
            this.description,
            error instanceof Error ? error.message : String(error),
            error,
          ),
    );
  }

  private requeueDelayedNow(): void {
    for (const nak of this.delayed) {
      clearTimeout(nak.timer);
      nak.requeue();
    }
    this.delayed.clear();
  }

  private toDelivery(channel: Channel, message: ConsumeMessage): BrokerDelivery {
    const headers = message.properties.headers ?? {};
    const counted: unknown = headers['x-delivery-count'];
    const messageId: unknown = message.properties.messageId;
    return {
      body: message.content,
      messageId: typeof messageId === 'string' && messageId !== '' ? messageId : null,
      redeliveryCount: typeof counted === 'number' ? counted : message.fields.redelivered ? 1 : 0,
      ...traceHeadersOf(headers),
      ack: () =>
        settled(() => {
          channel.ack(message);
        }),
      nak: (delayMs) => {
        const requeue = (): void => {
          // A channel lost meanwhile already gave the message back to the queue.
          if (channel === this.channel) channel.nack(message, false, true);
        };
        if (delayMs <= 0 || this.stopped) {
          return settled(() => {
            channel.nack(message, false, true);
          });
        }
        const entry: DelayedNak = {
          timer: setTimeout(() => {
            this.delayed.delete(entry);
            requeue();
          }, delayMs),
          requeue,
        };
        this.delayed.add(entry);
        return Promise.resolve();
      },
      term: () =>
        settled(() => {
          channel.nack(message, false, false);
        }),
      working: () => Promise.resolve(),
    };
  }
}

function traceHeadersOf(headers: Record<string, unknown>): Pick<BrokerDelivery, 'traceHeaders'> {
  // A header published as bytes (some AMQP clients send every header so) is read as UTF-8.
  const traceHeaders = pickTraceHeaders((name) => {
    const value = headers[name];
    return Buffer.isBuffer(value) ? value.toString('utf8') : value;
  });
  return traceHeaders === undefined ? {} : { traceHeaders };
}

import {
  AckPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamClient,
  type JsMsg,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Observable, type Subscriber } from 'rxjs';
import { IntakeOptionsError } from '../../../application/intake/broker-errors.js';
import type { BrokerDelivery, CommandSource } from '../../../application/ports/index.js';
import { pickTraceHeaders } from '../../../application/tracing/trace-metadata.js';
import type { BrokerUrl } from '../broker-url.js';
import { connectNats, readNatsUrl, termTakesReason } from './nats-connection.js';
import { isConsumerNotFound, natsRunError, natsStartError } from './nats-errors.js';
import {
  JETSTREAM_DEFAULTS,
  millis,
  nanos,
  type JetStreamSourceOptions,
} from './jetstream-options.js';
import { RestartBarrier } from './restart-barrier.js';

/**
 * Commands from a JetStream durable pull consumer. The broker message id is `<stream>:<stream
 * sequence>`. At most `prefetch` deliveries are unanswered at once; messages pulled beyond that
 * (a consumer whose `max_ack_pending` is larger) and messages held by the restart barrier wait
 * in order, kept alive with `working()`. A lost connection is re-established by the client and
 * the pull resumes; answers given meanwhile are sent when it is back.
 */
export class JetStreamCommandSource implements CommandSource {
  readonly scheme = 'nats';
  readonly description: string;
  private readonly url: BrokerUrl;
  private connection: NatsConnection | null = null;
  private client: JetStreamClient | null = null;
  private messages: ConsumerMessages | null = null;
  private barrier: RestartBarrier | null = null;
  private barrierTimer: NodeJS.Timeout | null = null;
  private keepAliveTimer: NodeJS.Timeout | null = null;
  private subscriber: Subscriber<BrokerDelivery> | null = null;
  /** Pulled, not yet handed on: waiting for a slot, in stream order. */
  private readonly waiting: JsMsg[] = [];
  /** Pulled while the restart barrier stands, held until it lifts. */
  private readonly held: JsMsg[] = [];
  /** Handed on, not yet answered. */
  private readonly unanswered = new Set<JsMsg>();
  private deadlineMs: number;
  private termReason = false;
  private stopped = false;

  constructor(private readonly options: JetStreamSourceOptions) {
    this.url = readNatsUrl(options.url);
    if (!Number.isInteger(options.prefetch) || options.prefetch < 1) {
      throw new IntakeOptionsError('prefetch', 'must be a whole number of at least 1');
    }
    this.description = `${this.url.safe} stream ${options.stream} consumer ${options.consumer}`;
    this.deadlineMs = options.ackWaitMs ?? JETSTREAM_DEFAULTS.ackWaitMs;
  }

  get ackDeadlineMs(): number {
    return this.deadlineMs;
  }

  async open(): Promise<void> {
    const { stream, consumer } = this.options;
    const connection = await connectNats(this.url, {
      name: `gtx consume ${stream}/${consumer}`,
      timeoutMs: this.options.connectTimeoutMs ?? JETSTREAM_DEFAULTS.connectTimeoutMs,
      logger: this.options.logger,
    });
    this.connection = connection;
    try {
      const manager = await jetstreamManager(connection);
      await manager.streams.info(stream);
      const info = await this.consumerInfo(manager);
      this.deadlineMs = millis(info.config.ack_wait ?? nanos(this.deadlineMs));
      this.client = jetstream(connection);
      this.termReason = termTakesReason(connection);
      if (info.num_ack_pending > 0) {
        this.barrier = new RestartBarrier(
          info.delivered.stream_seq,
          info.num_ack_pending,
          this.options.clock.now() + this.deadlineMs + JETSTREAM_DEFAULTS.barrierMarginMs,
        );
        this.options.logger.info('nats consumer has unacknowledged messages: waiting for them', {
          source: this.description,
          pending: info.num_ack_pending,
        });
      }
    } catch (error) {
      this.connection = null;
      await connection.close();
      throw natsStartError(error, this.url.safe, { stream, consumer });
    }
  }

  deliveries(): Observable<BrokerDelivery> {
    return new Observable<BrokerDelivery>((subscriber) => {
      this.subscriber = subscriber;
      this.pull(subscriber).catch((error: unknown) => {
        subscriber.error(natsRunError(error, this.description));
      });
      return () => {
        if (this.subscriber === subscriber) this.subscriber = null;
      };
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.messages?.close();
    this.clearTimers();
    // Never handed on: back to the broker at once rather than after their ack wait.
    for (const message of this.waiting.splice(0).concat(this.held.splice(0))) message.nak();
    this.subscriber?.complete();
    this.subscriber = null;
  }

  async close(): Promise<void> {
    await this.stop();
    for (const message of this.unanswered) message.nak();
    this.unanswered.clear();
    const connection = this.connection;
    this.connection = null;
    if (connection !== null && !connection.isClosed()) await connection.drain();
  }

  private async consumerInfo(
    manager: Awaited<ReturnType<typeof jetstreamManager>>,
  ): Promise<ConsumerInfo> {
    const { stream, consumer, subject } = this.options;
    let info: ConsumerInfo;
    try {
      info = await manager.consumers.info(stream, consumer);
    } catch (error) {
      if (isConsumerNotFound(error)) {
        return manager.consumers.add(stream, {
          durable_name: consumer,
          ack_policy: AckPolicy.Explicit,
          ack_wait: nanos(this.deadlineMs),
          max_ack_pending: this.options.prefetch,
          ...(subject === undefined ? {} : { filter_subject: subject }),
        });
      }
      throw error;
    }
    const { config } = info;
    if (config.deliver_subject !== undefined && config.deliver_subject !== '') {
      throw new IntakeOptionsError(
        'consumer',
        `${consumer} is a push consumer; use a pull consumer`,
      );
    }
    if (config.ack_policy !== AckPolicy.Explicit) {
      throw new IntakeOptionsError(
        'consumer',
        `${consumer} must acknowledge explicitly (ack_policy explicit)`,
      );
    }
    if (subject !== undefined && (config.filter_subject ?? '') !== subject) {
      throw new IntakeOptionsError(
        'subject',
        `consumer ${consumer} filters "${config.filter_subject ?? ''}", not "${subject}"`,
      );
    }
    return info;
  }

  private async pull(subscriber: Subscriber<BrokerDelivery>): Promise<void> {
    const client = this.client;
    if (client === null) throw new Error('deliveries() before open()');
    const consumer = await client.consumers.get(this.options.stream, this.options.consumer);
    const messages = await consumer.consume({
      max_messages: this.options.prefetch,
      abort_on_missing_resource: true,
    });
    this.messages = messages;
    this.startTimers();
    for await (const message of messages) {
      if (this.stopped) {
        message.nak();
        continue;
      }
      if (this.barrier === null) {
        this.waiting.push(message);
      } else {
        this.barrier.observe(message.info.streamSequence);
        this.held.push(message);
      }
      this.liftBarrierIfDone();
      this.release();
    }
    if (!this.stopped) subscriber.complete();
  }

  /** Hands waiting messages on while slots are free. */
  private release(): void {
    while (this.subscriber !== null && this.unanswered.size < this.options.prefetch) {
      const message = this.waiting.shift();
      if (message === undefined) return;
      this.unanswered.add(message);
      this.subscriber.next(this.toDelivery(message));
    }
  }

  private liftBarrierIfDone(): void {
    if (this.barrier === null || !this.barrier.isLifted(this.options.clock.now())) return;
    this.barrier = null;
    if (this.barrierTimer !== null) clearTimeout(this.barrierTimer);
    this.barrierTimer = null;
    // Redeliveries came in the order their ack waits ended: taken in stream order instead.
    this.waiting.push(...this.held.splice(0).sort((a, b) => a.seq - b.seq));
    this.release();
  }

  private startTimers(): void {
    const keepAliveMs = Math.max(100, Math.floor(this.deadlineMs / 3));
    this.keepAliveTimer = setInterval(() => {
      for (const message of [...this.waiting, ...this.held]) message.working();
    }, keepAliveMs);
    this.keepAliveTimer.unref();
    if (this.barrier !== null) {
      this.barrierTimer = setTimeout(
        () => {
          this.liftBarrierIfDone();
        },
        this.barrier.msUntilLifted(this.options.clock.now()) + 10,
      );
      this.barrierTimer.unref();
    }
  }

  private clearTimers(): void {
    if (this.keepAliveTimer !== null) clearInterval(this.keepAliveTimer);
    if (this.barrierTimer !== null) clearTimeout(this.barrierTimer);
    this.keepAliveTimer = null;
    this.barrierTimer = null;
  }

  private toDelivery(message: JsMsg): BrokerDelivery {
    let answered = false;
    const answer = async (send: () => Promise<void> | void): Promise<void> => {
      if (answered) return;
      answered = true;
      this.unanswered.delete(message);
      this.release();
      await send();
    };
    return {
      body: message.data,
      messageId: `${message.info.stream}:${String(message.info.streamSequence)}`,
      redeliveryCount: Math.max(0, message.info.deliveryCount - 1),
      ...traceHeadersOf(message),
      ack: () =>
        answer(async () => {
          await message.ackAck({ timeout: JETSTREAM_DEFAULTS.ackConfirmTimeoutMs });
        }),
      nak: (delayMs) =>
        answer(() => {
          message.nak(delayMs);
        }),
      term: (reason) =>
        answer(() => {
          if (this.termReason) message.term(reason.slice(0, 256));
          else message.term();
        }),
      working: () => {
        if (!answered) message.working();
        return Promise.resolve();
      },
    };
  }
}

function traceHeadersOf(message: JsMsg): Pick<BrokerDelivery, 'traceHeaders'> {
  const { headers } = message;
  if (headers === undefined) return {};
  const traceHeaders = pickTraceHeaders((name) => headers.get(name));
  return traceHeaders === undefined ? {} : { traceHeaders };
}

/**
 * The library's broker intake: `createIntake(transmitter, options)` picks the adapter from the
 * URL's scheme (NATS JetStream or RabbitMQ) and binds it, and the outcome publisher when asked
 * for, to the application's intake loop.
 */
import { AmqpCommandSource } from '../adapters/brokers/amqp/amqp-command-source.js';
import { AmqpOutcomePublisher } from '../adapters/brokers/amqp/amqp-outcome-publisher.js';
import { JetStreamCommandSource } from '../adapters/brokers/nats/jetstream-command-source.js';
import { NatsOutcomePublisher } from '../adapters/brokers/nats/nats-outcome-publisher.js';
import { SystemClock } from '../adapters/clock/system-clock.js';
import { WinstonLogger, type LogLevel } from '../adapters/logging/winston-logger.js';
import { IntakeOptionsError } from '../application/intake/broker-errors.js';
import { CommandIntake } from '../application/intake/command-intake.js';
import type { IntakeTransmitter } from '../application/intake/delivery-handler.js';
import {
  DEFAULT_INTAKE_SETTINGS,
  type IntakeSettings,
} from '../application/intake/intake-settings.js';
import type { Clock, CommandSource, Logger, OutcomePublisher } from '../application/ports/index.js';

export interface IntakeOptions {
  /** `nats://[user:password@]host:4222` or `amqp://user:password@host:5672[/vhost]`. */
  readonly from: string;
  /** JetStream: the stream, and the durable pull consumer (created when missing). */
  readonly stream?: string;
  readonly consumer?: string;
  /** JetStream: the filter subject of a created consumer (an existing one must match). */
  readonly subject?: string;
  /** RabbitMQ: the queue. */
  readonly queue?: string;
  /** Unanswered deliveries at once (JetStream pull batch / max_ack_pending, AMQP prefetch). Default 64. */
  readonly prefetch?: number;
  /** JetStream: the ack wait of a consumer this creates. Default 30 s. */
  readonly ackWaitMs?: number;
  /**
   * Publish each outcome (delivered, rejected, dead-lettered, intake failure) on the same
   * broker: a NATS subject, or a RabbitMQ exchange (routing key = the status).
   */
  readonly publishOutcomesTo?: string;
  readonly settings?: Partial<IntakeSettings>;
  readonly logger?: Logger;
  readonly logLevel?: LogLevel;
  readonly clock?: Clock;
}

export const DEFAULT_PREFETCH = 64;

function required(value: string | undefined, option: string, why: string): string {
  if (value === undefined || value.trim() === '')
    throw new IntakeOptionsError(option, `is required ${why}`);
  return value;
}

function refused(value: string | undefined, option: string, why: string): void {
  if (value !== undefined) throw new IntakeOptionsError(option, `is not used ${why}`);
}

function natsParts(
  options: IntakeOptions,
  prefetch: number,
  clock: Clock,
  logger: Logger,
): { source: CommandSource; publisher: OutcomePublisher | null } {
  const why = 'with a nats:// source';
  refused(options.queue, 'queue', `${why} (use --stream and --consumer)`);
  const source = new JetStreamCommandSource({
    url: options.from,
    stream: required(options.stream, 'stream', why),
    consumer: required(options.consumer, 'consumer', why),
    ...(options.subject === undefined ? {} : { subject: options.subject }),
    ...(options.ackWaitMs === undefined ? {} : { ackWaitMs: options.ackWaitMs }),
    prefetch,
    clock,
    logger,
  });
  const publisher =
    options.publishOutcomesTo === undefined
      ? null
      : new NatsOutcomePublisher({ url: options.from, subject: options.publishOutcomesTo, logger });
  return { source, publisher };
}

function amqpParts(
  options: IntakeOptions,
  prefetch: number,
  logger: Logger,
): { source: CommandSource; publisher: OutcomePublisher | null } {
  const why = 'with an amqp:// source';
  refused(options.stream, 'stream', `${why} (use --queue)`);
  refused(options.consumer, 'consumer', `${why} (use --queue)`);
  refused(options.subject, 'subject', `${why} (bind the queue instead)`);
  if (options.ackWaitMs !== undefined)
    throw new IntakeOptionsError('ack-wait', `is not used ${why}`);
  const source = new AmqpCommandSource({
    url: options.from,
    queue: required(options.queue, 'queue', why),
    prefetch,
    logger,
  });
  const publisher =
    options.publishOutcomesTo === undefined
      ? null
      : new AmqpOutcomePublisher({
          url: options.from,
          exchange: options.publishOutcomesTo,
          logger,
        });
  return { source, publisher };
}

export interface PreparedIntake {
  /** The source, without credentials. */
  readonly description: string;
  /** The intake on `transmitter`, not started. */
  feeding(transmitter: IntakeTransmitter): CommandIntake;
}

/** Checks the options and builds the adapters, before any connection or ledger is opened. */
export function prepareIntake(options: IntakeOptions): PreparedIntake {
  const clock = options.clock ?? new SystemClock();
  const logger = (
    options.logger ?? WinstonLogger.create({ level: options.logLevel ?? 'info' })
  ).child({ component: 'intake' });
  const prefetch = options.prefetch ?? DEFAULT_PREFETCH;
  const scheme = /^([a-z]+):/i.exec(options.from)?.[1]?.toLowerCase();
  const parts =
    scheme === 'nats' || scheme === 'tls'
      ? natsParts(options, prefetch, clock, logger)
      : scheme === 'amqp' || scheme === 'amqps'
        ? amqpParts(options, prefetch, logger)
        : null;
  if (parts === null) {
    throw new IntakeOptionsError('from', 'must be a nats:// or amqp:// URL');
  }
  const settings = { ...DEFAULT_INTAKE_SETTINGS, ...options.settings };
  return {
    description: parts.source.description,
    feeding: (transmitter) =>
      new CommandIntake(
        { source: parts.source, publisher: parts.publisher, transmitter, clock, logger },
        settings,
      ),
  };
}

/**
 * A broker intake feeding `transmitter` (started, not closed by the intake). Call `start()`,
 * and `stop()` to drain before closing the transmitter.
 */
export function createIntake(
  transmitter: IntakeTransmitter,
  options: IntakeOptions,
): CommandIntake {
  return prepareIntake(options).feeding(transmitter);
}

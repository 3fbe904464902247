import type { ChannelModel, ConfirmChannel, RecoveringChannelModel } from 'amqplib';
import {
  OUTCOME_COMMAND_ID_HEADER,
  OUTCOME_STATUS_HEADER,
  type Logger,
  type OutcomeNotice,
  type OutcomePublisher,
} from '../../../application/ports/index.js';
import type { BrokerUrl } from '../broker-url.js';
import { AMQP_DEFAULTS, connectRecovering, probeAmqp, readAmqpUrl } from './amqp-connection.js';

export interface AmqpOutcomePublisherOptions {
  readonly url: string;
  /** An existing exchange; the routing key of each notice is its status. */
  readonly exchange: string;
  readonly connectTimeoutMs?: number;
  readonly logger: Logger;
}

/**
 * Outcome notices on a RabbitMQ exchange, routing key = the status (`delivered`, `rejected`,
 * `deadLettered`, `intakeFailed`), persistent, `messageId` `<command id>:<status>`, the command
 * id in the `Gtx-Command-Id` header. A publish resolves on the broker's confirm.
 */
export class AmqpOutcomePublisher implements OutcomePublisher {
  readonly description: string;
  private readonly url: BrokerUrl;
  private connection: RecoveringChannelModel | null = null;
  private channel: Promise<ConfirmChannel> | null = null;

  constructor(private readonly options: AmqpOutcomePublisherOptions) {
    this.url = readAmqpUrl(options.url, 'publish-outcomes-to');
    this.description = `${this.url.safe} exchange ${options.exchange}`;
  }

  async open(): Promise<void> {
    const timeoutMs = this.options.connectTimeoutMs ?? AMQP_DEFAULTS.connectTimeoutMs;
    const { exchange } = this.options;
    await probeAmqp(this.url, timeoutMs, { kind: 'exchange', name: exchange }, (channel) =>
      channel.checkExchange(exchange),
    );
    this.connection = await connectRecovering(this.url, timeoutMs, this.options.logger, (model) => {
      this.connected(model);
      return Promise.resolve();
    });
  }

  async publish(notice: OutcomeNotice): Promise<void> {
    if (this.channel === null) throw new Error('the outcome publisher is not open');
    const channel = await this.channel;
    await new Promise<void>((resolve, reject) => {
      channel.publish(
        this.options.exchange,
        notice.status,
        Buffer.from(notice.body),
        {
          persistent: true,
          contentType: 'application/json',
          ...(notice.commandId === null
            ? {}
            : { messageId: `${notice.commandId}:${notice.status}` }),
          headers: {
            ...(notice.commandId === null ? {} : { [OUTCOME_COMMAND_ID_HEADER]: notice.commandId }),
            [OUTCOME_STATUS_HEADER]: notice.status,
          },
        },
        (error: unknown) => {
          if (error === null || error === undefined) resolve();
          else reject(error instanceof Error ? error : new Error('the broker refused the notice'));
        },
      );
    });
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    this.channel = null;
    await connection?.close();
  }

  /** A confirm channel on each (re)connection; a publish waits for the current one. */
  private connected(model: ChannelModel): void {
    const channel = model.createConfirmChannel().then((created) => {
      created.on('error', (error: Error) => {
        this.options.logger.warn('amqp outcome channel closed by the broker', {
          to: this.description,
          reason: error.message,
        });
      });
      return created;
    });
    // A failed channel fails the publishes that wait for it; they are logged there.
    channel.catch(() => undefined);
    this.channel = channel;
  }
}

import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import {
  OUTCOME_COMMAND_ID_HEADER,
  OUTCOME_STATUS_HEADER,
  type Logger,
  type OutcomeNotice,
  type OutcomePublisher,
} from '../../../application/ports/index.js';
import type { BrokerUrl } from '../broker-url.js';
import { JETSTREAM_DEFAULTS } from './jetstream-options.js';
import { connectNats, readNatsUrl } from './nats-connection.js';
import { natsStartError } from './nats-errors.js';

export interface NatsOutcomePublisherOptions {
  readonly url: string;
  /** The subject notices are published on. */
  readonly subject: string;
  readonly connectTimeoutMs?: number;
  readonly logger: Logger;
}

/**
 * Outcome notices on a NATS subject. When a JetStream stream captures the subject, a notice is
 * published to it and resolves on the stream's acknowledgement, with `Nats-Msg-Id`
 * `<command id>:<status>` so a re-sent notice is stored once; otherwise it is a core NATS
 * message, resolved once the server has it (flush).
 */
export class NatsOutcomePublisher implements OutcomePublisher {
  readonly description: string;
  private readonly url: BrokerUrl;
  private connection: NatsConnection | null = null;
  private stream: JetStreamClient | null = null;

  constructor(private readonly options: NatsOutcomePublisherOptions) {
    this.url = readNatsUrl(options.url, 'publish-outcomes-to');
    this.description = `${this.url.safe} subject ${options.subject}`;
  }

  async open(): Promise<void> {
    const connection = await connectNats(this.url, {
      name: `gtx outcomes ${this.options.subject}`,
      timeoutMs: this.options.connectTimeoutMs ?? JETSTREAM_DEFAULTS.connectTimeoutMs,
      logger: this.options.logger,
    });
    this.connection = connection;
    try {
      const manager = await jetstreamManager(connection);
      let captured = false;
      for await (const name of manager.streams.names(this.options.subject)) {
        captured = name !== '';
        break;
      }
      this.stream = captured ? jetstream(connection) : null;
    } catch (error) {
      // No JetStream on this server: core NATS serves the notices.
      if (!(error instanceof Error && error.name === 'JetStreamNotEnabled')) {
        await connection.close();
        throw natsStartError(error, this.url.safe, { stream: '' });
      }
    }
  }

  async publish(notice: OutcomeNotice): Promise<void> {
    const connection = this.connection;
    if (connection === null) throw new Error('the outcome publisher is not open');
    const noticeHeaders = headers();
    if (notice.commandId !== null) noticeHeaders.set(OUTCOME_COMMAND_ID_HEADER, notice.commandId);
    noticeHeaders.set(OUTCOME_STATUS_HEADER, notice.status);
    if (this.stream !== null) {
      await this.stream.publish(this.options.subject, notice.body, {
        headers: noticeHeaders,
        ...(notice.commandId === null ? {} : { msgID: `${notice.commandId}:${notice.status}` }),
      });
      return;
    }
    connection.publish(this.options.subject, notice.body, { headers: noticeHeaders });
    await connection.flush();
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    if (connection !== null && !connection.isClosed()) await connection.drain();
  }
}

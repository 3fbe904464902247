import amqp, { type Channel, type ChannelModel, type RecoveringChannelModel } from 'amqplib';
import type { Logger } from '../../../application/ports/index.js';
import type { BrokerResource } from '../../../application/intake/broker-errors.js';
import { readBrokerUrl, type BrokerUrl } from '../broker-url.js';
import { amqpStartError } from './amqp-errors.js';

export const AMQP_DEFAULTS = {
  connectTimeoutMs: 5_000,
  /** Reconnect delays after the connection was lost: from 200 ms, doubling, at most 5 s. */
  reconnectInitialMs: 200,
  reconnectMaxMs: 5_000,
} as const;

export function readAmqpUrl(text: string, option = 'from'): BrokerUrl {
  return readBrokerUrl(text, ['amqp', 'amqps'], option);
}

/**
 * Connects once and checks the queue or exchange, so start-up fails with BROKER_UNREACHABLE,
 * BROKER_AUTH_FAILED or BROKER_NOT_FOUND instead of retrying for ever; then closes.
 */
export async function probeAmqp(
  url: BrokerUrl,
  timeoutMs: number,
  resource: { readonly kind: BrokerResource; readonly name: string },
  check: (channel: Channel) => Promise<unknown>,
): Promise<void> {
  let model: ChannelModel;
  try {
    model = await amqp.connect(url.url.href, { timeout: timeoutMs });
  } catch (error) {
    throw amqpStartError(error, url.safe);
  }
  // A refused check closes the channel with an 'error' event besides the rejection.
  model.on('error', () => undefined);
  try {
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    await check(channel);
  } catch (error) {
    throw amqpStartError(error, url.safe, resource);
  } finally {
    await model.close().catch(() => undefined);
  }
}

/**
 * The connection the work runs on: amqplib's recovery reconnects after a loss (for ever, with
 * backoff) and runs `setup` on every new connection to open the channels again.
 */
export async function connectRecovering(
  url: BrokerUrl,
  timeoutMs: number,
  logger: Logger,
  setup: (model: ChannelModel) => Promise<void>,
): Promise<RecoveringChannelModel> {
  let connection: RecoveringChannelModel;
  try {
    connection = await amqp.connect(url.url.href, {
      timeout: timeoutMs,
      recovery: {
        initialMaxRetries: 0,
        maxRetries: Number.POSITIVE_INFINITY,
        initialDelay: AMQP_DEFAULTS.reconnectInitialMs,
        maxDelay: AMQP_DEFAULTS.reconnectMaxMs,
        setup,
      },
    });
  } catch (error) {
    throw amqpStartError(error, url.safe);
  }
  connection.on('error', (error: Error) => {
    logger.debug('amqp connection error', { broker: url.safe, reason: error.message });
  });
  connection.on('disconnect', () => {
    logger.warn('amqp connection lost', { broker: url.safe });
  });
  connection.on('connect', () => {
    logger.info('amqp connection established', { broker: url.safe });
  });
  return connection;
}

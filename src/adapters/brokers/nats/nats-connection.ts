import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../../../application/ports/index.js';
import { readBrokerUrl, type BrokerUrl } from '../broker-url.js';
import { JETSTREAM_DEFAULTS } from './jetstream-options.js';
import { natsStartError } from './nats-errors.js';

export function readNatsUrl(text: string, option = 'from'): BrokerUrl {
  return readBrokerUrl(text, ['nats', 'tls'], option);
}

/**
 * Connects once (BROKER_UNREACHABLE or BROKER_AUTH_FAILED when that fails); once connected, a
 * lost connection is retried for ever, and the client keeps what is published meanwhile.
 * `nats://user:password@host` gives a user, `nats://token@host` a token.
 */
export async function connectNats(
  url: BrokerUrl,
  options: { readonly name: string; readonly timeoutMs: number; readonly logger: Logger },
): Promise<NatsConnection> {
  const credentials =
    url.user === null
      ? {}
      : url.password === null
        ? { token: url.user }
        : { user: url.user, pass: url.password };
  let connection: NatsConnection;
  try {
    connection = await connect({
      servers: `${url.url.hostname}:${url.url.port === '' ? '4222' : url.url.port}`,
      ...credentials,
      ...(url.url.protocol === 'tls:' ? { tls: {} } : {}),
      name: options.name,
      timeout: options.timeoutMs,
      maxReconnectAttempts: -1,
      reconnectTimeWait: JETSTREAM_DEFAULTS.reconnectWaitMs,
    });
  } catch (error) {
    throw natsStartError(error, url.safe, { stream: '' });
  }
  void (async () => {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') {
        options.logger.warn(
          `nats connection ${status.type === 'reconnect' ? 'restored' : 'lost'}`,
          {
            broker: url.safe,
          },
        );
      }
    }
  })();
  return connection;
}

/** JetStream takes a termination reason from server 2.11 on; older servers ignore the whole term. */
export function termTakesReason(connection: NatsConnection): boolean {
  const [major = 0, minor = 0] = (connection.info?.version ?? '0.0.0').split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 11);
}

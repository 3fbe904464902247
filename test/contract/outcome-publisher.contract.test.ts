/**
 * The OutcomePublisher contract against the real brokers: a NATS subject (core NATS, and one a
 * JetStream stream captures), a RabbitMQ exchange, and the in-memory twin.
 */
import { describe, expect, it } from 'vitest';
import type { MsgHdrs } from '@nats-io/transport-node';
import { AmqpOutcomePublisher } from '../../src/adapters/brokers/amqp/amqp-outcome-publisher.js';
import { NatsOutcomePublisher } from '../../src/adapters/brokers/nats/nats-outcome-publisher.js';
import { InMemoryLogger } from '../../src/adapters/memory/in-memory-logger.js';
import { InMemoryOutcomePublisher } from '../../src/adapters/memory/in-memory-outcome-publisher.js';
import {
  outcomePublisherContract,
  type ReceivedNotice,
} from '../../src/testing/contracts/outcome-publisher.contract.js';
import {
  AMQP_URL,
  NATS_URL,
  amqpAdmin,
  createTestStream,
  natsAdmin,
  uniqueName,
} from '../support/brokers.js';

const api = { describe, it, expect };

function fromNats(natsHeaders: MsgHdrs | undefined, body: string): ReceivedNotice {
  const headers: Record<string, string> = {};
  for (const [key, values] of natsHeaders ?? []) headers[key] = values[0] ?? '';
  return { headers, body };
}

outcomePublisherContract(
  'NATS subject',
  async () => {
    const { nc } = await natsAdmin();
    const subject = `gtx.test.outcomes.${uniqueName('s')}`;
    const received: ReceivedNotice[] = [];
    nc.subscribe(subject, {
      callback: (_error, message) => {
        received.push(fromNats(message.headers, message.string()));
      },
    });
    await nc.flush();
    return {
      publisher: new NatsOutcomePublisher({ url: NATS_URL, subject, logger: new InMemoryLogger() }),
      received: () => Promise.resolve(received),
      cleanup: () => nc.close(),
    };
  },
  api,
);

outcomePublisherContract(
  'NATS subject captured by a JetStream stream',
  async () => {
    const stream = await createTestStream({ createConsumer: false });
    const subject = `${stream.stream.toLowerCase()}.outcomes`;
    return {
      publisher: new NatsOutcomePublisher({ url: NATS_URL, subject, logger: new InMemoryLogger() }),
      received: async () => {
        const info = await stream.jsm.streams.info(stream.stream);
        const notices: ReceivedNotice[] = [];
        for (let seq = 1; seq <= info.state.last_seq; seq++) {
          const stored = await stream.jsm.streams.getMessage(stream.stream, { seq });
          if (stored !== null) notices.push(fromNats(stored.header, stored.string()));
        }
        return notices;
      },
      cleanup: () => stream.remove(),
    };
  },
  api,
);

outcomePublisherContract(
  'RabbitMQ exchange',
  async () => {
    const { model, channel } = await amqpAdmin();
    const exchange = uniqueName('gtx-outcomes');
    const queue = `${exchange}.all`;
    await channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
    await channel.assertQueue(queue, { durable: false });
    await channel.bindQueue(queue, exchange, '#');
    const received: ReceivedNotice[] = [];
    return {
      publisher: new AmqpOutcomePublisher({
        url: AMQP_URL,
        exchange,
        logger: new InMemoryLogger(),
      }),
      received: async () => {
        for (;;) {
          const message = await channel.get(queue, { noAck: true });
          if (message === false) break;
          const headers = Object.fromEntries(
            Object.entries(message.properties.headers ?? {}).map(([k, v]) => [k, String(v)]),
          );
          received.push({ headers, body: message.content.toString('utf8') });
        }
        return received;
      },
      cleanup: async () => {
        await channel.deleteQueue(queue);
        await channel.deleteExchange(exchange);
        await model.close();
      },
    };
  },
  api,
);

outcomePublisherContract(
  'in-memory twin',
  () => {
    const publisher = new InMemoryOutcomePublisher();
    return Promise.resolve({
      publisher,
      received: () =>
        Promise.resolve(
          publisher.notices.map((notice) => ({
            headers: {
              ...(notice.commandId === null ? {} : { 'Gtx-Command-Id': notice.commandId }),
              'Gtx-Outcome': notice.status,
            },
            body: new TextDecoder().decode(notice.body),
          })),
        ),
    });
  },
  api,
);

/**
 * The CommandSource contract against the real brokers (JetStream, RabbitMQ) and the in-memory
 * twin the intake's unit tests use. Each case gets its own stream or queue.
 */
import { describe, expect, it } from 'vitest';
import { JetStreamCommandSource } from '../../src/adapters/brokers/nats/jetstream-command-source.js';
import { AmqpCommandSource } from '../../src/adapters/brokers/amqp/amqp-command-source.js';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { InMemoryBrokerQueue } from '../../src/adapters/memory/in-memory-command-source.js';
import { InMemoryLogger } from '../../src/adapters/memory/in-memory-logger.js';
import { commandSourceContract } from '../../src/testing/contracts/command-source.contract.js';
import { AMQP_URL, NATS_URL, createTestQueue, createTestStream } from '../support/brokers.js';

const clock = new SystemClock();
const api = { describe, it, expect };

commandSourceContract(
  'JetStream pull consumer',
  async () => {
    const stream = await createTestStream({ ackWaitMs: 1_500 });
    return {
      namesEveryMessage: true,
      makeSource: (prefetch) =>
        new JetStreamCommandSource({
          url: NATS_URL,
          stream: stream.stream,
          consumer: stream.consumer,
          prefetch,
          clock,
          logger: new InMemoryLogger(),
        }),
      publish: async (body) => {
        await stream.publish(body);
      },
      terminated: () => stream.terminated(),
      cleanup: () => stream.remove(),
    };
  },
  api,
);

commandSourceContract(
  'RabbitMQ queue',
  async () => {
    const queue = await createTestQueue();
    return {
      namesEveryMessage: false,
      makeSource: (prefetch) =>
        new AmqpCommandSource({
          url: AMQP_URL,
          queue: queue.queue,
          prefetch,
          logger: new InMemoryLogger(),
        }),
      publish: (body, messageId) => queue.publish(body, messageId),
      terminated: () => queue.takeDeadLetters(),
      cleanup: () => queue.remove(),
    };
  },
  api,
);

commandSourceContract(
  'in-memory twin',
  () => {
    const queue = new InMemoryBrokerQueue({ clock, ackDeadlineMs: 1_000 });
    return Promise.resolve({
      namesEveryMessage: true,
      makeSource: (prefetch: number) => queue.consumer({ prefetch }),
      publish: (body: string) => {
        queue.publish(body);
        return Promise.resolve();
      },
      terminated: () =>
        Promise.resolve(queue.deadLetters().map((body) => new TextDecoder().decode(body))),
    });
  },
  api,
);

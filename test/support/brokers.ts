/**
 * The real brokers the intake tests run against: NATS with JetStream on 127.0.0.1:4222 and
 * RabbitMQ on 127.0.0.1:5672 (guest/guest), or NATS_URL / AMQP_URL. Each test makes its own
 * stream or queue and removes it; a broker that does not answer fails the test with a line
 * saying which one is missing (never a skip).
 */
import { randomUUID } from 'node:crypto';
import { AckPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import amqp, { type Channel, type ChannelModel } from 'amqplib';

export const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
export const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

export async function natsAdmin(): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: NATS_URL.replace(/^nats:\/\//, ''), timeout: 3_000 });
  } catch (error) {
    throw new Error(
      `these tests need NATS with JetStream at ${NATS_URL} (set NATS_URL): ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { nc, jsm: await jetstreamManager(nc) };
}

export interface TestStream {
  readonly stream: string;
  readonly subject: string;
  readonly consumer: string;
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  publish(body: string | Uint8Array, subject?: string): Promise<number>;
  /** Bodies JetStream reported terminated (the MSG_TERMINATED advisory), in order. */
  terminated(): Promise<readonly string[]>;
  /** The consumer's ack floor and unacknowledged count. */
  consumerState(): Promise<{ ackFloor: number; pending: number; delivered: number }>;
  remove(): Promise<void>;
}

/** A stream of its own with a durable pull consumer (explicit ack, the given ack wait). */
export async function createTestStream(
  options: { ackWaitMs?: number; maxAckPending?: number; createConsumer?: boolean } = {},
): Promise<TestStream> {
  const { nc, jsm } = await natsAdmin();
  const stream = uniqueName('GTX_TEST');
  const subject = `${stream.toLowerCase()}.commands`;
  const consumer = 'gtx';
  await jsm.streams.add({ name: stream, subjects: [`${stream.toLowerCase()}.>`] });
  if (options.createConsumer !== false) {
    await jsm.consumers.add(stream, {
      durable_name: consumer,
      ack_policy: AckPolicy.Explicit,
      ack_wait: (options.ackWaitMs ?? 2_000) * 1_000_000,
      max_ack_pending: options.maxAckPending ?? 1_000,
      filter_subject: subject,
    });
  }
  const terminatedSeqs: number[] = [];
  const advisory = nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.${stream}.*`, {
    callback: (_error, message) => {
      terminatedSeqs.push(message.json<{ stream_seq: number }>().stream_seq);
    },
  });
  await nc.flush();
  const js = jetstream(nc);
  return {
    stream,
    subject,
    consumer,
    nc,
    jsm,
    publish: async (body, to = subject) => (await js.publish(to, body)).seq,
    terminated: async () => {
      const bodies: string[] = [];
      for (const seq of terminatedSeqs) {
        const stored = await jsm.streams.getMessage(stream, { seq });
        bodies.push(stored === null ? `<gone ${String(seq)}>` : stored.string());
      }
      return bodies;
    },
    consumerState: async () => {
      const info = await jsm.consumers.info(stream, consumer);
      return {
        ackFloor: info.ack_floor.stream_seq,
        pending: info.num_ack_pending,
        delivered: info.delivered.stream_seq,
      };
    },
    remove: async () => {
      advisory.unsubscribe();
      await jsm.streams.delete(stream).catch(() => false);
      await nc.close();
    },
  };
}

export async function amqpAdmin(): Promise<{ model: ChannelModel; channel: Channel }> {
  let model: ChannelModel;
  try {
    model = await amqp.connect(AMQP_URL, { timeout: 3_000 });
  } catch (error) {
    throw new Error(
      `these tests need RabbitMQ at ${AMQP_URL.replace(/\/\/[^@]*@/, '//')} (set AMQP_URL): ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { model, channel: await model.createChannel() };
}

export interface TestQueue {
  readonly queue: string;
  readonly deadLetterQueue: string;
  readonly channel: Channel;
  publish(body: string | Uint8Array, messageId?: string): Promise<void>;
  /** Takes every message from the dead-letter queue so far, in order. */
  takeDeadLetters(): Promise<readonly string[]>;
  /** Messages in the queue ready to deliver (not counting those delivered and unacknowledged). */
  ready(): Promise<number>;
  remove(): Promise<void>;
}

/** A durable queue of its own whose rejected messages go to its own dead-letter queue. */
export async function createTestQueue(): Promise<TestQueue> {
  const { model, channel } = await amqpAdmin();
  const queue = uniqueName('gtx-test');
  const deadLetterQueue = `${queue}.dead`;
  await channel.assertQueue(deadLetterQueue, { durable: true });
  await channel.assertQueue(queue, {
    durable: true,
    deadLetterExchange: '',
    deadLetterRoutingKey: deadLetterQueue,
  });
  const confirm = await model.createConfirmChannel();
  const dead: string[] = [];
  return {
    queue,
    deadLetterQueue,
    channel,
    publish: async (body, messageId) => {
      confirm.sendToQueue(queue, Buffer.from(body), {
        persistent: true,
        ...(messageId === undefined ? {} : { messageId }),
      });
      await confirm.waitForConfirms();
    },
    takeDeadLetters: async () => {
      for (;;) {
        const message = await channel.get(deadLetterQueue, { noAck: true });
        if (message === false) break;
        dead.push(message.content.toString('utf8'));
      }
      return [...dead];
    },
    ready: async () => (await channel.checkQueue(queue)).messageCount,
    remove: async () => {
      await channel.deleteQueue(queue).catch(() => undefined);
      await channel.deleteQueue(deadLetterQueue).catch(() => undefined);
      await model.close().catch(() => undefined);
    },
  };
}

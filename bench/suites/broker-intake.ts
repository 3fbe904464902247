/**
 * 9. Broker intake: messages recorded and acknowledged per second by createIntake (body read,
 * shape check, policies, sealing, the ledger's append at synchronous=FULL, then the ack), with
 * the delivery pipeline running beside it on an instant transport, against a bare consumer
 * loop that only acknowledges, on the same broker, same prefetch, same run. 12a JetStream (both
 * sides wait for the server's ack confirmation), 12b RabbitMQ.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import amqp from 'amqplib';
import { InMemoryLogger } from '../../src/adapters/memory/in-memory-logger.js';
import { createIntake } from '../../src/composition/intake.js';
import { createTransmitter } from '../../src/main.js';
import { removeDb, secondsSince } from '../lib/files.js';
import { InstantTransport, messageInput, transmitterOptions } from '../lib/fixtures.js';
import { alternate, median, pairedRatios, round } from '../lib/stats.js';
import type { BenchContext, BenchResult, Benchmark } from '../lib/types.js';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const PREFETCH = 64;
const GUESTS = 256;

interface Run {
  readonly perSecond: number;
  readonly cpuMsPerMessage: number;
}

/** A queue or stream of the run's own, filled with `count` commands. */
interface Backlog {
  /** The intake's options for this backlog. */
  readonly options: { from: string; stream?: string; consumer?: string; queue?: string };
  /** Consumes `count` messages acknowledging each at once; resolves when all are. */
  bare(count: number): Promise<void>;
  remove(): Promise<void>;
}

function bodies(tag: string, count: number): Buffer[] {
  return Array.from({ length: count }, (_, n) =>
    Buffer.from(JSON.stringify(messageInput(tag, n, GUESTS))),
  );
}

async function jetStreamBacklog(tag: string, count: number): Promise<Backlog> {
  const nc = await connect({ servers: NATS_URL.replace(/^nats:\/\//, '') });
  const jsm = await jetstreamManager(nc);
  const stream = `GTX_BENCH_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const subject = `${stream.toLowerCase()}.commands`;
  await jsm.streams.add({ name: stream, subjects: [subject] });
  await jsm.consumers.add(stream, {
    durable_name: 'gtx',
    ack_policy: AckPolicy.Explicit,
    max_ack_pending: PREFETCH,
  });
  const js = jetstream(nc);
  const pending = bodies(tag, count).map((body) => js.publish(subject, body));
  await Promise.all(pending);
  return {
    options: { from: NATS_URL, stream, consumer: 'gtx' },
    bare: async (total) => {
      const consumer = await js.consumers.get(stream, 'gtx');
      const messages = await consumer.consume({ max_messages: PREFETCH });
      let acked = 0;
      const inFlight = new Set<Promise<void>>();
      for await (const message of messages) {
        const ack = message.ackAck().then(() => {
          acked += 1;
          inFlight.delete(ack);
        });
        inFlight.add(ack);
        if (acked + inFlight.size >= total) break;
      }
      await Promise.all(inFlight);
      await messages.close();
    },
    remove: async () => {
      await jsm.streams.delete(stream);
      await nc.close();
    },
  };
}

async function rabbitBacklog(tag: string, count: number): Promise<Backlog> {
  const model = await amqp.connect(AMQP_URL);
  const channel = await model.createConfirmChannel();
  const queue = `gtx-bench-${randomUUID().slice(0, 8)}`;
  await channel.assertQueue(queue, { durable: true });
  for (const body of bodies(tag, count)) {
    channel.sendToQueue(queue, body, {
      persistent: true,
      messageId: `${tag}-${String(body.length)}-${randomUUID()}`,
    });
  }
  await channel.waitForConfirms();
  return {
    options: { from: AMQP_URL, queue },
    bare: async (total) => {
      const consumer = await model.createChannel();
      await consumer.prefetch(PREFETCH);
      await new Promise<void>((resolve) => {
        let acked = 0;
        void consumer.consume(queue, (message) => {
          if (message === null) return;
          consumer.ack(message);
          acked += 1;
          if (acked === total) resolve();
        });
      });
      await consumer.close();
    },
    remove: async () => {
      await channel.deleteQueue(queue);
      await model.close();
    },
  };
}

async function measure(body: () => Promise<void>, count: number): Promise<Run> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await body();
  const seconds = secondsSince(start);
  const used = process.cpuUsage(cpu);
  return { perSecond: count / seconds, cpuMsPerMessage: (used.user + used.system) / 1000 / count };
}

async function intakeRun(
  backlog: (tag: string, count: number) => Promise<Backlog>,
  ledgerPath: string,
  count: number,
  tag: string,
): Promise<Run> {
  const filled = await backlog(tag, count);
  removeDb(ledgerPath);
  const transmitter = createTransmitter(
    transmitterOptions(ledgerPath, { adapters: { transport: new InstantTransport() } }),
  );
  const intake = createIntake(transmitter, {
    ...filled.options,
    prefetch: PREFETCH,
    logger: new InMemoryLogger(),
  });
  try {
    return await measure(async () => {
      await intake.start();
      while (intake.snapshot().recorded < count)
        await new Promise((resolve) => setTimeout(resolve, 5));
    }, count);
  } finally {
    await intake.stop();
    await transmitter.close();
    await filled.remove();
    removeDb(ledgerPath);
  }
}

async function bareRun(
  backlog: (tag: string, count: number) => Promise<Backlog>,
  count: number,
  tag: string,
): Promise<Run> {
  const filled = await backlog(tag, count);
  try {
    return await measure(() => filled.bare(count), count);
  } finally {
    await filled.remove();
  }
}

async function runOne(
  context: BenchContext,
  id: string,
  broker: string,
  backlog: (tag: string, count: number) => Promise<Backlog>,
): Promise<BenchResult> {
  const count = context.quick ? 1_000 : 5_000;
  const ledgerPath = join(context.tmpDir, `bench${id}.db`);
  await intakeRun(backlog, ledgerPath, 200, `warm-${id}-a`);
  await bareRun(backlog, 200, `warm-${id}-b`);
  const { a, b } = await alternate(
    context.reps,
    (rep) => intakeRun(backlog, ledgerPath, count, `ours-${id}-${String(rep)}`),
    (rep) => bareRun(backlog, count, `bare-${id}-${String(rep)}`),
  );
  const ours = a.map((r) => r.perSecond);
  const bare = b.map((r) => r.perSecond);
  const ratios = pairedRatios(ours, bare);
  const ratio = median(ratios);
  return {
    id,
    title: `broker intake, ${broker}: recorded and acknowledged per second`,
    ours: { value: median(ours), unit: 'messages/s' },
    baseline: { value: median(bare), unit: 'messages/s' },
    headline: { label: 'intake / bare ack loop', value: ratio, unit: '×', samples: ratios },
    target: 'none set: recorded for the record',
    met: true,
    cpu: [
      {
        process: 'intake (bench process)',
        cpuMsPerUnit: median(a.map((r) => r.cpuMsPerMessage)),
        unit: 'message',
      },
      {
        process: 'bare ack loop',
        cpuMsPerUnit: median(b.map((r) => r.cpuMsPerMessage)),
        unit: 'message',
      },
    ],
    details: {
      messagesPerRun: count,
      prefetch: PREFETCH,
      oursSamples: ours.map((v) => round(v, 0)),
      bareSamples: bare.map((v) => round(v, 0)),
    },
    notes: [
      'Ours: createIntake on a fresh SQLite ledger (synchronous=FULL, group commit), from start until every message is recorded and acknowledged; the pipeline delivers beside it on an instant transport.',
      'Baseline: the same backlog on the same broker, consumed with the same prefetch by a loop that only acknowledges (JetStream: ackAck, as the intake; RabbitMQ: ack).',
    ],
  };
}

async function run(context: BenchContext): Promise<readonly BenchResult[]> {
  return [
    await runOne(context, '12a', 'NATS JetStream', jetStreamBacklog),
    await runOne(context, '12b', 'RabbitMQ', rabbitBacklog),
  ];
}

export const brokerIntakeBenchmark: Benchmark = {
  id: 12,
  title: 'broker intake: recorded and acknowledged messages/s, against a bare ack loop',
  run,
};

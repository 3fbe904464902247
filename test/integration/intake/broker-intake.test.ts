/**
 * The library's broker intake (createIntake) against the real brokers, a real SQLite ledger and
 * the SDK transport to the sandbox: a few hundred commands with duplicates, refusals and
 * poison, outcome notices, and a connection cut mid-run. Quick by design; the 5,000-message
 * kill test is in the reliability suite.
 */
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { RecordedEvent } from '../../../src/application/ports/index.js';
import { createIntake, type IntakeOptions } from '../../../src/composition/intake.js';
import { createTransmitter } from '../../../src/main.js';
import type { RunningSandbox } from '../../../src/sandbox/index.js';
import { InMemoryLogger } from '../../../src/adapters/memory/in-memory-logger.js';
import { readLedger } from '../../reliability/support/reliability-kit.js';
import {
  AMQP_URL,
  NATS_URL,
  amqpAdmin,
  createTestQueue,
  createTestStream,
  uniqueName,
} from '../../support/brokers.js';
import {
  commandId,
  countLedger,
  expectedOrder,
  messageBody,
  poisonBodies,
  receivedOrder,
  recordedTwice,
  waitUntil,
} from '../../support/intake-kit.js';
import { paced, sandboxWith } from '../../support/sandbox-harness.js';
import { tutorialPolicySettings } from '../../support/tutorial-policy.js';

// The sandbox enforces the client's pace per token, as Genesys does.
const PACE = paced({ perMinute: 60_000, burst: 8 });
import { TcpProxy } from '../../support/tcp-proxy.js';
import { testDir } from '../../support/test-dir.js';

interface Broker {
  readonly name: string;
  /** The broker's own port, for a proxy in front of it. */
  readonly port: number;
  /** A queue or stream of the test's own; `publish` with an AMQP messageId where given. */
  setUp(viaPort?: number): Promise<{
    readonly options: Omit<IntakeOptions, 'from'> & { readonly from: string };
    publish(body: string, messageId: string): Promise<void>;
    deadLetters(): Promise<readonly string[]>;
    /** Deletes the stream or queue under the running intake. */
    remove(): Promise<void>;
    /** Where outcome notices arrive (the publishOutcomesTo subject or exchange). */
    notices(): Promise<readonly { commandId: string | null; status: string }[]>;
  }>;
}

const nats: Broker = {
  name: 'NATS JetStream',
  port: Number(new URL(NATS_URL).port || '4222'),
  setUp: async (viaPort) => {
    // No consumer yet: the intake creates it, filtered on the commands' subject.
    const stream = await createTestStream({ createConsumer: false });
    onTestFinished(() => stream.remove());
    const outcomes = `${stream.stream.toLowerCase()}.outcomes`;
    const received: { commandId: string | null; status: string }[] = [];
    stream.nc.subscribe(outcomes, {
      callback: (_error, message) => {
        received.push({
          commandId: message.headers?.get('Gtx-Command-Id') ?? null,
          status: message.headers?.get('Gtx-Outcome') ?? '',
        });
      },
    });
    await stream.nc.flush();
    return {
      options: {
        from: viaPort === undefined ? NATS_URL : `nats://127.0.0.1:${String(viaPort)}`,
        stream: stream.stream,
        consumer: 'gtx-intake',
        subject: stream.subject,
        ackWaitMs: 5_000,
        publishOutcomesTo: outcomes,
      },
      publish: async (body) => {
        await stream.publish(body);
      },
      deadLetters: () => stream.terminated(),
      remove: async () => {
        await stream.jsm.streams.delete(stream.stream);
      },
      notices: () => Promise.resolve(received),
    };
  },
};

const rabbit: Broker = {
  name: 'RabbitMQ',
  port: Number(new URL(AMQP_URL).port || '5672'),
  setUp: async (viaPort) => {
    const queue = await createTestQueue();
    onTestFinished(() => queue.remove());
    const { model, channel } = await amqpAdmin();
    const exchange = uniqueName('gtx-outcomes');
    await channel.assertExchange(exchange, 'topic', { durable: false });
    const outcomes = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(outcomes.queue, exchange, '#');
    const received: { commandId: string | null; status: string }[] = [];
    await channel.consume(
      outcomes.queue,
      (message) => {
        if (message === null) return;
        const headers = message.properties.headers ?? {};
        const id: unknown = headers['Gtx-Command-Id'];
        received.push({
          commandId: typeof id === 'string' ? id : null,
          status: message.fields.routingKey,
        });
      },
      { noAck: true },
    );
    onTestFinished(async () => {
      await channel.deleteExchange(exchange);
      await model.close();
    });
    const url = new URL(AMQP_URL);
    if (viaPort !== undefined) url.port = String(viaPort);
    return {
      options: { from: url.href, queue: queue.queue, publishOutcomesTo: exchange },
      publish: (body, messageId) => queue.publish(body, messageId),
      deadLetters: () => queue.takeDeadLetters(),
      remove: async () => {
        await queue.channel.deleteQueue(queue.queue);
      },
      notices: () => Promise.resolve(received),
    };
  },
};

function genesys(sandbox: RunningSandbox) {
  return {
    environment: 'mypurecloud.com',
    apiUrl: sandbox.url,
    clientId: 'sandbox-client',
    clientSecret: 'sandbox-secret',
    integrationId: 'integration-intake',
  };
}

function startTransmitter(sandbox: RunningSandbox) {
  const path = join(testDir('gtx-intake-'), 'ledger.db');
  const transmitter = createTransmitter({
    ledger: { path },
    genesys: genesys(sandbox),
    // The tutorial's policy blocks `blocked_keyword`; the defaults block nothing.
    policy: tutorialPolicySettings,
    logLevel: 'silent',
    rateLimit: { perMinute: PACE.client.perMinute, burst: PACE.client.burst },
  });
  onTestFinished(() => transmitter.close());
  return { transmitter, path };
}

const CONVERSATIONS = 10;
const PER_CONVERSATION = 20;

describe.each([nats, rabbit])('broker intake: $name', (broker) => {
  it('records each message once, delivers the valid ones in order, records and dead-letters the poison, and publishes outcomes', async () => {
    const sandbox = await sandboxWith({
      port: 0,
      ...PACE.sandbox,
      integrationIds: ['integration-intake'],
    });
    const { transmitter, path } = startTransmitter(sandbox);
    const b = await broker.setUp();
    let n = 0;
    const publish = (body: string): Promise<void> => b.publish(body, `message-${String((n += 1))}`);
    for (let m = 0; m < PER_CONVERSATION; m++) {
      for (let c = 0; c < CONVERSATIONS; c++) await publish(messageBody(c, m));
    }
    // Published again: the same command ids.
    for (let c = 0; c < CONVERSATIONS; c++) await publish(messageBody(c, 0));
    // No id: one is derived from the broker message id.
    for (let m = 0; m < 5; m++) await publish(messageBody(50, m, { withId: false }));
    for (let m = 0; m < 3; m++) await publish(messageBody(60, m, { text: 'blocked_keyword here' }));
    for (const body of poisonBodies()) await publish(body);

    const logger = new InMemoryLogger();
    const intake = createIntake(transmitter, { ...b.options, prefetch: 32, logger });
    await intake.start();
    onTestFinished(() => intake.stop().then(() => undefined));
    const valid = CONVERSATIONS * PER_CONVERSATION + 5;
    const total = valid + CONVERSATIONS + 3 + poisonBodies().length;
    await waitUntil(() => intake.snapshot().received >= total, 'every message received');
    await waitUntil(
      async () => countLedger(await readLedger(path)).delivered.size === valid,
      'every valid command delivered',
    );
    await waitUntil(
      async () => (await b.notices()).filter((x) => x.status === 'delivered').length >= valid,
      'the delivered notices',
    );
    const summary = await intake.stop();

    const events: RecordedEvent[] = await readLedger(path);
    const counts = countLedger(events);
    expect(recordedTwice(counts)).toEqual([]);
    expect(counts.requested).toBe(valid);
    expect(counts.rejected).toBe(3);
    expect(summary).toMatchObject({
      recorded: valid + 3,
      rejected: 3,
      duplicates: CONVERSATIONS,
      intakeFailures: poisonBodies().length,
      unansweredAtStop: 0,
    });
    for (let c = 0; c < CONVERSATIONS; c++) {
      expect(receivedOrder(sandbox, c), `conversation ${String(c)}`).toEqual(
        expectedOrder(c, PER_CONVERSATION),
      );
    }
    const derived = [...counts.recordedPerCommand.keys()].filter((id) => !id.startsWith('c'));
    expect(derived).toHaveLength(5);
    expect(derived.every((id) => id.startsWith(`${b.options.from.split(':')[0] ?? ''}:`))).toBe(
      true,
    );

    expect(counts.intakeFailures).toHaveLength(poisonBodies().length);
    const stored = JSON.stringify(counts.intakeFailures.map((e) => e.data));
    expect(stored).not.toContain('wrong type');
    expect(stored).not.toContain('yyyy');
    expect(counts.intakeFailures.map((e) => (e.data as { sizeBytes: number }).sizeBytes)).toEqual(
      poisonBodies().map((body) => Buffer.byteLength(body)),
    );
    await waitUntil(
      async () => (await b.deadLetters()).length === poisonBodies().length,
      'the poison at the dead letters',
    );
    expect(new Set(await b.deadLetters())).toEqual(new Set(poisonBodies()));

    const notices = await b.notices();
    const deliveredIds = new Set(
      notices.filter((x) => x.status === 'delivered').map((x) => x.commandId),
    );
    expect(deliveredIds.has(commandId(3, 7))).toBe(true);
    expect(deliveredIds.size).toBe(valid);
    expect(notices.filter((x) => x.status === 'rejected')).toHaveLength(3);
    expect(notices.filter((x) => x.status === 'intakeFailed')).toHaveLength(poisonBodies().length);
  });

  it('re-establishes a connection lost mid-run without losing or double-recording anything', async () => {
    const sandbox = await sandboxWith({
      port: 0,
      ...PACE.sandbox,
      integrationIds: ['integration-intake'],
    });
    const { transmitter, path } = startTransmitter(sandbox);
    const proxy = await TcpProxy.start(broker.port);
    onTestFinished(() => proxy.close());
    const b = await broker.setUp(proxy.port);
    const total = 300;
    for (let m = 0; m < total / 6; m++) {
      for (let c = 0; c < 6; c++)
        await b.publish(messageBody(c, m), `cut-${String(c)}-${String(m)}`);
    }
    const intake = createIntake(transmitter, {
      ...b.options,
      prefetch: 16,
      logger: new InMemoryLogger(),
    });
    await intake.start();
    onTestFinished(() => intake.stop().then(() => undefined));
    await waitUntil(() => intake.snapshot().recorded >= 60, 'the first commands recorded');
    proxy.refuse();
    proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    proxy.accept();
    await waitUntil(
      async () => countLedger(await readLedger(path)).delivered.size === total,
      'every command delivered after the cut',
    );
    await intake.stop();
    const counts = countLedger(await readLedger(path));
    expect(recordedTwice(counts)).toEqual([]);
    expect(counts.requested).toBe(total);
    for (let c = 0; c < 6; c++)
      expect(receivedOrder(sandbox, c)).toEqual(expectedOrder(c, total / 6));
    expect(proxy.cuts).toBeGreaterThanOrEqual(1);
  });

  it('ends with BROKER_SOURCE_FAILED when its stream or queue is deleted while it runs', async () => {
    const sandbox = await sandboxWith({
      port: 0,
      ...PACE.sandbox,
      integrationIds: ['integration-intake'],
    });
    const { transmitter } = startTransmitter(sandbox);
    const b = await broker.setUp();
    await b.publish(messageBody(1, 0), 'before-delete');
    const intake = createIntake(transmitter, { ...b.options, logger: new InMemoryLogger() });
    await intake.start();
    onTestFinished(() => intake.stop().then(() => undefined));
    await waitUntil(() => intake.snapshot().recorded === 1, 'the first command recorded');
    await b.remove();
    await expect(intake.finished).rejects.toMatchObject({ code: 'BROKER_SOURCE_FAILED' });
  });
});

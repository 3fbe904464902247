/**
 * The ledger turns read-only while the intake consumes: its files and folder become immutable
 * (`chattr +i`), which refuses every write, root's and those through already open files, until
 * it is lifted (a read-only remount cannot be made while SQLite holds the file open). Nothing is acknowledged that is not in the ledger (each ack is
 * checked against the ledger as it is given, and for JetStream every stream sequence under the
 * consumer's ack floor is in the ledger), deliveries go back to the broker meanwhile, and once
 * the directory is writable again every command is recorded once and delivered, in order.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { map } from 'rxjs';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { AmqpCommandSource } from '../../src/adapters/brokers/amqp/amqp-command-source.js';
import { JetStreamCommandSource } from '../../src/adapters/brokers/nats/jetstream-command-source.js';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { InMemoryLogger } from '../../src/adapters/memory/in-memory-logger.js';
import { CommandIntake } from '../../src/application/intake/command-intake.js';
import { DEFAULT_INTAKE_SETTINGS } from '../../src/application/intake/intake-settings.js';
import type { BrokerDelivery, CommandSource } from '../../src/application/ports/index.js';
import type { Transmitter } from '../../src/application/transmitter.js';
import { createTransmitter } from '../../src/main.js';
import { AMQP_URL, NATS_URL, createTestQueue, createTestStream } from '../support/brokers.js';
import {
  countLedger,
  expectedOrder,
  messageBody,
  receivedOrder,
  recordedTwice,
  waitUntil,
} from '../support/intake-kit.js';
import { paced, sandboxWith } from '../support/sandbox-harness.js';

// The sandbox enforces the client's pace per token, as Genesys does.
const PACE = paced({ perMinute: 60_000, burst: 8 });
import { readLedger, tempDir } from './support/reliability-kit.js';

const CONVERSATIONS = 40;
const PER_CONVERSATION = 10;
const TOTAL = CONVERSATIONS * PER_CONVERSATION;
const clock = new SystemClock();
const temp = tempDir('gtx-intake-ro-');
const immutable = new Set<string>();

afterAll(() => {
  setImmutable([...immutable], false);
  temp.remove();
});

/** chattr +i / -i: needs root (CAP_LINUX_IMMUTABLE), as CI runs; without it the test fails. */
function setImmutable(paths: readonly string[], on: boolean): void {
  const present = paths.filter((path) => existsSync(path));
  if (present.length === 0) return;
  try {
    execFileSync('chattr', [on ? '+i' : '-i', ...present], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(
      `this test needs chattr on an ext4-like file system, as root: ${(error as Error).message.split('\n')[0] ?? ''}`,
      { cause: error },
    );
  }
  for (const path of present) {
    if (on) immutable.add(path);
    else immutable.delete(path);
  }
}

/** What the ledger file holds, read by SQLite itself: every event, and the commands among them. */
function ledgerTally(path: string): { events: number; lastPosition: number; commands: number } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare(
        `SELECT COUNT(*) AS events, COALESCE(MAX(global_position), 0) AS lastPosition,
                COUNT(*) FILTER (WHERE event_type IN ('TransmissionRequested', 'TransmissionRejected')) AS commands
           FROM events`,
      )
      .get() as { events: number; lastPosition: number; commands: number };
  } finally {
    db.close();
  }
}

/** Checks, at the moment each ack is given, that its command is in the ledger. */
function checkingAcks(
  source: CommandSource,
  transmitter: Transmitter,
  unrecordedAcks: string[],
): CommandSource {
  const check = (delivery: BrokerDelivery): BrokerDelivery => ({
    ...delivery,
    ack: async () => {
      const { id } = JSON.parse(new TextDecoder().decode(delivery.body)) as { id: string };
      const status = await transmitter.status(id);
      if (status.status === 'unknown') unrecordedAcks.push(id);
      await delivery.ack();
    },
  });
  return {
    scheme: source.scheme,
    description: source.description,
    get ackDeadlineMs() {
      return source.ackDeadlineMs;
    },
    open: () => source.open(),
    deliveries: () => source.deliveries().pipe(map(check)),
    stop: () => source.stop(),
    close: () => source.close(),
  };
}

interface Target {
  readonly name: string;
  prepare(logger: InMemoryLogger): Promise<{
    readonly source: CommandSource;
    /** Broker-side: command ids the broker counts as acknowledged for sure. */
    acknowledged(): Promise<readonly string[]>;
  }>;
}

const targets: readonly Target[] = [
  {
    name: 'NATS JetStream',
    prepare: async (logger) => {
      const stream = await createTestStream({ ackWaitMs: 5_000 });
      onTestFinished(() => stream.remove());
      const idOfSequence = new Map<number, string>();
      for (let m = 0; m < PER_CONVERSATION; m++) {
        for (let c = 0; c < CONVERSATIONS; c++) {
          const body = messageBody(c, m);
          idOfSequence.set(await stream.publish(body), (JSON.parse(body) as { id: string }).id);
        }
      }
      return {
        source: new JetStreamCommandSource({
          url: NATS_URL,
          stream: stream.stream,
          consumer: stream.consumer,
          prefetch: 16,
          clock,
          logger,
        }),
        acknowledged: async () => {
          const { ackFloor } = await stream.consumerState();
          return [...idOfSequence].filter(([seq]) => seq <= ackFloor).map(([, id]) => id);
        },
      };
    },
  },
  {
    name: 'RabbitMQ',
    prepare: async (logger) => {
      const queue = await createTestQueue();
      onTestFinished(() => queue.remove());
      for (let m = 0; m < PER_CONVERSATION; m++) {
        for (let c = 0; c < CONVERSATIONS; c++)
          await queue.publish(messageBody(c, m), `ro-${String(c)}-${String(m)}`);
      }
      return {
        source: new AmqpCommandSource({ url: AMQP_URL, queue: queue.queue, prefetch: 16, logger }),
        // RabbitMQ does not say which messages were acknowledged: the ack check covers it.
        acknowledged: () => Promise.resolve([]),
      };
    },
  },
];

describe.each(targets)('the ledger turns read-only while consuming from $name', (target) => {
  it('acknowledges nothing that is not in the ledger, and recovers once it is writable', async () => {
    const dir = join(temp.dir, target.name.replace(/\W+/g, '-'));
    mkdirSync(dir);
    const sandbox = await sandboxWith({
      port: 0,
      ...PACE.sandbox,
      integrationIds: ['integration-intake-ro'],
    });
    const path = join(dir, 'ledger.db');
    const transmitter = createTransmitter({
      ledger: { path },
      genesys: {
        environment: 'mypurecloud.com',
        apiUrl: sandbox.url,
        clientId: 'sandbox-client',
        clientSecret: 'sandbox-secret',
        integrationId: 'integration-intake-ro',
      },
      logLevel: 'silent',
      rateLimit: { perMinute: PACE.client.perMinute, burst: PACE.client.burst },
      // Claims whose release failed while the ledger was read-only are taken back when their
      // lease ends: a short lease keeps the delivery part of this test short.
      pipeline: { leaseMs: 3_000 },
    });
    onTestFinished(() => transmitter.close());
    const logger = new InMemoryLogger();
    const { source, acknowledged } = await target.prepare(logger);
    const unrecordedAcks: string[] = [];
    const intake = new CommandIntake(
      { source: checkingAcks(source, transmitter, unrecordedAcks), transmitter, clock, logger },
      { ...DEFAULT_INTAKE_SETTINGS, retryDelayMs: 200, maxRetryDelayMs: 1_000 },
    );
    await intake.start();
    onTestFinished(() => intake.stop().then(() => undefined));

    await waitUntil(() => intake.snapshot().recorded >= TOTAL / 4, 'a quarter recorded');
    const ledgerFiles = [dir, path, `${path}-wal`];
    setImmutable(ledgerFiles, true);
    const recordedBefore = intake.snapshot().recorded;
    const frozen = ledgerTally(path);
    const retriedBefore = intake.snapshot().retried;
    await waitUntil(
      () => intake.snapshot().retried >= retriedBefore + 20,
      'deliveries handed back',
    );
    for (let sample = 0; sample < 5; sample++) {
      const unrecorded: string[] = [];
      for (const id of await acknowledged()) {
        if ((await transmitter.status(id)).status === 'unknown') unrecorded.push(id);
      }
      expect(unrecorded).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    // Nothing new was written meanwhile. The intake's count may still rise: a command appended
    // before the files froze is counted once the broker confirms its ack, and acks awaiting
    // confirmation do not hold a prefetch slot, so how many there are has no fixed bound. Every
    // command it counts must be one the frozen ledger holds.
    expect(ledgerTally(path)).toEqual(frozen);
    const recordedWhileFrozen = intake.snapshot().recorded;
    expect(recordedWhileFrozen).toBeLessThanOrEqual(frozen.commands);
    expect(
      logger.records.some((r) => r.message === 'ledger cannot record: delivery back to the broker'),
    ).toBe(true);

    setImmutable(ledgerFiles, false);
    await waitUntil(
      async () => countLedger(await readLedger(path)).delivered.size === TOTAL,
      'every command delivered once the ledger is writable',
      120_000,
      500,
    );
    await intake.stop();
    expect(unrecordedAcks).toEqual([]);
    const counts = countLedger(await readLedger(path));
    expect(recordedTwice(counts)).toEqual([]);
    expect(counts.requested).toBe(TOTAL);
    for (let c = 0; c < CONVERSATIONS; c++) {
      expect(receivedOrder(sandbox, c), `conversation ${String(c)}`).toEqual(
        expectedOrder(c, PER_CONVERSATION),
      );
    }
    console.info(
      `${target.name}: read-only with ${String(frozen.commands)} commands in the ledger, ` +
        `${String(recordedBefore)} counted then and ${String(recordedWhileFrozen)} once acks were confirmed; ` +
        `${String(intake.snapshot().retried)} deliveries handed back; all ${String(TOTAL)} recorded once`,
    );
  });
});

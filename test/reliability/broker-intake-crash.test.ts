/**
 * Broker intake under SIGKILL: 5,000 commands (200 conversations of 25, published in order to
 * one subject or queue), 100 without an id and 10 that are not commands are published to
 * JetStream or RabbitMQ; `gtx consume` runs as a child process through the real SDK transport
 * to a sandbox in this process, on a real SQLite ledger, and is killed with SIGKILL twice at
 * seeded moments mid-run, then restarted until everything is delivered. Every command is
 * recorded exactly once (one TransmissionRequested per command id), every one is delivered,
 * each conversation reaches the sandbox in the order it was published, and each non-command is
 * recorded once.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { mulberry32 } from '../../src/sandbox/index.js';
import { AMQP_URL, NATS_URL, createTestQueue, createTestStream } from '../support/brokers.js';
import { runGtx } from '../support/cli-harness.js';
import {
  countLedger,
  expectedOrder,
  messageBody,
  receivedOrder,
  recordedTwice,
  waitUntil,
} from '../support/intake-kit.js';
import { paced, sandboxWith } from '../support/sandbox-harness.js';

// 5,000 commands in a reliability run: the sandbox enforces this pace per token, as Genesys
// enforces 300/min, and the client keeps to it.
const PACE = paced({ perMinute: 60_000, burst: 8 });
import { testDir } from '../support/test-dir.js';
import { CLI_MAIN, readLedger, spawnTs } from './support/reliability-kit.js';

const CONVERSATIONS = 200;
const PER_CONVERSATION = 25;
const WITHOUT_ID = 100;
const POISON = 10;
const COMMANDS = CONVERSATIONS * PER_CONVERSATION + WITHOUT_ID;
const KILLS = 2;

/** Commands recorded so far, counted by SQLite itself (cheap enough to poll). */
function recordedCount(path: string): number {
  if (!existsSync(path)) return 0;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare(
        "SELECT COUNT(*) AS n FROM events WHERE event_type IN ('TransmissionRequested', 'TransmissionRejected')",
      )
      .get() as { n: number } | undefined;
    return row?.n ?? 0;
  } catch (error) {
    // The first run has not created the tables yet.
    if (error instanceof Error && error.message.includes('no such table')) return 0;
    throw error;
  } finally {
    db.close();
  }
}

interface Target {
  readonly name: string;
  /** Publishes everything (in order), returns the consume arguments. */
  prepare(): Promise<readonly string[]>;
}

async function publishAll(
  publish: (body: string, messageId: string) => Promise<void>,
): Promise<void> {
  let n = 0;
  const next = (body: string): Promise<void> => publish(body, `crash-${String((n += 1))}`);
  for (let m = 0; m < PER_CONVERSATION; m++) {
    for (let c = 0; c < CONVERSATIONS; c++) await next(messageBody(c, m));
    if (m < WITHOUT_ID / 4)
      for (let k = 0; k < 4; k++) await next(messageBody(900 + k, m, { withId: false }));
    if (m < POISON) await next(`not a command ${String(m)}`);
  }
}

const targets: readonly Target[] = [
  {
    name: 'NATS JetStream',
    prepare: async () => {
      const stream = await createTestStream({ ackWaitMs: 5_000 });
      onTestFinished(() => stream.remove());
      await publishAll(async (body) => {
        await stream.publish(body);
      });
      return ['--from', NATS_URL, '--stream', stream.stream, '--consumer', stream.consumer];
    },
  },
  {
    name: 'RabbitMQ',
    prepare: async () => {
      const queue = await createTestQueue();
      onTestFinished(() => queue.remove());
      await publishAll((body, messageId) => queue.publish(body, messageId));
      return ['--from', AMQP_URL, '--queue', queue.queue];
    },
  },
];

describe.each(targets)('gtx consume from $name, SIGKILLed twice', (target) => {
  it('records every message exactly once and delivers every command in order', async () => {
    const random = mulberry32(20_261_202);
    const sandbox = await sandboxWith({
      port: 0,
      ...PACE.sandbox,
      seed: 11,
      integrationIds: ['integration-intake-crash'],
    });
    const ledger = join(testDir('gtx-intake-crash-'), 'ledger.db');
    const args = await target.prepare();
    const env = {
      GENESYS_API_URL: sandbox.url,
      GENESYS_CLIENT_ID: 'sandbox-client',
      GENESYS_CLIENT_SECRET: 'sandbox-secret',
      GENESYS_INTEGRATION_ID: 'integration-intake-crash',
      ...PACE.env,
      GTX_LOG_LEVEL: 'error',
    };
    const start = () => {
      const run = spawnTs(CLI_MAIN, ['consume', ...args, '--ledger', ledger], env);
      onTestFinished(() => {
        if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
      });
      return run;
    };
    const recordedAtKill: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const run = start();
      await Promise.race([
        waitUntil(() => run.stdout().includes('gtx consume: consuming'), 'the consumer to start'),
        run.exited.then((code) => {
          throw new Error(`gtx consume exited with ${String(code)}: ${run.stderr()}`);
        }),
      ]);
      // Killed once it has recorded a seeded share of what remains: mid-run on any machine.
      const before = recordedCount(ledger);
      const target = before + Math.floor((COMMANDS - before) * (0.15 + random() * 0.25));
      await waitUntil(
        () => run.child.exitCode !== null || recordedCount(ledger) >= target,
        'the consumer to record part of the backlog',
        120_000,
        20,
      );
      run.child.kill('SIGKILL');
      expect(await run.exited).toBe('SIGKILL');
      recordedAtKill.push(countLedger(await readLedger(ledger)).recordedPerCommand.size);
    }
    // Each kill landed mid-run: the intake had not recorded everything yet.
    expect(
      recordedAtKill.every((recorded) => recorded < COMMANDS),
      recordedAtKill.join(','),
    ).toBe(true);

    const last = start();
    await waitUntil(
      async () =>
        last.child.exitCode !== null ||
        countLedger(await readLedger(ledger)).delivered.size === COMMANDS,
      'every command delivered after the restarts',
      240_000,
      1_000,
    );
    last.child.kill('SIGTERM');
    expect(await last.exited, last.stderr()).toBe(0);

    const counts = countLedger(await readLedger(ledger));
    expect(recordedTwice(counts)).toEqual([]);
    expect(counts.recordedPerCommand.size).toBe(COMMANDS);
    expect(counts.requested).toBe(COMMANDS);
    expect(counts.delivered.size).toBe(COMMANDS);
    const failures = counts.intakeFailures.map(
      (event) => (event.data as { brokerMessageId: string }).brokerMessageId,
    );
    expect(failures).toHaveLength(POISON);
    expect(new Set(failures).size).toBe(POISON);

    const received = new Set(sandbox.received().map((r) => r.messageId));
    for (const id of counts.delivered) expect(received.has(id), id).toBe(true);
    for (let c = 0; c < CONVERSATIONS; c++) {
      expect(receivedOrder(sandbox, c), `conversation ${String(c)}`).toEqual(
        expectedOrder(c, PER_CONVERSATION),
      );
    }
    console.info(
      `${target.name}: ${String(KILLS)} SIGKILLs with ${recordedAtKill.join(', ')} commands recorded, ` +
        `${String(counts.recordedPerCommand.size)} recorded once each, ${String(POISON)} intake failures`,
    );
    const verified = await runGtx(['audit', 'verify', '--ledger', ledger, '--json']);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });
});

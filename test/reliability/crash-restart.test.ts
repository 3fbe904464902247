/**
 * Crash and restart: a child process sends 5,000 commands over 200 conversations through the
 * real SDK adapter to a sandbox in this process, on a real SQLite ledger, and is killed with
 * SIGKILL at seeded random moments, then restarted on the same ledger until every command is
 * final. The analytics feed is then run as a child too, killed a few times, and finished.
 */
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32, startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import type { RecordedEvent } from '../../src/application/ports/index.js';
import { FINAL_EVENT_TYPES, type TransmissionEventType } from '../../src/domain/index.js';
import { runGtx } from '../support/cli-harness.js';
import { WebhookReceiver } from '../support/feed/webhook-receiver.js';
import { CLI_MAIN, readLedger, sleep, spawnTs, tempDir } from './support/reliability-kit.js';

const CONVERSATIONS = 200;
const PER_CONVERSATION = 25;
const TOTAL = CONVERSATIONS * PER_CONVERSATION;
const MIN_KILLS = 12;
const FEED_KILLS = 3;
const WEBHOOK_SECRET = 'whsec_cmVsaWFiaWxpdHktc3VpdGUtd2ViaG9vay1zZWNyZXQ=';
const CHILD = join(import.meta.dirname, 'fixtures', 'crash-child.ts');

const random = mulberry32(20_261_128);
const between = (low: number, high: number): number => low + Math.floor(random() * (high - low));

let sandbox: RunningSandbox;
let receiver: WebhookReceiver;
const temp = tempDir('gtx-crash-');
const ledgerPath = join(temp.dir, 'ledger.db');
let events: RecordedEvent[] = [];
let kills = 0;
let starts = 0;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, rateLimitPerMinute: null, seed: 7 });
  receiver = await WebhookReceiver.start();
});

afterAll(async () => {
  await receiver.close();
  await sandbox.close();
  temp.remove();
});

function streamOf(commandId: string): RecordedEvent[] {
  return events.filter((e) => e.streamId === `transmission-${commandId}`);
}

describe('crash and restart under SIGKILL', () => {
  it('ends with every command final exactly once, in order, with duplicates only after an interrupted attempt', async () => {
    let done = false;
    while (!done) {
      expect(starts).toBeLessThan(MIN_KILLS + 20);
      starts += 1;
      const run = spawnTs(CHILD, [], {
        SANDBOX_URL: sandbox.url,
        CRASH_LEDGER: ledgerPath,
        CRASH_CONVERSATIONS: String(CONVERSATIONS),
        CRASH_PER_CONVERSATION: String(PER_CONVERSATION),
      });
      if (kills < MIN_KILLS) {
        await Promise.race([run.line('ready'), run.exited]);
        const delay = between(300, 3000);
        const outcome = await Promise.race([run.exited, sleep(delay).then(() => 'timer' as const)]);
        if (outcome === 'timer') {
          run.child.kill('SIGKILL');
          await run.exited;
          kills += 1;
          continue;
        }
      }
      const code = await run.exited;
      if (code !== 0) throw new Error(`child exited ${String(code)}: ${run.stderr()}`);
      expect(run.stdout()).toContain('done');
      done = true;
    }
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);

    events = await readLedger(ledgerPath);
    const finals = new Map<string, string[]>();
    for (const event of events) {
      if (FINAL_EVENT_TYPES.has(event.type as TransmissionEventType)) {
        finals.set(event.streamId, [...(finals.get(event.streamId) ?? []), event.type]);
      }
    }
    expect(finals.size).toBe(TOTAL);
    const repeated = [...finals].filter(([, types]) => types.length !== 1);
    expect(repeated).toEqual([]);
    const delivered = [...finals]
      .filter(([, types]) => types[0] === 'TransmissionDelivered')
      .map(([stream]) => stream.slice('transmission-'.length));
    expect(delivered.length).toBe(TOTAL);

    const received = sandbox.received().filter((r) => r.endpoint === 'message');
    const byId = new Map(received.map((r) => [r.messageId, r]));
    for (const id of delivered) expect(byId.has(id), id).toBe(true);

    const duplicated = received.filter((r) => r.copies > 1);
    const unexplained = duplicated.filter(
      (r) =>
        !streamOf(r.messageId ?? '').some(
          (e) =>
            e.type === 'TransmissionAttemptFailed' &&
            (e.data as { code?: unknown }).code === 'ATTEMPT_INTERRUPTED',
        ),
    );
    expect(unexplained.map((r) => r.messageId)).toEqual([]);

    for (let c = 0; c < CONVERSATIONS; c++) {
      const prefix = `c${String(c).padStart(3, '0')}-`;
      const order = received.filter((r) => r.messageId?.startsWith(prefix)).map((r) => r.messageId);
      const expected = Array.from(
        { length: PER_CONVERSATION },
        (_, i) => `${prefix}m${String(i).padStart(3, '0')}`,
      );
      expect(order, prefix).toEqual(expected);
    }

    const interrupted = events.filter(
      (e) =>
        e.type === 'TransmissionAttemptFailed' &&
        (e.data as { code?: unknown }).code === 'ATTEMPT_INTERRUPTED',
    ).length;
    console.info(
      `crash-restart: ${String(starts)} starts, ${String(kills)} SIGKILLs, ${String(events.length)} events, ` +
        `${String(interrupted)} interrupted attempts, ${String(duplicated.length)} messageIds the sandbox saw more than once ` +
        `(${String(duplicated.reduce((n, r) => n + r.copies - 1, 0))} extra copies)`,
    );

    const verified = await runGtx(['audit', 'verify', '--ledger', ledgerPath, '--json']);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });

  it('delivers every ledger event to the analytics webhook at least once, with stable webhook-ids, across kills', async () => {
    expect(events.length).toBeGreaterThan(TOTAL);
    const feedEnv = {
      ANALYTICS_WEBHOOK_SECRET: WEBHOOK_SECRET,
      GTX_LOG_LEVEL: 'silent',
    };
    const args = [
      'feed',
      'run',
      '--once',
      '--ledger',
      ledgerPath,
      '--to',
      receiver.url,
      '--batch-size',
      '50',
    ];
    let feedKills = 0;
    while (feedKills < FEED_KILLS) {
      const run = spawnTs(CLI_MAIN, args, feedEnv);
      const before = receiver.accepted().length;
      // Kill only once it is delivering, so each kill lands in the middle of the work.
      for (let i = 0; i < 400 && receiver.accepted().length === before; i++) await sleep(25);
      await sleep(between(50, 600));
      run.child.kill('SIGKILL');
      const code = await run.exited;
      if (code !== 'SIGKILL')
        throw new Error(`the feed ended before its kill: ${String(code)} ${run.stderr()}`);
      feedKills += 1;
    }
    const last = await runGtx(args, feedEnv);
    expect(last.code, last.stderr).toBe(0);

    const webhook = new Webhook(WEBHOOK_SECRET);
    const batchesById = new Map<string, string>();
    const delivered = new Set<string>();
    for (const request of receiver.accepted()) {
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(
          (e): e is [string, string] => typeof e[1] === 'string',
        ),
      );
      const payload = webhook.verify(request.body, headers) as {
        data: { batchId: string; events: { id: string }[] };
      };
      const ids = payload.data.events.map((e) => e.id);
      const key = ids.join(',');
      const id = headers['webhook-id'] ?? '';
      expect(id).toBe(payload.data.batchId);
      const earlier = batchesById.get(id);
      if (earlier !== undefined) expect(key).toBe(earlier);
      batchesById.set(id, key);
      for (const eventId of ids) delivered.add(eventId);
    }
    const expected = events.filter((e) => e.streamId.startsWith('transmission-'));
    const positions = new Set([...delivered].map((id) => Number(id.split('_')[1])));
    const missing = expected.filter((e) => !positions.has(e.position)).map((e) => e.position);
    expect(missing).toEqual([]);
    const redelivered = receiver.accepted().length - batchesById.size;
    console.info(
      `feed: ${String(feedKills)} SIGKILLs, ${String(receiver.accepted().length)} batches accepted, ` +
        `${String(redelivered)} re-sent with the same webhook-id, ${String(delivered.size)} distinct events`,
    );
  });
});

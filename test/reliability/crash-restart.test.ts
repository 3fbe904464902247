/**
 * Crash and restart: a child process sends 300 commands over 30 conversations through the real
 * SDK adapter to a sandbox in this process, on a real SQLite ledger, at Genesys' own per-token
 * rate (which the sandbox enforces), and is killed with SIGKILL at seeded random moments, then
 * restarted on the same ledger until every command is final. Every answer of the sandbox takes
 * 250 ms, as Genesys' do across the internet, so a kill lands on attempts in flight. The
 * analytics feed is then run as a child too, killed a few times, and finished.
 */
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32, startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import type { RecordedEvent } from '../../src/application/ports/index.js';
import { FINAL_EVENT_TYPES, type TransmissionEventType } from '../../src/domain/index.js';
import { runGtx } from '../support/cli-harness.js';
import { paced } from '../support/sandbox-harness.js';
import { WebhookReceiver } from '../support/feed/webhook-receiver.js';
import { CLI_MAIN, readLedger, sleep, spawnTs, tempDir } from './support/reliability-kit.js';

const CONVERSATIONS = 30;
const PER_CONVERSATION = 10;
const TOTAL = CONVERSATIONS * PER_CONVERSATION;
/**
 * Genesys' rate, one call at a time: a run killed within 3 s sends at most 16 attempts, so the
 * 12 kills cannot use up the 300 commands however fast the machine is.
 */
const PACE = paced();
const ANSWER_MS = 250;
const INTEGRATION = 'integration-crash';
const MIN_KILLS = 12;
const FEED_KILLS = 3;
const FEED_BATCH = 10;
const FEED_ANSWER_MS = 50;
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
  sandbox = await startSandbox({
    port: 0,
    seed: 7,
    integrationIds: [INTEGRATION],
    ...PACE.sandbox,
    faults: { slow: 1, slowMs: ANSWER_MS },
  });
  receiver = await WebhookReceiver.start();
});

afterAll(async () => {
  await receiver.close();
  await sandbox.close();
  temp.remove();
});

function isInterruption(event: RecordedEvent): boolean {
  return (
    event.type === 'TransmissionAttemptFailed' &&
    (event.data as { code?: unknown }).code === 'ATTEMPT_INTERRUPTED'
  );
}

/**
 * Arrivals (command ids `cNNN-mNNN`, in the order the sandbox received every copy) that came
 * before an earlier message of their conversation had first been received.
 */
function outOfOrderArrivals(messageIds: readonly string[]): string[] {
  const firstReceived = new Map<string, number>();
  const wrong: string[] = [];
  for (const [at, id] of messageIds.entries()) {
    const [conversation = '', index = ''] = id.split('-m');
    const seen = firstReceived.get(conversation) ?? 0;
    const n = Number(index);
    // Messages 0..seen-1 of the conversation have arrived; n === seen is the next one.
    if (n > seen) wrong.push(`#${String(at)} ${id} before ${conversation}-m${String(seen)}`);
    else if (n === seen) firstReceived.set(conversation, seen + 1);
  }
  return wrong;
}

describe('crash and restart under SIGKILL', () => {
  it('ends with every command final exactly once, in order, with duplicates only after an interrupted attempt', async () => {
    let done = false;
    while (!done) {
      expect(starts).toBeLessThan(MIN_KILLS + 20);
      starts += 1;
      const run = spawnTs(CHILD, [], {
        SANDBOX_URL: sandbox.url,
        CRASH_INTEGRATION: INTEGRATION,
        CRASH_RATE_PER_MINUTE: String(PACE.client.perMinute),
        CRASH_BURST: String(PACE.client.burst),
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

    // The kills interrupted attempts in flight, and some of those had reached the sandbox.
    const interruptedBy = new Map<string, number>();
    for (const event of events) {
      if (isInterruption(event)) {
        const id = event.streamId.slice('transmission-'.length);
        interruptedBy.set(id, (interruptedBy.get(id) ?? 0) + 1);
      }
    }
    const interrupted = [...interruptedBy.values()].reduce((n, count) => n + count, 0);
    expect(interrupted).toBeGreaterThan(0);
    const duplicated = received.filter((r) => r.copies > 1);
    expect(duplicated.length).toBeGreaterThan(0);
    // Each extra copy is the re-send of an attempt a kill interrupted: never more copies.
    const unexplained = duplicated
      .filter((r) => r.copies - 1 > (interruptedBy.get(r.messageId ?? '') ?? 0))
      .map((r) => `${String(r.messageId)}: ${String(r.copies)} copies`);
    expect(unexplained).toEqual([]);

    // Order over every copy: a re-send of an earlier message may come after a later one, but no
    // message may arrive before every earlier one of its conversation was first received.
    const arrivals = sandbox.arrivals().filter((a) => a.endpoint === 'message');
    expect(arrivals.length).toBe(received.reduce((n, r) => n + r.copies, 0));
    expect(outOfOrderArrivals(arrivals.map((a) => a.messageId ?? ''))).toEqual([]);
    expect(sandbox.stats().rateLimitedByWindow).toBe(0);

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
      String(FEED_BATCH),
    ];
    // Some 90 batches at 50 ms each: a kill at most 650 ms into the work leaves most of it.
    receiver.answerAll({ status: 200, delayMs: FEED_ANSWER_MS });
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

import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { CliIo } from '../../../src/adapters/cli/cli-io.js';
import { registerFeed } from '../../../src/adapters/cli/commands/feed.js';
import { registerReplay } from '../../../src/adapters/cli/commands/replay.js';
import { registerStats } from '../../../src/adapters/cli/commands/stats.js';
import { runCli } from '../../../src/adapters/cli/run-cli.js';
import { createCliServices } from '../../../src/composition/cli-services.js';
import { SystemClock } from '../../../src/adapters/clock/system-clock.js';
import { openSqliteLedger } from '../../../src/adapters/sqlite/sqlite-ledger.js';
import { SqliteFeedCheckpointStore } from '../../../src/adapters/sqlite/sqlite-feed-checkpoint-store.js';
import type { AnalyticsBatchBody } from '../../../src/application/feed/analytics-payload.js';
import { seedTransmission } from '../../support/feed/feed-fixtures.js';
import { WebhookReceiver } from '../../support/feed/webhook-receiver.js';
import { testDir } from '../../support/test-dir.js';

const SERVICES = createCliServices();

const COMMANDS = [registerFeed, registerReplay, registerStats];
const SECRET = `whsec_${Buffer.from('cli-test-secret-0123456789abcdefgh').toString('base64')}`;

interface Captured extends CliIo {
  out(): string;
  err(): string;
}

function io(cwd: string, env: Record<string, string> = {}): Captured {
  const chunks = { out: [] as string[], err: [] as string[] };
  const sink = (into: string[]) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        into.push(chunk.toString());
        done();
      },
    });
  return {
    stdout: sink(chunks.out),
    stderr: sink(chunks.err),
    env: { GTX_LOG_LEVEL: 'silent', ANALYTICS_WEBHOOK_SECRET: SECRET, ...env },
    cwd,
    out: () => chunks.out.join(''),
    err: () => chunks.err.join(''),
  };
}

/**
 * A ledger with known content: 21 events. Latencies 100, 200, 300 (delivered first time) and
 * 400 (after a retry); two rejections; one dead letter; one still open.
 */
async function knownLedger(): Promise<{ dir: string; path: string }> {
  const dir = testDir('gtx-feed-cli-');
  const path = join(dir, 'ledger.db');
  const ledger = openSqliteLedger({ path, clock: new SystemClock() }).events;
  await seedTransmission(ledger, { commandId: 'd1', guestId: 'g-1', latencyMs: 100 });
  await seedTransmission(ledger, { commandId: 'd2', guestId: 'g-2', latencyMs: 200 });
  await seedTransmission(ledger, { commandId: 'd3', guestId: 'g-1', latencyMs: 300 });
  await seedTransmission(ledger, {
    commandId: 'r1',
    guestId: 'g-3',
    outcome: 'retriedThenDelivered',
    latencyMs: 400,
  });
  await seedTransmission(ledger, { commandId: 'x1', outcome: 'rejected' });
  await seedTransmission(ledger, { commandId: 'x2', outcome: 'rejected' });
  await seedTransmission(ledger, { commandId: 'dl', outcome: 'deadLettered' });
  await seedTransmission(ledger, { commandId: 'op', outcome: 'requested' });
  await ledger.close();
  return { dir, path };
}

async function receiver(): Promise<WebhookReceiver> {
  const r = await WebhookReceiver.start();
  onTestFinished(() => r.close());
  return r;
}

const eventsOf = (r: WebhookReceiver) =>
  r.accepted().flatMap((q) => (JSON.parse(q.body) as AnalyticsBatchBody).data.events);

describe('gtx stats', () => {
  it('reports the figures of a ledger with known content, and the feed lag', async () => {
    const { dir, path } = await knownLedger();
    const first = io(dir);
    expect(await runCli(['stats', '--ledger', path, '--json'], first, COMMANDS, SERVICES)).toBe(0);
    expect(JSON.parse(first.out())).toMatchObject({
      sent: 6,
      delivered: 4,
      rejected: 2,
      rejectedByCode: { TEXT_TOO_MANY_BYTES: 2, CONTENT_BLOCKED: 2 },
      retried: 1,
      deadLettered: 1,
      open: 1,
      deliveryRate: 0.8,
      latencyMs: { count: 4, p50: 200, p95: 400, p99: 400, max: 400 },
      feed: { name: 'analytics', checkpoint: 0, headPosition: 21, lag: 21, disabled: false },
    });

    const file = join(dir, 'feed.ndjson');
    const run = io(dir);
    const code = await runCli(
      ['feed', 'run', '--ledger', path, '--to', file, '--once', '--batch-size', '8'],
      run,
      COMMANDS,
      SERVICES,
    );
    expect(code, run.err()).toBe(0);
    expect(run.out()).toContain('21 event(s) in 3 batch(es)');
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(21);

    const after = io(dir);
    expect(await runCli(['stats', '--ledger', path], after, COMMANDS, SERVICES)).toBe(0);
    expect(after.out()).toContain('delivery rate  80.0%');
    expect(after.out()).toContain('latency ms     p50 200  p95 400  p99 400  max 400');
    // Two commands, each with two violation codes: the codes are not a split of the commands.
    expect(after.out()).toContain('rejected       2\n');
    expect(after.out()).toContain(
      '  violations   CONTENT_BLOCKED 2, TEXT_TOO_MANY_BYTES 2 (commands with each code; one command may have several)',
    );
    expect(after.out()).toContain('checkpoint 21 of 21, lag 0 event(s)');
  });

  it('refuses bad flags with a usage exit and a named setting', async () => {
    const { dir, path } = await knownLedger();
    const bad = io(dir);
    expect(
      await runCli(
        ['feed', 'run', '--ledger', path, '--once', '--batch-size', '0'],
        bad,
        COMMANDS,
        SERVICES,
      ),
    ).toBe(1);
    const noUrl = io(dir, {});
    expect(
      await runCli(['feed', 'run', '--ledger', path, '--once'], noUrl, COMMANDS, SERVICES),
    ).toBe(1);
    expect(noUrl.err()).toContain('ANALYTICS_WEBHOOK_URL');
    const noSecret: Captured = { ...io(dir), env: { GTX_LOG_LEVEL: 'silent' } };
    const r = await receiver();
    expect(
      await runCli(['replay', '--ledger', path, '--to', r.url], noSecret, COMMANDS, SERVICES),
    ).toBe(1);
    expect(r.requests).toEqual([]);
    const since = io(dir);
    expect(
      await runCli(
        ['replay', '--ledger', path, '--to', r.url, '--since', 'yesterday'],
        since,
        COMMANDS,
        SERVICES,
      ),
    ).toBe(1);
    expect(since.err()).toContain('--since');
  });
});

describe('gtx feed run', () => {
  it('posts signed batches to ANALYTICS_WEBHOOK_URL and disables the feed on 410', async () => {
    const { dir, path } = await knownLedger();
    const r = await receiver();
    r.answerNext(1, { status: 200 }).answerNext(1, { status: 410 });
    const env = { ANALYTICS_WEBHOOK_URL: r.url };
    const gone = io(dir, env);
    const args = ['feed', 'run', '--ledger', path, '--once', '--batch-size', '10'];
    expect(await runCli(args, gone, COMMANDS, SERVICES)).toBe(1);
    expect(gone.err()).toContain('FEED_DISABLED');
    const webhook = new Webhook(SECRET);
    for (const q of r.requests) {
      webhook.verify(q.body, {
        'webhook-id': String(q.headers['webhook-id']),
        'webhook-timestamp': String(q.headers['webhook-timestamp']),
        'webhook-signature': String(q.headers['webhook-signature']),
      });
    }
    const stats = io(dir);
    await runCli(['stats', '--ledger', path, '--json'], stats, COMMANDS, SERVICES);
    // The disabled event itself is in the ledger: 22 events, 10 accepted.
    expect(JSON.parse(stats.out())).toMatchObject({
      feed: { checkpoint: 10, headPosition: 22, lag: 12, disabled: true },
    });

    const refused = io(dir, env);
    expect(await runCli(args, refused, COMMANDS, SERVICES)).toBe(1);
    expect(refused.err()).toContain('FEED_DISABLED');
    expect(r.requests).toHaveLength(2);

    const enable = io(dir);
    expect(await runCli(['feed', 'enable', '--ledger', path], enable, COMMANDS, SERVICES)).toBe(0);
    expect(enable.out()).toContain('enabled again');
    r.answerAll({ status: 200 });
    const resumed = io(dir, env);
    expect(await runCli([...args, '--json'], resumed, COMMANDS, SERVICES)).toBe(0);
    expect(JSON.parse(resumed.out())).toMatchObject({
      startPosition: 10,
      position: 23,
      events: 11,
      skipped: 2,
      stoppedBecause: 'caughtUp',
    });
    expect(eventsOf(r).map((e) => e.position)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
  });
});

describe('gtx replay', () => {
  it('resumes after an interruption without sending twice, leaving the live checkpoint alone', async () => {
    const { dir, path } = await knownLedger();
    const r = await receiver();
    // Two batches accepted, then the receiver goes away mid-replay.
    r.answerNext(2, { status: 200 }).answerNext(1, { status: 410 });
    const args = ['replay', '--ledger', path, '--to', r.url, '--batch-size', '4', '--json'];
    const interrupted = io(dir);
    expect(await runCli(args, interrupted, COMMANDS, SERVICES)).toBe(1);
    expect(interrupted.err()).toContain('SINK_GONE');
    expect(eventsOf(r).map((e) => e.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    r.answerAll({ status: 200 });
    const resumed = io(dir);
    expect(await runCli([...args, '--resume'], resumed, COMMANDS, SERVICES), resumed.err()).toBe(0);
    expect(JSON.parse(resumed.out())).toMatchObject({
      resumedFrom: 8,
      matched: 13,
      delivered: 13,
      completed: true,
    });
    const positions = eventsOf(r).map((e) => e.position);
    expect(positions).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect(r.accepted().every((q) => q.headers['webhook-replay'] === 'true')).toBe(true);

    const checkpoints = SqliteFeedCheckpointStore.open({ path }, new SystemClock());
    expect(await checkpoints.load('analytics')).toBe(0);
    await checkpoints.close();

    // A finished replay resumed again has nothing left to send.
    const again = io(dir);
    expect(await runCli([...args, '--resume'], again, COMMANDS, SERVICES)).toBe(0);
    expect(JSON.parse(again.out())).toMatchObject({ matched: 0, delivered: 0 });
  });

  it('filters by guest, type, stream and position; --dry-run sends nothing', async () => {
    const { dir, path } = await knownLedger();
    const file = join(dir, 'replay.ndjson');
    const dry = io(dir);
    expect(
      await runCli(
        ['replay', '--ledger', path, '--to', file, '--guest', 'g-1', '--dry-run', '--json'],
        dry,
        COMMANDS,
        SERVICES,
      ),
    ).toBe(0);
    expect(JSON.parse(dry.out())).toMatchObject({ matched: 6, delivered: 0, dryRun: true });
    expect(existsSync(file)).toBe(false);

    const typed = io(dir);
    await runCli(
      [
        'replay',
        '--ledger',
        path,
        '--to',
        file,
        '--type',
        'TransmissionDelivered',
        '--from-position',
        '4',
      ],
      typed,
      COMMANDS,
      SERVICES,
    );
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { commandId: string; replay: boolean; position: number });
    expect(lines.map((l) => l.commandId)).toEqual(['d2', 'd3', 'r1']);
    expect(lines.every((l) => l.replay)).toBe(true);
    expect(typed.out()).toContain('matched 3, delivered 3 in 1 batch(es)');

    const stream = io(dir);
    await runCli(
      ['replay', '--ledger', path, '--to', file, '--stream', 'transmission-dl', '--json'],
      stream,
      COMMANDS,
      SERVICES,
    );
    expect(JSON.parse(stream.out())).toMatchObject({ matched: 4, delivered: 4 });
  });
});

describe('gtx feed run as a real process', () => {
  it('tails the ledger until SIGTERM, then prints its summary and exits 0', async () => {
    const { dir, path } = await knownLedger();
    const file = join(dir, 'live.ndjson');
    // tsx itself rather than npx: npx does not pass SIGTERM on, tsx relays it to the program.
    const child = spawn(
      join(process.cwd(), 'node_modules', '.bin', 'tsx'),
      ['src/cli.ts', 'feed', 'run', '--ledger', path, '--to', file, '--json'],
      { cwd: process.cwd(), env: { ...process.env, GTX_LOG_LEVEL: 'silent' }, stdio: 'pipe' },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    onTestFinished(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    await vi.waitFor(
      () => {
        expect(existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []).toHaveLength(
          21,
        );
      },
      { timeout: 25_000, interval: 100 },
    );
    // Appended while it runs: picked up by the next poll.
    const ledger = openSqliteLedger({ path, clock: new SystemClock() }).events;
    await seedTransmission(ledger, { commandId: 'late' });
    await ledger.close();
    await vi.waitFor(
      () => {
        expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(24);
      },
      { timeout: 15_000, interval: 100 },
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ position: 24, events: 24, stoppedBecause: 'stopped' });
  }, 60_000);
});

/**
 * Scale-out on one PostgreSQL ledger: three `gtx serve` processes share the database and the
 * sandbox; 3,000 commands over 100 conversations are posted across all three, one worker is
 * killed with SIGKILL mid-run and restarted. Then a worker is paused (SIGSTOP) past its lease:
 * another takes its work over, and its late outcome, once it resumes, is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { PostgresDatabase } from '../../src/adapters/postgres/postgres-database.js';
import { openPostgresLedger } from '../../src/adapters/postgres/postgres-ledger.js';
import type { RecordedEvent } from '../../src/application/ports/index.js';
import { FINAL_EVENT_TYPES, type TransmissionEventType } from '../../src/domain/index.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { runGtx } from '../support/cli-harness.js';
import { postgresTestSchema, type PostgresTestSchema } from '../support/postgres.js';
import { paced } from '../support/sandbox-harness.js';
import { readWholeLedger, sleep } from './support/reliability-kit.js';
import {
  postCommands,
  scrapeMetrics,
  startServe,
  stopServe,
  type ServeProcess,
} from './support/serve-process.js';

const CONVERSATIONS = 100;
const PER_CONVERSATION = 30;
const TOTAL = CONVERSATIONS * PER_CONVERSATION;
const BATCH = 5;
const INTEGRATION = 'scale-out-integration';
const MASTER_KEY = Buffer.alloc(32, 21).toString('base64');
// Each worker has its own token; 3,000 messages at Genesys' 300/min would take ten minutes, so
// every worker's client keeps to 60,000/min and the sandbox enforces that per token.
const PACE = paced({ perMinute: 60_000, burst: 16 });

const ledgerUrl = (schema: PostgresTestSchema): string => `${schema.url}?schema=${schema.schema}`;

const conversationOf = (c: number): string => `c${String(c).padStart(3, '0')}`;
const commandId = (c: number, m: number): string =>
  `${conversationOf(c)}-m${String(m).padStart(3, '0')}`;

function workerEnv(sandbox: RunningSandbox, schema: PostgresTestSchema, leaseMs: number) {
  return {
    GENESYS_API_URL: sandbox.url,
    GENESYS_CLIENT_ID: 'sandbox-client',
    GENESYS_CLIENT_SECRET: 'sandbox-secret',
    GENESYS_INTEGRATION_ID: INTEGRATION,
    GTX_LEDGER: ledgerUrl(schema),
    GTX_MASTER_KEY: MASTER_KEY,
    GTX_CONCURRENCY: '8',
    ...PACE.env,
    GTX_API_RATE_PER_MINUTE: '10000000',
    GTX_LEASE_MS: String(leaseMs),
    GTX_SHUTDOWN_TIMEOUT_MS: '2000',
  };
}

function readAllEvents(schema: PostgresTestSchema): Promise<RecordedEvent[]> {
  const database = PostgresDatabase.open({ url: schema.url, schema: schema.schema });
  return readWholeLedger(openPostgresLedger(database, new SystemClock()));
}

async function waitUntilFinal(schema: PostgresTestSchema, total: number): Promise<void> {
  const database = PostgresDatabase.open({ url: schema.url, schema: schema.schema });
  const ledger = openPostgresLedger(database, new SystemClock());
  try {
    for (let i = 0; i < 1200; i++) {
      const counts = await ledger.work.counts();
      if (counts.open === 0 && counts.delivered + counts.deadLettered + counts.rejected >= total) {
        return;
      }
      await sleep(100);
    }
    throw new Error(
      `not every command became final: ${JSON.stringify(await ledger.work.counts())}`,
    );
  } finally {
    await ledger.close();
  }
}

const isInterruption = (e: RecordedEvent): boolean =>
  e.type === 'TransmissionAttemptFailed' &&
  (e.data as { code?: unknown }).code === 'ATTEMPT_INTERRUPTED';

function finalsByStream(events: readonly RecordedEvent[]): Map<string, RecordedEvent[]> {
  const finals = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    if (FINAL_EVENT_TYPES.has(event.type as TransmissionEventType)) {
      finals.set(event.streamId, [...(finals.get(event.streamId) ?? []), event]);
    }
  }
  return finals;
}

describe('several gtx serve workers on one PostgreSQL ledger', () => {
  let sandbox: RunningSandbox;
  const schemas: PostgresTestSchema[] = [];
  const workers: ServeProcess[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({
      ...PACE.sandbox,
      faults: { slow: 0.2, slowMs: 120 },
      seed: 12,
      integrationIds: [INTEGRATION],
    });
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => stopServe(worker)));
    await sandbox.close();
    for (const schema of schemas) await schema.drop();
  });

  it('3,000 commands across three workers, one SIGKILLed and restarted: each final once, in order', async () => {
    const schema = postgresTestSchema();
    schemas.push(schema);
    sandbox.reset();
    const env = workerEnv(sandbox, schema, 3000);
    // Start one first, so the schema is created before the others race for the lock anyway.
    const live: ServeProcess[] = await Promise.all([
      startServe(env),
      startServe(env),
      startServe(env),
    ]);
    workers.push(...live);

    let accepted = 0;
    let killed: ServeProcess | null = null;
    const restarting: Promise<void>[] = [];
    const postInOrder = async (c: number): Promise<void> => {
      for (let first = 0; first < PER_CONVERSATION; first += BATCH) {
        const batch = Array.from({ length: BATCH }, (_, i) => ({
          id: commandId(c, first + i),
          guest: { id: `guest-${conversationOf(c)}` },
          text: `message ${first + i} of ${conversationOf(c)}`,
        }));
        // Round robin; a worker that does not answer (the killed one) is skipped, and the same
        // batch goes to the next: ids are idempotency keys, so a batch it had recorded is not
        // recorded twice.
        for (let attempt = 0; ; attempt++) {
          expect(attempt).toBeLessThan(60);
          const worker = live[(c + first / BATCH + attempt) % live.length];
          if (worker === undefined) throw new Error('no worker');
          const response = await postCommands(worker.url, batch);
          if (response !== null && response.status < 300) break;
          if (response !== null && response.status !== 503) {
            throw new Error(`POST answered ${response.status}: ${await response.text()}`);
          }
          await sleep(50);
        }
        accepted += BATCH;
        if (killed === null && accepted >= TOTAL / 3) {
          const victim = live[1];
          if (victim === undefined) throw new Error('no worker to kill');
          killed = victim;
          victim.child.kill('SIGKILL');
          restarting.push(
            (async () => {
              await victim.exited;
              const again = await startServe(env);
              workers.push(again);
              live[1] = again;
            })(),
          );
        }
      }
    };
    const conversations = Array.from({ length: CONVERSATIONS }, (_, c) => c);
    const lanes = Array.from({ length: 20 }, async (_, lane) => {
      for (const c of conversations.filter((n) => n % 20 === lane)) await postInOrder(c);
    });
    await Promise.all(lanes);
    await Promise.all(restarting);
    expect(killed).not.toBeNull();
    await waitUntilFinal(schema, TOTAL);

    const events = await readAllEvents(schema);
    const finals = finalsByStream(events);
    expect(finals.size).toBe(TOTAL);
    expect([...finals].filter(([, list]) => list.length !== 1).map(([s]) => s)).toEqual([]);
    expect([...finals].every(([, list]) => list[0]?.type === 'TransmissionDelivered')).toBe(true);

    // Order per conversation in what the sandbox received first, and duplicates explained.
    const received = sandbox.received().filter((r) => r.endpoint === 'message');
    for (let c = 0; c < CONVERSATIONS; c++) {
      const prefix = `${conversationOf(c)}-`;
      const order = received.filter((r) => r.messageId?.startsWith(prefix)).map((r) => r.messageId);
      expect(order, prefix).toEqual(
        Array.from({ length: PER_CONVERSATION }, (_, m) => commandId(c, m)),
      );
    }
    const interrupted = new Set(events.filter(isInterruption).map((e) => e.streamId));
    const unexplained = received
      .filter((r) => r.copies > 1)
      .filter((r) => !interrupted.has(`transmission-${r.messageId ?? ''}`))
      .map((r) => r.messageId);
    expect(unexplained).toEqual([]);

    // Each live worker's delivered counter is what the ledger says that worker recorded; with
    // the killed incarnation's, they add up to every delivery.
    const deliveredBy = new Map<string, number>();
    for (const [, [final]] of finals) {
      const worker = final?.metadata['worker'] ?? 'unknown';
      deliveredBy.set(worker, (deliveredBy.get(worker) ?? 0) + 1);
    }
    const liveIds: string[] = [];
    for (const worker of live) {
      const metrics = await scrapeMetrics(worker.url);
      const info = [...metrics.keys()].find((key) => key.startsWith('gtx_worker_info{'));
      const id = /worker="([^"]+)"/.exec(info ?? '')?.[1] ?? '';
      liveIds.push(id);
      expect(metrics.get('gtx_commands_total{outcome="delivered"}'), id).toBe(
        deliveredBy.get(id) ?? 0,
      );
    }
    const others = [...deliveredBy.keys()].filter((id) => !liveIds.includes(id));
    expect(others.length).toBeLessThanOrEqual(1);
    expect([...deliveredBy.values()].reduce((a, b) => a + b, 0)).toBe(TOTAL);

    const verified = await runGtx(['audit', 'verify', '--ledger', ledgerUrl(schema), '--json']);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    console.info(
      `scale-out: ${events.length} events, ${interrupted.size} interrupted attempts, ` +
        `${received.filter((r) => r.copies > 1).length} messages the sandbox saw more than once, ` +
        `deliveries by worker ${JSON.stringify(Object.fromEntries(deliveredBy))}`,
    );
    await Promise.all(live.map((worker) => stopServe(worker, 'SIGTERM')));
  });

  it('a worker paused past its lease loses its work to another, and its late outcome is refused', async () => {
    const schema = postgresTestSchema();
    schemas.push(schema);
    sandbox.reset();
    sandbox.setFaults({ slow: 1, slowMs: 1500 });
    const env = workerEnv(sandbox, schema, 1000);
    const paused = await startServe(env);
    workers.push(paused);
    const other = await startServe(env);
    workers.push(other);
    const pausedId = /worker="([^"]+)"/.exec(
      [...(await scrapeMetrics(paused.url)).keys()].find((k) => k.startsWith('gtx_worker_info')) ??
        '',
    )?.[1];
    expect(pausedId).toBeDefined();

    const commands = Array.from({ length: 24 }, (_, i) => ({
      id: `pause-${String(i).padStart(2, '0')}`,
      guest: { id: `pause-guest-${i}` },
      text: `paused ${i}`,
    }));
    const response = await postCommands(paused.url, commands);
    expect(response?.status).toBe(202);

    // Pause it while one of its attempts is at the sandbox (every answer takes 1.5 s).
    for (let i = 0; ; i++) {
      expect(i).toBeLessThan(200);
      const events = await readAllEvents(schema);
      const started = events.some(
        (e) => e.type === 'TransmissionAttemptStarted' && e.metadata['worker'] === pausedId,
      );
      if (started) break;
      await sleep(20);
    }
    paused.child.kill('SIGSTOP');
    try {
      await waitUntilFinal(schema, commands.length);
    } finally {
      paused.child.kill('SIGCONT');
    }
    // Its answers arrive now; recording them must be refused (its claim was fenced off, or the
    // stream moved on past the version it knew: either way nothing lands), and it says so.
    const refusal = 'transmission taken over by another worker; nothing recorded';
    for (let i = 0; i < 100 && !paused.stderr().includes(refusal); i++) await sleep(50);
    expect(paused.stderr()).toContain(refusal);
    expect(paused.stderr()).toMatch(/"code":"(WORK_CLAIM_LOST|LEDGER_VERSION_CONFLICT)"/);
    await sleep(500);

    const events = await readAllEvents(schema);
    const finals = finalsByStream(events);
    expect(finals.size).toBe(commands.length);
    expect([...finals].filter(([, list]) => list.length !== 1)).toEqual([]);
    const takenOver = events.filter(isInterruption);
    expect(takenOver.length).toBeGreaterThan(0);
    for (const interruption of takenOver) {
      const [final] = finals.get(interruption.streamId) ?? [];
      expect(final?.metadata['worker'], interruption.streamId).not.toBe(pausedId);
    }
    const verified = await runGtx(['audit', 'verify', '--ledger', ledgerUrl(schema)]);
    expect(sandbox.stats().rateLimitedByWindow).toBe(0);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    sandbox.setFaults({});
    await Promise.all([stopServe(paused, 'SIGTERM'), stopServe(other, 'SIGTERM')]);
  });
});

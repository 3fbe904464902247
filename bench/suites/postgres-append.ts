/**
 * 9. PostgreSQL ledger append against a bare `pg` insert of the same rows: (a) requests of 100
 * events awaited one after another, as benchmark 1 does on SQLite; (b) 16 producers each
 * awaiting a one-event request, group commit on.
 */
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { PostgresDatabase } from '../../src/adapters/postgres/postgres-database.js';
import { openPostgresLedger } from '../../src/adapters/postgres/postgres-ledger.js';
import { POSTGRES_LEDGER_DEFAULTS } from '../../src/adapters/postgres/postgres-ledger-options.js';
import type { AppendRequest } from '../../src/application/ports/index.js';
import { cpuMs } from '../lib/child.js';
import { secondsSince } from '../lib/files.js';
import {
  EVENTS_PER_BATCH,
  batchBenchmarkEvents,
  noteBatches,
  noteEvent,
} from '../lib/note-batches.js';
import { benchSchema, migrateLedgerSchema, type BenchSchema } from '../lib/postgres.js';
import {
  averageRowChars,
  barePool,
  createBareTable,
  insertCommitted,
  storedEventRows,
  type EventRowValues,
} from '../lib/postgres-bare.js';
import { alternate, median, pairedRatios, round } from '../lib/stats.js';
import type { BenchContext, BenchResult, Benchmark } from '../lib/types.js';

const PRODUCERS = 16;
const APPLICATION = 'gtx-bench-9';

interface Run {
  readonly perSecond: number;
  readonly cpuMs: number;
  readonly units: number;
  /** Ledger runs only: append requests per write transaction (group commit). */
  readonly requestsPerTransaction?: number;
}

async function withLedger<T>(
  tag: string,
  work: (ledger: ReturnType<typeof openPostgresLedger>, schema: BenchSchema) => Promise<T>,
): Promise<T> {
  const schema = benchSchema(tag);
  const ledger = openPostgresLedger(
    PostgresDatabase.open(schema.settings({ applicationName: APPLICATION })),
    new SystemClock(),
  );
  try {
    await ledger.ready();
    return await work(ledger, schema);
  } finally {
    await ledger.close();
    await schema.drop();
  }
}

/** Times `work`, which returns how many units it did, with this process's CPU. */
async function timed(work: () => Promise<number>): Promise<Run> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const units = await work();
  const seconds = secondsSince(start);
  return {
    perSecond: units / seconds,
    cpuMs: cpuMs({ user: 0, system: 0 }, process.cpuUsage(cpu)),
    units,
  };
}

function requestsPerTransaction(ledger: ReturnType<typeof openPostgresLedger>): number {
  const diagnostics = ledger.events.diagnostics();
  return diagnostics.appendRequests / diagnostics.writeTransactions;
}

/** The ledger side of (a); `keep` also returns the rows it stored, for the bare side. */
function ledgerBatches(
  batches: readonly AppendRequest[],
  keep: boolean,
): Promise<{ run: Run; rows: EventRowValues[] }> {
  return withLedger('b9a', async (ledger, schema) => {
    const run = await timed(async () => {
      for (const request of batches) await ledger.events.append(request);
      return batches.length * EVENTS_PER_BATCH;
    });
    if (!keep) return { run, rows: [] };
    const reader = barePool(schema, APPLICATION);
    try {
      return { run, rows: await storedEventRows(reader, schema) };
    } finally {
      await reader.end();
    }
  });
}

/** Bare inserts of `rows` into a plain table, or into the ledger's own table and triggers. */
async function bareBatches(
  rows: readonly EventRowValues[],
  table: 'bare' | 'ledger',
): Promise<Run> {
  const schema = benchSchema('b9a_bare');
  if (table === 'ledger') await migrateLedgerSchema(schema);
  const pool = barePool(schema, APPLICATION);
  try {
    if (table === 'bare') await createBareTable(pool, schema);
    else await pool.query('SELECT 1');
    return await timed(async () => {
      for (let i = 0; i < rows.length; i += EVENTS_PER_BATCH) {
        await insertCommitted(pool, schema, rows.slice(i, i + EVENTS_PER_BATCH));
      }
      return rows.length;
    });
  } finally {
    await pool.end();
    await schema.drop();
  }
}

/** Runs `once(producer, n)` in PRODUCERS loops for `seconds`; returns how many calls ended. */
async function producers(seconds: number, once: (producer: number, n: number) => Promise<unknown>) {
  let done = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: PRODUCERS }, async (_, producer) => {
      for (let n = 0; performance.now() < end; n += 1) {
        await once(producer, n);
        done += 1;
      }
    }),
  );
  return done;
}

function ledgerProducers(seconds: number, tag: string): Promise<Run> {
  return withLedger('b9b', async (ledger) => {
    const run = await timed(() =>
      producers(seconds, (producer, n) =>
        ledger.events.append({
          streamId: `bench-${tag}-${String(producer)}-${String(n)}`,
          expectedVersion: 'noStream',
          events: [noteEvent(producer, n % EVENTS_PER_BATCH)],
        }),
      ),
    );
    return { ...run, requestsPerTransaction: requestsPerTransaction(ledger) };
  });
}

/** The same one-row transactions, each producer committing its own, no chain. */
async function bareProducers(seconds: number, template: EventRowValues, tag: string): Promise<Run> {
  const schema = benchSchema('b9b_bare');
  const pool = barePool(schema, APPLICATION);
  let position = 0;
  try {
    await createBareTable(pool, schema);
    return await timed(() =>
      producers(seconds, (producer, n) => {
        position += 1;
        const row = [...template];
        row[0] = position;
        row[1] = `bench-${tag}-${String(producer)}-${String(n)}`;
        row[2] = 1;
        return insertCommitted(pool, schema, [row]);
      }),
    );
  } finally {
    await pool.end();
    await schema.drop();
  }
}

function cpuPerThousand(runs: readonly Run[]): number {
  return median(runs.map((r) => (r.cpuMs / r.units) * 1000));
}

async function batchesCase(
  context: BenchContext,
): Promise<{ result: BenchResult; rows: EventRowValues[] }> {
  const events = batchBenchmarkEvents(context.quick);
  const batches = noteBatches('b9', events);
  // Warm-up of both sides; the rows it stored are "the same rows" every bare run inserts.
  const { rows } = await ledgerBatches(batches, true);
  await bareBatches(rows, 'bare');
  const withTriggers: Run[] = [];
  const { a, b } = await alternate(
    context.reps,
    async () => (await ledgerBatches(batches, false)).run,
    async () => {
      withTriggers.push(await bareBatches(rows, 'ledger'));
      return bareBatches(rows, 'bare');
    },
  );
  const ours = a.map((r) => r.perSecond);
  const bare = b.map((r) => r.perSecond);
  const ratios = pairedRatios(ours, bare);
  const result: BenchResult = {
    id: '9a',
    title: 'PostgreSQL ledger append, batches of 100',
    ours: { value: median(ours), unit: 'events/s' },
    baseline: { value: median(bare), unit: 'events/s' },
    headline: { label: 'ours / bare pg', value: median(ratios), unit: '×', samples: ratios },
    target: 'none (scale-out figures)',
    met: null,
    cpu: [
      { process: 'ledger (bench process)', cpuMsPerUnit: cpuPerThousand(a), unit: '1000 events' },
      { process: 'bare pg (bench process)', cpuMsPerUnit: cpuPerThousand(b), unit: '1000 events' },
    ],
    details: {
      eventsPerRun: events,
      transactionsPerRun: batches.length,
      poolSize: POSTGRES_LEDGER_DEFAULTS.poolSize,
      averageRowChars: round(averageRowChars(rows), 0),
      bareIntoLedgerTableEventsPerSecond: round(median(withTriggers.map((r) => r.perSecond)), 0),
      oursSamples: ours.map((v) => round(v, 0)),
      bareSamples: bare.map((v) => round(v, 0)),
    },
    notes: [
      'Ours: PostgresEventStore.append (openPostgresLedger, default settings: pool of 10, group commit) of one request of 100 events into a new stream, awaited one after another; each is one transaction: lock the chain head, savepoint, stream version, hash and number the rows, one multi-row INSERT through the chain trigger, COMMIT.',
      'Bare: the rows the ledger stored (hashes included), BEGIN + one 100-row INSERT + COMMIT per batch with pg on a pool of the same size, into a table with the same columns, keys and index and no triggers. "bare into ledger table" runs the same inserts into a freshly migrated ledger schema, whose BEFORE INSERT trigger checks the chain and moves the head row.',
      'Each run works in a schema of its own, created for it and dropped after.',
    ],
  };
  return { result, rows };
}

async function producersCase(
  context: BenchContext,
  template: EventRowValues,
): Promise<BenchResult> {
  const seconds = context.quick ? 1.5 : 4;
  await ledgerProducers(0.5, 'warm-a');
  await bareProducers(0.5, template, 'warm-b');
  const { a, b } = await alternate(
    context.reps,
    (rep) => ledgerProducers(seconds, `on-${String(rep)}`),
    (rep) => bareProducers(seconds, template, `bare-${String(rep)}`),
  );
  const ours = a.map((r) => r.perSecond);
  const bare = b.map((r) => r.perSecond);
  const ratios = pairedRatios(ours, bare);
  return {
    id: '9b',
    title: 'PostgreSQL ledger append, 1 event at a time × 16 producers',
    ours: { value: median(ours), unit: 'appends/s' },
    baseline: { value: median(bare), unit: 'appends/s' },
    headline: { label: 'ours / bare pg', value: median(ratios), unit: '×', samples: ratios },
    target: 'none (scale-out figures)',
    met: null,
    cpu: [
      { process: 'ledger (bench process)', cpuMsPerUnit: cpuPerThousand(a), unit: '1000 appends' },
      { process: 'bare pg (bench process)', cpuMsPerUnit: cpuPerThousand(b), unit: '1000 appends' },
    ],
    details: {
      secondsPerRun: seconds,
      producers: PRODUCERS,
      poolSize: POSTGRES_LEDGER_DEFAULTS.poolSize,
      requestsPerTransactionWithGroupCommit: round(
        median(a.map((r) => r.requestsPerTransaction ?? Number.NaN)),
        1,
      ),
      oursSamples: ours.map((v) => round(v, 0)),
      bareSamples: bare.map((v) => round(v, 0)),
    },
    notes: [
      'Ours: 16 producers in one process, each awaiting one append of a one-event request (a note event of benchmark 9a) into a new stream before the next; group commit puts the requests that arrive in one tick into one transaction, one at a time per process (the chain head is held for the whole transaction).',
      'Bare: 16 producers each committing its own one-row transaction (BEGIN, INSERT, COMMIT) of a row of the same size, on a pool of the same size (10 connections, so up to 10 commits in flight at once; PostgreSQL flushes concurrent commits together).',
    ],
  };
}

async function run(context: BenchContext): Promise<readonly BenchResult[]> {
  const batches = await batchesCase(context);
  const template = batches.rows[0];
  if (template === undefined) throw new Error('the ledger stored no rows');
  return [batches.result, await producersCase(context, template)];
}

export const postgresAppendBenchmark: Benchmark = {
  id: 9,
  title: 'PostgreSQL ledger append vs bare pg insert',
  tags: ['postgres'],
  run,
};

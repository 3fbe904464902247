/**
 * 1. Ledger append in batches of 100 events, synchronous=FULL, against a bare better-sqlite3
 * insert of the same rows in transactions of the same size.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { openSqliteLedger } from '../../src/adapters/sqlite/sqlite-ledger.js';
import type { AppendRequest } from '../../src/application/ports/index.js';
import { cpuMs } from '../lib/child.js';
import { removeDb, secondsSince } from '../lib/files.js';
import {
  EVENTS_PER_BATCH as BATCH,
  batchBenchmarkEvents,
  noteBatches,
} from '../lib/note-batches.js';
import { alternate, median, pairedRatios, round } from '../lib/stats.js';
import type { BenchContext, BenchResult, Benchmark } from '../lib/types.js';

/** The events table as the ledger creates it, without its triggers: the "bare" table. */
const BARE_SCHEMA = `
CREATE TABLE events (
  global_position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, stream_version INTEGER NOT NULL,
  event_type TEXT NOT NULL, schema_version INTEGER NOT NULL, data TEXT NOT NULL,
  metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
  UNIQUE (stream_id, stream_version)
);
CREATE INDEX events_by_type ON events (event_type, global_position);`;

const INSERT = `INSERT INTO events (global_position, stream_id, stream_version, event_type,
  schema_version, data, metadata, recorded_at, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)`;

type Row = readonly [
  number,
  string,
  number,
  string,
  number,
  string,
  string,
  string,
  string,
  string,
];

interface Run {
  readonly eventsPerSecond: number;
  readonly cpuMs: number;
}

async function runLedger(path: string, batches: readonly AppendRequest[]): Promise<Run> {
  removeDb(path);
  const ledger = openSqliteLedger({ path, clock: new SystemClock(), synchronous: 'FULL' });
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (const request of batches) await ledger.events.append(request);
  const seconds = secondsSince(start);
  const used = cpuMs({ user: 0, system: 0 }, process.cpuUsage(cpu));
  await ledger.close();
  return { eventsPerSecond: (batches.length * BATCH) / seconds, cpuMs: used };
}

async function openBare(path: string, schema: 'bare' | 'ledger'): Promise<Database.Database> {
  removeDb(path);
  if (schema === 'ledger') {
    // The ledger's own migrations: the same table plus its append-only and chain triggers.
    await openSqliteLedger({ path, clock: new SystemClock() }).close();
  }
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  if (schema === 'bare') db.exec(BARE_SCHEMA);
  return db;
}

async function runBare(
  path: string,
  rows: readonly Row[],
  schema: 'bare' | 'ledger',
): Promise<Run> {
  const db = await openBare(path, schema);
  const insert = db.prepare(INSERT);
  const insertAll = db.transaction((chunk: readonly Row[]) => {
    for (const row of chunk) insert.run(...row);
  });
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) insertAll(rows.slice(i, i + BATCH));
  const seconds = secondsSince(start);
  const used = cpuMs({ user: 0, system: 0 }, process.cpuUsage(cpu));
  db.close();
  removeDb(path);
  return { eventsPerSecond: rows.length / seconds, cpuMs: used };
}

function storedRows(path: string): Row[] {
  const db = new Database(path, { readonly: true });
  const rows = db
    .prepare(
      `SELECT global_position, stream_id, stream_version, event_type, schema_version, data,
       metadata, recorded_at, prev_hash, hash FROM events ORDER BY global_position`,
    )
    .raw()
    .all() as Row[];
  db.close();
  return rows;
}

async function run(context: BenchContext): Promise<BenchResult> {
  const events = batchBenchmarkEvents(context.quick);
  const ledgerPath = join(context.tmpDir, 'bench1-ledger.db');
  const barePath = join(context.tmpDir, 'bench1-bare.db');
  const batches = noteBatches('b1', events);
  // Warm-up of both sides; its rows are "the same rows" every bare run inserts.
  await runLedger(ledgerPath, batches);
  const rows = storedRows(ledgerPath);
  const rowBytes =
    rows.reduce((sum, row) => sum + row.reduce<number>((s, v) => s + String(v).length, 0), 0) /
    rows.length;
  await runBare(barePath, rows, 'bare');

  const triggers: Run[] = [];
  const { a, b } = await alternate(
    context.reps,
    () => runLedger(ledgerPath, batches),
    async () => {
      triggers.push(await runBare(barePath, rows, 'ledger'));
      return runBare(barePath, rows, 'bare');
    },
  );
  removeDb(ledgerPath);
  const ours = a.map((r) => r.eventsPerSecond);
  const bare = b.map((r) => r.eventsPerSecond);
  const ratios = pairedRatios(ours, bare);
  const ratio = median(ratios);
  const oursMedian = median(ours);
  return {
    id: '1',
    title: 'ledger append, batches of 100, synchronous=FULL',
    ours: { value: oursMedian, unit: 'events/s' },
    baseline: { value: median(bare), unit: 'events/s' },
    headline: { label: 'ours / bare', value: ratio, unit: '×', samples: ratios },
    target: '≥ 0.6 of bare and ≥ 80,000 events/s',
    met: ratio >= 0.6 && oursMedian >= 80_000,
    cpu: [
      {
        process: 'ledger (bench process)',
        cpuMsPerUnit: (median(a.map((r) => r.cpuMs)) / events) * 1000,
        unit: '1000 events',
      },
      {
        process: 'bare insert (bench process)',
        cpuMsPerUnit: (median(b.map((r) => r.cpuMs)) / events) * 1000,
        unit: '1000 events',
      },
    ],
    details: {
      eventsPerRun: events,
      transactionsPerRun: batches.length,
      averageRowBytes: round(rowBytes, 0),
      bareWithLedgerTriggersEventsPerSecond: round(
        median(triggers.map((r) => r.eventsPerSecond)),
        0,
      ),
      oursSamples: ours.map((v) => round(v, 0)),
      bareSamples: bare.map((v) => round(v, 0)),
    },
    notes: [
      'One append request of 100 events per transaction, awaited one after another.',
      'Bare: prepared INSERT of the rows the ledger wrote (hashes included), 100 per transaction, same columns and indexes, WAL, synchronous=FULL, no triggers. "bare + ledger triggers" runs the same inserts against the ledger schema, whose BEFORE INSERT trigger checks the chain.',
    ],
  };
}

export const ledgerBatchBenchmark: Benchmark = {
  id: 1,
  title: 'ledger append, batches of 100, synchronous=FULL',
  run,
};

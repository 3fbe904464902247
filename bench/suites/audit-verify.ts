/**
 * 5. `audit verify` (verifyLedger over the SQLite ledger, as the CLI runs it) against a bare
 * loop computing the same SHA-256 chain over the same bytes: the previous hash followed by
 * each row's canonical encoding, prepared beforehand and kept out of the timing.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { openSqliteLedger } from '../../src/adapters/sqlite/sqlite-ledger.js';
import { verifyLedger } from '../../src/application/audit/ledger-verification.js';
import { readAllPages } from '../../src/application/ledger/ledger-pages.js';
import { cpuMs } from '../lib/child.js';
import { datasetLedger } from '../lib/dataset.js';
import { alternate, median, pairedRatios, round } from '../lib/stats.js';
import type { BenchContext, BenchResult, Benchmark } from '../lib/types.js';

const CHUNK = 50_000;

interface Run {
  readonly perSecond: number;
  readonly cpuMs: number;
}

async function verifyRun(path: string, events: number): Promise<Run> {
  const ledger = openSqliteLedger({ path, clock: new SystemClock() });
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await verifyLedger(ledger.events);
  const seconds = (performance.now() - start) / 1000;
  const used = cpuMs({ user: 0, system: 0 }, process.cpuUsage(cpu));
  await ledger.close();
  if (!result.ok || result.count !== events) {
    throw new Error(`verify did not pass over ${String(events)} events: ${JSON.stringify(result)}`);
  }
  return { perSecond: events / seconds, cpuMs: used };
}

/** A diagnostic: the ledger's pages read and decoded, nothing hashed or checked. */
async function readOnlyRun(path: string, events: number): Promise<number> {
  const ledger = openSqliteLedger({ path, clock: new SystemClock() });
  const start = performance.now();
  let count = 0;
  for await (const _row of readAllPages(ledger.events)) count += 1;
  const seconds = (performance.now() - start) / 1000;
  await ledger.close();
  if (count !== events) throw new Error(`read ${String(count)} of ${String(events)} events`);
  return events / seconds;
}

interface ChainRow {
  readonly position: number;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: string;
  readonly metadata: string;
  readonly recordedAt: string;
  readonly hash: string;
}

/** The canonical row encoding, written out by hand from the stored (canonical) JSON columns. */
function encoding(row: ChainRow): string {
  return (
    `{"data":${row.data},"metadata":${row.metadata},"position":${String(row.position)},` +
    `"recordedAt":${JSON.stringify(row.recordedAt)},"schemaVersion":${String(row.schemaVersion)},` +
    `"streamId":${JSON.stringify(row.streamId)},"streamVersion":${String(row.streamVersion)},` +
    `"type":${JSON.stringify(row.type)}}`
  );
}

/** Hashes the chain chunk by chunk; only the hashing loops are timed. */
function hashRun(path: string, events: number): Run {
  const db = new Database(path, { readonly: true });
  const select = db.prepare(
    `SELECT global_position AS position, stream_id AS streamId, stream_version AS streamVersion,
     event_type AS type, schema_version AS schemaVersion, data, metadata,
     recorded_at AS recordedAt, hash FROM events WHERE global_position > ?
     ORDER BY global_position LIMIT ?`,
  );
  let prev = '0'.repeat(64);
  let after = 0;
  let hashedMs = 0;
  let cpuUsed = 0;
  let count = 0;
  for (;;) {
    const rows = select.all(after, CHUNK) as ChainRow[];
    const last = rows.at(-1);
    if (last === undefined) break;
    const bytes = rows.map(encoding);
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (const text of bytes) {
      prev = createHash('sha256').update(prev, 'utf8').update(text, 'utf8').digest('hex');
    }
    hashedMs += performance.now() - start;
    cpuUsed += cpuMs({ user: 0, system: 0 }, process.cpuUsage(cpu));
    if (prev !== last.hash)
      throw new Error(`bare chain differs at position ${String(last.position)}`);
    count += rows.length;
    after = last.position;
  }
  db.close();
  if (count !== events) throw new Error(`bare chain hashed ${String(count)} of ${String(events)}`);
  return { perSecond: events / (hashedMs / 1000), cpuMs: cpuUsed };
}

async function run(context: BenchContext): Promise<BenchResult> {
  const events = context.quick ? 30_000 : 1_000_000;
  const path = await datasetLedger(context, events);
  const readOnly: number[] = [];
  const { a, b } = await alternate(
    context.reps,
    () => verifyRun(path, events),
    async () => {
      readOnly.push(await readOnlyRun(path, events));
      return hashRun(path, events);
    },
  );
  const ours = a.map((r) => r.perSecond);
  const bare = b.map((r) => r.perSecond);
  const ratios = pairedRatios(ours, bare);
  const ratio = median(ratios);
  return {
    id: '5',
    title: `audit verify over ${events.toLocaleString('en-US')} events`,
    ours: { value: median(ours), unit: 'events/s' },
    baseline: { value: median(bare), unit: 'events/s' },
    headline: { label: 'verify / bare SHA-256', value: ratio, unit: '×', samples: ratios },
    target: '≥ 0.5 of bare SHA-256 chain',
    met: ratio >= 0.5,
    cpu: [
      {
        process: 'verify',
        cpuMsPerUnit: (median(a.map((r) => r.cpuMs)) / events) * 1000,
        unit: '1000 events',
      },
      {
        process: 'bare SHA-256',
        cpuMsPerUnit: (median(b.map((r) => r.cpuMs)) / events) * 1000,
        unit: '1000 events',
      },
    ],
    details: {
      events,
      readAndDecodeOnlyEventsPerSecond: round(median(readOnly), 0),
      oursSamples: ours.map((v) => round(v, 0)),
      bareSamples: bare.map((v) => round(v, 0)),
    },
    notes: [
      'Ours: verifyLedger on the SQLite ledger as `gtx audit verify` runs it (pages of 1000 rows, decode and upcast, canonical re-encoding, SHA-256, position, stream-version and prev-hash checks).',
      'Bare: createHash(sha256).update(prevHash).update(encoding) per row over the same bytes, with the encodings built from the stored columns before the timed loop; it checks it reaches the stored head hash.',
      'The ledger holds transmission streams cloned from ones the real transmitter wrote (requested with sealed content, attempt started, delivered).',
    ],
  };
}

export const auditVerifyBenchmark: Benchmark = {
  id: 5,
  title: 'audit verify over 1,000,000 events',
  run,
};

/**
 * Ledgers that already hold many events, for benchmark 13: transmission streams cloned from
 * the real transmitter's (bench/lib/fixtures.ts buildLedger: chained by planAppend, big
 * transactions, chain trigger on), then the work-queue projection rebuilt by the ledger's own
 * code so the transmissions table and its indexes are at the size production would have.
 * Built once per size and schema version under the OS tmpdir and reused by later runs; a
 * benchmark copies the file before it writes to it.
 */
import { copyFileSync, existsSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { LATEST_SCHEMA_VERSION } from '../../src/adapters/sqlite/sqlite-migrations.js';
import { openSqliteLedger } from '../../src/adapters/sqlite/sqlite-ledger.js';
import { fileBytes, removeDb } from './files.js';
import { buildLedger } from './fixtures.js';
import { templates } from './templates.js';
import type { BenchContext } from './types.js';

export interface GrowthLedger {
  /** The cached file: never written to by a benchmark. */
  readonly path: string;
  readonly events: number;
  /** Transmission streams in it, one per message. */
  readonly messages: number;
  readonly bytes: number;
}

function cachedPath(events: number): string {
  return join(
    tmpdir(),
    `gtx-bench-growth-schema${String(LATEST_SCHEMA_VERSION)}-${String(events)}.db`,
  );
}

function describe(path: string, events: number): GrowthLedger {
  const db = new Database(path, { readonly: true });
  const messages = (db.prepare('SELECT COUNT(*) AS n FROM transmissions').get() as { n: number }).n;
  db.close();
  return { path, events, messages, bytes: fileBytes(path) + fileBytes(`${path}-wal`) };
}

/** A ledger of `events` events: from the cache when an earlier run built it, else built now. */
export async function growthLedger(context: BenchContext, events: number): Promise<GrowthLedger> {
  const path = cachedPath(events);
  if (existsSync(path)) {
    context.log(`   reusing the ${String(events)}-event ledger ${path}`);
    return describe(path, events);
  }
  // Built under another name and renamed at the end: an interrupted build is never reused.
  const building = `${path}.building`;
  removeDb(building);
  const start = performance.now();
  let reported = 0;
  await buildLedger(building, events, await templates(context), (written) => {
    if (written - reported >= 500_000) {
      reported = written;
      context.log(`   building ledger: ${String(written)} / ${String(events)} events`);
    }
  });
  const ledger = openSqliteLedger({ path: building, clock: new SystemClock() });
  await ledger.work.rebuild();
  await ledger.close();
  const db = new Database(building);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  removeDb(path);
  renameSync(building, path);
  removeDb(building);
  const seconds = (performance.now() - start) / 1000;
  context.log(
    `   built a ${String(events)}-event ledger in ${seconds.toFixed(1)} s (cached at ${path})`,
  );
  return describe(path, events);
}

/** A writable copy of `ledger` in the run's scratch directory. */
export function copyLedger(ledger: GrowthLedger, into: string): string {
  removeDb(into);
  copyFileSync(ledger.path, into);
  if (existsSync(`${ledger.path}-wal`)) copyFileSync(`${ledger.path}-wal`, `${into}-wal`);
  return into;
}

/**
 * PostgreSQL ledgers that already hold many events, for benchmark 15: the SQLite growth ledger
 * of the same size (growth-ledger.ts) copied in by `gtx ledger copy`'s own code, so rows, hashes
 * and the rebuilt work queue are what a migrated production ledger would hold. Each size lives
 * in a database of its own on the benchmark server, kept between runs (building 1,000,000 events
 * takes minutes) and named after the size and schema version; each run clones it with
 * `CREATE DATABASE … TEMPLATE … STRATEGY = FILE_COPY` (no row is rewritten) and drops the clone after.
 * `DROP DATABASE gtx_bench_growth_…` removes a kept one.
 */
import pg from 'pg';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { LATEST_POSTGRES_SCHEMA_VERSION } from '../../src/adapters/postgres/postgres-migrations.js';
import { copyLedgerBetween } from '../../src/composition/ledger-copy.js';
import type { GrowthLedger } from './growth-ledger.js';
import { BENCH_POSTGRES_URL, withAdmin } from './postgres.js';
import type { BenchContext } from './types.js';

/** The schema every growth database keeps its ledger in (the ledger's default). */
export const GROWTH_SCHEMA = 'gtx';

export interface PostgresGrowthLedger {
  /** The kept database: never written to by a benchmark. */
  readonly database: string;
  readonly events: number;
  readonly messages: number;
  /** Tables and their indexes in the ledger's schema (TOAST included). */
  readonly bytes: number;
}

/** A database of its own for one run, cloned from a kept growth database. */
export interface PostgresGrowthClone {
  readonly url: string;
  drop(): Promise<void>;
}

function keptName(events: number): string {
  return `gtx_bench_growth_s${String(LATEST_POSTGRES_SCHEMA_VERSION)}_${String(events)}`;
}

/** The benchmark server's URL with another database in its path. */
export function databaseUrl(database: string): string {
  const url = new URL(BENCH_POSTGRES_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function databaseExists(database: string): Promise<boolean> {
  return withAdmin(async (admin) => {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    return found.rowCount === 1;
  });
}

async function describe(database: string, events: number): Promise<PostgresGrowthLedger> {
  const client = new pg.Client({ connectionString: databaseUrl(database) });
  await client.connect();
  try {
    const messages = await client.query<{ n: string }>(
      `SELECT COUNT(*) AS n FROM "${GROWTH_SCHEMA}".transmissions`,
    );
    const bytes = await client.query<{ n: string }>(
      `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) AS n
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`,
      [GROWTH_SCHEMA],
    );
    return {
      database,
      events,
      messages: Number(messages.rows[0]?.n ?? 0),
      bytes: Number(bytes.rows[0]?.n ?? 0),
    };
  } finally {
    await client.end();
  }
}

/**
 * The kept database of `source.events` events: reused when an earlier run built it, else copied
 * from the SQLite ledger now (under another name, renamed at the end: an interrupted build is
 * never reused).
 */
export async function postgresGrowthLedger(
  context: BenchContext,
  source: GrowthLedger,
): Promise<PostgresGrowthLedger> {
  const database = keptName(source.events);
  if (await databaseExists(database)) {
    context.log(`   reusing the ${String(source.events)}-event PostgreSQL ledger ${database}`);
    return describe(database, source.events);
  }
  const building = `${database}_building`;
  await withAdmin(async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${building}"`);
  });
  const start = performance.now();
  let reported = 0;
  await copyLedgerBetween(
    {
      from: source.path,
      to: `${databaseUrl(building)}?schema=${GROWTH_SCHEMA}`,
      cwd: process.cwd(),
      pageSize: 5000,
      onProgress: ({ copied, total }) => {
        if (copied - reported >= 500_000) {
          reported = copied;
          context.log(`   copying into PostgreSQL: ${String(copied)} / ${String(total)} events`);
        }
      },
    },
    new SystemClock(),
  );
  await vacuum(building);
  await withAdmin((admin) => admin.query(`ALTER DATABASE "${building}" RENAME TO "${database}"`));
  const seconds = (performance.now() - start) / 1000;
  context.log(
    `   built a ${String(source.events)}-event PostgreSQL ledger in ${seconds.toFixed(1)} s (kept as database ${database})`,
  );
  return describe(database, source.events);
}

/** Freezes and analyses the copied rows once, so no clone starts with that work pending. */
async function vacuum(database: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl(database) });
  await client.connect();
  try {
    await client.query('VACUUM (FREEZE, ANALYZE)');
  } finally {
    await client.end();
  }
}

/** A clone of `ledger` named after `tag`, for one run; `drop` ends its sessions and removes it. */
export async function clonePostgresLedger(
  ledger: PostgresGrowthLedger,
  tag: string,
): Promise<PostgresGrowthClone> {
  const clone = `gtx_bench15_${tag.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`;
  await withAdmin(async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS "${clone}" WITH (FORCE)`);
    // FILE_COPY, not PostgreSQL 15's default WAL_LOG: copying a gigabyte through the WAL would
    // leave a checkpoint due in the middle of the run. The CHECKPOINT settles what is left.
    await admin.query(
      `CREATE DATABASE "${clone}" TEMPLATE "${ledger.database}" STRATEGY = FILE_COPY`,
    );
    await admin.query('CHECKPOINT');
  });
  return {
    url: databaseUrl(clone),
    drop: () =>
      withAdmin(async (admin) => {
        await admin.query(`DROP DATABASE IF EXISTS "${clone}" WITH (FORCE)`);
      }),
  };
}

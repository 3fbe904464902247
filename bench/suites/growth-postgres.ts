/**
 * 15. Growth on PostgreSQL: benchmark 13's measurements on a PostgreSQL ledger that already
 * holds 0 and 1,000,000 events (`--postgres-growth-sizes`), each a clone of a kept database the
 * SQLite growth ledger of that size was copied into (bench/lib/growth-postgres.ts).
 */
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { PostgresDatabase } from '../../src/adapters/postgres/postgres-database.js';
import { openPostgresLedger } from '../../src/adapters/postgres/postgres-ledger.js';
import { growthLedger } from '../lib/growth-ledger.js';
import {
  clonePostgresLedger,
  GROWTH_SCHEMA,
  postgresGrowthLedger,
} from '../lib/growth-postgres.js';
import { runGrowth, type GrowthEngine } from '../lib/growth-run.js';
import type { Benchmark } from '../lib/types.js';

const APPLICATION = 'gtx-bench-15';

const postgresGrowth: GrowthEngine = {
  name: 'PostgreSQL',
  ids: ['15a', '15b'],
  notes: [
    "Each size is benchmark 13's SQLite ledger of that size copied by `gtx ledger copy`'s code into a database of its own (rows, hashes and the rebuilt work queue as stored), vacuumed once and kept on the server; each run works on a clone made with CREATE DATABASE … TEMPLATE and dropped after.",
    'Ledger bytes per message are the tables and indexes of the ledger schema (pg_total_relation_size), not the WAL.',
  ],
  ledgerAt: async (context, events) => {
    const kept = await postgresGrowthLedger(context, await growthLedger(context, events));
    return {
      events,
      messages: kept.messages,
      bytes: kept.bytes,
      copy: async (tag) => {
        const clone = await clonePostgresLedger(kept, tag);
        const settings = { url: clone.url, schema: GROWTH_SCHEMA, applicationName: APPLICATION };
        return {
          settings,
          open: async () => {
            const ledger = openPostgresLedger(PostgresDatabase.open(settings), new SystemClock());
            await ledger.ready();
            return ledger;
          },
          remove: () => clone.drop(),
        };
      },
    };
  },
};

export const postgresGrowthBenchmark: Benchmark = {
  id: 15,
  title:
    'growth on PostgreSQL: cost per message, verify and export on a ledger that already holds events',
  tags: ['growth', 'postgres'],
  run: (context) => runGrowth(context, postgresGrowth, context.postgresGrowthSizes),
};

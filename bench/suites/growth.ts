/**
 * 13. Growth on SQLite: the same work on a ledger that already holds 0, 1,000,000 and
 * 10,000,000 events (`--growth-sizes`), against the same work on the smallest one in the same
 * run. Append (as benchmark 1, synchronous=FULL), the pipeline (submitMany over the instant
 * transport), verify and export; bench/lib/growth-run.ts does the measuring.
 */
import { join } from 'node:path';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { openSqliteLedger } from '../../src/adapters/sqlite/sqlite-ledger.js';
import { removeDb } from '../lib/files.js';
import { copyLedger, growthLedger } from '../lib/growth-ledger.js';
import { runGrowth, type GrowthEngine } from '../lib/growth-run.js';
import type { Benchmark } from '../lib/types.js';

const sqliteGrowth: GrowthEngine = {
  name: 'SQLite',
  ids: ['13a', '13b'],
  notes: [
    'Each size is a ledger of transmission streams cloned from the real transmitter (requested with sealed content, attempt started, delivered), chained by planAppend, with the transmissions projection rebuilt by the ledger; built once per size and schema version under the OS tmpdir and copied before each run.',
    'Append at synchronous=FULL; the pipeline with the ledger as a transmitter opens it by default.',
  ],
  ledgerAt: async (context, events) => {
    const ledger = await growthLedger(context, events);
    return {
      events,
      messages: ledger.messages,
      bytes: ledger.bytes,
      copy: (tag) => {
        const path = copyLedger(ledger, join(context.tmpDir, `bench13-${tag}.db`));
        const clock = new SystemClock();
        return Promise.resolve({
          settings: { path },
          open: (purpose) =>
            Promise.resolve(
              openSqliteLedger(
                purpose === 'append' ? { path, clock, synchronous: 'FULL' } : { path, clock },
              ),
            ),
          remove: () => {
            removeDb(path);
            return Promise.resolve();
          },
        });
      },
    };
  },
};

export const growthBenchmark: Benchmark = {
  id: 13,
  title: 'growth: cost per message, verify and export on a ledger that already holds events',
  tags: ['growth'],
  run: (context) => runGrowth(context, sqliteGrowth, context.growthSizes),
};

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildLedger } from './fixtures.js';
import { templates } from './templates.js';
import type { BenchContext } from './types.js';

/** A ledger of `events` production-shaped events in the run's scratch directory, built once. */
export async function datasetLedger(context: BenchContext, events: number): Promise<string> {
  const path = join(context.tmpDir, `dataset-${String(events)}.db`);
  if (existsSync(path)) return path;
  const start = performance.now();
  let reported = 0;
  await buildLedger(path, events, await templates(context), (written) => {
    if (written - reported >= 250_000) {
      reported = written;
      context.log(`   building ledger: ${String(written)} / ${String(events)} events`);
    }
  });
  const seconds = (performance.now() - start) / 1000;
  context.log(`   built a ${String(events)}-event ledger in ${seconds.toFixed(1)} s`);
  return path;
}

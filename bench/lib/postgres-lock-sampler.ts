/**
 * Samples pg_stat_activity on a connection of its own while a benchmark runs: how many of the
 * backends whose application_name starts with a prefix are waiting on a heavyweight lock (a
 * row locked FOR UPDATE shows as `Lock:transactionid` or `Lock:tuple`), and on what.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { BENCH_POSTGRES_URL } from './postgres.js';

export interface LockWaitSamples {
  readonly samples: number;
  /** Mean number of the sampled backends waiting on a lock (wait_event_type = 'Lock'). */
  readonly meanLockWaiting: number;
  /** Share of samples in which at least one of them waited on a lock. */
  readonly shareWithLockWait: number;
  /** `wait_event_type:wait_event` (or `running`) -> backend samples, over the whole run. */
  readonly byWaitEvent: Readonly<Record<string, number>>;
}

const ACTIVITY = `SELECT wait_event_type, wait_event FROM pg_stat_activity
  WHERE starts_with(application_name, $1) AND state = 'active'`;

export interface LockWaitSampler {
  stop(): Promise<LockWaitSamples>;
}

export async function sampleLockWaits(
  prefix: string,
  intervalMs: number,
): Promise<LockWaitSampler> {
  const client = new pg.Client({
    connectionString: BENCH_POSTGRES_URL,
    application_name: 'gtx-bench sampler',
  });
  await client.connect();
  const stopped = new AbortController();
  let samples = 0;
  let waiting = 0;
  let withWait = 0;
  const byWaitEvent: Record<string, number> = {};
  const loop = (async () => {
    while (!stopped.signal.aborted) {
      const result = await client.query<{
        wait_event_type: string | null;
        wait_event: string | null;
      }>(ACTIVITY, [prefix]);
      samples += 1;
      let lockWaits = 0;
      for (const row of result.rows) {
        const key =
          row.wait_event_type === null
            ? 'running'
            : `${row.wait_event_type}:${row.wait_event ?? ''}`;
        byWaitEvent[key] = (byWaitEvent[key] ?? 0) + 1;
        if (row.wait_event_type === 'Lock') lockWaits += 1;
      }
      waiting += lockWaits;
      if (lockWaits > 0) withWait += 1;
      await sleep(intervalMs);
    }
  })();
  // A failed query ends the loop; stop() reports it, and until then it is not unhandled.
  loop.catch(() => undefined);
  return {
    stop: async () => {
      stopped.abort();
      try {
        await loop;
      } finally {
        await client.end();
      }
      return {
        samples,
        meanLockWaiting: samples === 0 ? 0 : waiting / samples,
        shareWithLockWait: samples === 0 ? 0 : withWait / samples,
        byWaitEvent,
      };
    },
  };
}

/**
 * Samples pg_stat_activity on a connection of its own while a benchmark runs: how many of the
 * benchmark's active backends wait on a heavyweight lock (a row locked FOR UPDATE shows as
 * `Lock:transactionid` or `Lock:tuple`) and on what, and how much CPU those backends used (the
 * server runs on this machine, so /proc has them).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { BENCH_POSTGRES_URL } from './postgres.js';
import { processCpuMs } from './proc.js';

export interface BackendSamples {
  readonly samples: number;
  /** Mean number of the sampled backends waiting on a lock (wait_event_type = 'Lock'). */
  readonly meanLockWaiting: number;
  /** Share of samples in which at least one of them waited on a lock. */
  readonly shareWithLockWait: number;
  /** `wait_event_type:wait_event` (or `running`) -> active backend samples, over the run. */
  readonly byWaitEvent: Readonly<Record<string, number>>;
  /**
   * User + system CPU of every backend seen, from the start to the end of sampling; a lower
   * bound: a backend that exited before the end is not counted.
   */
  readonly backendCpuMs: number;
}

/**
 * Which backends are the benchmark's: those whose application_name starts with a prefix, or
 * (for `gtx serve` processes, whose name is the default one other programs may share) those
 * whose statement names the benchmark's schema, as every ledger statement does, less the
 * benchmark's own connections.
 */
export type BackendFilter =
  { readonly applicationNamePrefix: string } | { readonly schemaInQuery: string };

interface ActivityRow {
  readonly pid: number;
  readonly state: string | null;
  readonly wait_event_type: string | null;
  readonly wait_event: string | null;
}

/** What every connection the benchmarks open themselves is named after. */
export const BENCH_APPLICATION_PREFIX = 'gtx-bench';

const ALL_BACKENDS = 'SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()';

function activityQuery(filter: BackendFilter): { text: string; value: string } {
  const select = `SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity
    WHERE pid <> pg_backend_pid()`;
  return 'applicationNamePrefix' in filter
    ? {
        text: `${select} AND starts_with(application_name, $1)`,
        value: filter.applicationNamePrefix,
      }
    : {
        // The benchmark's own connections (its monitor, this sampler) are named gtx-bench….
        text: `${select} AND strpos(query, $1) > 0 AND NOT starts_with(application_name, '${BENCH_APPLICATION_PREFIX}')`,
        value: `"${filter.schemaInQuery}".`,
      };
}

export interface BackendSampler {
  stop(): Promise<BackendSamples>;
}

export async function sampleBackends(
  filter: BackendFilter,
  intervalMs: number,
): Promise<BackendSampler> {
  const activity = activityQuery(filter);
  const client = new pg.Client({
    connectionString: BENCH_POSTGRES_URL,
    application_name: `${BENCH_APPLICATION_PREFIX} sampler`,
  });
  await client.connect();
  // Every backend's CPU now: one that matches the filter only later (an idle pooled connection
  // whose last statement was COMMIT) is counted from here, not from its start.
  const cpuAtStart = new Map<number, number>();
  for (const { pid } of (await client.query<{ pid: number }>(ALL_BACKENDS)).rows) {
    cpuAtStart.set(pid, processCpuMs(pid) ?? 0);
  }
  const seen = new Set<number>();
  const stopped = new AbortController();
  let samples = 0;
  let waiting = 0;
  let withWait = 0;
  const byWaitEvent: Record<string, number> = {};
  const loop = (async () => {
    while (!stopped.signal.aborted) {
      const result = await client.query<ActivityRow>(activity.text, [activity.value]);
      samples += 1;
      let lockWaits = 0;
      for (const row of result.rows) {
        seen.add(row.pid);
        if (row.state !== 'active') continue;
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
      let backendCpuMs = 0;
      for (const pid of seen) {
        const now = processCpuMs(pid);
        if (now !== null) backendCpuMs += now - (cpuAtStart.get(pid) ?? 0);
      }
      return {
        samples,
        meanLockWaiting: samples === 0 ? 0 : waiting / samples,
        shareWithLockWait: samples === 0 ? 0 : withWait / samples,
        byWaitEvent,
        backendCpuMs,
      };
    },
  };
}
